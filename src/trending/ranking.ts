/**
 * Chart analytics over the appearance history (`album_appearances`): popular albums, trending artists, window
 * statistics and one album's summary. Pure: the caller loads the rows and passes the window in.
 *
 * A refresh is the set of rows of one source sharing one `seenAt`; its chart size is the number of distinct albums
 * in it. Albums absent from the `albums` map still count towards chart sizes and refresh counts, but are left out
 * of every returned list (nothing can be shown or credited for them).
 */
import type { Album } from '../domain/album.ts';

export interface Appearance {
  readonly albumId: string;
  readonly source: string;
  /** 1-based; null when the chart did not say. */
  readonly position: number | null;
  readonly seenAt: Date;
}

export type AlbumInfo = Pick<Album, 'id' | 'name' | 'artists'>;

/** The ranking rule of popular albums and trending artists, as the README and the API documentation state it. */
export const RANKING_RULE =
  'Each appearance earns (N + 1 − p) / N points, where N is the number of albums in that refresh of that ' +
  "source's chart and p the album's position there (an unknown position, or one beyond N, counts as N): #1 earns 1, " +
  'the last place 1/N. An album scores the sum over all refreshes in the window, every refresh counting the same ' +
  '(no recency weighting: the window keeps the ranking current). Ties go to the better best position, then the more ' +
  'recent appearance, then the id. An artist scores the full points of every album it is credited on (no split ' +
  'between co-credited artists) and ties are broken the same way.';

export interface RankOptions {
  /** How many entries to return (a non-negative integer). */
  readonly limit: number;
}

export interface PopularAlbum {
  readonly albumId: string;
  /** Rounded to 6 decimals. */
  readonly points: number;
  /** Refreshes the album is in. */
  readonly appearances: number;
  /** Best known position; null when every appearance lacked one. */
  readonly bestPosition: number | null;
  /** Position in the most recent refresh it is in (best of them when several sources refreshed at that instant). */
  readonly lastPosition: number | null;
}

export interface TrendingArtist {
  readonly artistId: string;
  /** As credited on the artist's highest-ranked album. */
  readonly name: string;
  /** Rounded to 6 decimals. */
  readonly points: number;
  /** Distinct albums crediting the artist. */
  readonly albums: number;
  /** Sum of those albums' appearances. */
  readonly appearances: number;
}

export interface ChartStatsOptions {
  /** Inclusive. */
  readonly from: Date;
  /** Inclusive. */
  readonly to: Date;
  /** Length of each list. */
  readonly limit: number;
}

export interface SourceStats {
  readonly source: string;
  readonly refreshes: number;
  /** Distinct albums. */
  readonly albums: number;
  /** Rows (album appearances). */
  readonly appearances: number;
}

export interface PersistentAlbum {
  readonly albumId: string;
  /** Refreshes in the window the album is in. */
  readonly appearances: number;
  /** Refreshes in the window of the sources the album appears in: the most it could have. */
  readonly refreshesInWindow: number;
}

export interface NewEntry {
  readonly albumId: string;
  readonly firstSeenAt: Date;
  /** Best known position at that first refresh (any source then); null when unknown. */
  readonly position: number | null;
  /** The source of that position (alphabetically first when several tie). */
  readonly source: string;
}

export interface Move {
  readonly albumId: string;
  /** Moves are measured within one source's chart: positions of different charts are not comparable. */
  readonly source: string;
  /** Position in the first refresh of the window with a known position. */
  readonly from: number;
  /** Position in the last refresh of the window with a known position. */
  readonly to: number;
  /** `from − to`: positive is a climb. */
  readonly change: number;
}

export interface ChartStats {
  readonly window: { readonly from: Date; readonly to: Date };
  readonly refreshes: number;
  /** Alphabetical by source. */
  readonly perSource: SourceStats[];
  /** Most appearances first, then the larger share of possible appearances, then id. */
  readonly mostPersistent: PersistentAlbum[];
  /** Albums whose first appearance ever is inside the window: best debut position first, then newest, then id. */
  readonly newEntries: NewEntry[];
  /** Biggest climb first, then better current position, then id and source. */
  readonly climbers: Move[];
  /** Biggest fall first, then better current position, then id and source. */
  readonly fallers: Move[];
}

