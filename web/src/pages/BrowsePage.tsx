import { lazy, Suspense, useCallback, useRef, useState, type KeyboardEvent } from 'react';
import { useSearchParams } from 'react-router';
import { AlbumCard } from '../components/trending/AlbumCard.tsx';
import { AlbumHistoryDialog, type HistoryTarget } from '../components/trending/AlbumHistoryDialog.tsx';
import { ArtistList } from '../components/trending/ArtistList.tsx';
import { BrowseSkeleton } from '../components/trending/BrowseSkeleton.tsx';
import { CollectionPanel } from '../components/trending/CollectionPanel.tsx';
import { PageLoadBoundary } from '../components/trending/PageLoadBoundary.tsx';
import { TrendingFreshness } from '../components/trending/TrendingFreshness.tsx';
import { useDocumentTitle } from '../hooks/useDocumentTitle.ts';
import {
  useCollection,
  useTrending,
  type CollectionState,
  type TrendingFeed,
  type TrendingStream,
} from '../hooks/useTrending.ts';
import { matchOf, parseDays } from '../lib/trending.ts';
import { formatRelative } from '../lib/time.ts';
import type { AlbumSummary, PopularAlbum, TrendingAlbum, TrendingDocument } from '../lib/types.ts';

// The stats view carries the charting library; the charts of the page are shown without waiting for it.
const StatsCharts = lazy(() =>
  import('../components/trending/StatsCharts.tsx').then((m) => ({ default: m.StatsCharts })),
);

/** Props of {@link BrowsePage}. */
export interface BrowsePageProps {
  /** Current time (ms), refreshed periodically, for relative labels. */
  now: number;
  /** The app's live stream, which also carries `musicbrainz_match` and `trending_refreshed`. */
  stream: TrendingStream;
  /** Shows a failed action (e.g. adding to the collection) as a toast. */
  onError: (message: string) => void;
}

type View = 'charts' | 'stats';
const VIEWS: ReadonlyArray<{ id: View; label: string }> = [
  { id: 'charts', label: 'Charts' },
  { id: 'stats', label: 'Stats' },
];

function popularNote(album: PopularAlbum): string {
  const points = Number.isInteger(album.points) ? album.points : album.points.toFixed(1);
  const parts = [`${points} pts`, `${album.appearances} ${album.appearances === 1 ? 'appearance' : 'appearances'}`];
  if (album.bestPosition !== null) parts.push(`best #${album.bestPosition}`);
  return parts.join(' · ');
}

function AlbumGrid({
  doc,
  albums,
  testId,
  ranked,
  collection,
  onOpen,
}: {
  doc: TrendingDocument;
  albums: ReadonlyArray<TrendingAlbum | PopularAlbum>;
  testId: string;
  /** Computed ranking (1, 2, 3…) instead of the chart position. */
  ranked: boolean;
  collection: CollectionState;
  onOpen: (album: TrendingAlbum) => void;
}) {
  return (
    <ul className="grid browse-grid" data-testid={testId}>
      {albums.map((album, i) => (
        <AlbumCard
          key={album.id}
          album={album}
          match={matchOf(doc, album)}
          rank={ranked ? i + 1 : album.position}
          rankLabel={ranked ? 'Rank' : 'Chart position'}
          note={ranked && 'points' in album ? popularNote(album) : undefined}
          inCollection={collection.ids.has(album.id)}
          pending={collection.pending.has(album.id)}
          onAdd={collection.add}
          onOpen={onOpen}
        />
      ))}
    </ul>
  );
}

function StatsFallback() {
  return (
    <div className="stats__charts" aria-busy="true" data-testid="stats-loading">
      <p className="visually-hidden" role="status">
        Loading the stats…
      </p>
      <span className="skeleton stats__skeleton" aria-hidden="true" />
      <span className="skeleton stats__skeleton" aria-hidden="true" />
    </div>
  );
}

