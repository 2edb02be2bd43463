import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { ApiError } from '../../lib/api.ts';
import {
  approveAction,
  formatBreakdown,
  formatDuration,
  formatScore,
  moveIndex,
  proposedUpload,
  queueCommand,
  rejectAction,
  trackKey,
  type MatchAction,
  type QueueCommand,
} from '../../lib/matches.ts';
import { fetchReviewQueue, postMatchAction } from '../../lib/matchesApi.ts';
import type { TrackMatch } from '../../lib/types.ts';
import { PlatformTag, ScoreMeter, Thumbnail, UploadLink } from './Candidate.tsx';

/** How many tracks the queue shows (the API's default). */
const QUEUE_LIMIT = 50;

/** Props of {@link ReviewQueue}. */
export interface ReviewQueueProps {
  token: string;
  onAuthError: (error: ApiError) => void;
  /** Opens a track's release in the release view. */
  onOpenRelease: (releaseId: number) => void;
}

function describe(err: unknown): string {
  return err instanceof ApiError ? err.message.replace(/[.!]?$/, '.') : 'Something went wrong.';
}

function trackName(track: TrackMatch): string {
  return `“${track.title}” (release ${track.releaseId}, ${track.position || `track ${track.trackIndex + 1}`})`;
}

function QueueItem({
  track,
  index,
  active,
  id,
  onSelect,
}: {
  track: TrackMatch;
  index: number;
  active: boolean;
  id: string;
  onSelect: (index: number) => void;
}) {
  const proposed = proposedUpload(track);
  const chosen = proposed?.candidate ?? null;
  return (
    <li
      id={id}
      role="option"
      aria-selected={active}
      className={`qitem${active ? ' qitem--active' : ''}`}
      onClick={() => onSelect(index)}
      data-testid="queue-item"
      data-release-id={track.releaseId}
      data-track-index={track.trackIndex}
      data-url={proposed?.url}
      data-active={active || undefined}
    >
      <span className="qitem__rank" aria-hidden="true">
        {index + 1}
      </span>
      <Thumbnail url={chosen?.thumbnailUrl ?? null} platform={proposed?.platform ?? 'none'} />
      <div className="qitem__body">
        <p className="qitem__track">
          <strong data-testid="queue-title">{track.title}</strong>
          <span>
            {' '}
            — {track.artists.join(', ') || 'Unknown artist'} · {formatDuration(track.durationSeconds)}
          </span>
        </p>
        <p className="qitem__release">
          Release {track.releaseId} · {track.position || `track ${track.trackIndex + 1}`}
        </p>
        {proposed ? (
          <p className="qitem__cand">
            <PlatformTag platform={proposed.platform} />
            <UploadLink url={proposed.url} className="qitem__link" tabIndex={-1}>
              {chosen?.title || proposed.url}
            </UploadLink>
            {chosen && (
              <span className="qitem__meta">
                {[chosen.uploader, formatDuration(chosen.durationSeconds)].filter(Boolean).join(' · ')}
              </span>
            )}
          </p>
        ) : (
          <p className="qitem__cand qitem__meta">No upload proposed.</p>
        )}
        {chosen && (
          <p className="qitem__breakdown" data-testid="queue-breakdown">
            {formatBreakdown(chosen.breakdown)}
          </p>
        )}
        {track.runnerUp && (
          <p className="qitem__runner" data-testid="queue-runner-up">
            Runner-up {formatScore(track.runnerUp.breakdown.total)}:{' '}
            {[track.runnerUp.title, track.runnerUp.uploader].filter(Boolean).join(' · ')}
          </p>
        )}
      </div>
      <ScoreMeter score={proposed?.confidence ?? 0} label="Confidence" testId="queue-confidence" />
    </li>
  );
}

/**
 * The review queue (`GET /api/admin/matches/review`), most confident first, driven from the keyboard once the list
 * has focus: `j`/`k` or the arrows move, `a` approves, `r` rejects, `o` opens the upload. Keys typed in a text field
 * are never taken. Each action answers at once and the queue is read again.
 */
