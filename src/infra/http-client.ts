/**
 * The upstream HTTP client every provider uses.
 *
 * `p-retry` runs the attempts. Each attempt, retries included, first takes one token from OUR shared, table-backed
 * bucket (`RateLimiter`), and every outcome maps to our typed errors (`upstream-errors.ts`), so jobs can tell "stop,
 * rate limited" from "retry later" from "permanent" (`classifyJobError`). Outcomes that must not be retried are
 * thrown as p-retry `AbortError`s (p-retry rethrows the typed error inside); the wait before a retry (full jitter, a
 * 5xx's Retry-After as a minimum) is taken in `onFailedAttempt`, with p-retry's own delay off, so the injected
 * `sleep` and `random` keep tests instant and deterministic.
 *
 * Outcomes, per attempt:
 * - no token → nothing is sent; `RateLimitedError` (the bucket's reason and retryAfterMs).
 * - 2xx → the body (for `getJson`, parsed; a non-JSON or empty body is `UpstreamError` kind `malformed`, NOT
 *   retried here: in practice it is a WAF/CDN page that an immediate retry would only fetch again for another token;
 *   the error is `retryable` so the job tries again on its own schedule).
 * - 429 → `rateLimiter.pause(service, now + Retry-After)` (capped at `maxRetryAfterMs`) and `UpstreamRateLimitedError`,
 *   NOT retried here: the pause makes every process's next take refuse until then, which is exactly "come back
 *   later" without holding a job open.
 * - 5xx, network error, timeout → retried up to `retries` times with exponential backoff and full jitter (a 5xx's
 *   Retry-After, e.g. MusicBrainz' 503 throttle, is honoured as a minimum delay up to the ceiling), then
 *   `UpstreamError` kind `server` | `network` | `timeout`.
 * - a 4xx that `throttleFromBody` recognises from its body (YouTube's 403 `quotaExceeded`) → handled like 429 with
 *   the pause it returns.
 * - other non-2xx → `UpstreamError` kind `client`, no retry.
 */
import { setTimeout as delay } from 'node:timers/promises';
import pRetry, { AbortError } from 'p-retry';
import type { RateLimiter } from '../ports/rate-limiter.ts';
import type { Logger } from './logger.ts';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from './upstream-errors.ts';

export interface HttpClientOptions {
  /** Rate-limiter bucket name, also used in logs and errors (e.g. `jiosaavn`). */
  service: string;
  /** Origin plus optional path prefix, e.g. `https://www.googleapis.com/youtube/v3`; request paths are appended. */
  baseUrl: string;
  /** An honest User-Agent naming Backbeat (several upstreams block generic ones). */
  userAgent: string;
  /** Per-attempt deadline covering headers and body. */
  timeoutMs: number;
  rateLimiter: RateLimiter;
  logger?: Logger;
  /** Retries after the first attempt for transient failures (5xx, network, timeout). Default 3. */
  retries?: number;
  /** Backoff for retry n (1-based) is `random() * backoffBaseMs * 2^(n-1)`. Default 300. */
  backoffBaseMs?: number;
  /** Ceiling on any wait derived from the upstream (Retry-After) and on backoff. Default 60 000. */
  maxRetryAfterMs?: number;
  /**
   * Statuses that mean "slow down" besides 429 (MusicBrainz answers 503 when called too fast): handled like 429,
   * pausing the bucket and throwing `UpstreamRateLimitedError`, never retried at once. Default none.
   */
  throttleStatuses?: readonly number[];
  /** The pause after a throttling answer without a readable Retry-After. Default `maxRetryAfterMs`. */
  defaultThrottleMs?: number;
  /**
   * Recognises a "slow down" answer that its status alone does not tell apart from a refusal: YouTube answers 403
   * both for a spent daily quota and for a blocked key, and only the body's `reason` differs. Called with the body of
   * every 4xx answer other than 429 and `throttleStatuses`; a number is the pause in ms, handled like a 429 (bucket
   * paused, `UpstreamRateLimitedError` with that status, no retry) and not capped by `maxRetryAfterMs`, since the
   * caller computed it (e.g. until a daily reset); null leaves the answer a client error.
   */
  throttleFromBody?: (status: number, body: string) => number | null;
  /**
   * How a refusal by our own bucket is logged: `warn` (default: the budget is used up, or an upstream asked us to wait)
   * or `debug` (a client paced by its bucket, empty or held between requests as its normal state; the upstream answer
   * that paused it, a 429 or 503, is logged as a warning when it arrives).
   */
  emptyBucketLogLevel?: 'warn' | 'debug';
  /** Injected in tests to keep retries instant. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected in tests for deterministic jitter; returns [0, 1). */
  random?: () => number;
  /** Injected in tests to pin the clock used for Retry-After dates and pause deadlines. */
  now?: () => number;
  fetch?: typeof fetch;
}

