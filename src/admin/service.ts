import { AppError, notFound } from '../errors.ts';
import type { Logger } from '../infra/logger.ts';
import type { BucketState, RateLimiter } from '../ports/rate-limiter.ts';
import { BUCKET_LIMITS, type RateLimitBucket, type RateLimitUpdate, type TelemetryEvent } from './contract.ts';

/** Pure: a bucket row as the admin API shows it. */
export function presentBucket(state: BucketState): RateLimitBucket {
  return {
    service: state.service,
    maxTokens: state.maxTokens,
    refillRate: state.refillRate,
    refillIntervalMs: state.refillIntervalMs,
    tokens: Math.round(state.tokens * 1000) / 1000,
    lastRefill: state.lastRefill.toISOString(),
    pausedUntil: state.pausedUntil ? state.pausedUntil.toISOString() : null,
  };
}

/**
 * Operators' view of the service: the token buckets of `rate_limit_tokens` (read and tuned; reading never creates a
 * bucket) and the telemetry browsers report.
 */
export class AdminService {
  readonly #rateLimiter: RateLimiter;
  readonly #logger: Logger;

  constructor(options: { rateLimiter: RateLimiter; logger: Logger }) {
    this.#rateLimiter = options.rateLimiter;
    this.#logger = options.logger;
  }

  async buckets(): Promise<RateLimitBucket[]> {
    return (await this.#rateLimiter.list()).map(presentBucket);
  }

  async bucket(service: string): Promise<RateLimitBucket> {
    const state = await this.#rateLimiter.find(service);
    if (!state) throw notFound(`No token bucket named "${service}"`);
    return presentBucket(state);
  }

  async updateBucket(service: string, settings: RateLimitUpdate): Promise<RateLimitBucket> {
    const { refillRate } = settings;
    if (refillRate !== undefined && refillRate > 0 && refillRate < BUCKET_LIMITS.refillRate.minPositive) {
      throw new AppError(
        'BACKBEAT_ERR_VALIDATION',
        `body/refillRate must be 0 or >= ${BUCKET_LIMITS.refillRate.minPositive}`,
      );
    }
    const state = await this.#rateLimiter.update(service, settings);
    this.#logger.info({ event: 'rate_limit_updated', service, ...settings });
    return presentBucket(state);
  }

  /** Logs one client event (the seed's `client_new_release_received`) for operators' dashboards. */
  recordTelemetry(event: TelemetryEvent, ip: string): void {
    this.#logger.info({ ...event, ip });
  }
}
