/**
 * Typed outcomes of an upstream call, shared by every provider.
 *
 * `retryable` answers one question for the caller (a job, a route): "may the same request succeed if it is tried
 * again later?". It does not mean the HTTP client retried: the client already retried transient failures before
 * throwing. Queues classify a job handler's error with `classifyJobError` (`src/ports/job-errors.ts`): the two
 * rate-limit errors pause the job name for `retryAfterMs` without using an attempt, `retryable: false` fails the job
 * at once (BullMQ's `UnrecoverableError`), and the rest is retried with backoff.
 */

/** Why an upstream call failed. */
export type UpstreamErrorKind =
  /** 5xx after all retries. */
  | 'server'
  /** Connection refused/reset, DNS failure, body cut off mid-stream, after all retries. */
  | 'network'
  /** No complete answer within the per-attempt timeout, after all retries. */
  | 'timeout'
  /** 4xx other than 429: our request is wrong (or the resource is gone); retrying cannot help. */
  | 'client'
  /** A success status whose body is not what the protocol promises (HTML page, truncated or empty JSON). */
  | 'malformed'
  /** The source answered "successfully" with a block signature (JioSaavn's WAF: `{}`, `[]`, 0 results). */
  | 'blocked';

/** Kinds worth another attempt later: transient by nature. `client` and `blocked` are not (see each kind). */
const RETRYABLE_KINDS: ReadonlySet<UpstreamErrorKind> = new Set(['server', 'network', 'timeout', 'malformed']);

/** Common base so callers can catch every upstream outcome with one `instanceof`. */
export abstract class UpstreamFailure extends Error {
  /** The rate-limiter service name, e.g. `jiosaavn`. */
  readonly service: string;
  /** True when the same request may succeed later; see the module comment. */
  abstract readonly retryable: boolean;

  constructor(service: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.service = service;
  }
}

export interface UpstreamErrorDetails {
  kind: UpstreamErrorKind;
  /** HTTP status of the last attempt; null when no response arrived (network, timeout). */
  status: number | null;
  /** Requests actually sent (each one took a token). */
  attempts: number;
  /** Request path without its query string (queries may carry API keys). */
  path?: string;
  cause?: unknown;
}

/**
 * The upstream failed for a reason other than rate limiting. `kind` says which; `retryable` follows from it
 * (server, network, timeout and malformed are transient; client and blocked are not worth an early retry).
 */
export class UpstreamError extends UpstreamFailure {
  readonly kind: UpstreamErrorKind;
  readonly status: number | null;
  readonly attempts: number;
  readonly path: string | undefined;
  readonly retryable: boolean;

  constructor(service: string, message: string, details: UpstreamErrorDetails) {
    super(service, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'UpstreamError';
    this.kind = details.kind;
    this.status = details.status;
    this.attempts = details.attempts;
    this.path = details.path;
    this.retryable = RETRYABLE_KINDS.has(details.kind);
  }
}

/**
 * OUR token bucket refused the request, so it was never sent. `reason` is the bucket's: `empty` (no token left)
 * or `paused` (an earlier upstream 429 paused the service). Retryable after `retryAfterMs`.
 */
export class RateLimitedError extends UpstreamFailure {
  readonly reason: 'empty' | 'paused';
  readonly retryAfterMs: number;
  /** Requests sent before the bucket refused (non-zero when it ran dry between retries). */
  readonly attempts: number;
  readonly retryable = true;

  constructor(
    service: string,
    details: { reason: 'empty' | 'paused'; retryAfterMs: number; attempts: number; cause?: unknown },
  ) {
    super(
      service,
      `${service}: rate limited by our token bucket (${details.reason}), retry after ${details.retryAfterMs} ms`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.name = 'RateLimitedError';
    this.reason = details.reason;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts;
  }
}

/**
 * The upstream answered 429. The client has already paused the service in the rate limiter until
 * `now + retryAfterMs` (Retry-After, capped at the client's ceiling), so later takes refuse until then.
 */
export class UpstreamRateLimitedError extends UpstreamFailure {
  /** 429, or a status the client was told means "slow down" (MusicBrainz' 503). */
  readonly status: number;
  readonly retryAfterMs: number;
  readonly attempts: number;
  readonly path: string | undefined;
  readonly retryable = true;

  constructor(service: string, details: { retryAfterMs: number; attempts: number; path?: string; status?: number }) {
    const status = details.status ?? 429;
    super(service, `${service}: upstream answered ${status}, paused for ${details.retryAfterMs} ms`);
    this.status = status;
    this.name = 'UpstreamRateLimitedError';
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts;
    this.path = details.path;
  }
}
