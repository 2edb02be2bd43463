/**
 * The API's types, taken from the server's contract files (type-only imports: nothing of the server is bundled), and
 * runtime guards for what arrives over the wire or from storage, so a malformed body never reaches rendering.
 */
import type { ErrorBody, GuestToken, HealthReport } from '../../../src/http/contract.ts';
import type { RateLimitBucket, RateLimitList, RateLimitUpdate, TelemetryEvent } from '../../../src/admin/contract.ts';
import type {
  FetchAccepted,
  LikeResult,
  Release,
  ReleaseEvent,
  ReleaseList,
  ResetEvent,
  RunError,
  RunStatus,
  RunList,
  RunSummary,
  SourceStatus,
} from '../../../src/releases/contract.ts';
import type {
  AlbumSummary,
  AppearanceHistory,
  CollectionAdded,
  CollectionItem,
  CollectionList,
  CollectionRemoved,
  EnrichmentCounts,
  EnrichmentProgress,
  ForcedSyncResult,
  MatchStatus,
  MusicBrainzMatch,
  MusicBrainzMatchEvent,
  PopularAlbum,
  SyncResult,
  TrendingAlbum,
  TrendingArtist,
  TrendingDocument,
  TrendingSource,
  TrendingSourceStatus,
  TrendingStats,
} from '../../../src/trending/contract.ts';
import type {
  CandidateView,
  MatchSource,
  MatchStats,
  MatchValue,
  Platform,
  ReleaseMatches,
  ReviewQueue,
  ScoreBreakdown,
  TrackMatch,
  TrackStatus,
} from '../../../src/matches/contract.ts';
import type {
  CLOSE_CODES,
  HostMessage,
  ListenerMessage,
  LyricLine,
  LyricsState,
  Metadata as ShareMetadata,
  MetadataBody as ShareMetadataBody,
  StartResponse as ShareStartResponse,
  StatusResponse as ShareStatusResponse,
  StopResponse as ShareStopResponse,
} from '../../../src/share/contract.ts';

export type {
  HostMessage,
  ListenerMessage,
  LyricLine,
  LyricsState,
  ShareMetadata,
  ShareMetadataBody,
  ShareStartResponse,
  ShareStatusResponse,
  ShareStopResponse,
};
/** The Share sockets' close codes, as the server's contract spells them. */
export type ShareCloseCodes = typeof CLOSE_CODES;

export type {
  CandidateView,
  MatchSource,
  MatchStats,
  MatchValue,
  Platform,
  ReleaseMatches,
  ReviewQueue,
  ScoreBreakdown,
  TrackMatch,
  TrackStatus,
};

export type {
  AlbumSummary,
  AppearanceHistory,
  CollectionAdded,
  CollectionItem,
  CollectionList,
  CollectionRemoved,
  EnrichmentCounts,
  EnrichmentProgress,
  ErrorBody,
  FetchAccepted,
  ForcedSyncResult,
  GuestToken,
  HealthReport,
  LikeResult,
  MatchStatus,
  MusicBrainzMatch,
  MusicBrainzMatchEvent,
  PopularAlbum,
  RateLimitBucket,
  RateLimitList,
  RateLimitUpdate,
  Release,
  ReleaseEvent,
  ReleaseList,
  ResetEvent,
  RunList,
  RunStatus,
  RunSummary,
  SourceStatus,
  SyncResult,
  TelemetryEvent,
  TrendingAlbum,
  TrendingArtist,
  TrendingDocument,
  TrendingSource,
  TrendingSourceStatus,
  TrendingStats,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function isNumberOrNull(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isFinite(value));
}

function isOneOf<const T extends string>(value: unknown, options: readonly T[]): value is T {
  return typeof value === 'string' && (options as readonly string[]).includes(value);
}

type Check = (value: unknown) => boolean;

/** One check per field of a type (optional fields included), so the checks follow every change to the contract. */
type FieldChecks<T> = { readonly [K in keyof T]-?: Check };

