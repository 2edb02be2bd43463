/**
 * Discogs API, fetch side: release lookups (`GET /releases/{id}`) and, through {@link DiscogsOAuth}, the OAuth 1.0a
 * connect flow. Conversion lives in `map.ts`. See `UPSTREAMS.md` §6.
 *
 * Discogs refuses requests without a unique User-Agent, and limits each IP to 60 authenticated (25 anonymous)
 * requests over a moving 60 s window. Every answer reports that window in `X-Discogs-Ratelimit`, `-Used` and
 * `-Remaining`; when Remaining reaches 0 the `discogs` bucket is paused for the window's length, so no process sends
 * a request Discogs would answer 429. A 429 still pauses the bucket (Retry-After, else 60 s) through the HTTP client.
 *
 * Tokens and secrets never appear in a log line or an error message: the HTTP client logs paths and statuses only.
 */
import type { Release } from '../../domain/audio.ts';
import { createHttpClient, type HttpClient } from '../../infra/http-client.ts';
import type { Logger } from '../../infra/logger.ts';
import { UpstreamError } from '../../infra/upstream-errors.ts';
import type { RateLimiter } from '../../ports/rate-limiter.ts';
import type { DiscogsRelease } from './api-types.ts';
import { mapDiscogsRelease } from './map.ts';
import { DiscogsOAuth, discogsAuthorization, type DiscogsAuth, type OAuthClock } from './oauth.ts';

/** The rate-limiter bucket (`rate_limit_tokens.service_name`) for every Discogs request. */
export const DISCOGS_SERVICE = 'discogs';

/** Discogs asks for `AppName/version +url`, unique to the app. */
export const DISCOGS_USER_AGENT = 'Backbeat/0.1.0 +https://github.com/backbeat/backbeat';

/** The length of Discogs' moving rate-limit window, and so of the pause once it is spent. */
export const DISCOGS_RATE_LIMIT_WINDOW_MS = 60_000;

export interface DiscogsClientOptions {
  /** The API origin, e.g. `https://api.discogs.com` (`DISCOGS_API_URL`). */
  baseUrl: string;
  /** Default {@link DISCOGS_USER_AGENT}. */
  userAgent?: string;
  /** Per-attempt deadline of each request. */
  timeoutMs: number;
  rateLimiter: RateLimiter;
  logger?: Logger;
  fetch?: typeof fetch;
  /** Injected in tests; also the clock of pauses, rate-limit readings and OAuth timestamps. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Injected in tests for exact OAuth headers. */
  nonce?: () => string;
}

/** The rate-limit window as the last Discogs answer reported it. */
export interface DiscogsRateLimitState {
  /** `X-Discogs-Ratelimit`: requests allowed per window (60 authenticated, 25 anonymous). */
  limit: number | null;
  /** `X-Discogs-Ratelimit-Used`. */
  used: number | null;
  /** `X-Discogs-Ratelimit-Remaining`. */
  remaining: number | null;
  /** When that answer arrived. */
  seenAt: Date;
}

/** Discogs has no release with this id (404 `{"message": "Release not found."}`): permanent, not retried. */
export class DiscogsNotFoundError extends UpstreamError {
  readonly releaseId: number;

  constructor(releaseId: number, details: { attempts: number; path?: string; cause?: unknown }) {
    super(DISCOGS_SERVICE, `${DISCOGS_SERVICE}: release ${releaseId} not found (404)`, {
      kind: 'client',
      status: 404,
      ...details,
    });
    this.name = 'DiscogsNotFoundError';
    this.releaseId = releaseId;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A header as a non-negative integer; null when missing or unreadable. */
function headerCount(headers: Headers, name: string): number | null {
  const value = headers.get(name)?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}

export class DiscogsClient {
  /** The connect flow and identity lookup, on the same bucket and rate-limit tracking as release lookups. */
  readonly oauth: DiscogsOAuth;
  readonly #http: HttpClient;
  readonly #baseUrl: string;
  readonly #rateLimiter: RateLimiter;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  readonly #clock: OAuthClock;
  #rateLimit: DiscogsRateLimitState | null = null;

  constructor(options: DiscogsClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#rateLimiter = options.rateLimiter;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#clock = { now: this.#now, ...(options.nonce ? { nonce: options.nonce } : {}) };
    this.#http = createHttpClient({
      service: DISCOGS_SERVICE,
      baseUrl: this.#baseUrl,
      userAgent: options.userAgent ?? DISCOGS_USER_AGENT,
      timeoutMs: options.timeoutMs,
      rateLimiter: options.rateLimiter,
      logger: options.logger,
      // Discogs sends no documented Retry-After with its 429: wait out the whole window.
      defaultThrottleMs: DISCOGS_RATE_LIMIT_WINDOW_MS,
      fetch: options.fetch,
      now: options.now,
      sleep: options.sleep,
      random: options.random,
    });
    this.oauth = new DiscogsOAuth({
      http: this.#http,
      baseUrl: this.#baseUrl,
      clock: this.#clock,
      onAnswer: (headers) => this.#observeRateLimit(headers),
    });
  }