function OfflineNotice({ trending, now }: { trending: TrendingFeed; now: number }) {
  const age = trending.receivedAt ? formatRelative(trending.receivedAt, now, 'long') : '';
  return (
    <div className="banner" role="status" data-testid="browse-offline">
      <svg className="banner__icon" viewBox="0 0 24 24" aria-hidden="true">
        <path
          d="M2 8.8a15 15 0 0 1 20 0M5.5 12.3a10 10 0 0 1 13 0M9 15.8a5 5 0 0 1 6 0M12 19.5h.01M3 3l18 18"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeLinecap="round"
        />
      </svg>
      <div className="banner__text">
        <strong>
          Couldn’t refresh the charts — showing what was loaded{' '}
          {age === '' || age === 'just now' ? 'a moment ago' : age}
        </strong>
        <span>{trending.error} We keep retrying.</span>
      </div>
      <button
        type="button"
        className="btn btn--ghost banner__action"
        onClick={trending.reload}
        disabled={trending.loading}
      >
        {trending.loading ? 'Retrying…' : 'Try again'}
      </button>
    </div>
  );
}

function ChartsView({
  trending,
  collection,
  now,
  onOpen,
}: {
  trending: TrendingFeed;
  collection: CollectionState;
  now: number;
  onOpen: (album: HistoryTarget) => void;
}) {
  const { doc } = trending;
  const matchFor = useCallback((album: AlbumSummary) => (doc ? matchOf(doc, album) : album.musicbrainz), [doc]);
  if (!doc) {
    if (trending.error) {
      return (
        <div className="empty empty--error" role="alert" data-testid="browse-error">
          <p className="empty__title">Couldn’t load the charts</p>
          <p className="empty__text">{trending.error} We’ll keep trying.</p>
          <button type="button" className="btn btn--primary" onClick={trending.reload} disabled={trending.loading}>
            {trending.loading ? 'Retrying…' : 'Try again'}
          </button>
        </div>
      );
    }
    return <BrowseSkeleton />;
  }
  return (
    <>
      <section className="browse-section" aria-labelledby="new-releases-title" data-testid="new-releases-section">
        <div className="section-head">
          <h2 id="new-releases-title" className="section-head__title">
            New releases
          </h2>
          {doc.newReleases.length > 0 && (
            <span className="section-head__count">
              {doc.newReleases.length === doc.total ? doc.total : `${doc.newReleases.length} of ${doc.total}`}
            </span>
          )}
        </div>
        {doc.newReleases.length === 0 ? (
          <div className="empty" data-testid="browse-empty">
            <p className="empty__title">No new releases yet</p>
            <p className="empty__text">
              {doc.asOf === null
                ? 'The charts appear here after the first successful sync with Spotify.'
                : 'Spotify listed no new releases in the last sync.'}
            </p>
          </div>
        ) : (
          <AlbumGrid
            doc={doc}
            albums={doc.newReleases}
            testId="new-releases-grid"
            ranked={false}
            collection={collection}
            onOpen={onOpen}
          />
        )}
      </section>

      <section className="browse-section" aria-labelledby="artists-title" data-testid="trending-artists-section">
        <div className="section-head">
          <h2 id="artists-title" className="section-head__title">
            Trending artists
          </h2>
          <span className="section-head__count">Last {doc.rankingWindowDays} days</span>
        </div>
        {doc.trendingArtists.length === 0 ? (
          <p className="panel__text">No artist has enough chart history yet.</p>
        ) : (
          <ArtistList artists={doc.trendingArtists} />
        )}
      </section>

      <section className="browse-section" aria-labelledby="popular-title" data-testid="popular-albums-section">
        <div className="section-head">
          <h2 id="popular-title" className="section-head__title">
            Popular albums
          </h2>
          <span className="section-head__count">Last {doc.rankingWindowDays} days</span>
        </div>
        {doc.popularAlbums.length === 0 ? (
          <p className="panel__text">No album has enough chart history yet.</p>
        ) : (
          <AlbumGrid
            doc={doc}
            albums={doc.popularAlbums}
            testId="popular-albums-grid"
            ranked
            collection={collection}
            onOpen={onOpen}
          />
        )}
      </section>

      <CollectionPanel collection={collection} now={now} onOpenAlbum={onOpen} matchFor={matchFor} />
    </>
  );
}

/**
 * The Browse page (`/browse`): the cached trending document shown at once (new releases, trending artists, popular
 * albums), refreshed in the background, with live MusicBrainz badges, chart histories, the guest's collection and a
 * stats view. The view and the stats window live in the URL (`/browse?view=stats&days=30`).
 */