function matches<T>(value: unknown, checks: FieldChecks<T>): value is T {
  if (!isRecord(value)) return false;
  for (const [field, check] of Object.entries<Check>(checks)) if (!check(value[field])) return false;
  return true;
}

const isString: Check = (v) => typeof v === 'string';
const isBoolean: Check = (v) => typeof v === 'boolean';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);

const ALBUM_CHECKS: FieldChecks<Release['album']> = { id: isStringOrNull, name: isString };

const RELEASE_CHECKS: FieldChecks<Release> = {
  id: isNumber,
  title: isString,
  artists: (v) => Array.isArray(v) && v.every((a) => typeof a === 'string'),
  album: (v) => matches(v, ALBUM_CHECKS),
  language: isString,
  releaseDate: isStringOrNull,
  imageUrl: isStringOrNull,
  url: isStringOrNull,
  durationSeconds: isNumberOrNull,
  isNew: isBoolean,
  likes: isNumber,
  liked: (v) => v === undefined || typeof v === 'boolean',
  featured: isBoolean,
  kind: (v) => isOneOf(v, ['song', 'album']),
  source: isString,
  detectedAt: isString,
  updatedAt: isString,
};

/** Structural check of one release, strict enough that rendering it cannot throw. */
export function isRelease(value: unknown): value is Release {
  return matches(value, RELEASE_CHECKS);
}

const SOURCE_STATUS_CHECKS: FieldChecks<SourceStatus> = {
  name: isString,
  status: (v) => isOneOf(v, ['ok', 'degraded', 'unknown']),
  lastSuccessAt: isStringOrNull,
  lastError: isStringOrNull,
  lastErrorCode: (v) => v === undefined || typeof v === 'string',
};

function isSourceStatus(value: unknown): value is SourceStatus {
  return matches(value, SOURCE_STATUS_CHECKS);
}

/**
 * Validates a `GET /api/new-releases` body. Malformed items are dropped rather than failing the whole list;
 * a body that is not a list response at all yields null.
 */
export function parseNewReleasesResponse(value: unknown): ReleaseList | null {
  if (!isRecord(value) || !Array.isArray(value.items)) return null;
  const items = value.items.filter(isRelease);
  const sources = Array.isArray(value.sources) ? value.sources.filter(isSourceStatus) : [];
  return {
    items,
    nextCursor: typeof value.nextCursor === 'string' && value.nextCursor !== '' ? value.nextCursor : null,
    asOf: typeof value.asOf === 'string' ? value.asOf : new Date().toISOString(),
    sources,
  };
}

/** Validates the data of a `new_release` / `release_updated` SSE event. */
export function parseReleaseEvent(value: unknown): ReleaseEvent | null {
  if (!isRecord(value) || !isRelease(value.release)) return null;
  const type = value.type === 'release_updated' ? 'release_updated' : 'new_release';
  return {
    eventId: typeof value.eventId === 'number' ? value.eventId : Number(value.eventId ?? 0),
    type,
    release: value.release,
    detectedAt: typeof value.detectedAt === 'string' ? value.detectedAt : value.release.detectedAt,
  };
}

/** Validates the data of a `reset` SSE event; anything unreadable still means "refetch" (an unknown-id reset). */
export function parseResetEvent(value: unknown): ResetEvent {
  const reason = isRecord(value) && value.reason === 'replay_window_exceeded' ? value.reason : 'unknown_event_id';
  const lastEventId = isRecord(value) && typeof value.lastEventId === 'number' ? value.lastEventId : 0;
  return { reason, lastEventId };
}

/** The `{ error: { code, message } }` of an error answer, or null when the body is not one. */
export function parseErrorBody(value: unknown): ErrorBody['error'] | null {
  if (!isRecord(value) || !isRecord(value.error)) return null;
  const { code, message, details } = value.error;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return { code, message, ...(isRecord(details) ? { details } : {}) };
}

function isRunError(value: unknown): value is RunError {
  return (
    isRecord(value) &&
    typeof value.source === 'string' &&
    typeof value.code === 'string' &&
    typeof value.message === 'string' &&
    (value.language === undefined || typeof value.language === 'string') &&
    (value.page === undefined || typeof value.page === 'number')
  );
}

