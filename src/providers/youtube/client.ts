/**
 * YouTube Data API v3, fetch side: a music-video search (`search.list`) completed with durations (`videos.list`),
 * mapped to candidates by `map.ts`. See `UPSTREAMS.md` §4.
 *
 * The quota is the scarce thing: about 100 searches a day, reset at midnight Pacific time. When YouTube answers 403
 * `quotaExceeded` (older: `dailyLimitExceeded`) the `youtube` bucket is paused until that midnight and the call throws
 * `UpstreamRateLimitedError`, so jobs defer the track instead of failing it; every process's next take is refused
 * until the reset, so nothing more is spent on requests bound to fail. Any other 403 (`forbidden`: a blocked key, the
 * API not enabled) is a client error, since waiting will not fix it.
 *
 * The API key travels in the query string (`key=`). It never reaches a log line or an error message: the HTTP
 * client logs and reports paths without their query, and the errors here are built from statuses and reasons.
 */
import type { AudioCandidate } from '../../domain/audio.ts';
import { createHttpClient, type HttpClient } from '../../infra/http-client.ts';
import type { Logger } from '../../infra/logger.ts';
import { UpstreamError, UpstreamRateLimitedError } from '../../infra/upstream-errors.ts';
import type { RateLimiter } from '../../ports/rate-limiter.ts';
import type { YouTubeErrorResponse, YouTubeSearchListResponse, YouTubeVideoListResponse } from './api-types.ts';
import { mapSearchResults } from './map.ts';

/** The rate-limiter bucket (`rate_limit_tokens.service_name`) for every YouTube request. */
export const YOUTUBE_SERVICE = 'youtube';

const YOUTUBE_USER_AGENT = 'Backbeat/0.1.0 (+https://github.com/backbeat/backbeat)';

/** YouTube's Music category: keeps tutorials, reviews and vlogs out of the results. */
const MUSIC_CATEGORY_ID = 10;

/** `search.list` accepts 0–50 results per page. */
const MAX_RESULTS = 50;

/** Reasons of a 403 that mean "the daily quota is spent" (Google's error envelope, `error.errors[].reason`). */
const DAILY_QUOTA_REASONS: ReadonlySet<string> = new Set(['quotaExceeded', 'dailyLimitExceeded']);

/** Reasons of a 403 that mean "too many requests just now": a short pause, not a day's. */
const SHORT_RATE_REASONS: ReadonlySet<string> = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

/** The pause after a short-term rate-limit 403, which carries no Retry-After. */
const SHORT_RATE_PAUSE_MS = 60_000;

