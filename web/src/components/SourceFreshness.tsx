import { sourceLabel } from '../lib/releases.ts';
import { formatRelative } from '../lib/time.ts';
import type { SourceStatus } from '../lib/types.ts';

/** The sentence for one source: "JioSaavn updated 3 min ago", "JioSaavn degraded: <error>", ... */
export function sourceSentence(source: SourceStatus, now: number): string {
  const name = sourceLabel(source.name);
  if (source.status === 'degraded') {
    return `${name} degraded: ${source.lastError?.trim() || 'recent fetches failed'}`;
  }
  if (source.lastSuccessAt) return `${name} updated ${formatRelative(source.lastSuccessAt, now)}`;
  return source.status === 'ok' ? `${name} is up to date` : `${name} not checked yet`;
}

/** When the data shown for a source was last known to be current: its last successful fetch, else the list's sync. */
export function dataSince(source: SourceStatus, syncedAt: string | null): string | null {
  return source.lastSuccessAt ?? syncedAt;
}

/**
 * The sentence for one source while the server cannot be reached: its state is unknown, so only the age of the data
 * on screen is told, e.g. "JioSaavn data from 25 min ago (offline)".
 */
export function offlineSourceSentence(source: SourceStatus, syncedAt: string | null, now: number): string {
  const name = sourceLabel(source.name);
  const since = dataSince(source, syncedAt);
  const age = since ? formatRelative(since, now) : '';
  if (!age) return `${name} data of unknown age (offline)`;
  return `${name} data from ${age === 'just now' ? 'a moment ago' : age} (offline)`;
}

/** Props of {@link SourceFreshness}. */
export interface SourceFreshnessProps {
  sources: SourceStatus[];
  now: number;
  /** The list on screen may be stale (the server or the live stream is unreachable). */
  offline?: boolean;
  /** When the list on screen was last confirmed by the server. */
  syncedAt?: string | null;
}

/** One line per upstream source telling how fresh its data is; while offline, how old the data on screen is. */
export function SourceFreshness({ sources, now, offline = false, syncedAt = null }: SourceFreshnessProps) {
  if (sources.length === 0) return null;
  return (
    <ul className="freshness" data-testid="source-freshness" aria-label="Data sources">
      {sources.map((source) => {
        const status = offline ? 'offline' : source.status;
        const since = offline ? dataSince(source, syncedAt) : null;
        return (
          <li
            key={source.name}
            className={`freshness__item freshness__item--${status}`}
            data-source={source.name}
            data-status={status}
            title={
              offline && since
                ? `Last known update: ${new Date(since).toLocaleString()}`
                : (source.lastError ?? undefined)
            }
          >
            <span className="freshness__dot" aria-hidden="true" />
            {offline ? offlineSourceSentence(source, syncedAt, now) : sourceSentence(source, now)}
          </li>
        );
      })}
    </ul>
  );
}