const RUN_STATUSES: readonly RunStatus[] = ['running', 'succeeded', 'partial', 'failed', 'abandoned'];

/** Validates one fetch run (`GET /api/new-releases/runs/:id`, items of the run list). */
export function parseRunSummary(value: unknown): RunSummary | null {
  if (!isRecord(value)) return null;
  const { runId, status, trigger, startedAt, finishedAt, fetched, newSongs, newAlbums, updated } = value;
  if (
    typeof runId !== 'string' ||
    !isOneOf(status, RUN_STATUSES) ||
    typeof startedAt !== 'string' ||
    !(finishedAt === undefined || isStringOrNull(finishedAt))
  ) {
    return null;
  }
  const count = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);
  return {
    runId,
    status,
    trigger: typeof trigger === 'string' ? trigger : 'unknown',
    startedAt,
    finishedAt: finishedAt ?? null,
    fetched: count(fetched),
    newSongs: count(newSongs),
    newAlbums: count(newAlbums),
    updated: count(updated),
    rateLimited: value.rateLimited === true,
    errors: Array.isArray(value.errors) ? value.errors.filter(isRunError) : [],
  };
}

/** Validates `GET /api/new-releases/runs`; malformed runs are dropped. */
export function parseRunList(value: unknown): RunList | null {
  if (!isRecord(value) || !Array.isArray(value.items)) return null;
  return { items: value.items.map(parseRunSummary).filter((r): r is RunSummary => r !== null) };
}

/** Validates the 202 answer of `POST /api/new-releases/fetch`. */
export function parseFetchAccepted(value: unknown): FetchAccepted | null {
  if (!isRecord(value) || typeof value.runId !== 'string' || !isOneOf(value.status, RUN_STATUSES)) return null;
  return {
    runId: value.runId,
    status: value.status,
    started: value.started !== false,
    statusUrl:
      typeof value.statusUrl === 'string'
        ? value.statusUrl
        : `/api/new-releases/runs/${encodeURIComponent(value.runId)}`,
  };
}

/** Validates one token bucket (`GET /api/admin/rate-limits` items, the `PUT` answer). */
export function parseRateLimitBucket(value: unknown): RateLimitBucket | null {
  if (!isRecord(value)) return null;
  const { service, maxTokens, refillRate, refillIntervalMs, tokens, lastRefill, pausedUntil } = value;
  if (
    typeof service !== 'string' ||
    typeof maxTokens !== 'number' ||
    typeof refillRate !== 'number' ||
    typeof refillIntervalMs !== 'number' ||
    typeof tokens !== 'number' ||
    typeof lastRefill !== 'string' ||
    !(pausedUntil === undefined || isStringOrNull(pausedUntil))
  ) {
    return null;
  }
  return { service, maxTokens, refillRate, refillIntervalMs, tokens, lastRefill, pausedUntil: pausedUntil ?? null };
}

/** Validates `GET /api/admin/rate-limits`; malformed buckets are dropped. */
export function parseRateLimitList(value: unknown): RateLimitList | null {
  if (!isRecord(value) || !Array.isArray(value.items)) return null;
  return { items: value.items.map(parseRateLimitBucket).filter((b): b is RateLimitBucket => b !== null) };
}

/** One check of the health report, as the admin area shows it: its status and its other fields as details. */
export type HealthCheck = HealthReport['checks'][string] & Record<string, unknown>;

const CHECK_STATUSES = ['ok', 'degraded', 'down', 'disabled'] as const;

/** Validates `GET /api/health` (sent with 200 or, when a critical check is down, 503). */
export function parseHealthReport(value: unknown): HealthReport | null {
  if (!isRecord(value) || !isOneOf(value.status, ['ok', 'degraded', 'down']) || !isRecord(value.checks)) return null;
  const checks: Record<string, HealthCheck> = {};
  for (const [name, check] of Object.entries(value.checks)) {
    if (isRecord(check) && isOneOf(check.status, CHECK_STATUSES)) checks[name] = { ...check, status: check.status };
  }
  return { status: value.status, checks };
}