export function BrowsePage({ now: tick, stream, onError }: BrowsePageProps) {
  useDocumentTitle('Browse');
  const [params, setParams] = useSearchParams();
  const view: View = params.get('view') === 'stats' ? 'stats' : 'charts';
  const days = parseDays(params.get('days'));
  const trending = useTrending(stream);
  // The app's clock ticks every 30 s: ages are measured from no earlier than the arrival of the document shown.
  const now = Math.max(tick, trending.receivedAt);
  const collection = useCollection(onError);
  const [historyOf, setHistoryOf] = useState<HistoryTarget | null>(null);
  const tabs = useRef(new Map<View, HTMLButtonElement>());

  const openAlbum = useCallback(
    (album: HistoryTarget) =>
      setHistoryOf({ id: album.id, name: album.name, artists: album.artists, imageUrl: album.imageUrl }),
    [],
  );
  const closeHistory = useCallback(() => setHistoryOf(null), []);

  const setView = (next: View) => {
    setParams(
      (prev) => {
        const out = new URLSearchParams(prev);
        if (next === 'charts') out.delete('view');
        else out.set('view', next);
        return out;
      },
      { replace: true },
    );
  };
  const setDays = (next: number) => {
    setParams(
      (prev) => {
        const out = new URLSearchParams(prev);
        out.set('days', String(next));
        return out;
      },
      { replace: true },
    );
  };

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const index = VIEWS.findIndex((v) => v.id === view);
    let next: number | null = null;
    if (event.key === 'ArrowRight') next = (index + 1) % VIEWS.length;
    else if (event.key === 'ArrowLeft') next = (index - 1 + VIEWS.length) % VIEWS.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = VIEWS.length - 1;
    const target = next === null ? undefined : VIEWS[next];
    if (!target) return;
    event.preventDefault();
    setView(target.id);
    tabs.current.get(target.id)?.focus();
  };

  const { doc } = trending;
  return (
    <div className="browse" data-testid="browse-page">
      <div className="page-head browse__head">
        <div className="browse__intro">
          <h1 className="page-head__title">Browse</h1>
          {doc ? (
            <TrendingFreshness doc={doc} receivedAt={trending.receivedAt} now={now} syncing={trending.syncing} />
          ) : (
            <p className="page-head__text">
              New releases and what has been trending, from Spotify and our own history.
            </p>
          )}
        </div>
        <div className="tabs" role="tablist" aria-label="Browse views">
          {VIEWS.map(({ id, label }) => (
            <button
              key={id}
              ref={(el) => {
                if (el) tabs.current.set(id, el);
                else tabs.current.delete(id);
              }}
              type="button"
              role="tab"
              id={`browse-tab-${id}`}
              className={`tab${view === id ? ' tab--active' : ''}`}
              aria-selected={view === id}
              aria-controls={view === id ? `browse-panel-${id}` : undefined}
              tabIndex={view === id ? 0 : -1}
              onClick={() => setView(id)}
              onKeyDown={onTabKey}
              data-testid={`tab-${id}`}
            >
              {label}
            </button>
          ))}
        </div>
      </div>

      {doc && trending.error && <OfflineNotice trending={trending} now={now} />}

      <div
        role="tabpanel"
        id={`browse-panel-${view}`}
        aria-labelledby={`browse-tab-${view}`}
        className="browse__panel"
        data-testid={`browse-panel-${view}`}
      >
        {view === 'charts' ? (
          <ChartsView trending={trending} collection={collection} now={now} onOpen={openAlbum} />
        ) : (
          <PageLoadBoundary what="the stats">
            <Suspense fallback={<StatsFallback />}>
              <StatsCharts days={days} onDaysChange={setDays} onOpenAlbum={openAlbum} now={now} />
            </Suspense>
          </PageLoadBoundary>
        )}
      </div>

      {historyOf && (
        <AlbumHistoryDialog
          key={historyOf.id}
          album={historyOf}
          match={doc?.metadata.mbMatches[historyOf.id] ?? null}
          now={now}
          onClose={closeHistory}
        />
      )}
    </div>
  );
}