export type QueryParams = Readonly<Record<string, string | number>>;
export type RequestHeaders = Readonly<Record<string, string>>;

/** A parsed JSON answer with what it took to get it, for callers that raise their own errors on the body. */
export interface JsonResponse<T> {
  body: T;
  status: number;
  /** Requests sent, retries included (each took a token). */
  attempts: number;
  /** Request path without its query string. */
  path: string;
  /** The answer's headers (Discogs reports its rate-limit window in `X-Discogs-Ratelimit-*` on every answer). */
  headers: Headers;
}

export interface HttpClient {
  readonly service: string;
  /**
   * GET `path` (appended to the base URL, may carry its own query) with `query` added, and parse the body as JSON.
   * `T` is NOT validated: callers check the shape of what came back. Throws the errors described in the module
   * comment.
   */
  getJson<T = unknown>(path: string, query?: QueryParams, headers?: RequestHeaders): Promise<T>;
  /** As {@link HttpClient.getJson}, plus the status and attempt count (e.g. to report a block with `attempts`). */
  getJsonResponse<T = unknown>(path: string, query?: QueryParams, headers?: RequestHeaders): Promise<JsonResponse<T>>;
  /** As {@link HttpClient.getJson} but returns the body as text (an empty body is a valid answer here). */
  getText(path: string, query?: QueryParams, headers?: RequestHeaders): Promise<string>;
  /**
   * POST `form` as `application/x-www-form-urlencoded` and parse the JSON answer (an OAuth token endpoint). Same
   * bucket, retries and errors as {@link HttpClient.getJson}.
   */
  postForm<T = unknown>(
    path: string,
    form: Readonly<Record<string, string>>,
    headers?: RequestHeaders,
  ): Promise<JsonResponse<T>>;
  /**
   * As {@link HttpClient.postForm} but returns the body as text: OAuth 1.0a token endpoints answer form-encoded
   * (`oauth_token=…&oauth_token_secret=…`), not JSON.
   */
  postFormText(path: string, form: Readonly<Record<string, string>>, headers?: RequestHeaders): Promise<string>;
}

/** The parts of a `fetch` request an attempt sends (the signal and redirect policy are added per attempt). */
interface RequestShape {
  method: 'GET' | 'POST';
  headers: Headers;
  body?: string;
}

/**
 * Reads a `Retry-After` header (delta-seconds or an HTTP date) as milliseconds from `nowMs`, never negative.
 * Returns null when the header is missing or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}

/** `err` as an Error (p-retry's AbortError wraps Errors as they are; anything else becomes a plain Error). */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

type Attempt =
  | { ok: true; status: number; body: string; headers: Headers }
  | { ok: false; retry: boolean; minDelayMs: number; error: UpstreamError | UpstreamRateLimitedError };