// ---------- Trending ----------

const isInteger: Check = (v) => Number.isInteger(v);
const isIntegerOrNull: Check = (v) => v === null || Number.isInteger(v);
const isNonNegativeInteger: Check = (v) => Number.isInteger(v) && (v as number) >= 0;

function arrayOf(check: Check): Check {
  return (v) => Array.isArray(v) && v.every(check);
}

/** The items of `value` that pass `check`; anything but an array is an empty list. */
function validItems<T>(value: unknown, check: (item: unknown) => item is T): T[] {
  return Array.isArray(value) ? value.filter(check) : [];
}

const MATCH_STATUSES: readonly MatchStatus[] = ['queued', 'matched', 'no_match', 'failed'];

const MATCH_CHECKS: FieldChecks<MusicBrainzMatch> = {
  status: (v) => isOneOf(v, MATCH_STATUSES),
  releaseGroupId: isStringOrNull,
  releaseId: isStringOrNull,
  url: isStringOrNull,
  confidence: isNumberOrNull,
  mbScore: isNumberOrNull,
  reason: isStringOrNull,
  attempts: isNonNegativeInteger,
  decidedAt: isStringOrNull,
};

/** Structural check of one MusicBrainz outcome. */
export function isMusicBrainzMatch(value: unknown): value is MusicBrainzMatch {
  return matches(value, MATCH_CHECKS);
}

const ARTIST_REF_CHECKS: FieldChecks<TrendingAlbum['artists'][number]> = { id: isString, name: isString };
const isArtistRefs = arrayOf((v) => matches(v, ARTIST_REF_CHECKS));
const isMatchOrNull: Check = (v) => v === null || isMusicBrainzMatch(v);

const TRENDING_ALBUM_CHECKS: FieldChecks<TrendingAlbum> = {
  id: isString,
  name: isString,
  artists: isArtistRefs,
  releaseDate: isStringOrNull,
  releaseDatePrecision: (v) => v === null || isOneOf(v, ['year', 'month', 'day']),
  type: (v) => isOneOf(v, ['album', 'single', 'compilation']),
  totalTracks: isIntegerOrNull,
  imageUrl: isStringOrNull,
  spotifyUrl: isStringOrNull,
  position: isIntegerOrNull,
  musicbrainz: isMatchOrNull,
};

/** Structural check of one album of the trending document, strict enough that rendering it cannot throw. */
export function isTrendingAlbum(value: unknown): value is TrendingAlbum {
  return matches(value, TRENDING_ALBUM_CHECKS);
}

const POPULAR_ALBUM_CHECKS: FieldChecks<PopularAlbum> = {
  ...TRENDING_ALBUM_CHECKS,
  points: isNumber,
  appearances: isNonNegativeInteger,
  bestPosition: isIntegerOrNull,
};

function isPopularAlbum(value: unknown): value is PopularAlbum {
  return matches(value, POPULAR_ALBUM_CHECKS);
}

const TRENDING_ARTIST_CHECKS: FieldChecks<TrendingArtist> = {
  id: isString,
  name: isString,
  points: isNumber,
  albums: isNonNegativeInteger,
  appearances: isNonNegativeInteger,
  imageUrl: isStringOrNull,
};

function isTrendingArtist(value: unknown): value is TrendingArtist {
  return matches(value, TRENDING_ARTIST_CHECKS);
}

const TRENDING_SOURCE_STATUSES: readonly TrendingSourceStatus[] = ['ok', 'error', 'unavailable', 'disabled', 'unknown'];

const TRENDING_SOURCE_CHECKS: FieldChecks<TrendingSource> = {
  name: isString,
  status: (v) => isOneOf(v, TRENDING_SOURCE_STATUSES),
  lastSuccessAt: isStringOrNull,
  lastAttemptAt: isStringOrNull,
  lastError: isStringOrNull,
  lastErrorCode: isStringOrNull,
};

