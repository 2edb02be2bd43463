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

export type {
  ErrorBody,
  FetchAccepted,
  GuestToken,
  HealthReport,
  LikeResult,
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
  TelemetryEvent,
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
