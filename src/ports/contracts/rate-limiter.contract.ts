import { afterEach, describe, expect } from 'vitest';
import { DEFAULT_BUCKET, type RateLimiter } from '../rate-limiter.ts';
import { contractTests, sleep, unique, type ContractSkip } from './support.ts';

export interface RateLimiterContractOptions {
  name: string;
  /** A limiter on the shared store; two limiters from one factory share buckets (two processes). */
  create: () => Promise<RateLimiter>;
  /** Runs an operator's SQL statement against the store backing the buckets (the `rate_limit_tokens` table). */
  execute: (statement: string) => Promise<void>;
  cleanup?: () => Promise<void>;
  skip?: ContractSkip[];
}

/** Effectively no refill during a test: one token a day. */
const NO_REFILL = { refillRate: 1, refillIntervalMs: 86_400_000 };

/**
 * The written semantics of {@link RateLimiter}, run against every adapter. Each test uses its own service names, so
 * buckets never leak between tests. Refill is checked in real time with rates high enough to show within
 * a few hundred milliseconds and windows wide enough for a loaded machine.
 */
export function runRateLimiterContract(options: RateLimiterContractOptions): void {
  describe(`RateLimiter contract: ${options.name}`, () => {
    const { test, done } = contractTests(options.skip);
    const service = () => unique('svc');
    const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
    if (options.cleanup) afterEach(options.cleanup);

    test('creates a missing bucket with the defaults, full', async () => {
      const limiter = await options.create();
      const name = service();
      const state = await limiter.get(name);
      expect(state).toMatchObject({ service: name, ...DEFAULT_BUCKET, pausedUntil: null });
      expect(state.tokens).toBeCloseTo(DEFAULT_BUCKET.maxTokens, 3);
      expect(await limiter.take(service())).toEqual({ granted: true, remaining: DEFAULT_BUCKET.maxTokens - 1 });
    });

    test('find and list never create a bucket', async () => {
      const limiter = await options.create();
      const name = service();
      expect(await limiter.find(name)).toBeUndefined();
      expect((await limiter.list()).some((bucket) => bucket.service === name)).toBe(false);
      expect(await limiter.find(name)).toBeUndefined();
      await limiter.get(name);
      expect(await limiter.find(name)).toMatchObject({ service: name, ...DEFAULT_BUCKET });
    });

    test('find and list report every bucket with the refill applied, ordered by service', async () => {
      const limiter = await options.create();
      const prefix = service();
      const names = [`${prefix}-b`, `${prefix}-a`, `${prefix}-c`];
      for (const name of names) await limiter.update(name, { maxTokens: 10, ...NO_REFILL });
      const [b] = names as [string];
      // Empty 4 s ago, refilling one token a second: 4 tokens now, never written back.
      await options.execute(
        `UPDATE rate_limit_tokens SET tokens = 0, refill_rate = 1, refill_interval = interval '1 second',
           last_refill = clock_timestamp() - interval '4 seconds' WHERE service_name = ${quote(b)}`,
      );
      const listed = (await limiter.list()).filter((bucket) => bucket.service.startsWith(prefix));
      expect(listed.map((bucket) => bucket.service)).toEqual([...names].sort());
      const listedB = listed.find((bucket) => bucket.service === b);
      expect(listedB).toMatchObject({ maxTokens: 10, refillRate: 1, refillIntervalMs: 1000, pausedUntil: null });
      expect(listedB?.tokens).toBeGreaterThanOrEqual(4);
      expect(listedB?.tokens).toBeLessThan(5);
      const found = await limiter.find(b);
      expect(found?.tokens).toBeGreaterThanOrEqual(listedB?.tokens ?? Infinity);
      expect(found?.tokens).toBeLessThan(5);
      const others = listed.filter((bucket) => bucket.service !== b);
      for (const bucket of others) expect(bucket.tokens).toBeCloseTo(10, 3);
      // The list is in byte order across all services, not just this test's.
      const all = (await limiter.list()).map((bucket) => bucket.service);
      expect(all).toEqual([...all].sort());
    });

    test('update creates a missing bucket with the defaults, then applies the settings', async () => {
      const limiter = await options.create();
      const name = service();
      const state = await limiter.update(name, { maxTokens: 5 });
      expect(state).toMatchObject({
        service: name,
        maxTokens: 5,
        refillRate: DEFAULT_BUCKET.refillRate,
        refillIntervalMs: DEFAULT_BUCKET.refillIntervalMs,
      });
      expect(state.tokens).toBeCloseTo(5, 3);
      expect(await limiter.find(name)).toMatchObject({ service: name, maxTokens: 5 });
    });

    test('grants exactly max tokens, then refuses', async () => {
      const limiter = await options.create();
      const name = service();
      await limiter.update(name, { maxTokens: 5, ...NO_REFILL });
      const results = [];
      for (let i = 0; i < 7; i++) results.push(await limiter.take(name));
      expect(results.slice(0, 5)).toEqual([4, 3, 2, 1, 0].map((remaining) => ({ granted: true, remaining })));
      for (const refused of results.slice(5)) {
        expect(refused).toMatchObject({ granted: false, reason: 'empty', remaining: 0 });
        // One token a day: the wait is most of a day.
        expect(refused.granted === false && refused.retryAfterMs).toBeGreaterThan(86_000_000);
      }
    });

    test('takes several tokens at once, or none', async () => {
      const limiter = await options.create();
      const name = service();
      await limiter.update(name, { maxTokens: 10, ...NO_REFILL });
      expect(await limiter.take(name, 7)).toEqual({ granted: true, remaining: 3 });
      expect(await limiter.take(name, 4)).toMatchObject({ granted: false, reason: 'empty', remaining: 3 });
      expect(await limiter.take(name, 3)).toEqual({ granted: true, remaining: 0 });
      await expect(limiter.take(name, 0)).rejects.toThrow(RangeError);
      await expect(limiter.take(name, -1)).rejects.toThrow(RangeError);
    });

    test('refills continuously, in fractions of a token', async () => {
      const limiter = await options.create();
      const name = service();
      // 2 tokens per second: one token every 500 ms. Bounds below come from measured times, so a slow machine
      // widens them instead of failing the test.
      const perMs = 2 / 1000;
      await limiter.update(name, { maxTokens: 2, refillRate: 2, refillIntervalMs: 1000 });
      const drainStart = Date.now();
      expect((await limiter.take(name, 2)).granted).toBe(true);
      const drained = Date.now();
      const refused = await limiter.take(name);
      expect(refused).toMatchObject({ granted: false, reason: 'empty', remaining: 0 });
      const wait = refused.granted === false ? refused.retryAfterMs : 0;
      expect(wait).toBeLessThanOrEqual(500);
      expect(wait).toBeGreaterThanOrEqual(500 - (Date.now() - drainStart) - 1);

      await sleep(150);
      const partialFrom = Date.now();
      const partial = (await limiter.get(name)).tokens;
      const partialTo = Date.now();
      expect(partial).toBeGreaterThanOrEqual(Math.min(2, (partialFrom - drained) * perMs) - 0.01);
      expect(partial).toBeLessThanOrEqual(Math.min(2, (partialTo - drainStart) * perMs) + 0.01);
      expect(partial).toBeGreaterThan(0.2);

      await sleep(Math.max(0, drainStart + 650 - Date.now()));
      const takeFrom = Date.now();
      expect(await limiter.take(name)).toMatchObject({ granted: true, remaining: 0 });
      const left = (await limiter.get(name)).tokens;
      const takeTo = Date.now();
      // What was left after spending one token is the exact fraction, not rounded away.
      expect(left).toBeGreaterThanOrEqual(Math.min(2, (takeFrom - drained) * perMs) - 1 - 0.01);
      expect(left).toBeLessThanOrEqual(Math.min(2, (takeTo - drainStart) * perMs - 1) + 0.01);
    });

    test('caps the refill at max tokens', async () => {
      const limiter = await options.create();
      const name = service();
      // 50 tokens per second: 300 ms would refill 15, the cap is 5.
      await limiter.update(name, { maxTokens: 5, refillRate: 50, refillIntervalMs: 1000 });
      expect((await limiter.take(name)).granted).toBe(true);
      await sleep(300);
      expect((await limiter.get(name)).tokens).toBe(5);
      expect(await limiter.take(name, 6)).toMatchObject({ granted: false, reason: 'empty' });
      expect(await limiter.take(name, 5)).toMatchObject({ granted: true, remaining: 0 });
    });

    test('obeys an SQL UPDATE of the bucket on the next take', async () => {
      const limiter = await options.create();
      const name = service();
      await limiter.update(name, { maxTokens: 100, ...NO_REFILL });
      expect((await limiter.take(name)).granted).toBe(true);
      await options.execute(
        `UPDATE rate_limit_tokens SET max_tokens = 3, tokens = 3 WHERE service_name = ${quote(name)}`,
      );
      const granted = [];
      for (let i = 0; i < 5; i++) granted.push((await limiter.take(name)).granted);
      expect(granted).toEqual([true, true, true, false, false]);
      // A faster refill set with SQL applies at once: 1000 tokens per second.
      await options.execute(
        `UPDATE rate_limit_tokens SET refill_rate = 1000, refill_interval = interval '1 second'
         WHERE service_name = ${quote(name)}`,
      );
      await sleep(20);
      expect((await limiter.take(name)).granted).toBe(true);
      expect(await limiter.get(name)).toMatchObject({ maxTokens: 3, refillRate: 1000, refillIntervalMs: 1000 });
      // Lowering max_tokens alone caps the tokens on the next take.
      await options.execute(
        `UPDATE rate_limit_tokens SET max_tokens = 1, refill_rate = 0 WHERE service_name = ${quote(name)}`,
      );
      expect(await limiter.take(name)).toEqual({ granted: true, remaining: 0 });
      expect((await limiter.take(name)).granted).toBe(false);
    });

    test('refuses every take while paused, without touching the tokens', async () => {
      const limiter = await options.create();
      const name = service();
      await limiter.update(name, { maxTokens: 10, ...NO_REFILL });
      const until = Date.now() + 800;
      await limiter.pause(name, new Date(until));
      const refused = await limiter.take(name);
      expect(refused).toMatchObject({ granted: false, reason: 'paused', remaining: 10 });
      expect(refused.granted === false && refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.granted === false && refused.retryAfterMs).toBeLessThanOrEqual(800);
      expect(Math.round((await limiter.get(name)).tokens)).toBe(10);
      await sleep(until + 30 - Date.now());
      expect(await limiter.take(name)).toEqual({ granted: true, remaining: 9 });
    });

    test('keeps the later pause when paused twice', async () => {
      const limiter = await options.create();
      const name = service();
      const later = new Date(Date.now() + 60_000);
      await limiter.pause(name, later);
      await limiter.pause(name, new Date(Date.now() + 1000));
      const state = await limiter.get(name);
      expect(Math.abs((state.pausedUntil?.getTime() ?? 0) - later.getTime())).toBeLessThan(2);
      const refused = await limiter.take(name);
      expect(refused).toMatchObject({ granted: false, reason: 'paused' });
      expect(refused.granted === false && refused.retryAfterMs).toBeGreaterThan(55_000);
    });

    test('an SQL pause applies across limiters', async () => {
      const [a, b] = [await options.create(), await options.create()];
      const name = service();
      expect((await a.take(name)).granted).toBe(true);
      await options.execute(
        `UPDATE rate_limit_tokens SET paused_until = now() + interval '1 hour' WHERE service_name = ${quote(name)}`,
      );
      expect(await b.take(name)).toMatchObject({ granted: false, reason: 'paused' });
      await b.pause(name, new Date(Date.now() - 1000)); // an earlier deadline never shortens a pause
      expect(await a.take(name)).toMatchObject({ granted: false, reason: 'paused' });
    });

    test('grants exactly the tokens in the bucket to concurrent takes', async () => {
      const [a, b] = [await options.create(), await options.create()];
      const name = service();
      await a.update(name, { maxTokens: 50, refillRate: 0 });
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).take(name)));
      expect(results.filter((r) => r.granted)).toHaveLength(50);
      expect(results.filter((r) => !r.granted).every((r) => r.granted === false && r.reason === 'empty')).toBe(true);
      expect((await a.get(name)).tokens).toBeCloseTo(0, 6);
    });

    test('update settles the refill, caps the tokens and validates the settings', async () => {
      const limiter = await options.create();
      const name = service();
      await limiter.update(name, { maxTokens: 10, ...NO_REFILL });
      expect((await limiter.take(name, 4)).granted).toBe(true);
      const lowered = await limiter.update(name, { maxTokens: 3 });
      expect(lowered).toMatchObject({ maxTokens: 3, ...NO_REFILL });
      expect(lowered.tokens).toBeCloseTo(3, 3);
      const raised = await limiter.update(name, { maxTokens: 20 });
      expect(raised.tokens).toBeCloseTo(3, 3); // raising the cap adds no tokens
      await expect(limiter.update(name, { maxTokens: -1 })).rejects.toThrow(RangeError);
      await expect(limiter.update(name, { maxTokens: 1.5 })).rejects.toThrow(RangeError);
      await expect(limiter.update(name, { refillRate: -1 })).rejects.toThrow(RangeError);
      await expect(limiter.update(name, { refillIntervalMs: 0 })).rejects.toThrow(RangeError);
      // The ranges of the table's CHECK constraints: refused before any write, so the bucket keeps working.
      for (const bad of [
        { refillRate: 1e-320 },
        { refillRate: 0.0009 },
        { refillRate: 1e9 },
        { refillRate: Number.NaN },
        { maxTokens: 100_000_001 },
        { refillIntervalMs: 999 },
        { refillIntervalMs: 366 * 86_400_000 + 1 },
        { refillIntervalMs: Number.POSITIVE_INFINITY },
      ]) {
        await expect(limiter.update(name, bad), JSON.stringify(bad)).rejects.toThrow(RangeError);
      }
      expect((await limiter.get(name)).maxTokens).toBe(20);
    });

    done();
  });
}
