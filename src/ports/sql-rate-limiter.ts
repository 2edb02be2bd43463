/**
 * The token bucket of seed 001 over the `rate_limit_tokens` table, for both modes (PGlite embedded, PostgreSQL
 * scaled).
 *
 * Why hand-written SQL rather than a rate-limit library (rate-limiter-flexible, bottleneck, BullMQ's limiter): the seed
 * makes this table the source of truth, and operators retune a bucket with SQL
 * (`UPDATE rate_limit_tokens SET max_tokens = 2000, refill_rate = 2000 WHERE service_name = 'jiosaavn'`). Those
 * libraries keep their own state (Redis keys, process memory) in their own shape, so such an UPDATE would be ignored
 * or overwritten. Here every `take` reads the row's current settings, and the whole decision is one statement, so
 * PostgreSQL's row lock makes it exact across any number of processes.
 *
 * Why `clock_timestamp()` and not `now()`: `now()` is the start of the transaction. A take that waited for the row
 * lock behind another one (or ran inside a caller's transaction) would compute its refill from a time earlier than the
 * `last_refill` the other take just wrote: a negative elapsed time and a bucket that loses tokens. Under READ
 * COMMITTED, PostgreSQL re-evaluates the WHERE and SET expressions on the newest row version once the lock is held,
 * and `clock_timestamp()`, being volatile, is read again then, so it is never before the committed `last_refill`.
 * `GREATEST(0, …)` additionally guards against the clock stepping back, and `last_refill` never moves backwards.
 */
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database } from '../infra/db.ts';
import {
  DEFAULT_BUCKET,
  type BucketSettings,
  type BucketState,
  type RateLimiter,
  type TakeResult,
} from './rate-limiter.ts';

export interface SqlRateLimiterOptions {
  db: Database;
  /** Settings of a bucket created on first use (default {@link DEFAULT_BUCKET}: 1000 tokens, 1000 per day). */
  defaults?: BucketSettings;
  /**
   * Settings of particular buckets when they are created (e.g. MusicBrainz's one request a second). The row is
   * created with them in one statement, so no take ever sees the general defaults first; an existing row (an
   * operator's settings) is never changed.
   */
  serviceDefaults?: Readonly<Record<string, BucketSettings>>;
}

/**
 * The bucket's tokens as of `clock_timestamp()`: continuous refill, capped at `max_tokens`, never below 0. The
 * table's CHECK constraints keep every term finite (rate 0 or 0.001..1e8, interval 1 s..366 days, tokens 0..1e8):
 * the largest refill is 1e8 tokens per second times the elapsed seconds, far below float8's range, and a rate of 0
 * adds nothing. The division is by at least one second.
 */
const REFILLED = sql.raw(
  `GREATEST(0::float8, LEAST(max_tokens::float8, tokens + CASE WHEN refill_rate > 0 THEN ` +
    `refill_rate * GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - last_refill))::float8` +
    ` / GREATEST(1, EXTRACT(EPOCH FROM refill_interval))::float8 ELSE 0 END))`,
);

/** The ranges of `rate_limit_tokens`' CHECK constraints (migration 0004), checked before any write. */
const LIMITS = {
  maxTokens: 100_000_000,
  minPositiveRate: 0.001,
  maxRate: 100_000_000,
  minIntervalMs: 1000,
  maxIntervalMs: 366 * 86_400_000,
} as const;

/** Not paused as of `clock_timestamp()`. */
const NOT_PAUSED = sql.raw(`(paused_until IS NULL OR paused_until <= clock_timestamp())`);

interface StateRow {
  service_name: string;
  max_tokens: number;
  refill_rate: number;
  interval_ms: number;
  tokens: number;
  last_refill_ms: number;
  paused_until_ms: number | null;
  now_ms: number;
}

/** Tolerance for floating-point noise when reporting whole tokens (1 - 1e-9 tokens counts as 1). */
const EPSILON = 1e-9;
/** Attempts of the take/read loop when the read says a take would now succeed (the bucket changed in between). */
const TAKE_ATTEMPTS = 3;

/**
 * {@link RateLimiter} over `rate_limit_tokens`. `take` is one atomic UPDATE (refill, check, spend); only when it
 * refuses is the row read again to say why (`paused` wins over `empty`) and when to retry:
 * - paused: the time left until `paused_until`;
 * - empty: the time for the missing tokens to refill at the current rate, or one refill interval when they never can
 *   (rate 0, or `count` above `max_tokens`), i.e. "check again later, an operator may change the bucket".
 * `remaining` is the whole tokens left. `get`, `find` and `list` report the fractional tokens as of now without
 * writing them (`get` creates a missing bucket first; `find` and `list` never write). `pause` keeps the later of the
 * stored and the new deadline. `update` creates a missing bucket with the defaults, first settles the refill earned
 * under the old settings, then applies the new ones (capping the tokens at the new maximum).
 * Pause deadlines come from the application's clock and are compared with the database's: keep hosts in NTP sync.
 * Settings outside the table's CHECK ranges (maxTokens 0..1e8, refillRate 0 or 0.001..1e8, refillIntervalMs
 * 1 s..366 days) are a RangeError before any write, and an `empty` refusal's `retryAfterMs` is never more than 366 days.
 */
