/**
 * Builds the whole service for integration tests: a container (real database, real adapters) and its Fastify app,
 * pointed at an in-process sandbox upstream. One database per test file (PGlite starts in seconds); tables are
 * truncated between tests with {@link resetDatabase}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { parseConfig, type Config } from '../../src/config.ts';
import { createContainer, type Container, type Role } from '../../src/container.ts';
import type { App } from '../../src/app.ts';
import { openDatabase, type DatabaseHandle } from '../../src/infra/db.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/providers/sandboxes.ts';
import { SANDBOX_SPOTIFY_CLIENT_ID, SANDBOX_SPOTIFY_CLIENT_SECRET } from '../../src/providers/spotify/sandbox.ts';
import { createTestDatabase, TEST_REDIS_URL, uniqueName, type TestDatabase } from './services.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** Spotify credentials the sandbox accepts: a stack started with them has Trending enabled. */
export const SPOTIFY_ENV = {
  SPOTIFY_CLIENT_ID: SANDBOX_SPOTIFY_CLIENT_ID,
  SPOTIFY_CLIENT_SECRET: SANDBOX_SPOTIFY_CLIENT_SECRET,
};
export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef';

export type Mode = 'embedded' | 'scaled';

/** The database of one test file, in one mode. */
export interface TestDb {
  mode: Mode;
  handle: DatabaseHandle;
  /** PostgreSQL URL (scaled mode only), for child processes. */
  url: string | undefined;
  close(): Promise<void>;
}

export async function openTestDb(mode: Mode, label: string): Promise<TestDb> {
  let pgdb: TestDatabase | undefined;
  if (mode === 'scaled') pgdb = await createTestDatabase(label);
  const handle = await openDatabase({ url: pgdb?.url });
  await handle.migrate();
  return {
    mode,
    handle,
    url: pgdb?.url,
    close: async () => {
      await handle.close();
      await pgdb?.drop();
    },
  };
}

/** Empties every table of the jobs and the token buckets, so each test starts from nothing. */
export async function resetDatabase(db: DatabaseHandle): Promise<void> {
  await db.db.execute(
    sql`TRUNCATE songs, new_release_events, song_likes, fetch_runs, source_state, rate_limit_tokens,
          cache_data, cache_refreshes, trending_albums, album_appearances, musicbrainz_matches, musicbrainz_requests,
          collection_items
        RESTART IDENTITY CASCADE`,
  );
}

export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return parseConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_TOKEN,
    JWT_SECRET,
    FETCH_ON_START: 'false',
    RELEASE_LANGUAGES: 'hindi,tamil',
    RELEASE_PAGES: '2',
    RELEASE_PAGE_SIZE: '20',
    SSE_HEARTBEAT_MS: '1000',
    // Trending refreshes only when a test asks (a worker would otherwise sync at start).
    ENABLE_BACKGROUND_SYNC: 'false',
    ...overrides,
  });
}

export interface Stack {
  container: Container;
  app: App;
  sandbox: Sandbox;
  config: Config;
  /** Base URL when started with `listen: true`. */
  url: string | undefined;
  close(): Promise<void>;
}

export interface StackOptions {
  db: TestDb;
  sandbox?: Sandbox;
  sandboxOptions?: SandboxOptions;
  env?: Record<string, string | undefined>;
  role?: Role;
  listen?: boolean;
  clock?: () => Date;
}

/** Starts a sandbox (unless given), a container on `db` and its app. Redis (scaled) uses a fresh key prefix. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const sandbox =
    options.sandbox ?? createSandbox({ seed: 7, initialAlbumsPerLanguage: 12, ...options.sandboxOptions });
  const ownsSandbox = !options.sandbox;
  const sandboxUrl = sandbox.url ?? (await sandbox.listen(0));
  const dataDir = mkdtempSync(join(tmpdir(), 'backbeat-test-'));
  const scaled = options.db.mode === 'scaled';
  const config = testConfig({
    JIOSAAVN_BASE_URL: sandboxUrl,
    SPOTIFY_API_URL: sandboxUrl,
    SPOTIFY_ACCOUNTS_URL: sandboxUrl,
    MUSICBRAINZ_BASE_URL: sandboxUrl,
    DISCOGS_API_URL: sandboxUrl,
    DISCOGS_AUTHORIZE_URL: `${sandboxUrl}/__sandbox/discogs/oauth/authorize`,
    YOUTUBE_API_URL: sandboxUrl,
    SOUNDCLOUD_API_URL: sandboxUrl,
    SOUNDCLOUD_AUTH_URL: sandboxUrl,
    DATA_DIR: dataDir,
    DATABASE_URL: options.db.url,
    REDIS_URL: scaled ? TEST_REDIS_URL : undefined,
    REDIS_PREFIX: uniqueName('stack'),
    ...options.env,
  });
  const container = await createContainer(config, {
    role: options.role ?? 'all',
    database: options.db.handle,
    logger: createLogger(config.logLevel),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const app = await container.buildApp();
  let url: string | undefined;
  if (options.listen) url = await app.listen({ port: 0, host: '127.0.0.1' });
  await container.start();
  return {
    container,
    app,
    sandbox,
    config,
    url,
    close: async () => {
      await app.close();
      await container.close();
      if (ownsSandbox) await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

/**
 * The usual lifecycle of an integration test file: one database and one stack for the file (opened before the
 * first test, closed after the last), every table emptied before each test. `bind` receives both once they exist.
 */
export function useTestStack(
  mode: Mode,
  label: string,
  bind: (opened: { db: TestDb; stack: Stack }) => void,
  options: Omit<StackOptions, 'db'> = {},
): void {
  let db: TestDb | undefined;
  let stack: Stack | undefined;
  beforeAll(async () => {
    db = await openTestDb(mode, label);
    stack = await startStack({ ...options, db });
    bind({ db, stack });
  });
  afterAll(async () => {
    await stack?.close();
    await db?.close();
  });
  beforeEach(async () => {
    if (db) await resetDatabase(db.handle);
  });
}
