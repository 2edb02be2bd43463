import { dataTakenAt, freshness, isStaleNow, sourceProblem } from '../../lib/trending.ts';
import type { TrendingDocument } from '../../lib/types.ts';

/** Props of {@link TrendingFreshness}. */
export interface TrendingFreshnessProps {
  doc: TrendingDocument;
  /** When the document arrived. */
  receivedAt: number;
  now: number;
  /** This page's background sync with Spotify is in flight. */
  syncing: boolean;
}

const fullFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

/**
 * How fresh the charts are ("Updated 3 h ago", "Stale — refreshing…"), each source's problem in words and what it
 * means for the data shown, and how far the MusicBrainz enrichment of these albums has got.
 */
export function TrendingFreshness({ doc, receivedAt, now, syncing }: TrendingFreshnessProps) {
  // A stale document whose sync this page started is being refreshed, even if the read came before the sync began.
  const stale = isStaleNow(doc, receivedAt, now);
  const shown = { ...doc, refreshing: doc.refreshing || (syncing && (stale || doc.asOf === null)) };
  const line = freshness(shown, receivedAt, now);
  const dataAt = dataTakenAt(doc, receivedAt);
  const problems = doc.sources
    .map((source) => ({ source, text: sourceProblem(source, dataAt, now) }))
    .filter((p): p is { source: (typeof doc.sources)[number]; text: string } => p.text !== null);
  const { matched, no_match: noMatch, queued, failed } = doc.metadata.enrichment;
  const enriched = matched + noMatch + queued + failed > 0;
  return (
    <div className="trend-fresh" data-testid="trending-freshness" data-state={line.state}>
      <p className={`trend-fresh__label trend-fresh__label--${line.state}`}>
        {line.state === 'refreshing' ? (
          <span className="spinner" aria-hidden="true" />
        ) : (
          <span className="freshness__dot" aria-hidden="true" />
        )}
        <span
          data-testid="freshness-label"
          title={dataAt === null ? undefined : `Data from ${fullFormat.format(dataAt)}`}
        >
          {line.label}
        </span>
      </p>
      {problems.length > 0 && (
        <ul className="freshness trend-fresh__problems" aria-label="Source problems">
          {problems.map(({ source, text }) => (
            <li
              key={source.name}
              className={`freshness__item freshness__item--${source.status === 'disabled' ? 'unknown' : 'degraded'}`}
              data-testid="source-problem"
              data-source={source.name}
              data-status={source.status}
              title={source.lastErrorCode ?? undefined}
            >
              <span className="freshness__dot" aria-hidden="true" />
              {text}
            </li>
          ))}
        </ul>
      )}
      {enriched && (
        <p className="trend-fresh__mb" data-testid="enrichment-summary">
          MusicBrainz: {matched} matched · {noMatch} not found · {queued} queued
          {failed > 0 ? ` · ${failed} failed` : ''}
        </p>
      )}
    </div>
  );
}
