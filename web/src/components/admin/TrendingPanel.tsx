import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../../lib/api.ts';
import { artistNames, enrichmentDone, sourceProblem, trendingSourceLabel } from '../../lib/trending.ts';
import { fetchEnrichmentProgress, forceTrendingSync } from '../../lib/trendingApi.ts';
import { formatRelative } from '../../lib/time.ts';
import type { EnrichmentProgress, ForcedSyncResult, TrendingSourceStatus } from '../../lib/types.ts';
import { MbBadge } from '../trending/MbBadge.tsx';
import { StatusPill, type PillTone } from './StatusPill.tsx';

/** How often the enrichment progress is asked for while the panel is shown. */
const POLL_MS = 3000;

const SOURCE_TONES: Record<TrendingSourceStatus, PillTone> = {
  ok: 'ok',
  error: 'bad',
  unavailable: 'warn',
  disabled: 'muted',
  unknown: 'muted',
};

function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return 'The server could not be reached.';
    return err.message.replace(/[.!]?$/, '.');
  }
  return 'Something went wrong.';
}

function absolute(iso: string | null): string | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms).toLocaleString() : undefined;
}

/** The outcome of a forced sync in words. */
export function syncOutcomeText(result: ForcedSyncResult, now: number): string {
  const { data } = result;
  const albums = `${data.total} ${data.total === 1 ? 'album' : 'albums'}`;
  const asOf = data.asOf ? ` as of ${formatRelative(data.asOf, now)}` : '';
  switch (result.outcome) {
    case 'refreshed':
      return `Refreshed from Spotify: ${albums}${asOf}.`;
    case 'joined':
      return `A refresh was already running; it finished with ${albums}${asOf}.`;
    case 'failed': {
      const error = result.error?.trim().replace(/[.!]$/, '');
      const why = [error, result.errorCode ? `(${result.errorCode})` : null].filter(Boolean).join(' ');
      const kept = data.asOf ? `The cached data from ${formatRelative(data.asOf, now, 'long')} is kept.` : '';
      return `Sync failed${why ? `: ${why}` : ''}. ${kept}`.trim();
    }
  }
}

const OUTCOME_TONES: Record<ForcedSyncResult['outcome'], PillTone> = { refreshed: 'ok', joined: 'ok', failed: 'bad' };

