import { sourceLabel } from './releases.ts';
import { formatRelative } from './time.ts';
import type {
  AppearanceHistory,
  CollectionItem,
  EnrichmentCounts,
  MatchStatus,
  MusicBrainzMatch,
  MusicBrainzMatchEvent,
  TrendingAlbum,
  TrendingDocument,
  TrendingSource,
  TrendingStats,
} from './types.ts';

/**
 * Pure helpers of the Browse page: how fresh the cached document is in words, what each source's problem means for
 * the data on screen, MusicBrainz outcomes merged into a document as they arrive live, and chart series.
 */

const SOURCE_LABELS: Record<string, string> = {
  spotify_new_releases: 'Spotify new releases',
  spotify_trending: 'Spotify trending',
};

/** A display name for a trending source id: "spotify_new_releases" → "Spotify new releases". */
export function trendingSourceLabel(name: string): string {
  const known = SOURCE_LABELS[name];
  if (known) return known;
  const [first = '', ...rest] = name.split(/[_\s-]+/).filter(Boolean);
  return [sourceLabel(first), ...rest.map((w) => w.toLowerCase())].join(' ').trim() || name;
}

/**
 * When the data on screen was fetched from Spotify, in this browser's clock: the server's `ageSeconds` counted back
 * from when the answer arrived (immune to clock skew between server and browser), else `asOf` as sent.
 */
export function dataTakenAt(doc: Pick<TrendingDocument, 'asOf' | 'ageSeconds'>, receivedAt: number): number | null {
  if (doc.asOf === null) return null;
  if (doc.ageSeconds !== null) return receivedAt - doc.ageSeconds * 1000;
  const asOf = Date.parse(doc.asOf);
  return Number.isFinite(asOf) ? asOf : null;
}

/**
 * Whether the document is stale now: stale when it was read, or it has since outlived its freshness window
 * (`expires - asOf`) while the page stayed open.
 */
export function isStaleNow(
  doc: Pick<TrendingDocument, 'asOf' | 'ageSeconds' | 'expires' | 'stale'>,
  receivedAt: number,
  now: number,
): boolean {
  if (doc.stale) return true;
  const taken = dataTakenAt(doc, receivedAt);
  if (taken === null || doc.asOf === null || doc.expires === null) return false;
  const windowMs = Date.parse(doc.expires) - Date.parse(doc.asOf);
  return Number.isFinite(windowMs) && now - taken >= windowMs;
}

/** The freshness line of the page. */
export interface Freshness {
  state: 'fresh' | 'stale' | 'refreshing' | 'empty';
  label: string;
}

/**
 * The freshness label: "Updated 3 h ago", "Stale — refreshing…", "Stale — updated 2 days ago", or, before the first
 * successful sync, "No data yet — fetching from Spotify…".
 */
export function freshness(doc: TrendingDocument, receivedAt: number, now: number): Freshness {
  const taken = dataTakenAt(doc, receivedAt);
  if (taken === null) {
    return doc.refreshing
      ? { state: 'refreshing', label: 'No data yet — fetching from Spotify…' }
      : { state: 'empty', label: 'No data yet' };
  }
  const updated = formatRelative(taken, now);
  if (isStaleNow(doc, receivedAt, now)) {
    return doc.refreshing
      ? { state: 'refreshing', label: 'Stale — refreshing…' }
      : { state: 'stale', label: `Stale — updated ${updated}` };
  }
  return { state: 'fresh', label: doc.refreshing ? `Updated ${updated} · refreshing…` : `Updated ${updated}` };
}

/** The HTTP status named in an error code such as `SPOTIFY_HTTP_503`, if any. */
function statusInCode(code: string | null): string | null {
  const m = code ? /(?:^|\D)([45]\d\d)(?:\D|$)/.exec(code) : null;
  return m?.[1] ?? null;
}

/**
 * What a source's problem means for the data on screen, in words, or null when it has none:
 * "Spotify new releases unavailable (403): showing data from 2 days ago".
 */
export function sourceProblem(source: TrendingSource, dataAt: number | null, now: number): string | null {
  const name = trendingSourceLabel(source.name);
  const age = dataAt === null ? null : formatRelative(dataAt, now, 'long');
  const showing =
    age === null || age === '' ? 'no data yet' : `showing data from ${age === 'just now' ? 'a moment ago' : age}`;
  const code = statusInCode(source.lastErrorCode);
  const error = source.lastError?.trim().replace(/[.!]$/, '');
  switch (source.status) {
    case 'ok':
      return null;
    case 'unknown':
      return dataAt === null ? `${name} not checked yet` : null;
    case 'unavailable':
      return `${name} unavailable (${code ?? '403'}): ${showing}`;
    case 'disabled':
      return `${name} disabled (no credentials configured): ${showing}`;
    case 'error':
      return `${name} failed${code ? ` (${code})` : ''}${error ? ` — ${error}` : ''}: ${showing}`;
  }
}

