/**
 * The token bucket holds across processes: several Node processes, each with its own connection pool, take from one
 * PostgreSQL bucket at the same moment, and together they get exactly the tokens it held. An operator's SQL UPDATE
 * from yet another connection applies to the next takes of every process.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../src/infra/db.ts';
import { SqlRateLimiter } from '../src/ports/sql-rate-limiter.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './support/services.ts';

const WORKER = fileURLToPath(new URL('./support/take-tokens-worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface WorkerResult {
  granted: number;
  refused: number;
}

/** Starts `processes` workers, waits until all are connected, releases them together, and collects their counts. */
async function takeFromProcesses(url: string, service: string, processes: number, attempts: number) {
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['--import', 'tsx', WORKER, url, service, String(attempts)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const runs = children.map(
    (child) =>
      new Promise<{ ready: Promise<void>; result: Promise<WorkerResult> }>((resolveRun) => {
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const lines = createInterface({ input: child.stdout });
        let markReady: () => void = () => {};
        const ready = new Promise<void>((resolve) => (markReady = resolve));
        const result = new Promise<WorkerResult>((resolve, reject) => {
          lines.on('line', (line) => {
            if (line === 'ready') markReady();
            else if (line.startsWith('{')) resolve(JSON.parse(line) as WorkerResult);
          });
          child.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
        });
        // An early exit must fail the readiness wait too, not hang it.
        void result.catch(() => markReady());
        resolveRun({ ready, result });
      }),
  );
  const started = await Promise.all(runs);
  await Promise.all(started.map((run) => run.ready));
  for (const child of children) child.stdin.write('go\n');
  return Promise.all(started.map((run) => run.result));
}

describe.skipIf(!TEST_DATABASE_URL)('token bucket across processes (PostgreSQL)', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase('rate_limiter_processes');
    handle = await openDatabase({ url: database.url });
    await handle.migrate();
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('grants exactly the bucket to four processes taking at once, then obeys an SQL UPDATE', async () => {
    const limiter = new SqlRateLimiter({ db: handle.db });
    await limiter.update('shared-upstream', { maxTokens: 100, refillRate: 0 });

    const first = await takeFromProcesses(database.url, 'shared-upstream', 4, 60);
    expect(first.map((r) => r.granted + r.refused)).toEqual([60, 60, 60, 60]);
    expect(first.reduce((sum, r) => sum + r.granted, 0)).toBe(100);
    // More than one process got tokens: the takes really ran side by side.
    expect(first.filter((r) => r.granted > 0).length).toBeGreaterThan(1);

    const operator = new pg.Client({ connectionString: database.url });
    await operator.connect();
    try {
      await operator.query(
        `UPDATE rate_limit_tokens SET max_tokens = 7, tokens = 7 WHERE service_name = 'shared-upstream'`,
      );
    } finally {
      await operator.end();
    }

    const second = await takeFromProcesses(database.url, 'shared-upstream', 3, 10);
    expect(second.reduce((sum, r) => sum + r.granted, 0)).toBe(7);
    expect(await limiter.get('shared-upstream')).toMatchObject({ maxTokens: 7 });
  }, 60_000);
});