function isTrendingSource(value: unknown): value is TrendingSource {
  return matches(value, TRENDING_SOURCE_CHECKS);
}

const ENRICHMENT_COUNTS_CHECKS: FieldChecks<EnrichmentCounts> = {
  queued: isNonNegativeInteger,
  matched: isNonNegativeInteger,
  no_match: isNonNegativeInteger,
  failed: isNonNegativeInteger,
};

function isEnrichmentCounts(value: unknown): value is EnrichmentCounts {
  return matches(value, ENRICHMENT_COUNTS_CHECKS);
}

const NO_COUNTS: EnrichmentCounts = { queued: 0, matched: 0, no_match: 0, failed: 0 };

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * Validates `GET /api/cache/trending` (and the `data` of the sync answers). Malformed albums, artists, sources and
 * matches are dropped rather than failing the whole document; a body that is not a document at all yields null.
 */
export function parseTrendingDocument(value: unknown): TrendingDocument | null {
  if (!isRecord(value) || !Array.isArray(value.newReleases)) return null;
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const mbMatches: Record<string, MusicBrainzMatch> = {};
  if (isRecord(metadata.mbMatches)) {
    for (const [albumId, match] of Object.entries(metadata.mbMatches)) {
      if (isMusicBrainzMatch(match)) mbMatches[albumId] = match;
    }
  }
  const ageSeconds = value.ageSeconds;
  return {
    key: typeof value.key === 'string' ? value.key : 'spotify_new_releases',
    newReleases: validItems(value.newReleases, isTrendingAlbum),
    trendingArtists: validItems(value.trendingArtists, isTrendingArtist),
    popularAlbums: validItems(value.popularAlbums, isPopularAlbum),
    total: count(value.total),
    asOf: stringOrNull(value.asOf),
    expires: stringOrNull(value.expires),
    stale: value.stale === true,
    ageSeconds: typeof ageSeconds === 'number' && Number.isFinite(ageSeconds) ? Math.max(0, ageSeconds) : null,
    refreshing: value.refreshing === true,
    sources: validItems(value.sources, isTrendingSource),
    rankingWindowDays: Number.isInteger(value.rankingWindowDays) ? (value.rankingWindowDays as number) : 7,
    metadata: {
      mbMatches,
      enrichment: isEnrichmentCounts(metadata.enrichment) ? metadata.enrichment : { ...NO_COUNTS },
    },
  };
}

/** Validates `GET /api/spotify/sync`. */
export function parseSyncResult(value: unknown): SyncResult | null {
  if (!isRecord(value) || !isOneOf(value.source, ['cache', 'fresh'])) return null;
  const data = parseTrendingDocument(value.data);
  return data ? { source: value.source, data } : null;
}

/** Validates `POST /api/admin/trending/sync`. */
export function parseForcedSyncResult(value: unknown): ForcedSyncResult | null {
  if (!isRecord(value) || !isOneOf(value.outcome, ['refreshed', 'joined', 'failed'])) return null;
  const data = parseTrendingDocument(value.data);
  if (!data) return null;
  return { outcome: value.outcome, error: stringOrNull(value.error), errorCode: stringOrNull(value.errorCode), data };
}

const ALBUM_SUMMARY_CHECKS: FieldChecks<AlbumSummary> = {
  id: isString,
  name: isString,
  artists: isArtistRefs,
  imageUrl: isStringOrNull,
  musicbrainz: isMatchOrNull,
};

function isAlbumSummary(value: unknown): value is AlbumSummary {
  return matches(value, ALBUM_SUMMARY_CHECKS);
}

type HistoryEntry = AppearanceHistory['history'][number];
const HISTORY_ENTRY_CHECKS: FieldChecks<HistoryEntry> = {
  source: isString,
  position: isIntegerOrNull,
  seenAt: isString,
};

function isHistoryEntry(value: unknown): value is HistoryEntry {
  return matches(value, HISTORY_ENTRY_CHECKS);
}

