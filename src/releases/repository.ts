import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database } from '../infra/db.ts';
import type { Release, RunError, RunStatus } from './contract.ts';

/** A song as the upsert writes it: the mapped upstream item plus its fingerprint and album key. */
export interface SongWrite {
  source: string;
  externalId: string;
  title: string;
  artists: string[];
  album: string;
  albumKey: string;
  albumExternalId: string | null;
  language: string;
  releaseDate: string | null;
  imageUrl: string | null;
  url: string | null;
  durationSeconds: number | null;
  kind: 'song' | 'album';
  metadata: unknown;
  fingerprint: string;
}

/** A `songs` row as the rest of the releases job sees it. */
export interface SongRow extends SongWrite {
  id: number;
  /** `releaseDate`, or the UTC day of first detection: the list's sort key. */
  sortDate: string;
  featured: boolean;
  likes: number;
  addedAt: Date;
  updatedAt: Date;
  /** Whether the asking user liked it (only when a user asked). */
  liked?: boolean;
}

export interface EventRow {
  id: number;
  songId: number;
  type: 'new_release' | 'release_updated';
  /** The release as it was presented when the event was recorded. */
  payload: Release;
  detectedAt: Date;
}

export interface RunRow {
  id: string;
  status: RunStatus;
  trigger: string;
  owner: string;
  startedAt: Date;
  heartbeatAt: Date;
  finishedAt: Date | null;
  fetched: number;
  newSongs: number;
  newAlbums: number;
  updated: number;
  rateLimited: boolean;
  errors: RunError[];
}

export type { RunError, RunStatus };

export interface SourceRow {
  name: string;
  status: 'ok' | 'degraded';
  lastSuccessAt: Date | null;
  lastAttemptAt: Date | null;
  lastError: string | null;
}

export interface ListQuery {
  language?: string | undefined;
  limit: number;
  /** Keyset cursor: the sort date and id of the last item of the previous page. */
  after?: { sortDate: string; id: number } | undefined;
  /** Only releases whose date (or detection date, when undated) is on or after this day. */
  since: string;
}

/** Every column but `metadata` (the upstream item, ~2 KB a song): what lists, events and the ingest need. */
const COLUMNS = `s.id, s.source, s.external_id, s.title, s.artist_names, s.album, s.album_key,
  s.album_external_id, s.language, to_char(s.release_date, 'YYYY-MM-DD') AS release_date,
  to_char(s.sort_date, 'YYYY-MM-DD') AS sort_date, s.image_url, s.url, s.duration_seconds, s.kind, s.fingerprint,
  s.featured, s.likes, s.added_at, s.updated_at`;
const SONG_COLUMNS = sql.raw(COLUMNS);
const SONG_COLUMNS_WITH_METADATA = sql.raw(`${COLUMNS}, s.metadata`);

interface RawSong {
  id: string | number;
  source: string;
  external_id: string;
  title: string;
  artist_names: string[] | string;
  album: string;
  album_key: string;
  album_external_id: string | null;
  language: string;
  release_date: string | null;
  sort_date: string;
  image_url: string | null;
  url: string | null;
  duration_seconds: number | null;
  kind: 'song' | 'album';
  metadata?: unknown;
  fingerprint: string;
  featured: boolean;
  likes: number;
  added_at: Date | string;
  updated_at: Date | string;
  liked?: boolean;
}

function json<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

function toSong(r: RawSong): SongRow {
  return {
    id: Number(r.id),
    source: r.source,
    externalId: r.external_id,
    title: r.title,
    artists: json<string[]>(r.artist_names),
    album: r.album,
    albumKey: r.album_key,
    albumExternalId: r.album_external_id,
    language: r.language,
    releaseDate: r.release_date,
    sortDate: r.sort_date,
    imageUrl: r.image_url,
    url: r.url,
    durationSeconds: r.duration_seconds,
    kind: r.kind,
    metadata: r.metadata === undefined ? undefined : json(r.metadata),
    fingerprint: r.fingerprint,
    featured: r.featured,
    likes: r.likes,
    addedAt: new Date(r.added_at),
    updatedAt: new Date(r.updated_at),
    ...(r.liked === undefined ? {} : { liked: r.liked }),
  };
}

