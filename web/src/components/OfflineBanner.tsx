import { formatRelative } from '../lib/time.ts';

/** Props of {@link OfflineBanner}. */
export interface OfflineBannerProps {
  /** When the shown list was last confirmed by the server; null when unknown. */
  savedAt: string | null;
  now: number;
  /** Why the banner shows, for the secondary line. */
  reason: 'network' | 'server';
  retrying: boolean;
  onRetry: () => void;
}

/** The text of the banner's headline, e.g. "Offline — showing releases from 5 minutes ago". */
export function offlineHeadline(savedAt: string | null, now: number): string {
  if (!savedAt) return 'Offline — showing the releases loaded earlier';
  const age = formatRelative(savedAt, now, 'long');
  return `Offline — showing releases from ${age === 'just now' ? 'a moment ago' : age}`;
}

/** Banner shown over a cached or stale list while the server or network is unreachable. */
export function OfflineBanner({ savedAt, now, reason, retrying, onRetry }: OfflineBannerProps) {
  return (
    <div className="banner" data-testid="offline-banner" role="status">
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
        <strong>{offlineHeadline(savedAt, now)}</strong>
        <span>
          {reason === 'network'
            ? 'Live updates resume automatically when the connection returns.'
            : 'The server is not answering right now. We keep retrying.'}
        </span>
      </div>
      <button type="button" className="btn btn--ghost banner__action" onClick={onRetry} disabled={retrying}>
        {retrying ? 'Retrying…' : 'Try again'}
      </button>
    </div>
  );
}