/**
 * Builds a client bound to one upstream service and its bucket. See the module comment for the retry, rate-limit
 * and error contract.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const {
    service,
    userAgent,
    timeoutMs,
    rateLimiter,
    logger,
    retries = 3,
    backoffBaseMs = 300,
    maxRetryAfterMs = 60_000,
    throttleStatuses = [],
    throttleFromBody,
    sleep = (ms: number) => delay(ms),
    random = Math.random,
    now = Date.now,
  } = options;
  if (!Number.isInteger(retries) || retries < 0)
    throw new RangeError(`retries must be an integer >= 0, got ${retries}`);
  const doFetch = options.fetch ?? fetch;
  const defaultThrottleMs = options.defaultThrottleMs ?? maxRetryAfterMs;
  const throttles = new Set([429, ...throttleStatuses]);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');

  function buildUrl(path: string, query: QueryParams | undefined): URL {
    const url = new URL(baseUrl + (path.startsWith('/') ? path : `/${path}`));
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, String(value));
    return url;
  }

  async function discardBody(res: Response): Promise<void> {
    try {
      await res.body?.cancel();
    } catch {
      // The body is unwanted; a failure to cancel it changes nothing for the caller.
    }
  }

  async function attemptOnce(url: URL, init: RequestShape, attempt: number): Promise<Attempt> {
    const path = url.pathname;
    const started = now();
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let body: string;
    try {
      res = await doFetch(url, { ...init, signal, redirect: 'follow' });
      if (res.status >= 200 && res.status < 300) {
        // Read inside the try: a body cut off or stalled past the deadline is a network/timeout failure.
        body = await res.text();
      } else if (throttleFromBody && res.status >= 400 && res.status < 500 && !throttles.has(res.status)) {
        // Only read to tell a throttle from a refusal: a body that cannot be read is a refusal without a reason.
        body = await res.text().catch(() => '');
      } else {
        body = '';
        await discardBody(res);
      }
    } catch (err) {
      const timedOut = signal.aborted || (err instanceof Error && err.name === 'TimeoutError');
      const kind = timedOut ? 'timeout' : 'network';
      const message = timedOut
        ? `${service}: no answer within ${timeoutMs} ms`
        : `${service}: request failed (${err instanceof Error ? err.message : String(err)})`;
      return {
        ok: false,
        retry: true,
        minDelayMs: 0,
        error: new UpstreamError(service, message, { kind, status: null, attempts: attempt, path, cause: err }),
      };
    }

    const status = res.status;
    logger?.debug({ event: 'upstream_request', service, path, status, attempt, durationMs: now() - started });

    if (status >= 200 && status < 300) return { ok: true, status, body, headers: res.headers };

    const bodyPauseMs =
      status >= 400 && status < 500 && !throttles.has(status) ? throttleFromBody?.(status, body) : null;
    if (typeof bodyPauseMs === 'number') {
      const retryAfterMs = Math.max(0, Math.round(bodyPauseMs));
      await rateLimiter.pause(service, new Date(now() + retryAfterMs));
      return {
        ok: false,
        retry: false,
        minDelayMs: 0,
        error: new UpstreamRateLimitedError(service, { retryAfterMs, attempts: attempt, path, status }),
      };
    }

    if (throttles.has(status)) {
      const retryAfterMs = Math.min(
        parseRetryAfter(res.headers.get('retry-after'), now()) ?? defaultThrottleMs,
        maxRetryAfterMs,
      );
      await rateLimiter.pause(service, new Date(now() + retryAfterMs));
      return {
        ok: false,
        retry: false,
        minDelayMs: 0,
        error: new UpstreamRateLimitedError(service, { retryAfterMs, attempts: attempt, path, status }),
      };
    }

    if (status >= 500) {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now());
      return {
        ok: false,
        retry: true,
        minDelayMs: Math.min(retryAfterMs ?? 0, maxRetryAfterMs),
        error: new UpstreamError(service, `${service}: upstream answered ${status}`, {
          kind: 'server',
          status,
          attempts: attempt,
          path,
        }),
      };
    }

    return {
      ok: false,
      retry: false,
      minDelayMs: 0,
      error: new UpstreamError(service, `${service}: upstream answered ${status}`, {
        kind: 'client',
        status,
        attempts: attempt,
        path,
      }),
    };
  }

  async function send(
    path: string,
    query: QueryParams | undefined,
    extraHeaders: RequestHeaders | undefined,
    accept: string,
    form?: Readonly<Record<string, string>>,
  ): Promise<{ status: number; body: string; attempts: number; path: string; headers: Headers }> {
    const url = buildUrl(path, query);
    const headers = new Headers({ 'user-agent': userAgent, accept });
    for (const [name, value] of Object.entries(extraHeaders ?? {})) headers.set(name, value);
    const init: RequestShape = form
      ? { method: 'POST', headers, body: new URLSearchParams(form).toString() }
      : { method: 'GET', headers };
    if (form) headers.set('content-type', 'application/x-www-form-urlencoded');

    let lastFailure: UpstreamError | UpstreamRateLimitedError | undefined;
    /** The least wait before the next attempt (a 5xx's Retry-After), set by the attempt that failed. */
    let minDelayMs = 0;

    const attempt = async (n: number) => {
      // Errors of our own bucket or of the database behind it are not upstream failures: never retried.
      const token = await rateLimiter.take(service).catch((err: unknown) => {
        throw new AbortError(asError(err));
      });
      if (!token.granted) {
        const log = options.emptyBucketLogLevel === 'debug' ? logger?.debug : logger?.warn;
        log?.call(
          logger,
          { event: 'upstream_rate_limited', service, path: url.pathname, reason: token.reason, attempt: n },
          'token bucket refused the request; not sent',
        );
        throw new AbortError(
          new RateLimitedError(service, {
            reason: token.reason,
            retryAfterMs: token.retryAfterMs,
            attempts: n - 1,
            cause: lastFailure,
          }),
        );
      }

      const outcome = await attemptOnce(url, init, n).catch((err: unknown) => {
        throw new AbortError(asError(err)); // e.g. the pause after a 429 failed to reach the database
      });
      if (outcome.ok) {
        return {
          status: outcome.status,
          body: outcome.body,
          attempts: n,
          path: url.pathname,
          headers: outcome.headers,
        };
      }

      lastFailure = outcome.error;
      minDelayMs = outcome.minDelayMs;
      logger?.warn(
        {
          event: 'upstream_request_failed',
          service,
          path: url.pathname,
          kind: outcome.error instanceof UpstreamError ? outcome.error.kind : 'rate_limited',
          status: outcome.error.status,
          attempt: n,
          willRetry: outcome.retry && n <= retries,
        },
        outcome.error.message,
      );
      throw outcome.retry ? outcome.error : new AbortError(outcome.error);
    };

    return pRetry(attempt, {
      retries,
      minTimeout: 0,
      onFailedAttempt: async ({ attemptNumber, retriesLeft }) => {
        if (retriesLeft === 0) return;
        const backoff = Math.floor(random() * Math.min(maxRetryAfterMs, backoffBaseMs * 2 ** (attemptNumber - 1)));
        await sleep(Math.max(backoff, minDelayMs));
      },
    });
  }

  async function getJsonResponse<T>(
    path: string,
    query?: QueryParams,
    headers?: RequestHeaders,
    form?: Readonly<Record<string, string>>,
  ): Promise<JsonResponse<T>> {
    const res = await send(path, query, headers, 'application/json', form);
    const malformed = (reason: string, cause?: unknown) => {
      logger?.warn(
        { event: 'upstream_request_failed', service, path: res.path, kind: 'malformed', status: res.status },
        reason,
      );
      return new UpstreamError(service, `${service}: ${reason}`, {
        kind: 'malformed',
        status: res.status,
        attempts: res.attempts,
        path: res.path,
        cause,
      });
    };
    if (res.body.trim() === '') throw malformed('empty body where JSON was expected');
    try {
      const body = JSON.parse(res.body) as T;
      return { body, status: res.status, attempts: res.attempts, path: res.path, headers: res.headers };
    } catch (err) {
      const start = res.body.trimStart().slice(0, 1);
      throw malformed(start === '<' ? 'HTML page where JSON was expected' : 'body is not valid JSON', err);
    }
  }

  return {
    service,
    getJsonResponse,
    getJson: async <T>(path: string, query?: QueryParams, headers?: RequestHeaders): Promise<T> =>
      (await getJsonResponse<T>(path, query, headers)).body,
    getText: async (path: string, query?: QueryParams, headers?: RequestHeaders): Promise<string> =>
      (await send(path, query, headers, 'text/plain, */*')).body,
    postForm: async <T>(path: string, form: Readonly<Record<string, string>>, headers?: RequestHeaders) =>
      getJsonResponse<T>(path, undefined, headers, form),
    postFormText: async (path: string, form: Readonly<Record<string, string>>, headers?: RequestHeaders) =>
      (await send(path, undefined, headers, 'text/plain, */*', form)).body,
  };
}
