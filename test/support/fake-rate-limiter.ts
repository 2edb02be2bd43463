/**
 * An in-memory `RateLimiter` for client tests: a plain token count (no refill) plus a pause deadline, and a record
 * of every take and pause so tests can assert how many tokens a call consumed and what pause it asked for.
 * It is not the production memory adapter: it has no refill clock, on purpose, so counts are exact. All services
 * share the one count; `find` and `list` know the services that `take`, `pause`, `get` or `update` have named.
 */
import type { BucketSettings, BucketState, RateLimiter, TakeResult } from '../../src/ports/rate-limiter.ts';

export class FakeRateLimiter implements RateLimiter {
  tokens: number;
  pausedUntil: Date | null = null;
  /** Every `take` call, granted or not, in order. */
  readonly takes: { service: string; granted: boolean }[] = [];
  /** Every `pause` call, in order. */
  readonly pauses: { service: string; until: Date }[] = [];
  #settings: BucketSettings = { maxTokens: 1000, refillRate: 0, refillIntervalMs: 86_400_000 };
  readonly #now: () => number;
  readonly #services = new Set<string>();

  constructor(tokens = 1000, now: () => number = Date.now) {
    this.tokens = tokens;
    this.#now = now;
  }

  /** Tokens granted so far (one per request sent by a well-behaved client). */
  get granted(): number {
    return this.takes.filter((t) => t.granted).length;
  }

  async take(service: string, count = 1): Promise<TakeResult> {
    this.#services.add(service);
    const nowMs = this.#now();
    if (this.pausedUntil && this.pausedUntil.getTime() > nowMs) {
      this.takes.push({ service, granted: false });
      return {
        granted: false,
        remaining: this.tokens,
        reason: 'paused',
        retryAfterMs: this.pausedUntil.getTime() - nowMs,
      };
    }
    if (this.tokens < count) {
      this.takes.push({ service, granted: false });
      return { granted: false, remaining: this.tokens, reason: 'empty', retryAfterMs: 86_400_000 };
    }
    this.tokens -= count;
    this.takes.push({ service, granted: true });
    return { granted: true, remaining: this.tokens };
  }

  async pause(service: string, until: Date): Promise<void> {
    this.#services.add(service);
    this.pauses.push({ service, until });
    this.pausedUntil = until;
  }

  async get(service: string): Promise<BucketState> {
    this.#services.add(service);
    return this.#state(service);
  }

  async find(service: string): Promise<BucketState | undefined> {
    return this.#services.has(service) ? this.#state(service) : undefined;
  }

  async list(): Promise<BucketState[]> {
    return [...this.#services].sort().map((service) => this.#state(service));
  }

  #state(service: string): BucketState {
    return {
      service,
      ...this.#settings,
      tokens: this.tokens,
      lastRefill: new Date(this.#now()),
      pausedUntil: this.pausedUntil,
    };
  }

  async update(service: string, settings: Partial<BucketSettings>): Promise<BucketState> {
    this.#settings = { ...this.#settings, ...settings };
    return this.get(service);
  }
}
