import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  interval,
  jsonb,
  pgTable,
  primaryKey,
  real,
  serial,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * Seed 001's token bucket, one row per upstream service. Operators tune it with SQL, e.g.
 * `UPDATE rate_limit_tokens SET max_tokens = 2000, refill_rate = 2000 WHERE service_name = 'jiosaavn'`.
 * `tokens` is fractional because refill is continuous. `paused_until` holds an upstream's Retry-After.
 */
export const rateLimitTokens = pgTable(
  'rate_limit_tokens',
  {
    serviceName: text('service_name').primaryKey(),
    maxTokens: integer('max_tokens').notNull().default(1000),
    refillRate: doublePrecision('refill_rate').notNull().default(1000),
    refillInterval: interval('refill_interval').notNull().default('1 day'),
    tokens: doublePrecision('tokens').notNull().default(1000),
    lastRefill: timestamp('last_refill', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    pausedUntil: timestamp('paused_until', { withTimezone: true }),
  },
  // The ranges the admin API accepts (`BUCKET_LIMITS`), enforced here too because operators edit this table with
  // SQL. `NaN` fails every one of them (it is above every number in PostgreSQL, so it fails the upper bounds).
  (t) => [
    check('rate_limit_tokens_max_tokens_range', sql`${t.maxTokens} BETWEEN 0 AND 100000000`),
    check(
      'rate_limit_tokens_refill_rate_range',
      sql`${t.refillRate} = 0 OR (${t.refillRate} >= 0.001 AND ${t.refillRate} <= 100000000)`,
    ),
    check(
      'rate_limit_tokens_refill_interval_range',
      sql`${t.refillInterval} >= interval '1 second' AND ${t.refillInterval} <= interval '366 days'`,
    ),
    check('rate_limit_tokens_tokens_range', sql`${t.tokens} >= 0 AND ${t.tokens} <= 100000000`),
  ],
);

/**
 * Secrets Backbeat generated for itself when the operator set none (ADMIN_TOKEN, JWT_SECRET) in scaled mode, so
 * every process on one database shares them. Embedded mode keeps them as files under DATA_DIR instead.
 */
export const appSecrets = pgTable('app_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});

/**
 * Seed 000's `songs`, keyed by `(source, external_id)` so sources never collide. `artists` keeps the seed's display
 * string ("A, B"); `artist_names` holds the list. `album_key` groups the songs of one album (source + upstream album id,
 * or normalised album name + primary artist); the partial unique index makes "one featured song per album" a database
 * invariant. `metadata` keeps the upstream item as received.
 */
export const songs = pgTable(
  'songs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    title: text('title').notNull(),
    artists: text('artists').notNull(),
    artistNames: jsonb('artist_names').$type<string[]>().notNull(),
    album: text('album').notNull(),
    albumKey: text('album_key').notNull(),
    albumExternalId: text('album_external_id'),
    language: text('language').notNull(),
    releaseDate: date('release_date', { mode: 'string' }),
    /** The list's sort key: the release date, or the UTC day of first detection when the upstream gives none. */
    sortDate: date('sort_date', { mode: 'string' }).notNull(),
    imageUrl: text('image_url'),
    url: text('url'),
    durationSeconds: integer('duration_seconds'),
    kind: text('kind').notNull().default('song'),
    metadata: jsonb('metadata').notNull(),
    fingerprint: text('fingerprint').notNull(),
    featured: boolean('featured').notNull().default(false),
    likes: integer('likes').notNull().default(0),
    addedAt: timestamp('added_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    uniqueIndex('songs_source_external_id_key').on(t.source, t.externalId),
    uniqueIndex('songs_one_featured_per_album')
      .on(t.albumKey)
      .where(sql`${t.featured}`),
    // The list reads featured songs newest first by (sort_date, id), optionally per language: a backward scan of
    // these indexes, and the keyset cursor `(sort_date, id) < (…)` is an index condition. No sort.
    index('songs_featured_list_idx')
      .on(t.sortDate, t.id)
      .where(sql`${t.featured}`),
    index('songs_featured_language_list_idx')
      .on(t.language, t.sortDate, t.id)
      .where(sql`${t.featured}`),
    index('songs_album_key_idx').on(t.albumKey),
    index('songs_album_lower_idx').on(sql`lower(${t.album})`),
  ],
);

/**
 * Seed 000's `new_release_events`, plus the event type and the payload pushed to clients. The id is the SSE event id:
 * only one fetch run writes at a time (see `fetch_runs`), so ids grow in commit order. `notified` turns true once the
 * event was published on the bus (an outbox: a run publishes what an earlier, crashed run committed but never sent).
 */
export const newReleaseEvents = pgTable(
  'new_release_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    songId: bigint('song_id', { mode: 'number' })
      .notNull()
      .references(() => songs.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    runId: text('run_id'),
    detectedAt: timestamp('detected_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    notified: boolean('notified').notNull().default(false),
  },
  (t) => [
    index('new_release_events_unnotified_idx')
      .on(t.id)
      .where(sql`NOT ${t.notified}`),
  ],
);

/** Likes by signed-in (or guest) users; `songs.likes` is the count, kept in the same transaction. */
export const songLikes = pgTable(
  'song_likes',
  {
    songId: bigint('song_id', { mode: 'number' })
      .notNull()
      .references(() => songs.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.songId, t.userId] })],
);

/**
 * One row per fetch run. At most one run is `running` across all processes (partial unique index); a run whose
 * `heartbeat_at` went stale (its process died) is marked `abandoned` by the next trigger.
 */
export const fetchRuns = pgTable(
  'fetch_runs',
  {
    id: text('id').primaryKey(),
    status: text('status').notNull(),
    trigger: text('trigger').notNull(),
    owner: text('owner').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    fetched: integer('fetched').notNull().default(0),
    newSongs: integer('new_songs').notNull().default(0),
    newAlbums: integer('new_albums').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    rateLimited: boolean('rate_limited').notNull().default(false),
    errors: jsonb('errors')
      .$type<unknown[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
  },
  (t) => [
    uniqueIndex('fetch_runs_one_running')
      .on(sql`(true)`)
      .where(sql`${t.status} = 'running'`),
    index('fetch_runs_started_idx').on(t.startedAt.desc()),
  ],
);

/** Freshness of each upstream source, shown in list responses and /api/health. */
export const sourceState = pgTable('source_state', {
  name: text('name').primaryKey(),
  status: text('status').notNull(),
  lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
  lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
  lastError: text('last_error'),
  lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
});

/**
 * Seed 002's cache table: one JSON document per key (`spotify_trending`), with the time it goes stale. `metadata`
 * holds what enrichment adds (`mbMatches` by album id) and each source's state. The Browse page is always answered
 * from here, never from Spotify.
 */
export const cacheData = pgTable(
  'cache_data',
  {
    id: text('id')
      .primaryKey()
      .default(sql`gen_random_uuid()::text`),
    key: text('key').notNull().unique(),
    data: jsonb('data').notNull(),
    expires: timestamp('expires', { withTimezone: true }).notNull(),
    metadata: jsonb('metadata'),
  },
  (t) => [index('cache_data_key_expires_idx').on(t.key, t.expires)],
);

/**
 * The refresh lease of each cache key: the one process (and request) refreshing it now. A refresh starts only by
 * taking the lease (one atomic upsert), so concurrent stale reads on any number of processes cause one upstream
 * fetch; a lease whose holder died expires after `lease_until`.
 */
export const cacheRefreshes = pgTable('cache_refreshes', {
  key: text('key').primaryKey(),
  owner: text('owner'),
  leaseUntil: timestamp('lease_until', { withTimezone: true }),
  startedAt: timestamp('started_at', { withTimezone: true }),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
  refreshes: integer('refreshes').notNull().default(0),
  /** After a failed refresh: stale reads start no other before this time (a down upstream is not hammered). */
  retryAt: timestamp('retry_at', { withTimezone: true }),
});

/** Every album a trending source ever listed, with what it looked like last: history outlives the cache document. */
export const trendingAlbums = pgTable(
  'trending_albums',
  {
    id: text('id').primaryKey(),
    album: jsonb('album').notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('trending_albums_first_seen_idx').on(t.firstSeenAt.desc(), t.id)],
);

/** Seed 002's chart history: one row per album per source per refresh (rows of one refresh share `seen_at`). */
export const albumAppearances = pgTable(
  'album_appearances',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    albumId: text('album_id').notNull(),
    source: text('source').notNull(),
    position: integer('position'),
    seenAt: timestamp('seen_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    uniqueIndex('album_appearances_once_per_refresh').on(t.albumId, t.source, t.seenAt),
    index('album_appearances_seen_idx').on(t.seenAt),
  ],
);

/**
 * The durable MusicBrainz outcome of each album: `queued` until its search ran, then `matched`, `no_match`, or
 * `failed` after `attempts` tries. A decided album is never searched again.
 */
export const musicbrainzMatches = pgTable(
  'musicbrainz_matches',
  {
    albumId: text('album_id')
      .primaryKey()
      .references(() => trendingAlbums.id, { onDelete: 'cascade' }),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    releaseGroupId: text('release_group_id'),
    releaseId: text('release_id'),
    confidence: doublePrecision('confidence'),
    mbScore: integer('mb_score'),
    reason: text('reason'),
    lastError: text('last_error'),
    queuedAt: timestamp('queued_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  (t) => [
    check('musicbrainz_matches_status', sql`${t.status} IN ('queued', 'matched', 'no_match', 'failed')`),
    index('musicbrainz_matches_decided_idx').on(t.decidedAt.desc()),
  ],
);

/** MusicBrainz searches sent, one row each, for the admin's "current rate" (kept for a day). */
export const musicbrainzRequests = pgTable(
  'musicbrainz_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    albumId: text('album_id').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    status: text('status').notNull(),
  },
  (t) => [index('musicbrainz_requests_sent_idx').on(t.sentAt)],
);

/** A guest user's collection of albums added from Trending. */
export const collectionItems = pgTable(
  'collection_items',
  {
    userId: text('user_id').notNull(),
    albumId: text('album_id')
      .notNull()
      .references(() => trendingAlbums.id),
    source: text('source').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.userId, t.albumId] }), index('collection_items_user_idx').on(t.userId, t.addedAt)],
);

