import { sql, type SQL } from 'drizzle-orm';
import type { Album } from '../domain/album.ts';
import { queryRows, type Database } from '../infra/db.ts';
import { claimLease, leaseState, releaseLease } from '../infra/leases.ts';
import type { MatchStatus, TrendingSourceStatus } from './contract.ts';

/** One album of the stored list, with its position in it. */
export type ListedAlbum = Album & { position: number };

/** An album ranked by our own history (see `ranking.ts`), stored whole so it renders without another query. */
export type RankedAlbum = Album & { points: number; appearances: number; bestPosition: number | null };

export interface RankedArtist {
  id: string;
  name: string;
  points: number;
  albums: number;
  appearances: number;
  imageUrl: string | null;
}

/** `cache_data.data` of the trending key. */
export interface StoredDocument {
  /** When the list was fetched from Spotify; null while no sync ever succeeded. */
  fetchedAt: string | null;
  total: number;
  newReleases: ListedAlbum[];
  trendingArtists: RankedArtist[];
  popularAlbums: RankedAlbum[];
}

export interface StoredSourceState {
  status: TrendingSourceStatus;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  lastErrorCode: string | null;
}

/** The MusicBrainz outcome as `metadata.mbMatches[albumId]` keeps it (seed 002) and the API shows it. */
export interface StoredMatch {
  status: MatchStatus;
  releaseGroupId: string | null;
  releaseId: string | null;
  confidence: number | null;
  mbScore: number | null;
  reason: string | null;
  attempts: number;
  decidedAt: string | null;
}

/** `cache_data.metadata` of the trending key. */
export interface StoredMetadata {
  mbMatches?: Record<string, StoredMatch>;
  sources?: Record<string, StoredSourceState>;
}

export interface CacheEntry {
  data: StoredDocument;
  expires: Date;
  metadata: StoredMetadata;
}

export interface AppearanceRow {
  albumId: string;
  source: string;
  position: number | null;
  seenAt: Date;
}

export interface MatchRow extends StoredMatch {
  albumId: string;
  lastError: string | null;
}

export interface CollectionRow {
  albumId: string;
  album: Album;
  source: string;
  addedAt: Date;
}

export const EMPTY_DOCUMENT: StoredDocument = Object.freeze({
  fetchedAt: null,
  total: 0,
  newReleases: [],
  trendingArtists: [],
  popularAlbums: [],
});

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

interface RawMatch {
  album_id: string;
  status: MatchStatus;
  attempts: number;
  release_group_id: string | null;
  release_id: string | null;
  confidence: number | null;
  mb_score: number | null;
  reason: string | null;
  last_error: string | null;
  decided_at: Date | string | null;
}

function toMatch(r: RawMatch): MatchRow {
  return {
    albumId: r.album_id,
    status: r.status,
    attempts: Number(r.attempts),
    releaseGroupId: r.release_group_id,
    releaseId: r.release_id,
    confidence: r.confidence === null ? null : Number(r.confidence),
    mbScore: r.mb_score === null ? null : Number(r.mb_score),
    reason: r.reason,
    lastError: r.last_error,
    decidedAt: iso(r.decided_at),
  };
}

/** The stored form of a match (what `metadata.mbMatches` holds): the row without its album id and error detail. */
export function storedMatch(row: MatchRow): StoredMatch {
  const { albumId: _albumId, lastError: _lastError, ...match } = row;
  return match;
}

/** The outcome of one MusicBrainz search, as `decide` stores it. */
export interface Decision {
  status: 'matched' | 'no_match' | 'failed';
  releaseGroupId: string | null;
  releaseId: string | null;
  confidence: number | null;
  mbScore: number | null;
  reason: string;
  lastError?: string | null;
}

/**
 * Everything of the Trending job that touches the database: the seed's `cache_data` document and its refresh lease,
 * the albums and their `album_appearances` history, the durable MusicBrainz outcomes, the request log behind the
 * admin's rate, and guest collections.
 */