/** Validates `GET /api/albums/appearances/:id`; malformed entries are dropped. */
export function parseAppearanceHistory(value: unknown): AppearanceHistory | null {
  if (!isRecord(value) || typeof value.albumId !== 'string' || !isAlbumSummary(value.album)) return null;
  const summary = isRecord(value.summary) ? value.summary : {};
  const history = validItems(value.history, isHistoryEntry);
  return {
    albumId: value.albumId,
    album: value.album,
    history,
    summary: {
      firstSeenAt: stringOrNull(summary.firstSeenAt),
      lastSeenAt: stringOrNull(summary.lastSeenAt),
      peakPosition: Number.isInteger(summary.peakPosition) ? (summary.peakPosition as number) : null,
      count: Number.isInteger(summary.count) ? (summary.count as number) : history.length,
      sources: Array.isArray(summary.sources) ? summary.sources.filter((s) => typeof s === 'string') : [],
    },
  };
}

type Stats = TrendingStats;
type Movement = Stats['climbers'][number];

const PER_SOURCE_CHECKS: FieldChecks<Stats['perSource'][number]> = {
  source: isString,
  refreshes: isInteger,
  albums: isInteger,
  appearances: isInteger,
};
const PERSISTENT_CHECKS: FieldChecks<Stats['mostPersistent'][number]> = {
  album: isAlbumSummary,
  appearances: isInteger,
  refreshesInWindow: isInteger,
};
const NEW_ENTRY_CHECKS: FieldChecks<Stats['newEntries'][number]> = {
  album: isAlbumSummary,
  firstSeenAt: isString,
  position: isIntegerOrNull,
};
const MOVEMENT_CHECKS: FieldChecks<Movement> = {
  album: isAlbumSummary,
  source: isString,
  from: isInteger,
  to: isInteger,
  change: isInteger,
};

const isPerSource = (v: unknown): v is Stats['perSource'][number] => matches(v, PER_SOURCE_CHECKS);
const isPersistent = (v: unknown): v is Stats['mostPersistent'][number] => matches(v, PERSISTENT_CHECKS);
const isNewEntry = (v: unknown): v is Stats['newEntries'][number] => matches(v, NEW_ENTRY_CHECKS);
const isMovement = (v: unknown): v is Movement => matches(v, MOVEMENT_CHECKS);

/** Validates `GET /api/stats/trending`; malformed rows are dropped. */
export function parseTrendingStats(value: unknown): TrendingStats | null {
  if (!isRecord(value) || !isRecord(value.window)) return null;
  const { from, to, days } = value.window;
  if (typeof from !== 'string' || typeof to !== 'string' || !Number.isInteger(days)) return null;
  return {
    window: { from, to, days: days as number },
    refreshes: count(value.refreshes),
    rankingRule: typeof value.rankingRule === 'string' ? value.rankingRule : '',
    perSource: validItems(value.perSource, isPerSource),
    mostPersistent: validItems(value.mostPersistent, isPersistent),
    newEntries: validItems(value.newEntries, isNewEntry),
    climbers: validItems(value.climbers, isMovement),
    fallers: validItems(value.fallers, isMovement),
    popularAlbums: validItems(value.popularAlbums, isPopularAlbum),
    trendingArtists: validItems(value.trendingArtists, isTrendingArtist),
  };
}

const COLLECTION_ITEM_CHECKS: FieldChecks<CollectionItem> = {
  album: isAlbumSummary,
  addedAt: isString,
  source: isString,
};

function isCollectionItem(value: unknown): value is CollectionItem {
  return matches(value, COLLECTION_ITEM_CHECKS);
}

/** Validates `GET /api/collection`; malformed items are dropped. */
export function parseCollectionList(value: unknown): CollectionList | null {
  if (!isRecord(value) || !Array.isArray(value.items)) return null;
  return { items: validItems(value.items, isCollectionItem) };
}

/** Validates the answer of `POST /api/albums/add-from-trending`. */
export function parseCollectionAdded(value: unknown): CollectionAdded | null {
  if (!isRecord(value) || typeof value.added !== 'boolean' || !isCollectionItem(value.item)) return null;
  return { added: value.added, item: value.item };
}