/** The outcome of one album: the document's `metadata.mbMatches` first (kept current), then the album's own. */
export function matchOf(
  doc: TrendingDocument,
  album: Pick<TrendingAlbum, 'id' | 'musicbrainz'>,
): MusicBrainzMatch | null {
  return doc.metadata.mbMatches[album.id] ?? album.musicbrainz ?? null;
}

function decidedAtMs(match: MusicBrainzMatch): number {
  const t = match.decidedAt === null ? Number.NaN : Date.parse(match.decidedAt);
  return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
}

/**
 * Which of two outcomes of the same album is current: the later decision; on a tie (e.g. neither decided) a decided
 * status wins over `queued`, otherwise the incoming one.
 */
export function newerMatch(current: MusicBrainzMatch | null, incoming: MusicBrainzMatch): MusicBrainzMatch {
  if (current === null) return incoming;
  const a = decidedAtMs(current);
  const b = decidedAtMs(incoming);
  if (a > b) return current;
  if (b > a) return incoming;
  if (incoming.status === 'queued' && current.status !== 'queued') return current;
  return incoming;
}

function shiftCounts(counts: EnrichmentCounts, from: MatchStatus | null, to: MatchStatus): EnrichmentCounts {
  if (from === to) return counts;
  const next = { ...counts, [to]: counts[to] + 1 };
  if (from !== null) next[from] = Math.max(0, next[from] - 1);
  return next;
}

/**
 * Puts a `musicbrainz_match` event into the document: the album's badge (in every list it appears in), its entry in
 * `metadata.mbMatches` and the enrichment counts. An album that is not in the document, or an outcome older than the
 * one shown, leaves the document as it is (the same object).
 */
export function applyMatch(doc: TrendingDocument, event: MusicBrainzMatchEvent): TrendingDocument {
  const { albumId, match } = event;
  const inNew = doc.newReleases.find((a) => a.id === albumId);
  const inPopular = doc.popularAlbums.find((a) => a.id === albumId);
  const known = doc.metadata.mbMatches[albumId];
  if (!inNew && !inPopular && !known) return doc;
  const previous = known ?? inNew?.musicbrainz ?? inPopular?.musicbrainz ?? null;
  const chosen = newerMatch(previous, match);
  if (chosen === previous) return doc;
  const put = <A extends TrendingAlbum>(albums: A[]): A[] =>
    albums.some((a) => a.id === albumId)
      ? albums.map((a) => (a.id === albumId ? { ...a, musicbrainz: chosen } : a))
      : albums;
  return {
    ...doc,
    newReleases: put(doc.newReleases),
    popularAlbums: put(doc.popularAlbums),
    metadata: {
      mbMatches: { ...doc.metadata.mbMatches, [albumId]: chosen },
      enrichment: shiftCounts(doc.metadata.enrichment, previous?.status ?? null, chosen.status),
    },
  };
}

/**
 * Re-applies the outcomes that arrived live to a document read from the server: a read that started before an
 * outcome was stored must not take its badge away again.
 */
