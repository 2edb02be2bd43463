import { matchDetails, musicBrainzUrl } from '../../lib/trending.ts';
import type { MusicBrainzMatch } from '../../lib/types.ts';

/** Props of {@link MbBadge}. */
export interface MbBadgeProps {
  albumId: string;
  albumName: string;
  match: MusicBrainzMatch | null;
}

function MbIcon() {
  return (
    <svg viewBox="0 0 16 16" aria-hidden="true" className="mb-badge__icon">
      <path d="M8 1.5 2 5v6l6 3.5V1.5Z" fill="currentColor" opacity="0.85" />
      <path d="M8 1.5 14 5v6l-6 3.5" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
    </svg>
  );
}

/**
 * An album's MusicBrainz outcome: a badge linking to its release group when matched, a muted "Not on MusicBrainz"
 * when the search found nothing, "Queued" while it waits for its search (at MusicBrainz's pace of one per second),
 * and nothing before it is even queued.
 */
export function MbBadge({ albumId, albumName, match }: MbBadgeProps) {
  if (!match) return null;
  const url = musicBrainzUrl(match);
  const details = matchDetails(match) || undefined;
  if (url) {
    return (
      <a
        className="mb-badge mb-badge--matched"
        href={url}
        target="_blank"
        rel="noopener noreferrer"
        title={details}
        aria-label={`${albumName} on MusicBrainz (opens in a new tab)`}
        data-testid="mb-badge"
        data-album-id={albumId}
        data-status="matched"
        data-release-group-id={match.releaseGroupId ?? undefined}
      >
        <MbIcon />
        MusicBrainz
      </a>
    );
  }
  const text =
    match.status === 'no_match'
      ? 'Not on MusicBrainz'
      : match.status === 'failed'
        ? 'MusicBrainz lookup failed'
        : match.status === 'queued'
          ? 'MusicBrainz: queued'
          : 'MusicBrainz: no link';
  return (
    <span
      className={`mb-badge mb-badge--${match.status}`}
      title={details}
      data-testid="mb-status"
      data-album-id={albumId}
      data-status={match.status}
    >
      {text}
    </span>
  );
}
