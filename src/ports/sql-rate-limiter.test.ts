import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL } from '../../test/support/services.ts';
import { openDatabase, queryRows, type DatabaseHandle } from '../infra/db.ts';
import { runRateLimiterContract } from './contracts/rate-limiter.contract.ts';
import { SqlRateLimiter } from './sql-rate-limiter.ts';

/** Runs the contract and the adapter's own tests on one database, opened once for the file. */
function suite(label: string, open: () => Promise<{ handle: DatabaseHandle; drop?: () => Promise<void> }>) {
  describe(`SqlRateLimiter on ${label}`, () => {
    let handle: DatabaseHandle;
    let drop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ handle, drop } = await open());
      await handle.migrate();
    });
    afterAll(async () => {
      await handle?.close();
      await drop?.();
    });

    runRateLimiterContract({
      name: label,
      create: async () => new SqlRateLimiter({ db: handle.db }),
      execute: async (statement) => {
        await handle.db.execute(sql.raw(statement));
      },
    });

    it('gives new buckets the configured defaults', async () => {
      const limiter = new SqlRateLimiter({
        db: handle.db,
        defaults: { maxTokens: 2, refillRate: 0, refillIntervalMs: 60_000 },
      });
      expect(await limiter.take('defaults-test')).toEqual({ granted: true, remaining: 1 });
      expect(await limiter.take('defaults-test')).toEqual({ granted: true, remaining: 0 });
      // Rate 0 never refills: the hint is one interval ("check again later").
      expect(await limiter.take('defaults-test')).toEqual({
        granted: false,
        remaining: 0,
        reason: 'empty',
        retryAfterMs: 60_000,
      });
      const [row] = await queryRows<{ max_tokens: number; seconds: number }>(
        handle.db,
        sql`SELECT max_tokens, EXTRACT(EPOCH FROM refill_interval)::float8 AS seconds
            FROM rate_limit_tokens WHERE service_name = 'defaults-test'`,
      );
      expect(row).toEqual({ max_tokens: 2, seconds: 60 });
    });

    it('creates a named bucket with its own settings and never changes an existing one', async () => {
      const limiter = new SqlRateLimiter({
        db: handle.db,
        serviceDefaults: { 'paced-test': { maxTokens: 1, refillRate: 1, refillIntervalMs: 1000 } },
      });
      // The first take already sees one token, never the general 1000.
      expect(await limiter.take('paced-test')).toEqual({ granted: true, remaining: 0 });
      const refused = await limiter.take('paced-test');
      expect(refused.granted).toBe(false);
      expect((await limiter.get('other-test')).maxTokens).toBe(1000);

      await limiter.update('paced-test', { maxTokens: 5 });
      const again = new SqlRateLimiter({
        db: handle.db,
        serviceDefaults: { 'paced-test': { maxTokens: 1, refillRate: 1, refillIntervalMs: 1000 } },
      });
      expect((await again.get('paced-test')).maxTokens).toBe(5);
    });

    it('stays exact when a take runs inside a long transaction', async () => {
      // now() would be the start of the transaction; the refill must use the time the row is actually updated.
      const limiter = new SqlRateLimiter({ db: handle.db });
      await limiter.update('tx-test', { maxTokens: 1, refillRate: 10, refillIntervalMs: 1000 });
      expect((await limiter.take('tx-test')).granted).toBe(true);
      await handle.db.transaction(async (tx) => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        const inTx = new SqlRateLimiter({ db: tx });
        // 150 ms at 10/s is 1.5 tokens, capped at 1: granted only if the refill reads the clock, not now().
        expect((await inTx.take('tx-test')).granted).toBe(true);
      });
    });
  });
}

suite('PGlite', async () => ({ handle: await openDatabase({}) }));

describe.skipIf(!TEST_DATABASE_URL)('PostgreSQL', () => {
  suite('PostgreSQL', async () => {
    const database = await createTestDatabase('rate_limiter');
    return { handle: await openDatabase({ url: database.url }), drop: () => database.drop() };
  });
});
