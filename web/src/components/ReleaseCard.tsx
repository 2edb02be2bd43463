import { memo } from 'react';
import { Cover } from './Cover.tsx';
import { languageLabel, sourceLabel } from '../lib/releases.ts';
import { formatDuration, formatFullDate, formatReleaseDate } from '../lib/time.ts';
import type { Release } from '../lib/types.ts';

/** Props of {@link ReleaseCard}. */
export interface ReleaseCardProps {
  release: Release;
  /** Just arrived live: highlighted for a few seconds. */
  fresh: boolean;
  likePending: boolean;
  /** Current time (ms) for relative dates. */
  now: number;
  onToggleLike: (id: number) => void;
}

function hueOf(id: number): number {
  return (Math.abs(id) * 47) % 360;
}

function ReleaseCover({ release }: { release: Release }) {
  return (
    <Cover imageUrl={release.imageUrl} hue={hueOf(release.id)} size={500}>
      {release.isNew && (
        <span className="badge" data-testid="new-badge">
          New
        </span>
      )}
    </Cover>
  );
}

function HeartIcon({ filled }: { filled: boolean }) {
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true" className="like__icon">
      <path
        d="M12 20.7s-7.5-4.6-9.3-9.2C1.5 8.3 3.6 4.8 7.1 4.8c2 0 3.4 1.1 4.9 2.9 1.5-1.8 2.9-2.9 4.9-2.9 3.5 0 5.6 3.5 4.4 6.7-1.8 4.6-9.3 9.2-9.3 9.2Z"
        fill={filled ? 'currentColor' : 'none'}
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinejoin="round"
      />
    </svg>
  );
}

function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, '')}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

/** One release: cover, NEW badge, title, artists, album, date, Play link and like button. */
export const ReleaseCard = memo(function ReleaseCard({
  release,
  fresh,
  likePending,
  now,
  onToggleLike,
}: ReleaseCardProps) {
  const artists = release.artists.join(', ') || 'Unknown artist';
  const date = formatReleaseDate(release.releaseDate, new Date(now));
  const duration = formatDuration(release.durationSeconds);
  const liked = Boolean(release.liked);
  const source = sourceLabel(release.source);
  const titleId = `release-${release.id}-title`;
  return (
    <li
      className={`card${fresh ? ' card--fresh' : ''}`}
      data-testid="release-card"
      data-release-id={release.id}
      data-fresh={fresh ? 'true' : undefined}
      aria-labelledby={titleId}
    >
      <ReleaseCover release={release} />
      <div className="card__body">
        <h3 className="card__title" id={titleId} title={release.title}>
          {release.title}
        </h3>
        <p className="card__artists" title={artists}>
          {artists}
        </p>
        {release.album.name && release.album.name !== release.title && (
          <p className="card__album" title={release.album.name}>
            {release.album.name}
          </p>
        )}
        <p className="card__meta">
          {date && (
            <time dateTime={release.releaseDate ?? undefined} title={formatFullDate(release.releaseDate) ?? undefined}>
              {date}
            </time>
          )}
          {duration && <span>{duration}</span>}
          <span>{languageLabel(release.language)}</span>
        </p>
      </div>
      <div className="card__actions">
        {release.url ? (
          <a
            className="btn btn--play"
            href={release.url}
            target="_blank"
            rel="noopener noreferrer"
            aria-label={`Play ${release.title} by ${artists} on ${source} (opens in a new tab)`}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M8 5.5v13l11-6.5-11-6.5Z" fill="currentColor" />
            </svg>
            Play
          </a>
        ) : (
          <span className="btn btn--play btn--disabled" aria-disabled="true">
            Unavailable
          </span>
        )}
        <button
          type="button"
          className={`like${liked ? ' like--on' : ''}`}
          aria-pressed={liked}
          aria-busy={likePending || undefined}
          aria-label={`Like ${release.title} (${release.likes} ${release.likes === 1 ? 'like' : 'likes'})`}
          data-testid="like-button"
          data-count={release.likes}
          onClick={() => onToggleLike(release.id)}
        >
          <HeartIcon filled={liked} />
          <span className="like__count" data-testid="like-count">
            {formatCount(release.likes)}
          </span>
        </button>
      </div>
    </li>
  );
});