export class TrendingRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async #rows<T>(query: SQL, db: Database = this.#db): Promise<T[]> {
    return queryRows<T>(db, query);
  }

  async getEntry(key: string): Promise<CacheEntry | undefined> {
    const [row] = await this.#rows<{ data: StoredDocument; expires: Date | string; metadata: StoredMetadata | null }>(
      sql`SELECT data, expires, metadata FROM cache_data WHERE key = ${key}`,
    );
    if (!row) return undefined;
    return { data: row.data, expires: new Date(row.expires), metadata: row.metadata ?? {} };
  }

  /** Takes the refresh lease of `key` (see `infra/leases.ts`): of any number of concurrent callers, one wins. */
  async claimRefresh(key: string, owner: string, leaseMs: number): Promise<boolean> {
    return claimLease(this.#db, key, owner, leaseMs);
  }

  /** Ends `owner`'s lease; `retryAfterMs` (after a failure) holds back the next refresh a stale read would start. */
  async releaseRefresh(key: string, owner: string, retryAfterMs: number | null): Promise<void> {
    await releaseLease(this.#db, key, owner, retryAfterMs);
  }

  /** Whether someone refreshes `key` now, and until when failures hold refreshes back. */
  async refreshState(key: string): Promise<{ refreshing: boolean; retryAt: Date | null }> {
    const { held, retryAt } = await leaseState(this.#db, key);
    return { refreshing: held, retryAt };
  }

  /**
   * Stores one successful refresh in one transaction: the albums (first and last seen), one appearance per album at
   * `seenAt`, the document with its expiry, the source's state, and a `queued` MusicBrainz row for every album that
   * has none. Returns the ids queued now (albums never seen before), newest release first.
   */
  async storeRefresh(input: {
    key: string;
    source: string;
    seenAt: Date;
    expires: Date;
    albums: readonly ListedAlbum[];
    buildDocument: (tx: TrendingRepository) => Promise<StoredDocument>;
    sourceState: StoredSourceState;
  }): Promise<{ queued: string[]; document: StoredDocument }> {
    const seenAt = input.seenAt.toISOString();
    const albums = JSON.stringify(
      input.albums.map((album) => ({ id: album.id, position: album.position, album: albumOnly(album) })),
    );
    return this.#db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Database;
      const scoped = new TrendingRepository(tx);
      await tx.execute(
        sql`WITH input AS (SELECT * FROM jsonb_to_recordset(${albums}::jsonb) AS x(id text, position int, album jsonb))
            INSERT INTO trending_albums AS t (id, album, first_seen_at, last_seen_at)
            SELECT id, album, ${seenAt}::timestamptz, ${seenAt}::timestamptz FROM input
            ON CONFLICT (id) DO UPDATE SET album = EXCLUDED.album,
              last_seen_at = GREATEST(t.last_seen_at, EXCLUDED.last_seen_at)`,
      );
      await tx.execute(
        sql`WITH input AS (SELECT * FROM jsonb_to_recordset(${albums}::jsonb) AS x(id text, position int))
            INSERT INTO album_appearances (album_id, source, position, seen_at)
            SELECT id, ${input.source}, position, ${seenAt}::timestamptz FROM input
            ON CONFLICT (album_id, source, seen_at) DO NOTHING`,
      );
      const queued = await this.#rows<{ album_id: string }>(
        sql`WITH input AS (SELECT * FROM jsonb_to_recordset(${albums}::jsonb) AS x(id text, position int))
            INSERT INTO musicbrainz_matches (album_id, status, queued_at)
            SELECT id, 'queued', ${seenAt}::timestamptz FROM input
            ON CONFLICT (album_id) DO NOTHING
            RETURNING album_id`,
        tx,
      );
      const document = await input.buildDocument(scoped);
      await tx.execute(
        sql`INSERT INTO cache_data AS c (key, data, expires, metadata)
            VALUES (${input.key}, ${JSON.stringify(document)}::jsonb, ${input.expires.toISOString()}::timestamptz,
              jsonb_build_object('sources', jsonb_build_object(${input.source}::text, ${JSON.stringify(input.sourceState)}::jsonb)))
            ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, expires = EXCLUDED.expires,
              metadata = jsonb_set(COALESCE(c.metadata, '{}'::jsonb), '{sources}',
                COALESCE(c.metadata->'sources', '{}'::jsonb) || (EXCLUDED.metadata->'sources'))`,
      );
      const queuedIds = new Set(queued.map((r) => r.album_id));
      return { queued: newestFirst(input.albums.filter((a) => queuedIds.has(a.id))), document };
    });
  }

  /**
   * Records a failed refresh: the source's state changes, the data and its expiry stay (an entry is created, empty
   * and already stale, when none exists, so the failure shows).
   */
  async recordSourceFailure(key: string, source: string, state: StoredSourceState): Promise<void> {
    await this.#db.execute(
      sql`INSERT INTO cache_data AS c (key, data, expires, metadata)
          VALUES (${key}, ${JSON.stringify(EMPTY_DOCUMENT)}::jsonb, 'epoch'::timestamptz,
            jsonb_build_object('sources', jsonb_build_object(${source}::text, ${JSON.stringify(state)}::jsonb)))
          ON CONFLICT (key) DO UPDATE SET
            metadata = jsonb_set(COALESCE(c.metadata, '{}'::jsonb), '{sources}',
              COALESCE(c.metadata->'sources', '{}'::jsonb) || (EXCLUDED.metadata->'sources'))`,
    );
  }

  /** Albums still `queued` (no MusicBrainz decision yet), newest release first, then most recently seen. */
  async pendingAlbumIds(limit = 10_000): Promise<string[]> {
    const rows = await this.#rows<{ album_id: string }>(
      sql`SELECT m.album_id FROM musicbrainz_matches m JOIN trending_albums a ON a.id = m.album_id
          WHERE m.status = 'queued'
          ORDER BY a.album->>'releaseDate' DESC NULLS LAST, a.first_seen_at DESC, m.album_id
          LIMIT ${limit}`,
    );
    return rows.map((r) => r.album_id);
  }

  async getAlbum(id: string): Promise<Album | undefined> {
    const [row] = await this.#rows<{ album: Album }>(sql`SELECT album FROM trending_albums WHERE id = ${id}`);
    return row?.album;
  }

  async albumsByIds(ids: readonly string[]): Promise<Map<string, Album>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#rows<{ id: string; album: Album }>(
      sql`SELECT id, album FROM trending_albums WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
    );
    return new Map(rows.map((r) => [r.id, r.album]));
  }

  async getMatch(albumId: string): Promise<MatchRow | undefined> {
    const [row] = await this.#rows<RawMatch>(sql`SELECT * FROM musicbrainz_matches WHERE album_id = ${albumId}`);
    return row ? toMatch(row) : undefined;
  }

  async matchesFor(ids: readonly string[]): Promise<Map<string, MatchRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#rows<RawMatch>(
      sql`SELECT * FROM musicbrainz_matches WHERE album_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
    );
    return new Map(rows.map((r) => [r.album_id, toMatch(r)]));
  }

  /** Counts one more search attempt of a queued album (before its outcome is known). */
  async countAttempt(albumId: string, error: string | null): Promise<number> {
    const [row] = await this.#rows<{ attempts: number }>(
      sql`UPDATE musicbrainz_matches SET attempts = attempts + 1, last_error = ${error}
          WHERE album_id = ${albumId} AND status = 'queued' RETURNING attempts`,
    );
    return row ? Number(row.attempts) : 0;
  }

  /**
   * Stores an album's outcome, once: only a `queued` row changes, so a second decision (a job run twice) changes
   * nothing and returns undefined. In the same transaction the cache document's `metadata.mbMatches[albumId]` is set
   * (seed 002's shape).
   */
  async decide(albumId: string, decision: Decision, cacheKey: string): Promise<MatchRow | undefined> {
    return this.#db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Database;
      const [row] = await this.#rows<RawMatch>(
        sql`UPDATE musicbrainz_matches SET status = ${decision.status}, release_group_id = ${decision.releaseGroupId},
              release_id = ${decision.releaseId}, confidence = ${decision.confidence}, mb_score = ${decision.mbScore},
              reason = ${decision.reason}, last_error = ${decision.lastError ?? null},
              attempts = CASE WHEN ${decision.status} = 'failed' THEN attempts ELSE attempts + 1 END,
              decided_at = clock_timestamp()
            WHERE album_id = ${albumId} AND status = 'queued'
            RETURNING *`,
        tx,
      );
      if (!row) return undefined;
      const match = toMatch(row);
      await tx.execute(
        sql`UPDATE cache_data SET metadata = jsonb_set(
              jsonb_set(COALESCE(metadata, '{}'::jsonb), '{mbMatches}', COALESCE(metadata->'mbMatches', '{}'::jsonb)),
              ARRAY['mbMatches', ${albumId}::text], ${JSON.stringify(storedMatch(match))}::jsonb)
            WHERE key = ${cacheKey}`,
      );
      return match;
    });
  }

  async matchCounts(): Promise<Record<MatchStatus, number>> {
    const rows = await this.#rows<{ status: MatchStatus; n: number | string }>(
      sql`SELECT status, count(*) AS n FROM musicbrainz_matches GROUP BY status`,
    );
    const counts: Record<MatchStatus, number> = { queued: 0, matched: 0, no_match: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  async recentDecisions(limit: number): Promise<MatchRow[]> {
    const rows = await this.#rows<RawMatch>(
      sql`SELECT * FROM musicbrainz_matches WHERE decided_at IS NOT NULL
          ORDER BY decided_at DESC, album_id LIMIT ${limit}`,
    );
    return rows.map(toMatch);
  }

  /** Logs one MusicBrainz search sent (for the admin's current rate); rows older than a day are trimmed. */
  async logRequest(albumId: string, status: string): Promise<void> {
    await this.#db.execute(sql`INSERT INTO musicbrainz_requests (album_id, status) VALUES (${albumId}, ${status})`);
    if (Math.random() < 0.01) {
      await this.#db.execute(sql`DELETE FROM musicbrainz_requests WHERE sent_at < now() - interval '1 day'`);
    }
  }

  async requestsSince(since: Date): Promise<number> {
    const [row] = await this.#rows<{ n: number | string }>(
      sql`SELECT count(*) AS n FROM musicbrainz_requests WHERE sent_at >= ${since.toISOString()}::timestamptz`,
    );
    return Number(row?.n ?? 0);
  }

  /** Appearances with `seen_at` in [from, to] (all of them when `from` is null), oldest first. */
  async appearances(range: { from: Date | null; to: Date; albumId?: string }): Promise<AppearanceRow[]> {
    const from = range.from ? sql`AND seen_at >= ${range.from.toISOString()}::timestamptz` : sql``;
    const album = range.albumId !== undefined ? sql`AND album_id = ${range.albumId}` : sql``;
    const rows = await this.#rows<{ album_id: string; source: string; position: number | null; seen_at: Date }>(
      sql`SELECT album_id, source, position, seen_at FROM album_appearances
          WHERE seen_at <= ${range.to.toISOString()}::timestamptz ${from} ${album}
          ORDER BY seen_at, source, position NULLS LAST, album_id`,
    );
    return rows.map((r) => ({
      albumId: r.album_id,
      source: r.source,
      position: r.position === null ? null : Number(r.position),
      seenAt: new Date(r.seen_at),
    }));
  }

  /** Adds an album to a user's collection; false when it was already there. */
  async addToCollection(userId: string, albumId: string, source: string): Promise<boolean> {
    const rows = await this.#rows<{ album_id: string }>(
      sql`INSERT INTO collection_items (user_id, album_id, source) VALUES (${userId}, ${albumId}, ${source})
          ON CONFLICT (user_id, album_id) DO NOTHING RETURNING album_id`,
    );
    return rows.length === 1;
  }

  async removeFromCollection(userId: string, albumId: string): Promise<boolean> {
    const rows = await this.#rows<{ album_id: string }>(
      sql`DELETE FROM collection_items WHERE user_id = ${userId} AND album_id = ${albumId} RETURNING album_id`,
    );
    return rows.length === 1;
  }

  async collection(userId: string, albumId?: string): Promise<CollectionRow[]> {
    const only = albumId !== undefined ? sql`AND c.album_id = ${albumId}` : sql``;
    const rows = await this.#rows<{ album_id: string; album: Album; source: string; added_at: Date }>(
      sql`SELECT c.album_id, a.album, c.source, c.added_at FROM collection_items c
          JOIN trending_albums a ON a.id = c.album_id
          WHERE c.user_id = ${userId} ${only}
          ORDER BY c.added_at DESC, c.album_id`,
    );
    return rows.map((r) => ({ albumId: r.album_id, album: r.album, source: r.source, addedAt: new Date(r.added_at) }));
  }
}

function albumOnly(album: ListedAlbum): Album {
  const { position: _position, ...rest } = album;
  return rest;
}

/** Newest release first (undated last), then by list position: the order enrichment works in. */
export function newestFirst(albums: readonly ListedAlbum[]): string[] {
  return [...albums]
    .sort((a, b) => {
      const byDate = (b.releaseDate ?? '').localeCompare(a.releaseDate ?? '');
      return byDate !== 0 ? byDate : a.position - b.position;
    })
    .map((a) => a.id);
}
