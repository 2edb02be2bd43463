/**
 * The upstream token bucket of seed 001, one bucket per upstream service.
 *
 * State and settings live in the `rate_limit_tokens` table (`service_name`, `max_tokens`, `refill_rate`,
 * `refill_interval`, `tokens`, `last_refill`), so an operator can change a bucket with SQL and the next `take` obeys.
 *
 * Semantics (checked by `runRateLimiterContract`):
 * - `take(service)` grants one token or refuses; it never grants more tokens than the bucket holds, whatever the
 *   number of concurrent callers and processes (the take is one atomic statement).
 * - Refill is continuous: `refill_rate` tokens per `refill_interval`, accrued fractionally, capped at `max_tokens`.
 * - `take`, `pause`, `get` and `update` of a service with no row create it with the defaults (1000 tokens, 1000 per
 *   day), full, first: the job side never needs to provision a bucket before using it. `update` then applies the
 *   given settings on top of the defaults.
 * - `find` and `list` only read: they never create a row, and report the tokens as of now (refill applied, nothing
 *   written). Read-only views (the admin API) use them, so asking about an unknown name creates nothing.
 * - `pause(service, untilMs)` (after an upstream 429 + Retry-After) refuses every take until then, across processes,
 *   without touching the tokens.
 */
export interface RateLimiter {
  take(service: string, count?: number): Promise<TakeResult>;
  pause(service: string, until: Date): Promise<void>;
  /** The bucket as of now, created with the defaults when missing. */
  get(service: string): Promise<BucketState>;
  /** The bucket as of now, or `undefined` when it does not exist (never creates it). */
  find(service: string): Promise<BucketState | undefined>;
  /** Every bucket as of now, ordered by service name (byte order). */
  list(): Promise<BucketState[]>;
  /** Applies the given settings, creating the bucket with the defaults first when missing. */
  update(service: string, settings: Partial<BucketSettings>): Promise<BucketState>;
}

export type TakeResult =
  | { granted: true; remaining: number }
  | { granted: false; remaining: number; reason: 'empty' | 'paused'; retryAfterMs: number };

export interface BucketSettings {
  maxTokens: number;
  /** Tokens added per `refillIntervalMs`. */
  refillRate: number;
  refillIntervalMs: number;
}

export interface BucketState extends BucketSettings {
  service: string;
  tokens: number;
  lastRefill: Date;
  pausedUntil: Date | null;
}

export const DEFAULT_BUCKET: BucketSettings = {
  maxTokens: 1000,
  refillRate: 1000,
  refillIntervalMs: 24 * 60 * 60 * 1000,
};
