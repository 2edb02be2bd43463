import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../lib/api.ts';
import { approveAction, betterUrlAction, parseBetterUrl, rejectAction, type MatchAction } from '../../lib/matches.ts';
import type { TrackMatch } from '../../lib/types.ts';

type Kind = 'approve' | 'reject' | 'better' | 'clear';

const PENDING_LABELS: Record<Kind, string> = {
  approve: 'Approving…',
  reject: 'Rejecting…',
  better: 'Saving…',
  clear: 'Matching again…',
};

/** Props of {@link TrackActions}. */
export interface TrackActionsProps {
  track: TrackMatch;
  /** Sends the action; rejects with the error to show. */
  onAction: (track: TrackMatch, action: MatchAction) => Promise<void>;
}

function message(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Something went wrong.';
}

/**
 * Approve, Reject, Paste better URL and Clear for one track, with the action in flight shown on its button and the
 * error of the last one under them.
 */
export function TrackActions({ track, onAction }: TrackActionsProps) {
  const id = useId();
  const [pending, setPending] = useState<Kind | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pasting, setPasting] = useState(false);
  const [url, setUrl] = useState('');
  const [urlError, setUrlError] = useState<string | null>(null);
  const pasteButton = useRef<HTMLButtonElement>(null);
  const approve = approveAction(track);
  const reject = rejectAction(track);

  const run = async (kind: Kind, action: MatchAction): Promise<boolean> => {
    setPending(kind);
    setError(null);
    try {
      await onAction(track, action);
      return true;
    } catch (err) {
      // A refused token is handled by the page (it asks for the token again).
      if (!(err instanceof ApiError && err.isAuthError)) setError(message(err));
      return false;
    } finally {
      setPending(null);
    }
  };

  const submitUrl = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const parsed = parseBetterUrl(url);
    if (!parsed.ok) {
      setUrlError(parsed.message);
      return;
    }
    setUrlError(null);
    if (await run('better', betterUrlAction(parsed.value.platform, parsed.value.url))) {
      setPasting(false);
      setUrl('');
    }
  };

  const button = (kind: Kind, label: string, action: MatchAction | null, className: string, title: string) => (
    <button
      type="button"
      className={`btn ${className}`}
      disabled={pending !== null || action === null}
      onClick={() => {
        if (action) void run(kind, action);
      }}
      title={title}
      data-testid={`action-${kind}`}
    >
      {pending === kind && <span className="spinner" aria-hidden="true" />}
      {pending === kind ? PENDING_LABELS[kind] : label}
    </button>
  );

  return (
    <div className="mactions" data-testid="track-actions" data-pending={pending ?? undefined}>
      <div className="mactions__row">
        {button(
          'approve',
          track.match?.approved ? 'Approved' : 'Approve',
          approve,
          approve ? 'btn--primary btn--small' : track.match?.approved ? 'btn--ghost btn--done' : 'btn--ghost',
          approve ? 'Approve the proposed upload' : track.match?.approved ? 'Approved already' : 'Nothing to approve',
        )}
        {button(
          'reject',
          'Reject',
          reject,
          'btn--ghost',
          reject ? 'Never propose this upload again; the next candidate is proposed' : 'Nothing to reject',
        )}
        <button
          ref={pasteButton}
          type="button"
          className="btn btn--ghost"
          disabled={pending !== null}
          aria-expanded={pasting}
          aria-controls={`${id}-paste`}
          onClick={() => {
            setPasting((open) => !open);
            setUrlError(null);
          }}
          data-testid="action-paste"
        >
          Paste better URL
        </button>
        {button(
          'clear',
          'Clear',
          { action: 'clear' },
          'btn--ghost',
          'Forget this match (every tier) and match the track again',
        )}
        <span className="visually-hidden" role="status">
          {pending ? PENDING_LABELS[pending] : ''}
        </span>
      </div>
      {pasting && (
        <form
          id={`${id}-paste`}
          className="mactions__paste"
          onSubmit={(event) => void submitUrl(event)}
          noValidate
          data-testid="better-url-form"
        >
          <label className="field__label" htmlFor={`${id}-url`}>
            The right upload (YouTube or SoundCloud link)
          </label>
          <div className="mactions__paste-row">
            <input
              id={`${id}-url`}
              className="input"
              type="url"
              inputMode="url"
              autoComplete="off"
              spellCheck={false}
              placeholder="https://www.youtube.com/watch?v=…"
              // Opened on purpose to type into.
              autoFocus
              value={url}
              disabled={pending !== null}
              aria-invalid={urlError ? true : undefined}
              aria-describedby={urlError ? `${id}-url-error` : undefined}
              onChange={(event) => {
                setUrl(event.target.value);
                setUrlError(null);
              }}
              onKeyDown={(event) => {
                if (event.key === 'Escape') {
                  setPasting(false);
                  pasteButton.current?.focus();
                }
              }}
              data-testid="better-url-input"
            />
            <button
              type="submit"
              className="btn btn--primary btn--small"
              disabled={pending !== null}
              data-testid="better-url-submit"
            >
              {pending === 'better' && <span className="spinner" aria-hidden="true" />}
              {pending === 'better' ? PENDING_LABELS.better : 'Use this upload'}
            </button>
            <button
              type="button"
              className="btn btn--ghost"
              disabled={pending !== null}
              onClick={() => {
                setPasting(false);
                setUrlError(null);
                pasteButton.current?.focus();
              }}
            >
              Cancel
            </button>
          </div>
          {urlError && (
            <p className="field__error" id={`${id}-url-error`} role="alert" data-testid="better-url-error">
              {urlError}
            </p>
          )}
        </form>
      )}
      {error && (
        <p className="field__error" role="alert" data-testid="action-error">
          {error}
        </p>
      )}
    </div>
  );
}