  /** The rate-limit window as the last answer reported it; null before any answer carried the headers. */
  rateLimitState(): DiscogsRateLimitState | null {
    return this.#rateLimit === null ? null : { ...this.#rateLimit };
  }

  /**
   * The release as Discogs sends it. Throws {@link DiscogsNotFoundError} on 404, `UpstreamError` kind `malformed`
   * for an answer without a numeric `id` and a `tracklist` array, kind `client` for other refusals (401 for a token
   * Discogs no longer accepts), what the HTTP client throws (rate limited, server, …), and `RangeError` for an id
   * that is not a positive integer.
   */
  async getRawRelease(id: number, auth?: DiscogsAuth): Promise<DiscogsRelease> {
    if (!Number.isSafeInteger(id) || id <= 0) throw new RangeError(`release id must be a positive integer, got ${id}`);
    const path = `/releases/${id}`;
    const authorization = discogsAuthorization(auth, { method: 'GET', url: this.#baseUrl + path }, this.#clock);
    let res;
    try {
      res = await this.#http.getJsonResponse<unknown>(
        path,
        undefined,
        authorization === undefined ? undefined : { authorization },
      );
    } catch (err) {
      if (err instanceof UpstreamError && err.kind === 'client' && err.status === 404) {
        throw new DiscogsNotFoundError(id, { attempts: err.attempts, path: err.path, cause: err });
      }
      throw err;
    }
    await this.#observeRateLimit(res.headers);

    const body = res.body;
    if (!isRecord(body) || typeof body.id !== 'number' || !Array.isArray(body.tracklist)) {
      throw new UpstreamError(DISCOGS_SERVICE, `${DISCOGS_SERVICE}: release answer without an id and a tracklist`, {
        kind: 'malformed',
        status: res.status,
        attempts: res.attempts,
        path: res.path,
      });
    }
    return body as unknown as DiscogsRelease;
  }

  /** The release mapped to the domain model (see `mapDiscogsRelease`); throws what {@link DiscogsClient.getRawRelease} throws. */
  async getRelease(id: number, auth?: DiscogsAuth): Promise<Release> {
    return mapDiscogsRelease(await this.getRawRelease(id, auth));
  }

  /** Records the window an answer reports, and pauses the bucket for a window's length once it is spent. */
  async #observeRateLimit(headers: Headers): Promise<void> {
    const limit = headerCount(headers, 'x-discogs-ratelimit');
    const used = headerCount(headers, 'x-discogs-ratelimit-used');
    const remaining = headerCount(headers, 'x-discogs-ratelimit-remaining');
    if (limit === null && used === null && remaining === null) return;
    const nowMs = this.#now();
    this.#rateLimit = { limit, used, remaining, seenAt: new Date(nowMs) };
    if (remaining !== 0) return;
    const until = new Date(nowMs + DISCOGS_RATE_LIMIT_WINDOW_MS);
    this.#logger?.warn(
      { event: 'upstream_window_spent', service: DISCOGS_SERVICE, limit, used, pausedUntil: until.toISOString() },
      'Discogs reports no request left in its 60 s window; pausing the bucket',
    );
    try {
      await this.#rateLimiter.pause(DISCOGS_SERVICE, until);
    } catch (err) {
      // The answer is good: losing it because the bucket could not be paused would waste the request. A 429 later
      // pauses the bucket through the HTTP client anyway.
      this.#logger?.warn(
        { event: 'rate_limiter_pause_failed', service: DISCOGS_SERVICE, err },
        'could not pause the discogs bucket',
      );
    }
  }
}