export function ReviewQueue({ token, onAuthError, onOpenRelease }: ReviewQueueProps) {
  const id = useId();
  const [items, setItems] = useState<TrackMatch[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [reloads, setReloads] = useState(0);
  const [active, setActive] = useState(0);
  const [pending, setPending] = useState<'approve' | 'reject' | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [done, setDone] = useState('');
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    fetchReviewQueue(token, QUEUE_LIMIT, controller.signal)
      .then((next) => {
        setItems(next);
        setError(null);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.isAuthError) onAuthError(err);
        else setError(describe(err));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [token, reloads, onAuthError]);

  const count = items?.length ?? 0;
  const index = count === 0 ? -1 : Math.min(Math.max(active, 0), count - 1);
  const current = index >= 0 ? items?.[index] : undefined;
  const optionId = (track: TrackMatch) => `${id}-item-${trackKey(track).replace(':', '-')}`;
  const currentId = current ? optionId(current) : undefined;

  useEffect(() => {
    if (currentId) document.getElementById(currentId)?.scrollIntoView({ block: 'nearest' });
  }, [currentId]);

  const act = useCallback(
    async (kind: 'approve' | 'reject', track: TrackMatch) => {
      const action: MatchAction | null = kind === 'approve' ? approveAction(track) : rejectAction(track);
      if (!action) {
        setActionError(`Nothing to ${kind} for ${trackName(track)}: open its release to paste the right upload.`);
        return;
      }
      setPending(kind);
      setActionError(null);
      try {
        const next = await postMatchAction(token, track.releaseId, track.trackIndex, action);
        const key = trackKey(track);
        setItems((prev) =>
          prev === null
            ? prev
            : next.status === 'needs_review'
              ? prev.map((t) => (trackKey(t) === key ? next : t))
              : prev.filter((t) => trackKey(t) !== key),
        );
        setDone(
          kind === 'approve'
            ? `Approved ${trackName(track)}.`
            : next.status === 'needs_review'
              ? `Rejected; the next candidate is proposed for ${trackName(track)}.`
              : `Rejected; no candidate left for ${trackName(track)}.`,
        );
        // The queue as the server has it now (order and membership).
        setReloads((n) => n + 1);
      } catch (err) {
        if (err instanceof ApiError && err.isAuthError) onAuthError(err);
        else setActionError(describe(err));
      } finally {
        setPending(null);
      }
    },
    [token, onAuthError],
  );

  const open = (track: TrackMatch) => {
    const url = proposedUpload(track)?.url;
    if (url && /^https?:\/\//i.test(url)) window.open(url, '_blank', 'noopener,noreferrer');
  };

  const run = (command: QueueCommand) => {
    if (command === 'next' || command === 'previous' || command === 'first' || command === 'last') {
      setActive(moveIndex(index, command, count));
      return;
    }
    if (!current || pending) return;
    if (command === 'open') open(current);
    else void act(command, current);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.defaultPrevented) return;
    const command = queueCommand(event, event.target as HTMLElement);
    if (!command) return;
    // Buttons keep their own keys; the queue's keys work from the list and the toolbar alike.
    event.preventDefault();
    run(command);
  };

  const select = (i: number) => {
    setActive(i);
    list.current?.focus();
  };

  return (
    <section
      className="panel queue"
      aria-labelledby={`${id}-title`}
      aria-busy={loading}
      onKeyDown={onKeyDown}
      data-testid="review-queue"
    >
      <div className="panel__head">
        <h2 id={`${id}-title`} className="panel__title">
          Review queue
        </h2>
        {items && <span className="section-head__count">{count === QUEUE_LIMIT ? `${count}+` : count} to review</span>}
        <button
          type="button"
          className="btn btn--ghost panel__action"
          onClick={() => setReloads((n) => n + 1)}
          disabled={loading}
          data-testid="queue-reload"
        >
          {loading ? 'Loading…' : 'Reload'}
        </button>
      </div>
      <p className="qhint" id={`${id}-hint`} data-testid="queue-hint">
        Most confident first. Focus the list (click it or <kbd>Tab</kbd> to it), then <kbd>j</kbd>/<kbd>↓</kbd> next,{' '}
        <kbd>k</kbd>/<kbd>↑</kbd> previous, <kbd>a</kbd> approve, <kbd>r</kbd> reject, <kbd>o</kbd> open the upload.
      </p>
      {error && (
        <p className="notice notice--error" role="alert" data-testid="queue-error">
          Couldn’t load the queue: {error}
        </p>
      )}
      {items === null && !error && <p className="panel__text">Loading the queue…</p>}
      {items?.length === 0 && (
        <div className="empty" data-testid="queue-empty">
          <p className="empty__title">Nothing to review</p>
          <p className="empty__text">
            Every matched track is approved or has no candidate. Open a release to match more.
          </p>
        </div>
      )}
      {items && items.length > 0 && (
        <>
          <div className="qbar" role="toolbar" aria-label="Selected track" aria-controls={`${id}-list`}>
            <button
              type="button"
              className="btn btn--primary btn--small"
              disabled={!current || pending !== null}
              onClick={() => current && void act('approve', current)}
              aria-keyshortcuts="a"
              data-testid="queue-approve"
            >
              {pending === 'approve' && <span className="spinner" aria-hidden="true" />}
              {pending === 'approve' ? 'Approving…' : 'Approve'} <kbd aria-hidden="true">a</kbd>
            </button>
            <button
              type="button"
              className="btn btn--ghost"
              disabled={!current || pending !== null}
              onClick={() => current && void act('reject', current)}
              aria-keyshortcuts="r"
              data-testid="queue-reject"
            >
              {pending === 'reject' && <span className="spinner" aria-hidden="true" />}
              {pending === 'reject' ? 'Rejecting…' : 'Reject'} <kbd aria-hidden="true">r</kbd>
            </button>
            <button
              type="button"
              className="btn btn--ghost"
              disabled={!current}
              onClick={() => current && open(current)}
              aria-keyshortcuts="o"
              data-testid="queue-open"
            >
              Open upload <kbd aria-hidden="true">o</kbd>
            </button>
            <button
              type="button"
              className="btn btn--ghost"
              disabled={!current}
              onClick={() => current && onOpenRelease(current.releaseId)}
              data-testid="queue-open-release"
            >
              Open release
            </button>
          </div>
          <ol
            ref={list}
            id={`${id}-list`}
            className="qlist"
            role="listbox"
            tabIndex={0}
            aria-label="Tracks to review, most confident first"
            aria-describedby={`${id}-hint`}
            aria-activedescendant={currentId}
            aria-keyshortcuts="j k ArrowDown ArrowUp a r o"
            data-testid="queue-list"
          >
            {items.map((track, i) => (
              <QueueItem
                key={trackKey(track)}
                track={track}
                index={i}
                active={i === index}
                id={optionId(track)}
                onSelect={select}
              />
            ))}
          </ol>
        </>
      )}
      {actionError && (
        <p className="field__error" role="alert" data-testid="queue-action-error">
          {actionError}
        </p>
      )}
      <p className="qdone" role="status" data-testid="queue-status">
        {done}
      </p>
    </section>
  );
}