export function withLiveMatches(doc: TrendingDocument, live: ReadonlyMap<string, MusicBrainzMatch>): TrendingDocument {
  let out = doc;
  for (const [albumId, match] of live) out = applyMatch(out, { albumId, match });
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The MusicBrainz page of a matched album's release group, or null when there is no usable id. */
export function musicBrainzUrl(match: MusicBrainzMatch | null): string | null {
  if (!match || match.status !== 'matched' || !match.releaseGroupId || !UUID.test(match.releaseGroupId)) return null;
  return `https://musicbrainz.org/release-group/${match.releaseGroupId.toLowerCase()}`;
}

/** A tooltip for a badge: how the match was decided. */
export function matchDetails(match: MusicBrainzMatch): string {
  const parts: string[] = [];
  if (match.mbScore !== null) parts.push(`MusicBrainz score ${match.mbScore}`);
  if (match.confidence !== null) parts.push(`confidence ${Math.round(match.confidence * 100)}%`);
  if (match.status === 'failed')
    parts.push(`gave up after ${match.attempts} ${match.attempts === 1 ? 'try' : 'tries'}`);
  if (match.reason) parts.push(match.reason);
  return parts.join(' · ');
}

/** Only http(s) links are rendered as links. */
export function safeHttpUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** "Artist A, Artist B", or "Unknown artist". */
export function artistNames(artists: ReadonlyArray<{ name: string }>): string {
  return artists.map((a) => a.name).join(', ') || 'Unknown artist';
}

const ALBUM_TYPES: Record<TrendingAlbum['type'], string> = {
  album: 'Album',
  single: 'Single',
  compilation: 'Compilation',
};

/** "Album", "Single", "Compilation". */
export function albumTypeLabel(type: TrendingAlbum['type']): string {
  return ALBUM_TYPES[type];
}

const MONTH_YEAR = new Intl.DateTimeFormat('en', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const DAY_MONTH_YEAR = new Intl.DateTimeFormat('en', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/** A release date at its precision: "2024", "Mar 2024", "Mar 4, 2024"; null when there is none. */
export function releaseDateLabel(date: string | null, precision: TrendingAlbum['releaseDatePrecision']): string | null {
  if (!date) return null;
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(date);
  if (!m) return null;
  const [, y, mo, d] = m;
  const wanted = precision ?? (d ? 'day' : mo ? 'month' : 'year');
  if (wanted === 'year' || !mo) return y ?? null;
  const month = Date.UTC(Number(y), Number(mo) - 1, 1);
  if (wanted === 'month' || !d) return MONTH_YEAR.format(month);
  return DAY_MONTH_YEAR.format(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
}

/** One point in time of an album's chart history; `positions` by source (null: seen but unranked). */
export interface ChartRow {
  t: number;
  positions: Record<string, number | null>;
}

/** The chart of an album's history: one row per refresh time, oldest first, and the sources it was seen in. */
export interface ChartSeries {
  sources: string[];
  rows: ChartRow[];
  /** The lowest (numerically largest) position shown; the axis runs from #1 to it. */
  maxPosition: number;
}

/** Builds the chart series of an album's appearances (entries with an unreadable time are left out). */
export function chartSeries(history: AppearanceHistory['history']): ChartSeries {
  const sources: string[] = [];
  const byTime = new Map<number, ChartRow>();
  let maxPosition = 1;
  for (const entry of history) {
    const t = Date.parse(entry.seenAt);
    if (!Number.isFinite(t)) continue;
    if (!sources.includes(entry.source)) sources.push(entry.source);
    let row = byTime.get(t);
    if (!row) {
      row = { t, positions: {} };
      byTime.set(t, row);
    }
    row.positions[entry.source] = entry.position;
    if (entry.position !== null) maxPosition = Math.max(maxPosition, entry.position);
  }
  const rows = [...byTime.values()].sort((a, b) => a.t - b.t);
  return { sources, rows, maxPosition };
}

/** The stats windows offered, in days. */
export const STATS_WINDOWS = [1, 7, 30, 90] as const;
export const DEFAULT_STATS_DAYS = 7;

/** Reads a `days` value (from the URL) as a whole number of days from 1 to 90; anything else is the default. */
export function parseDays(value: string | null): number {
  if (value === null || !/^\d{1,3}$/.test(value)) return DEFAULT_STATS_DAYS;
  const days = Number(value);
  return days >= 1 && days <= 90 ? days : DEFAULT_STATS_DAYS;
}

/** "Last 24 hours", "Last 7 days". */
export function windowLabel(days: number): string {
  return days === 1 ? 'Last 24 hours' : `Last ${days} days`;
}

/** "+3", "−2", "0": positions gained or lost. */
export function formatChange(change: number): string {
  if (change > 0) return `+${change}`;
  if (change < 0) return `−${Math.abs(change)}`;
  return '0';
}

/** How far the enrichment has got: decided albums (matched, no match, failed) out of all known. */
export function enrichmentDone(
  counts: EnrichmentCounts,
  total?: number,
): { done: number; total: number; percent: number } {
  const done = counts.matched + counts.no_match + counts.failed;
  const all = Math.max(total ?? done + counts.queued, done);
  return { done, total: all, percent: all === 0 ? 0 : Math.round((done / all) * 100) };
}

/** Per-source chart rows of the stats, with readable names. */
export function perSourceRows(stats: TrendingStats): Array<TrendingStats['perSource'][number] & { label: string }> {
  return stats.perSource.map((row) => ({ ...row, label: trendingSourceLabel(row.source) }));
}

/** Puts an added album at the top of the collection (once). */
export function upsertCollectionItem(items: readonly CollectionItem[], item: CollectionItem): CollectionItem[] {
  return [item, ...items.filter((i) => i.album.id !== item.album.id)];
}

/** Takes an album out of the collection. */
export function removeCollectionItem(items: readonly CollectionItem[], albumId: string): CollectionItem[] {
  return items.filter((i) => i.album.id !== albumId);
}