/**
 * Seed 003's `track_matches`, column for column: the match of one track of a Discogs release (`track_index` is the
 * 0-based index among the release's playable tracks, headings excluded). Approved matches persist; a match awaiting
 * review is stored too with `approved = false`.
 */
export const trackMatches = pgTable(
  'track_matches',
  {
    id: serial('id').primaryKey(),
    releaseId: bigint('release_id', { mode: 'number' }).notNull(),
    trackIndex: integer('track_index').notNull(),
    platform: text('platform').notNull(),
    matchUrl: text('match_url').notNull(),
    confidence: real('confidence').notNull(),
    approved: boolean('approved').notNull().default(false),
    verifiedBy: text('verified_by'),
    verifiedAt: timestamp('verified_at', { withTimezone: true }).default(sql`now()`),
    createdAt: timestamp('created_at', { withTimezone: true }).default(sql`now()`),
    updatedAt: timestamp('updated_at', { withTimezone: true }).default(sql`now()`),
  },
  (t) => [unique('track_matches_release_id_track_index_key').on(t.releaseId, t.trackIndex)],
);

/**
 * What the seed's table has no column for, per track: the outcome (`approved`, `needs_review`, `no_match`,
 * `deferred`), the score breakdown of the chosen candidate, the runner-up, the scored candidates and where the
 * answer came from. A track with no match row (no candidate, deferred) is known here only.
 */
