/**
 * Which external services the test run may use. Every suite runs on the embedded adapters; with
 * TEST_DATABASE_URL / TEST_REDIS_URL set the same suites also run on PostgreSQL / Redis. With REQUIRE_SERVICES=1
 * (CI) a missing service fails the run instead of skipping.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined;
export const REQUIRE_SERVICES = process.env.REQUIRE_SERVICES === '1';

if (REQUIRE_SERVICES && (!TEST_DATABASE_URL || !TEST_REDIS_URL)) {
  throw new Error('REQUIRE_SERVICES=1 but TEST_DATABASE_URL and TEST_REDIS_URL are not both set');
}

/** A short unique name for this test file's run, used for database names and Redis key prefixes. */
export function uniqueName(label: string): string {
  return `bb_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh PostgreSQL database beside TEST_DATABASE_URL's, so test files never share tables. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = uniqueName(label);
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The storage modes a suite should run in: always embedded; scaled when the services are configured. */
export const MODES: readonly ('embedded' | 'scaled')[] =
  TEST_DATABASE_URL && TEST_REDIS_URL ? ['embedded', 'scaled'] : ['embedded'];