export interface YouTubeClientOptions {
  /** The API base, e.g. `https://www.googleapis.com/youtube/v3` (`YOUTUBE_API_URL`). */
  baseUrl: string;
  /** `YOUTUBE_API_KEY`. */
  apiKey: string;
  /** Per-attempt deadline of each request. */
  timeoutMs: number;
  rateLimiter: RateLimiter;
  logger?: Logger;
  userAgent?: string;
  fetch?: typeof fetch;
  /** Injected in tests; also the clock the quota reset is computed from. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface YouTubeSearchOptions {
  /** Results asked of `search.list`, 1–50. Default 10. */
  maxResults?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const PACIFIC = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** The Pacific wall clock at `ms`, as numbers. */
function pacificWallClock(ms: number): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
} {
  const parts: Record<string, number> = {};
  for (const part of PACIFIC.formatToParts(ms)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** How far Pacific time is ahead of UTC at `ms` (negative: −8 h in winter, −7 h in summer). */
function pacificOffsetMs(ms: number): number {
  const w = pacificWallClock(ms);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The first midnight in America/Los_Angeles strictly after `nowMs` (when YouTube's daily quota resets), as epoch
 * milliseconds. Follows daylight saving time: 08:00 UTC in winter, 07:00 UTC in summer.
 */
export function nextPacificMidnight(nowMs: number): number {
  const today = pacificWallClock(nowMs);
  // Tomorrow's 00:00 on the Pacific wall clock, read as if it were UTC, then shifted by the offset in force then.
  const wall = Date.UTC(today.year, today.month - 1, today.day + 1);
  const guess = wall - pacificOffsetMs(wall);
  return wall - pacificOffsetMs(guess);
}

/** The `reason`s of Google's error envelope ({@link YouTubeErrorResponse}); [] for any other body. */
export function youtubeErrorReasons(body: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  // Read as untrusted: any level of the envelope may be missing or of another type.
  const error: unknown = isRecord(parsed) ? (parsed as Partial<YouTubeErrorResponse>).error : undefined;
  const errors: unknown = isRecord(error) ? error.errors : undefined;
  if (!Array.isArray(errors)) return [];
  return errors
    .map((e: unknown) => (isRecord(e) ? e.reason : undefined))
    .filter((reason): reason is string => typeof reason === 'string');
}

/**
 * How long a YouTube 4xx answer should pause the bucket: until the next Pacific midnight for a spent daily quota,
 * a minute for a short-term rate limit, null (a client error) for anything else.
 */
export function youtubeThrottlePauseMs(status: number, body: string, nowMs: number): number | null {
  if (status !== 403) return null;
  const reasons = youtubeErrorReasons(body);
  if (reasons.some((r) => DAILY_QUOTA_REASONS.has(r))) return nextPacificMidnight(nowMs) - nowMs;
  if (reasons.some((r) => SHORT_RATE_REASONS.has(r))) return SHORT_RATE_PAUSE_MS;
  return null;
}

export class YouTubeClient {
  readonly #http: HttpClient;
  readonly #apiKey: string;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;

  constructor(options: YouTubeClientOptions) {
    this.#apiKey = options.apiKey;
    this.#logger = options.logger;
    const now = options.now ?? Date.now;
    this.#now = now;
    this.#http = createHttpClient({
      service: YOUTUBE_SERVICE,
      baseUrl: options.baseUrl,
      userAgent: options.userAgent ?? YOUTUBE_USER_AGENT,
      timeoutMs: options.timeoutMs,
      rateLimiter: options.rateLimiter,
      logger: options.logger,
      throttleFromBody: (status, body) => youtubeThrottlePauseMs(status, body, now()),
      fetch: options.fetch,
      now: options.now,
      sleep: options.sleep,
      random: options.random,
    });
  }

  /**
   * Searches music videos for `query` (`search.list`, one bucket token), then reads their durations
   * (`videos.list`, one more token, skipped when the search found nothing), and returns them as candidates in
   * YouTube's order. Throws `UpstreamRateLimitedError` (status 403, the bucket paused until the next Pacific
   * midnight) when the daily quota is spent, `UpstreamError` kind `client` for other refusals, kind `malformed` for an
   * answer without an `items` list, what the HTTP client throws, and `RangeError` for an empty query or a
   * `maxResults` outside 1–50. A failure of the durations request fails the search: candidates without durations
   * would be scored on less than they should.
   */
  async search(query: string, options: YouTubeSearchOptions = {}): Promise<AudioCandidate[]> {
    const { maxResults = 10 } = options;
    const q = query.trim();
    if (q === '') throw new RangeError('query must not be empty');
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS) {
      throw new RangeError(`maxResults must be an integer from 1 to ${MAX_RESULTS}, got ${maxResults}`);
    }

    const search = await this.#get<YouTubeSearchListResponse>('/search', {
      part: 'snippet',
      type: 'video',
      videoCategoryId: MUSIC_CATEGORY_ID,
      q,
      maxResults,
    });
    const ids = [
      ...new Set(
        search.items
          .map((item: unknown) => (isRecord(item) && isRecord(item.id) ? item.id.videoId : undefined))
          .filter((id): id is string => typeof id === 'string' && id !== ''),
      ),
    ];
    if (ids.length === 0) return [];

    const videos = await this.#get<YouTubeVideoListResponse>('/videos', {
      part: 'contentDetails,snippet',
      id: ids.join(','),
    });
    return mapSearchResults(search, videos);
  }

  /** GET `path` with the key, checking the `items` envelope; logs a spent quota with its reset time. */
  async #get<T extends { items: unknown[] }>(path: string, query: Record<string, string | number>): Promise<T> {
    let res;
    try {
      res = await this.#http.getJsonResponse<unknown>(path, { ...query, key: this.#apiKey });
    } catch (err) {
      if (err instanceof UpstreamRateLimitedError && err.status === 403) {
        this.#logger?.warn(
          {
            event: 'upstream_quota_spent',
            service: YOUTUBE_SERVICE,
            path: err.path,
            pausedUntil: new Date(this.#now() + err.retryAfterMs).toISOString(),
          },
          'YouTube refused the request for quota; searches wait for the reset',
        );
      }
      throw err;
    }
    if (!isRecord(res.body) || !Array.isArray(res.body.items)) {
      throw new UpstreamError(YOUTUBE_SERVICE, `${YOUTUBE_SERVICE}: answer without an items list`, {
        kind: 'malformed',
        status: res.status,
        attempts: res.attempts,
        path: res.path,
      });
    }
    return res.body as T;
  }
}