export const trackMatchDetails = pgTable(
  'track_match_details',
  {
    releaseId: bigint('release_id', { mode: 'number' }).notNull(),
    trackIndex: integer('track_index').notNull(),
    status: text('status').notNull(),
    breakdown: jsonb('breakdown'),
    runnerUp: jsonb('runner_up'),
    candidates: jsonb('candidates')
      .notNull()
      .default(sql`'[]'::jsonb`),
    settledBy: text('settled_by'),
    lastError: text('last_error'),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    primaryKey({ columns: [t.releaseId, t.trackIndex] }),
    check('track_match_details_status', sql`${t.status} IN ('approved', 'needs_review', 'no_match', 'deferred')`),
    index('track_match_details_status_idx').on(t.status, t.updatedAt),
  ],
);

/** Candidates an admin rejected for a track: never proposed again for it. */
export const trackMatchRejections = pgTable(
  'track_match_rejections',
  {
    releaseId: bigint('release_id', { mode: 'number' }).notNull(),
    trackIndex: integer('track_index').notNull(),
    matchUrl: text('match_url').notNull(),
    platform: text('platform').notNull(),
    rejectedBy: text('rejected_by'),
    rejectedAt: timestamp('rejected_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.trackIndex, t.matchUrl] })],
);

/** Discogs releases as last fetched (mapped), so matching a release's tracks fetches it once. */
export const discogsReleases = pgTable('discogs_releases', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  release: jsonb('release').notNull(),
  fetchedAt: timestamp('fetched_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});

/**
 * Seed 003's `discogs_tokens`, column for column. `access_token`, `access_secret` and `refresh_token` hold
 * AES-256-GCM ciphertexts (`src/matches/vault.ts`), each carrying the id of the key that sealed it.
 */
export const discogsTokens = pgTable('discogs_tokens', {
  id: serial('id').primaryKey(),
  username: text('username').notNull().unique(),
  accessToken: text('access_token').notNull(),
  accessSecret: text('access_secret').notNull(),
  refreshToken: text('refresh_token'),
  tokenType: text('token_type').default('oauth'),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  scope: text('scope'),
  createdAt: timestamp('created_at', { withTimezone: true }).default(sql`now()`),
  updatedAt: timestamp('updated_at', { withTimezone: true }).default(sql`now()`),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
});

/** Step 1 of the Discogs OAuth connect flow, kept until step 3: the request token and its (sealed) secret. */
export const discogsOauthRequests = pgTable('discogs_oauth_requests', {
  requestToken: text('request_token').primaryKey(),
  requestSecret: text('request_secret').notNull(),
  username: text('username').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});
