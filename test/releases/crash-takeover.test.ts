/**
 * A dead run never blocks fetching (issue 7, defect 3). A child process (test/support/fetch-child.ts) is killed with
 * SIGKILL after its first page committed, leaving its run `running` with a heartbeat that stops; then:
 *
 * - a trigger once the lease (FETCH_RUN_STALE_MS, on the heartbeat) is over starts a new run at once and the dead
 *   run is `abandoned`;
 * - `POST /api/new-releases/fetch?wait=true` sent right after the kill answers within seconds with the run that took
 *   the dead one over (before: it polled the dead run for up to 10 minutes);
 * - a process restarted right after the crash runs its start-up fetch (before: it joined the dead run and waited).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, queryRows } from '../../src/infra/db.ts';
import { createSandbox, type Sandbox } from '../../src/providers/sandboxes.ts';
import { FetchChild } from '../support/crash-trials.ts';
import { MODES, TEST_REDIS_URL, uniqueName } from '../support/services.ts';
import {
  ADMIN_TOKEN,
  adminHeaders,
  JWT_SECRET,
  openTestDb,
  startStack,
  type Stack,
  type TestDb,
} from '../support/stack.ts';

const LEASE_MS = 2000;
const RUN_ENV = {
  RELEASE_LANGUAGES: 'hindi,tamil',
  RELEASE_PAGES: '2',
  RELEASE_PAGE_SIZE: '5',
  FETCH_RUN_STALE_MS: String(LEASE_MS),
};

describe.each(MODES)('a dead fetch run does not block fetching (%s)', (mode) => {
  let sandbox: Sandbox;
  let dataDir: string;
  let db: TestDb | undefined;
  let stack: Stack | undefined;
  let child: FetchChild | undefined;

  beforeAll(async () => {
    sandbox = createSandbox({ seed: 7, initialAlbumsPerLanguage: 12 });
    await sandbox.listen(0);
  });
  afterEach(async () => {
    child?.kill();
    await stack?.close();
    await db?.close();
    sandbox.faults.clear();
    rmSync(dataDir, { recursive: true, force: true });
    stack = undefined;
    db = undefined;
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
    return queryRows<T>(db!.handle.db, query);
  }

  /** A child's run killed right after its first page: returns the dead run's id (still `running`). */
  async function killMidRun(): Promise<string> {
    dataDir = mkdtempSync(join(tmpdir(), 'backbeat-takeover-'));
    if (mode === 'scaled') db = await openTestDb('scaled', 'takeover');
    sandbox.faults.add({ target: 'jiosaavn', kind: 'delay', delayMs: 300 });
    child = new FetchChild({
      ...RUN_ENV,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      ADMIN_TOKEN,
      JWT_SECRET,
      FETCH_ON_START: 'false',
      JIOSAAVN_BASE_URL: sandbox.url!,
      DATA_DIR: dataDir,
      DATABASE_URL: db?.url ?? '',
      REDIS_URL: mode === 'scaled' ? (TEST_REDIS_URL ?? '') : '',
      REDIS_PREFIX: uniqueName('takeover_child'),
    });
    const { runId } = await child.waitEvent('child_trigger', 45_000);
    await child.waitEvent('fetch_success', 45_000);
    child.kill();
    expect(await child.exited).toBe('SIGKILL');
    sandbox.faults.clear();
    if (mode === 'embedded') {
      const handle = await openDatabase({ dataDir: join(dataDir, 'pglite') });
      await handle.migrate();
      db = { mode, handle, url: undefined, close: () => handle.close() };
    }
    const running = await rows<{ id: string }>(sql`SELECT id FROM fetch_runs WHERE status = 'running'`);
    expect(running.map((r) => r.id)).toEqual([runId]);
    return runId!;
  }

  async function statuses(): Promise<Record<string, string>> {
    const list = await rows<{ id: string; status: string }>(sql`SELECT id, status FROM fetch_runs`);
    return Object.fromEntries(list.map((r) => [r.id, r.status]));
  }

  it('a trigger once the lease is over starts a new run at once; the dead run is abandoned', async () => {
    const deadId = await killMidRun();
    stack = await startStack({ db: db!, sandbox, role: 'serve', env: RUN_ENV });
    // The lease is on the heartbeat: it runs out at most LEASE_MS after the child's last one.
    await vi.waitFor(
      async () => {
        const [row] = await rows<{ stale: boolean }>(
          sql`SELECT heartbeat_at < now() - make_interval(secs => ${LEASE_MS / 1000}) AS stale
              FROM fetch_runs WHERE id = ${deadId}`,
        );
        expect(row?.stale).toBe(true);
      },
      { timeout: LEASE_MS + 3000, interval: 50 },
    );
    const { run, started, done } = await stack.container.releases.fetcher.trigger('manual');
    expect(started).toBe(true);
    expect(run.runId).not.toBe(deadId);
    expect(await done).toMatchObject({ runId: run.runId, status: 'succeeded' });
    expect(await statuses()).toEqual({ [deadId]: 'abandoned', [run.runId]: 'succeeded' });
  });

  it('?wait=true on a dead run answers within seconds with the run that took it over', async () => {
    const deadId = await killMidRun();
    stack = await startStack({ db: db!, sandbox, role: 'serve', env: RUN_ENV });
    const began = Date.now();
    const response = await stack.app.inject({
      method: 'POST',
      url: '/api/new-releases/fetch?wait=true',
      headers: adminHeaders,
    });
    const elapsed = Date.now() - began;
    expect(response.statusCode).toBe(200);
    const body = response.json<{ runId: string; status: string }>();
    expect(body.status).toBe('succeeded');
    expect(body.runId).not.toBe(deadId);
    // The lease, then one short run (4 pages): seconds, not the 10-minute poll of before.
    expect(elapsed).toBeLessThan(LEASE_MS + 8000);
    expect(await statuses()).toEqual({ [deadId]: 'abandoned', [body.runId]: 'succeeded' });
  });

  it('a process restarted right after the crash runs its start-up fetch', async () => {
    const deadId = await killMidRun();
    const began = Date.now();
    stack = await startStack({ db: db!, sandbox, role: 'all', env: { ...RUN_ENV, FETCH_ON_START: 'true' } });
    await vi.waitFor(
      async () => {
        const runs = await statuses();
        expect(runs[deadId]).toBe('abandoned');
        expect(Object.values(runs).filter((s) => s === 'succeeded')).toHaveLength(1);
      },
      { timeout: LEASE_MS + 10_000, interval: 100 },
    );
    expect(Date.now() - began).toBeLessThan(LEASE_MS + 10_000);
    const [startup] = await rows<{ trigger: string }>(sql`SELECT trigger FROM fetch_runs WHERE status = 'succeeded'`);
    expect(startup?.trigger).toBe('schedule');
  });
});
