import { Link, type To } from 'react-router';
import type { ReleaseFeed } from '../hooks/useReleaseFeed.ts';
import { languageLabel } from '../lib/releases.ts';
import { ChipScroller } from './ChipScroller.tsx';
import { OfflineBanner } from './OfflineBanner.tsx';
import { ReleaseCard } from './ReleaseCard.tsx';
import { SourceFreshness } from './SourceFreshness.tsx';

/** Props of {@link NewReleasesRow}. */
export interface NewReleasesRowProps {
  feed: ReleaseFeed;
  /** Current time (ms), refreshed periodically, for relative labels. */
  now: number;
  /** Where a language chip leads (the filter lives in the URL); null is "All". */
  languageLink: (language: string | null) => To;
}

const SKELETON_COUNT = 12;

function SkeletonGrid() {
  return (
    <ul className="grid" aria-hidden="true" data-testid="releases-skeleton">
      {Array.from({ length: SKELETON_COUNT }, (_, i) => (
        <li className="card card--skeleton" key={i}>
          <div className="card__cover skeleton" />
          <div className="card__body">
            <span className="skeleton skeleton--line" />
            <span className="skeleton skeleton--line skeleton--short" />
            <span className="skeleton skeleton--line skeleton--tiny" />
          </div>
          <div className="card__actions">
            <span className="skeleton skeleton--pill" />
            <span className="skeleton skeleton--pill skeleton--narrow" />
          </div>
        </li>
      ))}
    </ul>
  );
}

function LanguageChips({
  languages,
  selected,
  linkTo,
}: {
  languages: string[];
  selected: string | null;
  linkTo: (language: string | null) => To;
}) {
  if (languages.length === 0) return null;
  const options: Array<string | null> = [null, ...languages];
  return (
    <ChipScroller label="Filter by language" testId="language-filter">
      {options.map((language) => {
        const active = language === selected;
        return (
          <Link
            key={language ?? '__all'}
            to={linkTo(language)}
            className={`chip${active ? ' chip--active' : ''}`}
            aria-current={active ? 'true' : undefined}
            data-language={language ?? 'all'}
          >
            {language === null ? 'All' : languageLabel(language)}
          </Link>
        );
      })}
    </ChipScroller>
  );
}

/**
 * The "New Releases" section: language chips, source freshness, the offline banner, a responsive grid of
 * release cards (skeletons while loading), and "Load more".
 */
export function NewReleasesRow({ feed, now, languageLink }: NewReleasesRowProps) {
  const { state, offline, pendingLikes } = feed;
  const freshIds = new Set(state.freshIds);
  const showBanner = offline && state.status === 'ready';
  // "Offline" also means "no stream for a while" with the browser online: only a browser that says it is offline
  // gets the network wording; otherwise the server is the one not answering.
  const bannerReason = typeof navigator !== 'undefined' && !navigator.onLine ? 'network' : 'server';
  const filterName = state.language ? `${languageLabel(state.language)} ` : '';

  return (
    <section className="releases" aria-labelledby="releases-heading" data-testid="new-releases">
      <div className="releases__head">
        <div>
          <h1 id="releases-heading" className="releases__title">
            New Releases
          </h1>
          {state.status === 'loading' && state.sources.length === 0 ? (
            <span className="skeleton skeleton--freshness" aria-hidden="true" />
          ) : (
            <SourceFreshness sources={state.sources} now={now} offline={offline} syncedAt={state.syncedAt} />
          )}
        </div>
        {state.refreshing && state.status === 'ready' && (
          <span className="refreshing" data-testid="refreshing">
            <span className="spinner" aria-hidden="true" />
            Updating…
          </span>
        )}
      </div>

      {state.status === 'loading' && state.languages.length === 0 ? (
        <div className="chips" aria-hidden="true">
          {[56, 72, 104, 84, 72, 80].map((width, i) => (
            <span key={i} className="skeleton skeleton--chip" style={{ width }} />
          ))}
        </div>
      ) : (
        <LanguageChips languages={state.languages} selected={state.language} linkTo={languageLink} />
      )}

      {showBanner && (
        <OfflineBanner
          savedAt={state.syncedAt}
          now={now}
          reason={bannerReason}
          retrying={state.refreshing}
          onRetry={feed.refresh}
        />
      )}

      {state.status === 'loading' && (
        <>
          <p className="visually-hidden" role="status">
            Loading new releases…
          </p>
          <SkeletonGrid />
        </>
      )}

      {state.status === 'error' && (
        <div className="empty empty--error" data-testid="releases-error" role="alert">
          <p className="empty__title">Couldn’t load new releases</p>
          <p className="empty__text">{state.fetchError ?? 'The server could not be reached.'} We’ll keep trying.</p>
          <button type="button" className="btn btn--primary" onClick={feed.refresh} disabled={state.refreshing}>
            {state.refreshing ? 'Retrying…' : 'Try again'}
          </button>
        </div>
      )}

      {state.status === 'ready' && state.items.length === 0 && (
        <div className="empty" data-testid="releases-empty">
          <p className="empty__title">No new {filterName}releases yet</p>
          <p className="empty__text">New music shows up here the moment it is detected.</p>
        </div>
      )}

      {state.status === 'ready' && state.items.length > 0 && (
        <ul className="grid" aria-busy={state.refreshing} data-testid="release-grid">
          {state.items.map((release) => (
            <ReleaseCard
              key={release.id}
              release={release}
              fresh={freshIds.has(release.id)}
              likePending={pendingLikes.has(release.id)}
              now={now}
              onToggleLike={feed.toggleLike}
            />
          ))}
        </ul>
      )}

      {state.status === 'ready' && state.items.length > 0 && (
        <div className="more">
          {state.nextCursor ? (
            <button
              type="button"
              className="btn btn--secondary"
              onClick={feed.loadMore}
              disabled={state.loadingMore}
              data-testid="load-more"
            >
              {state.loadingMore && <span className="spinner" aria-hidden="true" />}
              {state.loadingMore ? 'Loading…' : 'Load more'}
            </button>
          ) : (
            !offline && <p className="more__end">You’re all caught up.</p>
          )}
          {state.loadMoreError && (
            <p className="more__error" role="alert">
              Couldn’t load more. {state.loadMoreError}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