export class SqlRateLimiter implements RateLimiter {
  readonly #db: Database;
  readonly #defaults: BucketSettings;
  readonly #serviceDefaults: ReadonlyMap<string, BucketSettings>;

  constructor(options: SqlRateLimiterOptions) {
    this.#db = options.db;
    this.#defaults = options.defaults ?? DEFAULT_BUCKET;
    assertSettings(this.#defaults);
    this.#serviceDefaults = new Map(Object.entries(options.serviceDefaults ?? {}));
    for (const settings of this.#serviceDefaults.values()) assertSettings(settings);
  }

  /** The settings `service`'s bucket is created with. */
  #defaultsOf(service: string): BucketSettings {
    return this.#serviceDefaults.get(service) ?? this.#defaults;
  }

  async take(service: string, count = 1): Promise<TakeResult> {
    if (!Number.isFinite(count) || count <= 0) throw new RangeError(`count must be a positive number, got ${count}`);
    let state: StateRow | undefined;
    for (let attempt = 1; attempt <= TAKE_ATTEMPTS; attempt++) {
      const remaining = await this.#spend(service, count);
      if (remaining !== undefined) return { granted: true, remaining: wholeTokens(remaining) };
      state = await this.#read(service);
      if (!state) {
        await this.#ensure(service);
        continue;
      }
      const paused = state.paused_until_ms !== null && state.paused_until_ms > state.now_ms;
      // A refusal the read cannot explain means the bucket changed between the two statements: try again.
      if (paused || state.tokens + EPSILON < count) break;
    }
    if (!state) throw new Error(`rate_limit_tokens row for ${service} vanished`);
    return refusal(state, count);
  }

  async pause(service: string, until: Date): Promise<void> {
    if (!(until instanceof Date) || Number.isNaN(until.getTime())) throw new TypeError('until must be a valid Date');
    const d = this.#defaultsOf(service);
    await this.#db.execute(sql`
      INSERT INTO rate_limit_tokens
        (service_name, max_tokens, refill_rate, refill_interval, tokens, last_refill, paused_until)
      VALUES (${service}, ${d.maxTokens}::integer, ${d.refillRate}::float8, ${intervalFromMs(d.refillIntervalMs)},
              ${d.maxTokens}::float8, clock_timestamp(), ${until.toISOString()}::timestamptz)
      ON CONFLICT (service_name) DO UPDATE
        SET paused_until = GREATEST(rate_limit_tokens.paused_until, EXCLUDED.paused_until)`);
  }

  async get(service: string): Promise<BucketState> {
    let state = await this.#read(service);
    if (!state) {
      await this.#ensure(service);
      state = await this.#read(service);
    }
    if (!state) throw new Error(`rate_limit_tokens row for ${service} vanished`);
    return toBucketState(state);
  }

  async find(service: string): Promise<BucketState | undefined> {
    const state = await this.#read(service);
    return state && toBucketState(state);
  }

  async list(): Promise<BucketState[]> {
    // COLLATE "C": byte order, the same on every database whatever its default collation.
    const rows = await this.#select(sql.raw(`ORDER BY service_name COLLATE "C"`));
    return rows.map(toBucketState);
  }

  async update(service: string, settings: Partial<BucketSettings>): Promise<BucketState> {
    assertSettings(settings);
    await this.#ensure(service);
    const max = settings.maxTokens ?? null;
    const interval = settings.refillIntervalMs === undefined ? null : intervalFromMs(settings.refillIntervalMs);
    // SET expressions all read the old row: the refill is settled under the old settings, then they change.
    await this.#db.execute(sql`
      UPDATE rate_limit_tokens SET
        tokens = LEAST(COALESCE(${max}::integer, max_tokens)::float8, ${REFILLED}),
        last_refill = GREATEST(last_refill, clock_timestamp()),
        max_tokens = COALESCE(${max}::integer, max_tokens),
        refill_rate = COALESCE(${settings.refillRate ?? null}::float8, refill_rate),
        refill_interval = COALESCE(${interval}, refill_interval)
      WHERE service_name = ${service}`);
    return this.get(service);
  }

  /** The atomic take: the tokens left after spending `count`, or `undefined` when refused or the row is missing. */
  async #spend(service: string, count: number): Promise<number | undefined> {
    const rows = await queryRows<{ tokens: number }>(
      this.#db,
      sql`
        UPDATE rate_limit_tokens
        SET tokens = ${REFILLED} - ${count}::float8,
            last_refill = GREATEST(last_refill, clock_timestamp())
        WHERE service_name = ${service}
          AND ${REFILLED} >= ${count}::float8
          AND ${NOT_PAUSED}
        RETURNING tokens`,
    );
    return rows[0]?.tokens;
  }

  async #read(service: string): Promise<StateRow | undefined> {
    const rows = await this.#select(sql`WHERE service_name = ${service}`);
    return rows[0];
  }

  /** The rows matching `where`, tokens as of `clock_timestamp()` (read only: the refill is not written). */
  async #select(where: SQL): Promise<StateRow[]> {
    return queryRows<StateRow>(
      this.#db,
      sql`
        SELECT service_name,
               max_tokens,
               refill_rate,
               (EXTRACT(EPOCH FROM refill_interval) * 1000)::float8 AS interval_ms,
               ${REFILLED} AS tokens,
               (EXTRACT(EPOCH FROM last_refill) * 1000)::float8 AS last_refill_ms,
               (EXTRACT(EPOCH FROM paused_until) * 1000)::float8 AS paused_until_ms,
               (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::float8 AS now_ms
        FROM rate_limit_tokens
        ${where}`,
    );
  }

  /** Creates the bucket with the default settings, full, unless it exists. */
  async #ensure(service: string): Promise<void> {
    const d = this.#defaultsOf(service);
    await this.#db.execute(sql`
      INSERT INTO rate_limit_tokens (service_name, max_tokens, refill_rate, refill_interval, tokens, last_refill)
      VALUES (${service}, ${d.maxTokens}::integer, ${d.refillRate}::float8, ${intervalFromMs(d.refillIntervalMs)},
              ${d.maxTokens}::float8, clock_timestamp())
      ON CONFLICT (service_name) DO NOTHING`);
  }
}

function refusal(state: StateRow, count: number): TakeResult {
  const remaining = wholeTokens(state.tokens);
  if (state.paused_until_ms !== null && state.paused_until_ms > state.now_ms) {
    return {
      granted: false,
      remaining,
      reason: 'paused',
      retryAfterMs: Math.ceil(state.paused_until_ms - state.now_ms),
    };
  }
  // Never longer than the longest interval the table allows, and always finite: a refusal is "check again later".
  const intervalMs = clampRetry(state.interval_ms);
  const perMs = state.interval_ms > 0 ? state.refill_rate / state.interval_ms : 0;
  const retryAfterMs =
    perMs > 0 && count <= state.max_tokens ? clampRetry(Math.ceil((count - state.tokens) / perMs)) : intervalMs;
  return { granted: false, remaining, reason: 'empty', retryAfterMs };
}

function toBucketState(state: StateRow): BucketState {
  return {
    service: state.service_name,
    maxTokens: state.max_tokens,
    refillRate: state.refill_rate,
    refillIntervalMs: state.interval_ms,
    tokens: state.tokens,
    lastRefill: new Date(state.last_refill_ms),
    pausedUntil: state.paused_until_ms === null ? null : new Date(state.paused_until_ms),
  };
}

/** A wait in ms within 1 ms .. the longest refill interval (non-finite values become the longest). */
function clampRetry(ms: number): number {
  if (!Number.isFinite(ms)) return LIMITS.maxIntervalMs;
  return Math.min(LIMITS.maxIntervalMs, Math.max(1, Math.round(ms)));
}

function wholeTokens(tokens: number): number {
  return Math.max(0, Math.floor(tokens + EPSILON));
}

function intervalFromMs(ms: number): SQL {
  return sql`(${ms}::float8 / 1000 * interval '1 second')`;
}

function assertSettings(settings: Partial<BucketSettings>): void {
  const { maxTokens, refillRate, refillIntervalMs } = settings;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 0 || maxTokens > LIMITS.maxTokens)) {
    throw new RangeError(`maxTokens must be an integer from 0 to ${LIMITS.maxTokens}, got ${maxTokens}`);
  }
  if (
    refillRate !== undefined &&
    !(refillRate === 0 || (refillRate >= LIMITS.minPositiveRate && refillRate <= LIMITS.maxRate))
  ) {
    throw new RangeError(
      `refillRate must be 0 or from ${LIMITS.minPositiveRate} to ${LIMITS.maxRate}, got ${refillRate}`,
    );
  }
  if (
    refillIntervalMs !== undefined &&
    !(refillIntervalMs >= LIMITS.minIntervalMs && refillIntervalMs <= LIMITS.maxIntervalMs)
  ) {
    throw new RangeError(
      `refillIntervalMs must be from ${LIMITS.minIntervalMs} to ${LIMITS.maxIntervalMs}, got ${refillIntervalMs}`,
    );
  }
}
