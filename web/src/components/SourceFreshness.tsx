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

/** One line per upstream source telling how fresh its data is. */
export function SourceFreshness({ sources, now }: { sources: SourceStatus[]; now: number }) {
  if (sources.length === 0) return null;
  return (
    <ul className="freshness" data-testid="source-freshness" aria-label="Data sources">
      {sources.map((source) => (
        <li
          key={source.name}
          className={`freshness__item freshness__item--${source.status}`}
          data-source={source.name}
          data-status={source.status}
          title={source.lastError ?? undefined}
        >
          <span className="freshness__dot" aria-hidden="true" />
          {sourceSentence(source, now)}
        </li>
      ))}
    </ul>
  );
}
