import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/infra/db.ts';
import { SqlRateLimiter } from '../../src/ports/sql-rate-limiter.ts';
import { MODES } from '../support/services.ts';
import { openTestDb, resetDatabase, type TestDb } from '../support/stack.ts';

const MIGRATION = readFileSync(new URL('../../src/db/migrations/0004_bucket_ranges.sql', import.meta.url), 'utf8');
const CONSTRAINTS = ['max_tokens', 'refill_rate', 'refill_interval', 'tokens'].map(
  (column) => `rate_limit_tokens_${column}_range`,
);

describe.each(MODES)('migration 0004 on a table that already holds out-of-range buckets (%s)', (mode) => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDb(mode, 'data_migration');
    await resetDatabase(db.handle);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('clamps every bad row into range, then adds the CHECK constraints; the buckets work afterwards', async () => {
    const run = (text: string) => db.handle.db.execute(sql.raw(text));
    // The table as it was before 0004, holding what operators could write then.
    for (const name of CONSTRAINTS) await run(`ALTER TABLE rate_limit_tokens DROP CONSTRAINT ${name}`);
    await run(`
      INSERT INTO rate_limit_tokens (service_name, max_tokens, refill_rate, refill_interval, tokens) VALUES
        ('tiny_rate', 10, 1e-300, interval '1 day', 5),
        ('nan_rate', 10, 'NaN', interval '1 day', 'NaN'),
        ('negative', -5, -1, interval '0 seconds', -3),
        ('huge', 2000000000, 'Infinity', interval '10 years', 'Infinity'),
        ('fine', 1000, 1000, interval '1 day', 400)`);

    for (const statement of MIGRATION.split('--> statement-breakpoint')) await run(statement);

    const rows = await queryRows<{
      service_name: string;
      max_tokens: number;
      refill_rate: number;
      seconds: number;
      tokens: number;
    }>(
      db.handle.db,
      sql`SELECT service_name, max_tokens, refill_rate, EXTRACT(EPOCH FROM refill_interval)::float8 AS seconds, tokens
          FROM rate_limit_tokens ORDER BY service_name`,
    );
    expect(rows).toEqual([
      { service_name: 'fine', max_tokens: 1000, refill_rate: 1000, seconds: 86_400, tokens: 400 },
      { service_name: 'huge', max_tokens: 100_000_000, refill_rate: 100_000_000, seconds: 366 * 86_400, tokens: 1e8 },
      { service_name: 'nan_rate', max_tokens: 10, refill_rate: 0, seconds: 86_400, tokens: 0 },
      { service_name: 'negative', max_tokens: 0, refill_rate: 0, seconds: 1, tokens: 0 },
      { service_name: 'tiny_rate', max_tokens: 10, refill_rate: 0.001, seconds: 86_400, tokens: 5 },
    ]);

    const names = await queryRows<{ conname: string }>(
      db.handle.db,
      sql`SELECT conname FROM pg_constraint WHERE conrelid = 'rate_limit_tokens'::regclass AND contype = 'c'
          ORDER BY conname`,
    );
    expect(names.map((n) => n.conname)).toEqual([...CONSTRAINTS].sort());

    const limiter = new SqlRateLimiter({ db: db.handle.db });
    for (const row of rows) {
      const state = await limiter.get(row.service_name);
      expect(Number.isFinite(state.tokens)).toBe(true);
      const taken = await limiter.take(row.service_name);
      if (!taken.granted) expect(Number.isFinite(taken.retryAfterMs)).toBe(true);
    }
  });
});
