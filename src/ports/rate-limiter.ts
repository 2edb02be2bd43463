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
 * - A service with no row gets one with the defaults (1000 tokens, 1000 per day) on first use.
 * - `pause(service, untilMs)` (after an upstream 429 + Retry-After) refuses every take until then, across processes,
 *   without touching the tokens.
 */
export interface RateLimiter {
  take(service: string, count?: number): Promise<TakeResult>;
  pause(service: string, until: Date): Promise<void>;
  get(service: string): Promise<BucketState>;
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