export interface AlbumHistorySummary {
  readonly firstSeenAt: Date | null;
  readonly lastSeenAt: Date | null;
  /** Best (lowest) known position; null when none is known. */
  readonly peakPosition: number | null;
  /** Rows. */
  readonly count: number;
  /** Alphabetical. */
  readonly sources: string[];
}

// ---------------------------------------------------------------------------------------------------------------

interface Refresh {
  readonly source: string;
  readonly seenAt: Date;
  /** Album id → best position in this refresh (null when no row of the album had one). */
  readonly positions: Map<string, number | null>;
}

const refreshKey = (source: string, seenAt: Date): string => `${source}\u0000${seenAt.getTime()}`;

/** Lower known position is better; an unknown position is worse than any known one. */
function betterPosition(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function compareNullableAsc(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const roundPoints = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Groups rows into refreshes, chronological (then by source); a second row of one album in one refresh is merged. */
function refreshesOf(appearances: readonly Appearance[]): Refresh[] {
  const byKey = new Map<string, Refresh>();
  for (const row of appearances) {
    const key = refreshKey(row.source, row.seenAt);
    let refresh = byKey.get(key);
    if (refresh === undefined) {
      refresh = { source: row.source, seenAt: row.seenAt, positions: new Map() };
      byKey.set(key, refresh);
    }
    const previous = refresh.positions.get(row.albumId);
    refresh.positions.set(row.albumId, previous === undefined ? row.position : betterPosition(previous, row.position));
  }
  return [...byKey.values()].sort((a, b) => a.seenAt.getTime() - b.seenAt.getTime() || compareIds(a.source, b.source));
}

/** `(N + 1 − p) / N`, with an unknown position and one beyond the chart counted as last. */
function pointsFor(position: number | null, chartSize: number): number {
  const p = position === null ? chartSize : Math.min(Math.max(position, 1), chartSize);
  return (chartSize + 1 - p) / chartSize;
}

function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
}

interface AlbumScore {
  readonly albumId: string;
  points: number;
  appearances: number;
  bestPosition: number | null;
  lastSeenAt: number;
  lastPosition: number | null;
}

function scoreAlbums(appearances: readonly Appearance[], albums: ReadonlyMap<string, AlbumInfo>): AlbumScore[] {
  const scores = new Map<string, AlbumScore>();
  for (const refresh of refreshesOf(appearances)) {
    const size = refresh.positions.size;
    const time = refresh.seenAt.getTime();
    for (const [albumId, position] of refresh.positions) {
      if (!albums.has(albumId)) continue;
      let s = scores.get(albumId);
      if (s === undefined) {
        s = { albumId, points: 0, appearances: 0, bestPosition: null, lastSeenAt: time, lastPosition: position };
        scores.set(albumId, s);
      }
      s.points += pointsFor(position, size);
      s.appearances += 1;
      s.bestPosition = betterPosition(s.bestPosition, position);
      // Refreshes come in chronological order: a later one replaces, a simultaneous one (another source) competes.
      if (time > s.lastSeenAt) s.lastPosition = position;
      else if (time === s.lastSeenAt) s.lastPosition = betterPosition(s.lastPosition, position);
      s.lastSeenAt = time;
    }
  }
  const ranked = [...scores.values()];
  for (const s of ranked) s.points = roundPoints(s.points);
  return ranked.sort(
    (a, b) =>
      b.points - a.points ||
      compareNullableAsc(a.bestPosition, b.bestPosition) ||
      b.lastSeenAt - a.lastSeenAt ||
      compareIds(a.albumId, b.albumId),
  );
}

interface ArtistScore {
  readonly artistId: string;
  readonly name: string;
  points: number;
  albums: number;
  appearances: number;
  best: number | null;
  last: number;
}

/** Albums by points over the given appearances (the caller chooses the window); see {@link RANKING_RULE}. */
export function rankPopularAlbums(
  appearances: readonly Appearance[],
  albums: ReadonlyMap<string, AlbumInfo>,
  { limit }: RankOptions,
): PopularAlbum[] {
  assertLimit(limit);
  return scoreAlbums(appearances, albums)
    .slice(0, limit)
    .map((s) => ({
      albumId: s.albumId,
      points: s.points,
      appearances: s.appearances,
      bestPosition: s.bestPosition,
      lastPosition: s.lastPosition,
    }));
}

/** Artists by the summed points of the albums crediting them; see {@link RANKING_RULE}. */
export function rankTrendingArtists(
  appearances: readonly Appearance[],
  albums: ReadonlyMap<string, AlbumInfo>,
  { limit }: RankOptions,
): TrendingArtist[] {
  assertLimit(limit);
  const artists = new Map<string, ArtistScore>();
  for (const album of scoreAlbums(appearances, albums)) {
    const credited = albums.get(album.albumId)?.artists ?? [];
    const seen = new Set<string>();
    for (const artist of credited) {
      if (seen.has(artist.id)) continue;
      seen.add(artist.id);
      const a = artists.get(artist.id);
      if (a === undefined) {
        artists.set(artist.id, {
          artistId: artist.id,
          name: artist.name,
          points: album.points,
          albums: 1,
          appearances: album.appearances,
          best: album.bestPosition,
          last: album.lastSeenAt,
        });
        continue;
      }
      a.points += album.points;
      a.albums += 1;
      a.appearances += album.appearances;
      a.best = betterPosition(a.best, album.bestPosition);
      a.last = Math.max(a.last, album.lastSeenAt);
    }
  }
  return [...artists.values()]
    .map((a) => ({ ...a, points: roundPoints(a.points) }))
    .sort(
      (a, b) =>
        b.points - a.points ||
        compareNullableAsc(a.best, b.best) ||
        b.last - a.last ||
        compareIds(a.artistId, b.artistId),
    )
    .slice(0, limit)
    .map((a) => ({
      artistId: a.artistId,
      name: a.name,
      points: a.points,
      albums: a.albums,
      appearances: a.appearances,
    }));
}

/**
 * Analytics over the window `from ≤ seenAt ≤ to`. `appearances` holds the whole history up to `to` (rows after it
 * are ignored), so a new entry is told apart from a return. Climbers and fallers are measured per source.
 */
export function chartStats(
  appearances: readonly Appearance[],
  albums: ReadonlyMap<string, AlbumInfo>,
  { from, to, limit }: ChartStatsOptions,
): ChartStats {
  assertLimit(limit);
  const fromTime = from.getTime();
  const toTime = to.getTime();
  if (Number.isNaN(fromTime) || Number.isNaN(toTime)) throw new RangeError('from and to must be valid dates');
  if (fromTime > toTime) throw new RangeError('from must not be after to');

  const history = appearances.filter((a) => a.seenAt.getTime() <= toTime);
  const inWindow = history.filter((a) => a.seenAt.getTime() >= fromTime);
  const refreshes = refreshesOf(inWindow);

  const sources = new Map<string, { refreshes: number; albums: Set<string>; appearances: number }>();
  for (const refresh of refreshes) {
    let s = sources.get(refresh.source);
    if (s === undefined) {
      s = { refreshes: 0, albums: new Set(), appearances: 0 };
      sources.set(refresh.source, s);
    }
    s.refreshes += 1;
    for (const albumId of refresh.positions.keys()) s.albums.add(albumId);
  }
  for (const row of inWindow) {
    const s = sources.get(row.source);
    if (s) s.appearances += 1;
  }
  const perSource = [...sources.entries()]
    .sort(([a], [b]) => compareIds(a, b))
    .map(([source, s]) => ({ source, refreshes: s.refreshes, albums: s.albums.size, appearances: s.appearances }));

  // Persistence, and each album's known positions per source in chronological order.
  const presence = new Map<string, { appearances: number; sources: Set<string> }>();
  const tracks = new Map<string, { albumId: string; source: string; positions: number[] }>();
  for (const refresh of refreshes) {
    for (const [albumId, position] of refresh.positions) {
      if (!albums.has(albumId)) continue;
      let p = presence.get(albumId);
      if (p === undefined) {
        p = { appearances: 0, sources: new Set() };
        presence.set(albumId, p);
      }
      p.appearances += 1;
      p.sources.add(refresh.source);
      if (position === null) continue;
      const key = `${refresh.source}\u0000${albumId}`;
      let track = tracks.get(key);
      if (track === undefined) {
        track = { albumId, source: refresh.source, positions: [] };
        tracks.set(key, track);
      }
      track.positions.push(position);
    }
  }

  const mostPersistent = [...presence.entries()]
    .map(([albumId, p]) => ({
      albumId,
      appearances: p.appearances,
      refreshesInWindow: [...p.sources].reduce((n, source) => n + (sources.get(source)?.refreshes ?? 0), 0),
    }))
    .sort(
      (a, b) =>
        b.appearances - a.appearances ||
        b.appearances * a.refreshesInWindow - a.appearances * b.refreshesInWindow ||
        compareIds(a.albumId, b.albumId),
    )
    .slice(0, limit);

  const newEntries = firstAppearances(history)
    .filter((e) => e.firstSeenAt.getTime() >= fromTime && albums.has(e.albumId))
    .sort(
      (a, b) =>
        compareNullableAsc(a.position, b.position) ||
        b.firstSeenAt.getTime() - a.firstSeenAt.getTime() ||
        compareIds(a.albumId, b.albumId),
    )
    .slice(0, limit);

  const moves: Move[] = [];
  for (const track of tracks.values()) {
    const first = track.positions[0];
    const last = track.positions[track.positions.length - 1];
    if (track.positions.length < 2 || first === undefined || last === undefined) continue;
    moves.push({ albumId: track.albumId, source: track.source, from: first, to: last, change: first - last });
  }
  const byCurrentThenId = (a: Move, b: Move): number =>
    a.to - b.to || compareIds(a.albumId, b.albumId) || compareIds(a.source, b.source);
  const climbers = moves
    .filter((m) => m.change > 0)
    .sort((a, b) => b.change - a.change || byCurrentThenId(a, b))
    .slice(0, limit);
  const fallers = moves
    .filter((m) => m.change < 0)
    .sort((a, b) => a.change - b.change || byCurrentThenId(a, b))
    .slice(0, limit);

  return {
    window: { from: new Date(fromTime), to: new Date(toTime) },
    refreshes: refreshes.length,
    perSource,
    mostPersistent,
    newEntries,
    climbers,
    fallers,
  };
}

/** Each album's first refresh ever, with its best known position then (any source). */
function firstAppearances(history: readonly Appearance[]): NewEntry[] {
  const first = new Map<string, { time: number; position: number | null; source: string }>();
  for (const row of history) {
    const time = row.seenAt.getTime();
    const current = first.get(row.albumId);
    const better =
      current === undefined ||
      time < current.time ||
      (time === current.time &&
        (compareNullableAsc(row.position, current.position) < 0 ||
          (row.position === current.position && row.source < current.source)));
    if (better) first.set(row.albumId, { time, position: row.position, source: row.source });
  }
  return [...first.entries()].map(([albumId, f]) => ({
    albumId,
    firstSeenAt: new Date(f.time),
    position: f.position,
    source: f.source,
  }));
}

/** First and last sighting, peak position, row count and sources of one album's appearances. */
export function albumHistorySummary(appearances: readonly Appearance[]): AlbumHistorySummary {
  let first: number | null = null;
  let last: number | null = null;
  let peak: number | null = null;
  const sources = new Set<string>();
  for (const row of appearances) {
    const time = row.seenAt.getTime();
    if (first === null || time < first) first = time;
    if (last === null || time > last) last = time;
    peak = betterPosition(peak, row.position);
    sources.add(row.source);
  }
  return {
    firstSeenAt: first === null ? null : new Date(first),
    lastSeenAt: last === null ? null : new Date(last),
    peakPosition: peak,
    count: appearances.length,
    sources: [...sources].sort(compareIds),
  };
}