/** Validates the answer of `DELETE /api/collection/:albumId`. */
export function parseCollectionRemoved(value: unknown): CollectionRemoved | null {
  if (!isRecord(value) || typeof value.removed !== 'boolean') return null;
  return { removed: value.removed };
}

type RecentDecision = EnrichmentProgress['recent'][number];

function isRecentDecision(value: unknown): value is RecentDecision {
  return isRecord(value) && isAlbumSummary(value.album) && isStringOrNull(value.decidedAt);
}

/** Validates `GET /api/admin/trending/enrichment`. */
export function parseEnrichmentProgress(value: unknown): EnrichmentProgress | null {
  if (!isRecord(value) || !isEnrichmentCounts(value.counts)) return null;
  const rate = value.ratePerSecond;
  return {
    counts: value.counts,
    total: count(value.total),
    requestsLastMinute: count(value.requestsLastMinute),
    ratePerSecond: typeof rate === 'number' && Number.isFinite(rate) && rate >= 0 ? rate : 0,
    limitPerSecond:
      typeof value.limitPerSecond === 'number' && Number.isFinite(value.limitPerSecond) && value.limitPerSecond >= 0
        ? value.limitPerSecond
        : null,
    lastDecisionAt: stringOrNull(value.lastDecisionAt),
    recent: validItems(value.recent, isRecentDecision),
  };
}

/** Validates the data of a `musicbrainz_match` SSE event. */
export function parseMusicBrainzMatchEvent(value: unknown): MusicBrainzMatchEvent | null {
  if (!isRecord(value) || typeof value.albumId !== 'string' || !isMusicBrainzMatch(value.match)) return null;
  return { albumId: value.albumId, match: value.match };
}

// ---------- Matches ----------

export const PLATFORMS: readonly Platform[] = ['youtube', 'soundcloud'];
export const TRACK_STATUSES: readonly TrackStatus[] = ['approved', 'needs_review', 'no_match', 'deferred'];
const MATCH_SOURCES: readonly MatchSource[] = ['cache', 'database', 'computed'];
const CANDIDATE_ORIGINS: readonly CandidateView['origin'][] = [
  'release_videos',
  'youtube_search',
  'soundcloud_search',
  'admin',
];
const SETTLED_BY: readonly NonNullable<TrackMatch['settledBy']>[] = ['release_videos', 'search', 'admin'];

const isStringArray = arrayOf(isString);
const isPlatform: Check = (v) => isOneOf(v, PLATFORMS);
const isConfidence: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;

const BREAKDOWN_CHECKS: FieldChecks<ScoreBreakdown> = {
  title: isNumber,
  artist: isNumber,
  duration: isNumberOrNull,
  penalties: isStringArray,
  penalty: isNumber,
  total: isNumber,
};

const CANDIDATE_CHECKS: FieldChecks<CandidateView> = {
  platform: isPlatform,
  url: isString,
  title: isString,
  uploader: isString,
  durationSeconds: isNumberOrNull,
  thumbnailUrl: isStringOrNull,
  origin: (v) => isOneOf(v, CANDIDATE_ORIGINS),
  breakdown: (v) => matches(v, BREAKDOWN_CHECKS),
};

function isCandidateView(value: unknown): value is CandidateView {
  return matches(value, CANDIDATE_CHECKS);
}

const MATCH_VALUE_CHECKS: FieldChecks<MatchValue> = {
  platform: isPlatform,
  matchUrl: isString,
  confidence: isConfidence,
  approved: isBoolean,
  verifiedBy: isStringOrNull,
  verifiedAt: isStringOrNull,
};

const TRACK_ERROR_CHECKS: FieldChecks<NonNullable<TrackMatch['error']>> = { code: isString, message: isString };

