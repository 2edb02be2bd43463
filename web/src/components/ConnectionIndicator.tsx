import type { StreamState } from '../hooks/useNewReleasesStream.ts';

const LABELS: Record<StreamState, string> = {
  connecting: 'Connecting',
  open: 'Live',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
};

const DESCRIPTIONS: Record<StreamState, string> = {
  connecting: 'Connecting to live updates',
  open: 'Live: new releases appear as soon as they are detected',
  reconnecting: 'Connection lost, reconnecting to live updates',
  offline: 'Offline: live updates are paused',
};

/** Header pill showing the live-stream state (Live / Reconnecting / Offline). */
export function ConnectionIndicator({ state }: { state: StreamState }) {
  return (
    <span
      className={`connection connection--${state}`}
      data-testid="connection-state"
      data-state={state}
      title={DESCRIPTIONS[state]}
      aria-label={DESCRIPTIONS[state]}
    >
      <span className="connection__dot" aria-hidden="true" />
      <span aria-hidden="true">{LABELS[state]}</span>
    </span>
  );
}