function SyncResultView({ result, now, onDismiss }: { result: ForcedSyncResult; now: number; onDismiss: () => void }) {
  const tone = OUTCOME_TONES[result.outcome];
  const taken = result.data.asOf ? Date.parse(result.data.asOf) : null;
  const problems = result.data.sources
    .map((s) => sourceProblem(s, taken !== null && Number.isFinite(taken) ? taken : null, now))
    .filter((p): p is string => p !== null);
  return (
    <div className={`run-result run-result--${tone}`} data-testid="trending-sync-result" data-outcome={result.outcome}>
      <div className="run-result__head">
        <strong>{syncOutcomeText(result, now)}</strong>
        <button type="button" className="btn btn--ghost" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
      {problems.length > 0 && (
        <ul className="run-result__errors">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Progress({ progress, now }: { progress: EnrichmentProgress; now: number }) {
  const { counts } = progress;
  const { done, total, percent } = enrichmentDone(counts, progress.total);
  return (
    <>
      <dl className="run-result__counts enrichment__counts" data-testid="enrichment-counts">
        <div>
          <dt>Queued</dt>
          <dd data-count="queued">{counts.queued}</dd>
        </div>
        <div>
          <dt>Matched</dt>
          <dd data-count="matched">{counts.matched}</dd>
        </div>
        <div>
          <dt>Not on MusicBrainz</dt>
          <dd data-count="no_match">{counts.no_match}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd data-count="failed">{counts.failed}</dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd data-count="total">{total}</dd>
        </div>
      </dl>
      <div
        className="meter enrichment__meter"
        role="progressbar"
        aria-label="MusicBrainz enrichment"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${done} of ${total} albums decided`}
        data-testid="enrichment-progress"
      >
        <span className="meter__fill" style={{ width: `${percent}%` }} />
      </div>
      <p className="bucket__state" data-testid="enrichment-rate">
        {done} of {total} decided ({percent}%) · {progress.ratePerSecond.toFixed(2)} requests/s (
        {progress.requestsLastMinute} in the last minute
        {progress.limitPerSecond !== null && `, limit ${formatRate(progress.limitPerSecond)}/s`})
        {progress.lastDecisionAt && (
          <>
            {' '}
            · last decision{' '}
            <time dateTime={progress.lastDecisionAt} title={absolute(progress.lastDecisionAt)}>
              {formatRelative(progress.lastDecisionAt, now)}
            </time>
          </>
        )}
      </p>
      {progress.recent.length > 0 && (
        <>
          <h3 className="checks__title enrichment__recent-title">Recent decisions</h3>
          <ul className="enrichment__recent" data-testid="enrichment-recent">
            {progress.recent.map(({ album, decidedAt }) => (
              <li key={`${album.id}-${decidedAt ?? ''}`} className="enrichment__decision" data-album-id={album.id}>
                <span className="enrichment__album">
                  <strong>
                    <bdi>{album.name}</bdi>
                  </strong>{' '}
                  — <bdi>{artistNames(album.artists)}</bdi>
                </span>
                <MbBadge albumId={album.id} albumName={album.name} match={album.musicbrainz} />
                {decidedAt && (
                  <time className="enrichment__when" dateTime={decidedAt} title={absolute(decidedAt)}>
                    {formatRelative(decidedAt, now)}
                  </time>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

/** Props of {@link TrendingPanel}. */
export interface TrendingPanelProps {
  token: string;
  now: number;
  onAuthError: (error: ApiError) => void;
}

/** A rate as people write it: `1`, `0.97`, `10`. */
function formatRate(rate: number): string {
  return String(Math.round(rate * 100) / 100);
}

/**
 * Trending: the MusicBrainz enrichment's progress (counts, a progress bar, the request rate against the 1/s limit,
 * the latest decisions), polled every few seconds while the panel is shown and the tab visible, and "Sync now",
 * which refreshes the cache from Spotify whether or not it is stale and shows the outcome.
 */
export function TrendingPanel({ token, now, onAuthError }: TrendingPanelProps) {
  const [progress, setProgress] = useState<EnrichmentProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [result, setResult] = useState<ForcedSyncResult | null>(null);
  const [syncError, setSyncError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  const failWith = useCallback(
    (err: unknown, show: (message: string) => void) => {
      if (err instanceof ApiError && err.isAuthError) onAuthError(err);
      else show(describe(err));
    },
    [onAuthError],
  );

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      if (typeof document === 'undefined' || document.visibilityState !== 'hidden') {
        try {
          const next = await fetchEnrichmentProgress(token, controller.signal);
          if (controller.signal.aborted) return;
          setProgress(next);
          setError(null);
        } catch (err) {
          if (controller.signal.aborted) return;
          if (err instanceof ApiError && err.isAuthError) {
            onAuthError(err);
            return;
          }
          setError(describe(err));
        }
      }
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [token, onAuthError, version]);

  const syncNow = async () => {
    setSyncing(true);
    setSyncError(null);
    setResult(null);
    try {
      setResult(await forceTrendingSync(token));
      setVersion((v) => v + 1);
    } catch (err) {
      failWith(err, (message) => setSyncError(`Couldn’t sync: ${message}`));
    } finally {
      setSyncing(false);
    }
  };

  const sources = result?.data.sources ?? [];
  return (
    <section className="panel panel--wide" aria-labelledby="trending-title" data-testid="trending-panel">
      <div className="panel__head">
        <h2 id="trending-title" className="panel__title">
          Trending and MusicBrainz
        </h2>
        <button
          type="button"
          className="btn btn--primary panel__action"
          onClick={() => void syncNow()}
          disabled={syncing}
          data-testid="trending-sync-now"
        >
          {syncing && <span className="spinner" aria-hidden="true" />}
          {syncing ? 'Syncing…' : 'Sync now'}
        </button>
      </div>
      <p className="panel__text">
        Refreshes the trending cache from Spotify now, fresh or not. Albums are then matched on MusicBrainz in the
        background at the pace of the musicbrainz token bucket (one request a second unless retuned).
      </p>
      <p className="visually-hidden" role="status">
        {syncing ? 'Syncing with Spotify.' : result ? syncOutcomeText(result, now) : ''}
      </p>
      {syncError && (
        <p className="notice notice--error" role="alert">
          {syncError}
        </p>
      )}
      {result && <SyncResultView result={result} now={now} onDismiss={() => setResult(null)} />}
      {sources.length > 0 && (
        <ul className="enrichment__sources">
          {sources.map((s) => (
            <li key={s.name} data-source={s.name}>
              {trendingSourceLabel(s.name)}{' '}
              <StatusPill tone={SOURCE_TONES[s.status]}>{s.status === 'ok' ? 'OK' : s.status}</StatusPill>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="notice notice--error" role="alert">
          Couldn’t read the enrichment progress: {error} Still trying…
        </p>
      )}
      {!progress && !error && <p className="panel__text">Loading the enrichment progress…</p>}
      {progress && <Progress progress={progress} now={now} />}
    </section>
  );
}