const TRACK_MATCH_CHECKS: FieldChecks<TrackMatch> = {
  releaseId: isInteger,
  trackIndex: isNonNegativeInteger,
  position: isString,
  title: isString,
  artists: isStringArray,
  durationSeconds: isNumberOrNull,
  status: (v) => isOneOf(v, TRACK_STATUSES),
  source: (v) => v === null || isOneOf(v, MATCH_SOURCES),
  match: (v) => v === null || matches(v, MATCH_VALUE_CHECKS),
  chosen: (v) => v === null || isCandidateView(v),
  runnerUp: (v) => v === null || isCandidateView(v),
  candidates: arrayOf(isCandidateView),
  settledBy: (v) => v === null || isOneOf(v, SETTLED_BY),
  error: (v) => v === null || matches(v, TRACK_ERROR_CHECKS),
};

/** Structural check of one track's match, strict enough that rendering it cannot throw. */
export function isTrackMatch(value: unknown): value is TrackMatch {
  return matches(value, TRACK_MATCH_CHECKS);
}

const RELEASE_HEAD_CHECKS: FieldChecks<ReleaseMatches['release']> = {
  id: isInteger,
  title: isString,
  artists: isStringArray,
  year: isIntegerOrNull,
  url: isString,
};

/**
 * Validates `GET /api/admin/releases/:releaseId/audio-match`. Malformed tracks are dropped (each track carries its own
 * index); the summary is counted again from the tracks when it is missing; anything not a release yields null.
 */
export function parseReleaseMatches(value: unknown): ReleaseMatches | null {
  if (!isRecord(value) || !matches(value.release, RELEASE_HEAD_CHECKS) || !Array.isArray(value.tracks)) return null;
  const tracks = validItems(value.tracks, isTrackMatch);
  const summary = isRecord(value.summary) ? value.summary : {};
  const counted = (status: TrackStatus) => tracks.filter((t) => t.error === null && t.status === status).length;
  const or = (n: unknown, fallback: number) => (Number.isInteger(n) && (n as number) >= 0 ? (n as number) : fallback);
  return {
    release: value.release,
    tracks,
    summary: {
      approved: or(summary.approved, counted('approved')),
      needs_review: or(summary.needs_review, counted('needs_review')),
      no_match: or(summary.no_match, counted('no_match')),
      deferred: or(summary.deferred, counted('deferred')),
      settledByReleaseVideos: or(
        summary.settledByReleaseVideos,
        tracks.filter((t) => t.settledBy === 'release_videos').length,
      ),
      errors: or(summary.errors, tracks.filter((t) => t.error !== null).length),
    },
  };
}

/** Validates the answer of `POST /api/admin/releases/:releaseId/tracks/:trackId/match`: the updated track. */
export function parseTrackMatch(value: unknown): TrackMatch | null {
  return isTrackMatch(value) ? value : null;
}

/** Validates `GET /api/admin/matches/review`; malformed items are dropped. */
export function parseReviewQueue(value: unknown): ReviewQueue | null {
  if (!isRecord(value) || !Array.isArray(value.items)) return null;
  return { items: validItems(value.items, isTrackMatch) };
}

type PlatformStats = MatchStats['platforms'][number];
const PLATFORM_STATS_CHECKS: FieldChecks<PlatformStats> = {
  platform: isString,
  totalMatches: isNonNegativeInteger,
  avgConfidence: isNumberOrNull,
  approvedCount: isNonNegativeInteger,
};

/** Validates `GET /api/admin/matches/stats`; malformed rows and counts are dropped. */
export function parseMatchStats(value: unknown): MatchStats | null {
  if (!isRecord(value) || !Array.isArray(value.platforms)) return null;
  const statuses: Record<string, number> = {};
  if (isRecord(value.statuses)) {
    for (const [status, n] of Object.entries(value.statuses)) {
      if (Number.isInteger(n) && (n as number) >= 0) statuses[status] = n as number;
    }
  }
  const cache = isRecord(value.cache) ? value.cache : {};
  return {
    platforms: validItems(value.platforms, (v): v is PlatformStats => matches(v, PLATFORM_STATS_CHECKS)),
    statuses,
    cache: {
      totalKeys: count(cache.totalKeys),
      matchKeys: count(cache.matchKeys),
      memoryUsage: stringOrNull(cache.memoryUsage),
    },
  };
}