interface RawEvent {
  id: string | number;
  song_id: string | number;
  type: EventRow['type'];
  payload: Release | string;
  detected_at: Date | string;
}

function toEvent(r: RawEvent): EventRow {
  return {
    id: Number(r.id),
    songId: Number(r.song_id),
    type: r.type,
    payload: json<Release>(r.payload),
    detectedAt: new Date(r.detected_at),
  };
}

interface RawRun {
  id: string;
  status: RunStatus;
  trigger: string;
  owner: string;
  started_at: Date | string;
  heartbeat_at: Date | string;
  finished_at: Date | string | null;
  fetched: number;
  new_songs: number;
  new_albums: number;
  updated: number;
  rate_limited: boolean;
  errors: RunError[] | string;
}

function toRun(r: RawRun): RunRow {
  return {
    id: r.id,
    status: r.status,
    trigger: r.trigger,
    owner: r.owner,
    startedAt: new Date(r.started_at),
    heartbeatAt: new Date(r.heartbeat_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    fetched: r.fetched,
    newSongs: r.new_songs,
    newAlbums: r.new_albums,
    updated: r.updated,
    rateLimited: r.rate_limited,
    errors: json<RunError[]>(r.errors),
  };
}

/** Result of one page's transaction. */
export interface IngestResult {
  inserted: SongRow[];
  /** Known songs whose fingerprint changed (their visible metadata was rewritten). */
  updated: SongRow[];
  /** Songs that became the featured song of their album in this transaction. */
  newlyFeatured: SongRow[];
  events: EventRow[];
}

/**
 * Everything the releases job stores: songs, events, likes, runs and source freshness. Only this module touches SQL.
 * All writes of one upstream page happen in {@link ReleasesRepository.ingestPage}'s single transaction, set-based.
 */
export class ReleasesRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async #rows<T>(query: SQL, db: Database = this.#db): Promise<T[]> {
    return queryRows<T>(db, query);
  }

  /**
   * Writes one page in one transaction with a constant number of statements whatever its size:
   * 1. one `INSERT … ON CONFLICT DO UPDATE … WHERE fingerprint changed` for all songs (unchanged songs: no write);
   * 2. one `UPDATE` featuring, per album that has no featured song yet, its first-detected song (see below; the
   *    partial unique index rejects a second featured song per album);
   * 3. one `INSERT` of the events (`new_release` for each newly featured album, `release_updated` for each featured
   *    song whose fingerprint changed), with payloads built by `payloadOf`.
   * Re-running the same page changes nothing and returns empty lists.
   */
  async ingestPage(
    songs: readonly SongWrite[],
    options: {
      runId: string;
      now: Date;
      payloadOf: (song: SongRow, type: EventRow['type'], detectedAt: Date) => Release;
    },
  ): Promise<IngestResult> {
    if (songs.length === 0) return { inserted: [], updated: [], newlyFeatured: [], events: [] };
    // One row per (source, external id): a page may list a song twice; the first occurrence wins.
    const seen = new Set<string>();
    const unique = songs.filter((s) => {
      const key = `${s.source}\u0000${s.externalId}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const input = JSON.stringify(
      unique.map((s, ord) => ({
        ord,
        source: s.source,
        external_id: s.externalId,
        title: s.title,
        artists: s.artists.join(', '),
        artist_names: s.artists,
        album: s.album,
        album_key: s.albumKey,
        album_external_id: s.albumExternalId,
        language: s.language,
        release_date: s.releaseDate,
        image_url: s.imageUrl,
        url: s.url,
        duration_seconds: s.durationSeconds,
        kind: s.kind,
        metadata: s.metadata ?? {},
        fingerprint: s.fingerprint,
      })),
    );
    const now = options.now.toISOString();

    return this.#db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Database;
      const written = await this.#rows<RawSong & { inserted: boolean }>(
        sql`WITH input AS (
              SELECT * FROM jsonb_to_recordset(${input}::jsonb) AS x(
                ord int, source text, external_id text, title text, artists text, artist_names jsonb, album text,
                album_key text, album_external_id text, language text, release_date date, image_url text, url text,
                duration_seconds int, kind text, metadata jsonb, fingerprint text)
            )
            INSERT INTO songs AS s (source, external_id, title, artists, artist_names, album, album_key,
              album_external_id, language, release_date, sort_date, image_url, url, duration_seconds, kind, metadata,
              fingerprint, added_at, updated_at)
            SELECT source, external_id, title, artists, artist_names, album, album_key, album_external_id, language,
              release_date, COALESCE(release_date, (${now}::timestamptz AT TIME ZONE 'UTC')::date), image_url, url,
              duration_seconds, kind, metadata, fingerprint, ${now}::timestamptz, ${now}::timestamptz
            FROM input ORDER BY ord
            ON CONFLICT (source, external_id) DO UPDATE SET
              title = EXCLUDED.title, artists = EXCLUDED.artists, artist_names = EXCLUDED.artist_names,
              album = EXCLUDED.album, album_external_id = EXCLUDED.album_external_id, language = EXCLUDED.language,
              release_date = EXCLUDED.release_date,
              sort_date = COALESCE(EXCLUDED.release_date, (s.added_at AT TIME ZONE 'UTC')::date),
              image_url = EXCLUDED.image_url, url = EXCLUDED.url,
              duration_seconds = EXCLUDED.duration_seconds, kind = EXCLUDED.kind, metadata = EXCLUDED.metadata,
              fingerprint = EXCLUDED.fingerprint, updated_at = EXCLUDED.updated_at
            WHERE s.fingerprint IS DISTINCT FROM EXCLUDED.fingerprint
            RETURNING ${SONG_COLUMNS}, (xmax = 0) AS inserted`,
        tx,
      );
      const inserted = written.filter((r) => r.inserted).map(toSong);
      const updated = written.filter((r) => !r.inserted).map(toSong);

      const newlyFeatured: SongRow[] = [];
      if (inserted.length > 0) {
        const keyList = [...new Set(inserted.map((s) => s.albumKey))];
        // The featured rule: an album's featured song is sticky (once featured it keeps the spot), and an album with
        // none gets its first-detected song (ties: lowest id, i.e. upstream order). Only facts that never change once
        // written decide, so the flag cannot flap with play counts or artwork. One statement driven by the page's keys (index lookups,
        // whatever the table's statistics). The literal LIMIT tells the planner how many keys there are; with its
        // default guess for a set-returning function, PostgreSQL JIT-compiles the statement on every page once the
        // table is large.
        const rows = await this.#rows<RawSong>(
          sql`WITH keys AS (
                SELECT DISTINCT k FROM jsonb_array_elements_text(${JSON.stringify(keyList)}::jsonb) AS k
                LIMIT ${sql.raw(String(keyList.length))}
              ),
              pick AS (
                SELECT p.id FROM keys CROSS JOIN LATERAL (
                  SELECT c.id FROM songs c
                  WHERE c.album_key = keys.k
                    AND NOT EXISTS (SELECT 1 FROM songs f WHERE f.album_key = keys.k AND f.featured)
                  ORDER BY c.added_at, c.id
                  LIMIT 1
                ) p
              )
              UPDATE songs AS s SET featured = true FROM pick WHERE s.id = pick.id
              RETURNING ${SONG_COLUMNS}`,
          tx,
        );
        newlyFeatured.push(...rows.map(toSong).sort((a, b) => a.id - b.id));
      }

      const eventInputs: { song: SongRow; type: EventRow['type'] }[] = [
        ...newlyFeatured.map((song) => ({ song, type: 'new_release' as const })),
        ...updated.filter((s) => s.featured).map((song) => ({ song, type: 'release_updated' as const })),
      ];
      let events: EventRow[] = [];
      if (eventInputs.length > 0) {
        const detectedAt = options.now;
        const eventJson = JSON.stringify(
          eventInputs.map(({ song, type }, ord) => ({
            ord,
            song_id: song.id,
            type,
            payload: options.payloadOf(song, type, detectedAt),
          })),
        );
        const rows = await this.#rows<RawEvent>(
          sql`INSERT INTO new_release_events (song_id, type, payload, run_id, detected_at)
              SELECT song_id, type, payload, ${options.runId}, ${now}::timestamptz
              FROM jsonb_to_recordset(${eventJson}::jsonb) AS x(ord int, song_id bigint, type text, payload jsonb)
              ORDER BY ord
              RETURNING id, song_id, type, payload, detected_at`,
          tx,
        );
        events = rows.map(toEvent).sort((a, b) => a.id - b.id);
      }
      return { inserted, updated, newlyFeatured, events };
    });
  }

  /** Featured releases, newest first (release date, then id), keyset-paginated. */
  async listFeatured(query: ListQuery): Promise<SongRow[]> {
    const conditions: SQL[] = [sql`s.featured`, sql`s.sort_date >= ${query.since}::date`];
    if (query.language) conditions.push(sql`s.language = ${query.language}`);
    if (query.after) conditions.push(sql`(s.sort_date, s.id) < (${query.after.sortDate}::date, ${query.after.id})`);
    const rows = await this.#rows<RawSong>(
      sql`SELECT ${SONG_COLUMNS} FROM songs s
          WHERE ${sql.join(conditions, sql` AND `)}
          ORDER BY s.sort_date DESC, s.id DESC
          LIMIT ${query.limit}`,
    );
    return rows.map(toSong);
  }

  async getSong(id: number, userId?: string): Promise<SongRow | undefined> {
    const liked = userId
      ? sql`, EXISTS (SELECT 1 FROM song_likes l WHERE l.song_id = s.id AND l.user_id = ${userId}) AS liked`
      : sql``;
    const rows = await this.#rows<RawSong>(
      sql`SELECT ${SONG_COLUMNS_WITH_METADATA}${liked} FROM songs s WHERE s.id = ${id}`,
    );
    return rows[0] ? toSong(rows[0]) : undefined;
  }

  /** Every song of the album(s) with this name (case-insensitive), featured first. */
  async songsByAlbumName(name: string): Promise<SongRow[]> {
    const rows = await this.#rows<RawSong>(
      sql`SELECT ${SONG_COLUMNS} FROM songs s WHERE lower(s.album) = lower(${name})
          ORDER BY s.album_key, s.featured DESC, s.id`,
    );
    return rows.map(toSong);
  }

  /** Which of `songIds` the user liked. */
  async likedAmong(userId: string, songIds: readonly number[]): Promise<Set<number>> {
    if (songIds.length === 0) return new Set();
    const rows = await this.#rows<{ song_id: string | number }>(
      sql`SELECT song_id FROM song_likes WHERE user_id = ${userId}
          AND song_id IN (SELECT (jsonb_array_elements_text(${JSON.stringify(songIds)}::jsonb))::bigint)`,
    );
    return new Set(rows.map((r) => Number(r.song_id)));
  }

  /** Adds (or removes) a user's like; returns the new count, or undefined when the song does not exist. */
  async setLike(songId: number, userId: string, liked: boolean): Promise<number | undefined> {
    return this.#db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Database;
      const exists = await this.#rows<{ likes: number }>(
        sql`SELECT likes FROM songs WHERE id = ${songId} FOR UPDATE`,
        tx,
      );
      if (exists.length === 0) return undefined;
      const changed = liked
        ? await this.#rows(
            sql`INSERT INTO song_likes (song_id, user_id) VALUES (${songId}, ${userId})
                ON CONFLICT DO NOTHING RETURNING song_id`,
            tx,
          )
        : await this.#rows(
            sql`DELETE FROM song_likes WHERE song_id = ${songId} AND user_id = ${userId} RETURNING song_id`,
            tx,
          );
      if (changed.length === 0) return exists[0]!.likes;
      const delta = liked ? 1 : -1;
      const rows = await this.#rows<{ likes: number }>(
        sql`UPDATE songs SET likes = GREATEST(likes + ${delta}, 0) WHERE id = ${songId} RETURNING likes`,
        tx,
      );
      return rows[0]!.likes;
    });
  }

  /** Events with an id above `afterId`, oldest first, at most `limit`. */
  async eventsAfter(afterId: number, limit: number): Promise<EventRow[]> {
    const rows = await this.#rows<RawEvent>(
      sql`SELECT id, song_id, type, payload, detected_at FROM new_release_events
          WHERE id > ${afterId} ORDER BY id LIMIT ${limit}`,
    );
    return rows.map(toEvent);
  }

  /** The highest event id, or 0 when there is none. */
  async latestEventId(): Promise<number> {
    const rows = await this.#rows<{ id: string | number | null }>(sql`SELECT max(id) AS id FROM new_release_events`);
    return Number(rows[0]?.id ?? 0);
  }

  /** Events committed but never published (a process died between commit and publish), oldest first. */
  async unnotifiedEvents(limit = 1000): Promise<EventRow[]> {
    const rows = await this.#rows<RawEvent>(
      sql`SELECT id, song_id, type, payload, detected_at FROM new_release_events
          WHERE NOT notified ORDER BY id LIMIT ${limit}`,
    );
    return rows.map(toEvent);
  }

  async markNotified(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#db.execute(
      sql`UPDATE new_release_events SET notified = true
          WHERE id IN (SELECT (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::bigint)`,
    );
  }

  /**
   * Claims the single running slot. The lease is on the heartbeat, not on the start time: a `running` run whose
   * `heartbeat_at` is older than `staleAfterMs` (its process died or hung) is marked `abandoned` first, so a trigger
   * after the lease of a dead run starts a new run at once. Returns the new run, or the live run already in flight
   * when another process holds the slot. Ages are measured on the database's clock, so skewed hosts agree.
   */
  async startRun(
    id: string,
    trigger: string,
    owner: string,
    staleAfterMs: number,
  ): Promise<{ run: RunRow; started: boolean }> {
    for (let attempt = 0; ; attempt++) {
      await this.abandonStale(staleAfterMs);
      const inserted = await this.#rows<RawRun>(
        sql`INSERT INTO fetch_runs (id, status, trigger, owner) VALUES (${id}, 'running', ${trigger}, ${owner})
            ON CONFLICT DO NOTHING RETURNING *`,
      );
      if (inserted[0]) return { run: toRun(inserted[0]), started: true };
      const running = await this.#rows<RawRun>(sql`SELECT * FROM fetch_runs WHERE status = 'running' LIMIT 1`);
      if (running[0]) return { run: toRun(running[0]), started: false };
      // The running run finished between our insert and our read: try again.
      if (attempt >= 10) throw new Error('could not claim the fetch run slot');
    }
  }

  /** Marks `abandoned` every `running` run whose heartbeat is older than `staleAfterMs`; returns their ids. */
  async abandonStale(staleAfterMs: number): Promise<string[]> {
    const rows = await this.#rows<{ id: string }>(
      sql`UPDATE fetch_runs SET status = 'abandoned', finished_at = now()
          WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => ${staleAfterMs / 1000})
          RETURNING id`,
    );
    return rows.map((r) => r.id);
  }

  /** A run and whether its lease expired (still `running`, heartbeat older than `staleAfterMs`), or undefined. */
  async runLease(id: string, staleAfterMs: number): Promise<{ run: RunRow; stale: boolean } | undefined> {
    const rows = await this.#rows<RawRun & { stale: boolean }>(
      sql`SELECT *, (status = 'running' AND heartbeat_at < now() - make_interval(secs => ${staleAfterMs / 1000}))
            AS stale
          FROM fetch_runs WHERE id = ${id}`,
    );
    return rows[0] ? { run: toRun(rows[0]), stale: rows[0].stale === true } : undefined;
  }

  /** Refreshes the planner's statistics of `songs` (PGlite never does it by itself); cheap, run after each fetch. */
  async analyze(): Promise<void> {
    await this.#db.execute(sql`ANALYZE songs`);
  }

  /** Renews a run's lease; false when the run is no longer `running` (another process took it over). */
  async heartbeat(id: string): Promise<boolean> {
    const rows = await this.#rows<{ id: string }>(
      sql`UPDATE fetch_runs SET heartbeat_at = now() WHERE id = ${id} AND status = 'running' RETURNING id`,
    );
    return rows.length > 0;
  }

  /** Ends a `running` run; undefined when it is not running any more (it was taken over as abandoned). */
  async finishRun(
    id: string,
    summary: Pick<RunRow, 'status' | 'fetched' | 'newSongs' | 'newAlbums' | 'updated' | 'rateLimited' | 'errors'>,
  ): Promise<RunRow | undefined> {
    const rows = await this.#rows<RawRun>(
      sql`UPDATE fetch_runs SET status = ${summary.status}, finished_at = now(), fetched = ${summary.fetched},
            new_songs = ${summary.newSongs}, new_albums = ${summary.newAlbums}, updated = ${summary.updated},
            rate_limited = ${summary.rateLimited}, errors = ${JSON.stringify(summary.errors)}::jsonb
          WHERE id = ${id} AND status = 'running' RETURNING *`,
    );
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  /** The most recent runs, newest first. */
  async listRuns(limit: number): Promise<RunRow[]> {
    const rows = await this.#rows<RawRun>(sql`SELECT * FROM fetch_runs ORDER BY started_at DESC, id LIMIT ${limit}`);
    return rows.map(toRun);
  }

  async getRun(id: string): Promise<RunRow | undefined> {
    const rows = await this.#rows<RawRun>(sql`SELECT * FROM fetch_runs WHERE id = ${id}`);
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async recordSource(
    name: string,
    outcome: { ok: true; at: Date } | { ok: false; at: Date; error: string; anySuccess: boolean },
  ): Promise<void> {
    const at = outcome.at.toISOString();
    if (outcome.ok) {
      await this.#db.execute(
        sql`INSERT INTO source_state (name, status, last_success_at, last_attempt_at)
            VALUES (${name}, 'ok', ${at}::timestamptz, ${at}::timestamptz)
            ON CONFLICT (name) DO UPDATE SET status = 'ok', last_success_at = EXCLUDED.last_success_at,
              last_attempt_at = EXCLUDED.last_attempt_at`,
      );
      return;
    }
    const success = outcome.anySuccess ? sql`${at}::timestamptz` : sql`NULL`;
    await this.#db.execute(
      sql`INSERT INTO source_state (name, status, last_success_at, last_attempt_at, last_error, last_error_at)
          VALUES (${name}, 'degraded', ${success}, ${at}::timestamptz, ${outcome.error}, ${at}::timestamptz)
          ON CONFLICT (name) DO UPDATE SET status = 'degraded',
            last_success_at = COALESCE(EXCLUDED.last_success_at, source_state.last_success_at),
            last_attempt_at = EXCLUDED.last_attempt_at, last_error = EXCLUDED.last_error,
            last_error_at = EXCLUDED.last_error_at`,
    );
  }

  async sources(): Promise<SourceRow[]> {
    const rows = await this.#rows<{
      name: string;
      status: 'ok' | 'degraded';
      last_success_at: Date | string | null;
      last_attempt_at: Date | string | null;
      last_error: string | null;
    }>(sql`SELECT name, status, last_success_at, last_attempt_at, last_error FROM source_state ORDER BY name`);
    return rows.map((r) => ({
      name: r.name,
      status: r.status,
      lastSuccessAt: r.last_success_at ? new Date(r.last_success_at) : null,
      lastAttemptAt: r.last_attempt_at ? new Date(r.last_attempt_at) : null,
      lastError: r.last_error,
    }));
  }
}
