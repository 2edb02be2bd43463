import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../../lib/api.ts';
import { mergeTrackUpdate, summarize, type MatchAction } from '../../lib/matches.ts';
import { fetchReleaseMatches, MatchesApiError, postMatchAction } from '../../lib/matchesApi.ts';
import type { ReleaseMatches, TrackMatch } from '../../lib/types.ts';
import { RetryButton } from './RetryButton.tsx';
import { Tracklist } from './Tracklist.tsx';

/** Props of {@link ReleaseView}. */
export interface ReleaseViewProps {
  token: string;
  releaseId: number;
  now: number;
  onAuthError: (error: ApiError) => void;
  /** Whether the release is being asked for (the opener shows it too). */
  onBusyChange: (busy: boolean) => void;
}

interface Failure {
  message: string;
  /** When a 429 said to come back (ms), else null. */
  retryAt: number | null;
}

function failure(err: unknown): Failure {
  if (err instanceof MatchesApiError) {
    return {
      message: err.message,
      retryAt: err.retryAfterSeconds === null ? null : Date.now() + err.retryAfterSeconds * 1000,
    };
  }
  if (err instanceof ApiError) return { message: err.message.replace(/[.!]?$/, '.'), retryAt: null };
  return { message: 'Something went wrong.', retryAt: null };
}

function LoadingTracks({ releaseId }: { releaseId: number }) {
  return (
    <div className="mrelease__loading" aria-busy="true" data-testid="release-loading">
      <p className="panel__text" role="status">
        <span className="spinner" aria-hidden="true" /> Opening release {releaseId}… A release opened for the first time
        is matched now (its videos, then YouTube and SoundCloud searches): this can take a few seconds.
      </p>
      <ul className="mtracks" aria-hidden="true">
        {Array.from({ length: 4 }, (_, i) => (
          <li className="mtrack mtrack--skeleton" key={i}>
            <span className="skeleton skeleton--line skeleton--short" />
            <span className="skeleton skeleton--line" />
            <span className="skeleton skeleton--line skeleton--tiny" />
          </li>
        ))}
      </ul>
    </div>
  );
}

const SUMMARY: ReadonlyArray<{ key: keyof ReturnType<typeof summarize>; label: string }> = [
  { key: 'approved', label: 'approved' },
  { key: 'needs_review', label: 'need review' },
  { key: 'no_match', label: 'no match' },
  { key: 'deferred', label: 'deferred' },
  { key: 'errors', label: 'failed' },
  { key: 'settledByReleaseVideos', label: 'settled by release videos' },
];

/**
 * One release (`GET /api/admin/releases/:id/audio-match`): its header, a summary of the tracks' statuses and the
 * tracklist with the actions. Actions update their track in place from the server's answer.
 */
export function ReleaseView({ token, releaseId, now, onAuthError, onBusyChange }: ReleaseViewProps) {
  const [data, setData] = useState<ReleaseMatches | null>(null);
  const [error, setError] = useState<Failure | null>(null);
  const [loading, setLoading] = useState(true);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    onBusyChange(true);
    fetchReleaseMatches(token, releaseId, controller.signal)
      .then((release) => {
        setData(release);
        setError(null);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.isAuthError) onAuthError(err);
        else setError(failure(err));
      })
      .finally(() => {
        if (controller.signal.aborted) return;
        setLoading(false);
        onBusyChange(false);
      });
    return () => {
      controller.abort();
      onBusyChange(false);
    };
  }, [token, releaseId, reloads, onAuthError, onBusyChange]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);

  const onAction = useCallback(
    async (track: TrackMatch, action: MatchAction) => {
      try {
        const next = await postMatchAction(token, track.releaseId, track.trackIndex, action);
        setData((prev) => {
          if (!prev || prev.release.id !== next.releaseId) return prev;
          const tracks = prev.tracks.map((t) => (t.trackIndex === next.trackIndex ? mergeTrackUpdate(t, next) : t));
          return { ...prev, tracks };
        });
      } catch (err) {
        if (err instanceof ApiError && err.isAuthError) onAuthError(err);
        throw err;
      }
    },
    [token, onAuthError],
  );

  // Another release was asked for: what is shown belongs to the previous one until the answer comes.
  const shown = data && data.release.id === releaseId ? data : null;

  if (!shown) {
    if (error && !loading) {
      return (
        <div className="empty empty--error" role="alert" data-testid="release-error">
          <p className="empty__title">Couldn’t open release {releaseId}</p>
          <p className="empty__text">{error.message}</p>
          <RetryButton retryAt={error.retryAt} onRetry={reload} />
        </div>
      );
    }
    return <LoadingTracks releaseId={releaseId} />;
  }

  const { release, tracks } = shown;
  const counts = summarize(tracks);
  return (
    <section className="mrelease" aria-labelledby="release-title" aria-busy={loading} data-testid="release-view">
      <div className="mrelease__head">
        <div className="mrelease__intro">
          <p className="mrelease__eyebrow">
            Discogs release {release.id}
            {release.year !== null && ` · ${release.year}`}
          </p>
          <h2 className="mrelease__title" id="release-title" data-testid="release-title">
            {release.title}
          </h2>
          <p className="mrelease__artists">{release.artists.join(', ') || 'Unknown artist'}</p>
        </div>
        <div className="mrelease__actions">
          {/^https?:\/\//i.test(release.url) && (
            <a className="btn btn--ghost" href={release.url} target="_blank" rel="noopener noreferrer">
              On Discogs
            </a>
          )}
          <button
            type="button"
            className="btn btn--ghost"
            onClick={reload}
            disabled={loading}
            data-testid="release-reload"
          >
            {loading && <span className="spinner" aria-hidden="true" />}
            {loading ? 'Reloading…' : 'Reload'}
          </button>
        </div>
      </div>
      {error && (
        <p className="notice notice--error" role="alert" data-testid="release-reload-error">
          Couldn’t reload: {error.message}
        </p>
      )}
      <ul className="msummary" data-testid="release-summary" aria-label="Tracks by status">
        <li className="msummary__item msummary__item--total">
          <strong>{tracks.length}</strong> {tracks.length === 1 ? 'track' : 'tracks'}
        </li>
        {SUMMARY.filter(({ key }) => key !== 'errors' || counts.errors > 0).map(({ key, label }) => (
          <li
            className={`msummary__item msummary__item--${key}`}
            key={key}
            data-testid={`summary-${key}`}
            data-count={counts[key]}
          >
            <strong>{counts[key]}</strong> {label}
          </li>
        ))}
      </ul>
      <Tracklist tracks={tracks} releaseArtists={release.artists} now={now} onAction={onAction} />
    </section>
  );
}
