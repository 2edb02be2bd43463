import { lazy, Suspense, useEffect, useId, useRef } from 'react';
import { useAppearances } from '../../hooks/useTrending.ts';
import { artistNames, trendingSourceLabel } from '../../lib/trending.ts';
import { formatRelative } from '../../lib/time.ts';
import type { AppearanceHistory, MusicBrainzMatch } from '../../lib/types.ts';
import { AlbumCover } from './AlbumCover.tsx';
import { MbBadge } from './MbBadge.tsx';
import { PageLoadBoundary } from './PageLoadBoundary.tsx';

// The charting library loads with the first chart opened, so the charts of the page never wait for it.
const AppearanceChart = lazy(() => import('./AppearanceChart.tsx').then((m) => ({ default: m.AppearanceChart })));

/** The album a history is opened for: what the page already knows, shown while the history loads. */
export interface HistoryTarget {
  id: string;
  name: string;
  artists: ReadonlyArray<{ name: string }>;
  imageUrl: string | null;
}

const fullFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

function When({ iso, now }: { iso: string | null; now: number }) {
  if (!iso) return <>—</>;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return <>—</>;
  return (
    <time dateTime={iso} title={fullFormat.format(ms)}>
      {formatRelative(ms, now)}
    </time>
  );
}

function Summary({ data, now }: { data: AppearanceHistory; now: number }) {
  const { summary } = data;
  return (
    <dl className="history__summary" data-testid="appearance-summary">
      <div>
        <dt>First seen</dt>
        <dd data-field="firstSeenAt">
          <When iso={summary.firstSeenAt} now={now} />
        </dd>
      </div>
      <div>
        <dt>Last seen</dt>
        <dd data-field="lastSeenAt">
          <When iso={summary.lastSeenAt} now={now} />
        </dd>
      </div>
      <div>
        <dt>Peak</dt>
        <dd data-field="peakPosition">{summary.peakPosition === null ? '—' : `#${summary.peakPosition}`}</dd>
      </div>
      <div>
        <dt>Appearances</dt>
        <dd data-field="count">{summary.count}</dd>
      </div>
    </dl>
  );
}

function chartLabel(data: AppearanceHistory): string {
  const { peakPosition, count } = data.summary;
  const peak = peakPosition === null ? 'no ranked position' : `peak #${peakPosition}`;
  return `Chart position of ${data.album.name} over time: ${count} ${count === 1 ? 'appearance' : 'appearances'}, ${peak}.`;
}

/**
 * A modal with one album's chart history (`GET /api/albums/appearances/:id`): when it was first and last seen, its
 * peak, how often it appeared, and its position over time. Escape, the close button or a click outside closes it.
 */
export function AlbumHistoryDialog({
  album,
  match,
  now,
  onClose,
}: {
  album: HistoryTarget;
  /** The album's MusicBrainz outcome as the page knows it (kept current by live events), if any. */
  match: MusicBrainzMatch | null;
  now: number;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { data, error, loading, retry } = useAppearances(album.id);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const shownMatch = match ?? data?.album.musicbrainz ?? null;
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      data-testid="appearance-dialog"
      data-album-id={album.id}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div className="dialog__inner">
        <div className="dialog__head">
          <AlbumCover id={album.id} imageUrl={album.imageUrl} className="dialog__cover" size={96} />
          <div className="dialog__heading">
            <p className="dialog__eyebrow">Chart history</p>
            <h2 id={titleId} className="dialog__title">
              {album.name}
            </h2>
            <p className="dialog__artists">{artistNames(album.artists)}</p>
            <MbBadge albumId={album.id} albumName={album.name} match={shownMatch} />
          </div>
          <button type="button" className="dialog__close" onClick={onClose} aria-label="Close chart history">
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M6 6l12 12M18 6 6 18" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
            </svg>
          </button>
        </div>
        {error && (
          <div className="notice notice--error" role="alert">
            Couldn’t load the chart history: {error}{' '}
            <button type="button" className="btn btn--ghost" onClick={retry} disabled={loading}>
              {loading ? 'Retrying…' : 'Try again'}
            </button>
          </div>
        )}
        {!data && !error && (
          <div className="history__loading" aria-busy="true">
            <span className="skeleton history__skeleton" />
            <p className="visually-hidden" role="status">
              Loading the chart history…
            </p>
          </div>
        )}
        {data && (
          <>
            <Summary data={data} now={now} />
            {data.history.length === 0 ? (
              <p className="panel__text" data-testid="appearance-empty">
                Not seen in any chart yet.
              </p>
            ) : (
              <PageLoadBoundary what="the chart">
                <Suspense fallback={<span className="skeleton history__skeleton" aria-hidden="true" />}>
                  <AppearanceChart history={data.history} label={chartLabel(data)} />
                </Suspense>
              </PageLoadBoundary>
            )}
            {data.summary.sources.length > 0 && (
              <p className="history__sources">Seen in: {data.summary.sources.map(trendingSourceLabel).join(', ')}</p>
            )}
          </>
        )}
      </div>
    </dialog>
  );
}
