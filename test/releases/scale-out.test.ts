/**
 * Scaling out (DESIGN.md, "Two ways to run"): several `backbeat serve` and `backbeat worker` processes on one
 * PostgreSQL and one Redis. SSE fan-out crosses processes through Redis pub/sub, one fetch runs at a time across all
 * processes, a scheduled fetch runs once per tick (not once per worker), and SIGTERM shuts every process down cleanly.
 *
 * Real child processes (`node bin/backbeat.mjs …`), so this needs PostgreSQL and Redis (TEST_DATABASE_URL and
 * TEST_REDIS_URL); without them it is skipped (REQUIRE_SERVICES=1 makes their absence a failure in services.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/infra/db.ts';
import { createSandbox, type Sandbox } from '../../src/providers/sandboxes.ts';
import {
  createTestDatabase,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueName,
  type TestDatabase,
} from '../support/services.ts';
import { connectSse, type SseClient, type SseFrame } from '../support/sse-client.ts';
import { killHard, spawnBackbeat, started, terminate, until, type Child } from '../support/processes.ts';
import { ADMIN_TOKEN, JWT_SECRET } from '../support/stack.ts';

const enabled = Boolean(TEST_DATABASE_URL && TEST_REDIS_URL);

/** The pretty-printed summary `backbeat fetch` writes to stdout (log lines are one-line JSON, the summary is not). */
function fetchSummary(stdout: string): { runId: string; status: string; newAlbums: number } {
  const start = stdout.indexOf('{\n');
  const end = stdout.indexOf('\n}', start);
  if (start === -1 || end === -1) throw new Error(`no summary in: ${stdout}`);
  return JSON.parse(stdout.slice(start, end + 2)) as { runId: string; status: string; newAlbums: number };
}

const eventIds = (frames: readonly SseFrame[]) => frames.map((f) => Number(f.id));

describe.skipIf(!enabled)('scaled out: several serve and worker processes on one PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let sandbox: Sandbox;
  let sandboxUrl: string;
  let dataDir: string;
  const prefixes: string[] = [];
  const children: Child[] = [];
  const serves: Child[] = [];

  function env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_PREFIX: prefixes[0]!,
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_TOKEN,
      JWT_SECRET,
      JIOSAAVN_BASE_URL: sandboxUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      FETCH_ON_START: 'false',
      FETCH_CRON: '0 0 1 1 *',
      RELEASE_LANGUAGES: 'hindi,tamil',
      RELEASE_PAGES: '2',
      RELEASE_PAGE_SIZE: '20',
      SSE_HEARTBEAT_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '8000',
      ...overrides,
    };
  }

  function start(name: string, command: string, overrides: Record<string, string> = {}): Child {
    const child = spawnBackbeat(name, command, env(overrides));
    children.push(child);
    return child;
  }

  async function eventRows(afterId = 0): Promise<{ id: number; type: string }[]> {
    const { rows } = await pool.query<{ id: string; type: string }>(
      'SELECT id, type FROM new_release_events WHERE id > $1 ORDER BY id',
      [afterId],
    );
    return rows.map((r) => ({ id: Number(r.id), type: r.type }));
  }

  beforeAll(async () => {
    database = await createTestDatabase('scale_out');
    // What `backbeat migrate` does before a deployment starts its processes (each also migrates, under a lock).
    const handle = await openDatabase({ url: database.url });
    await handle.migrate();
    await handle.close();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    sandbox = createSandbox({ seed: 7, initialAlbumsPerLanguage: 12 });
    sandboxUrl = await sandbox.listen(0);
    dataDir = mkdtempSync(join(tmpdir(), 'backbeat-scale-'));
    prefixes.push(uniqueName('scale'));
    // Process start-up (tsx, migrations under an advisory lock) takes seconds: the two serve processes boot while
    // the worker test runs. They run no schedule, and their Redis prefix differs from the workers'.
    serves.push(start('serve#1', 'serve'), start('serve#2', 'serve'));
  });

  afterAll(async () => {
    for (const child of children) killHard(child);
    await Promise.all(children.map((c) => c.exited));
    await pool?.end();
    await sandbox?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (TEST_REDIS_URL && prefixes.length > 0) {
      const redis = new Redis(TEST_REDIS_URL);
      try {
        for (const prefix of prefixes) {
          const keys: string[] = [];
          let cursor = '0';
          do {
            const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
            cursor = next;
            keys.push(...found);
          } while (cursor !== '0');
          if (keys.length > 0) await redis.del(...keys);
        }
      } finally {
        redis.disconnect();
      }
    }
  });

  describe('two worker processes', () => {
    it('run a scheduled fetch once per tick, never two at a time, and stop cleanly', async () => {
      const prefix = uniqueName('scale_workers');
      prefixes.push(prefix);
      const { rows: old } = await pool.query<{ id: string }>('SELECT id FROM fetch_runs');
      const known = new Set(old.map((r) => r.id));
      const TICK_MS = 2000;

      const overrides = { FETCH_CRON: '*/2 * * * * *', REDIS_PREFIX: prefix };
      const workers = [start('worker#1', 'worker', overrides), start('worker#2', 'worker', overrides)];
      await Promise.all(workers.map((w) => started(w)));
      // A worker registers the schedule just before it logs `started`: no tick can run a fetch before the first one.
      const firstStart = Math.min(
        ...workers.map((w) => Date.parse(String(w.logs.find((l) => l.event === 'started')!.timestamp))),
      );
      // New albums now and then, so runs have work to do.
      const release = setInterval(() => sandbox.jiosaavn.release({ language: 'hindi' }), 1500);
      await new Promise((r) => setTimeout(r, 7000));
      clearInterval(release);
      const stoppedAt = Date.now();
      const codes = await Promise.all(workers.map((w) => terminate(w)));
      expect(codes, workers.map((w) => w.stderr).join('\n')).toEqual([0, 0]);

      const { rows } = await pool.query<{
        id: string;
        status: string;
        trigger: string;
        started_at: Date;
        finished_at: Date | null;
      }>('SELECT id, status, trigger, started_at, finished_at FROM fetch_runs ORDER BY started_at');
      const runs = rows.filter((r) => !known.has(r.id));
      // Tick instants (multiples of 2 s) from the first worker's start to the SIGTERM.
      const ticks = Math.floor(stoppedAt / TICK_MS) - Math.floor(firstStart / TICK_MS);
      const spans = runs.map((r) => `${r.started_at.toISOString()}..${r.finished_at?.toISOString()}`).join(', ');
      expect(runs.length, `${ticks} ticks, runs ${spans}`).toBeGreaterThanOrEqual(2);
      expect(runs.length, `${ticks} ticks, runs ${spans}`).toBeLessThanOrEqual(ticks + 1);
      expect(runs.every((r) => r.status === 'succeeded' && r.trigger === 'schedule' && r.finished_at !== null)).toBe(
        true,
      );
      // Never two at once: each run starts after the previous one finished.
      for (let i = 1; i < runs.length; i++) {
        expect(runs[i]!.started_at.getTime(), spans).toBeGreaterThanOrEqual(runs[i - 1]!.finished_at!.getTime());
      }
      for (const worker of workers) expect(worker.logs.some((l) => l.event === 'stopped')).toBe(true);
    });
  });

  describe('two serve processes', () => {
    const urls: string[] = [];
    const clients: SseClient[] = [];

    beforeAll(async () => {
      // Start from nothing: no songs, events or runs left by the worker test.
      await pool.query(
        'TRUNCATE songs, new_release_events, song_likes, fetch_runs, source_state, rate_limit_tokens RESTART IDENTITY CASCADE',
      );
      sandbox.reset();
    });
    afterAll(() => {
      for (const client of clients) client.close();
    });

    it('start, answer /api/health and accept an SSE client each', async () => {
      urls.push(...(await Promise.all(serves.map((s) => started(s)))));
      expect(urls.every((u) => /^http:\/\/127\.0\.0\.1:\d+$/.test(u))).toBe(true);
      expect(urls[0]).not.toBe(urls[1]);
      for (const url of urls) {
        const health = await fetch(`${url}/api/health`);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({ checks: { database: { status: 'ok' }, redis: { status: 'ok' } } });
      }
      for (const url of urls) {
        const client = await connectSse(`${url}/api/new-releases/events`);
        expect(client.status).toBe(200);
        clients.push(client);
      }
      // Both streams are open: `retry:` arrived on each.
      await Promise.all(clients.map((c) => c.waitFor((fs) => fs.some((f) => f.retry !== undefined), 3000)));
    });

    it('events committed by a third process (`backbeat fetch`) reach the SSE clients of both, once each, in order', async () => {
      const fetcher = start('fetch', 'fetch');
      const code = await until('backbeat fetch to exit', () => fetcher.exitCode(), 30_000);
      expect(code, fetcher.stderr).toBe(0);
      const summary = fetchSummary(fetcher.stdout);
      expect(summary.status).toBe('succeeded');
      const rows = await eventRows();
      expect(rows.length).toBe(summary.newAlbums);
      expect(rows.length).toBeGreaterThan(0);

      const received = await Promise.all(clients.map((c) => c.waitForEvents(rows.length, 10_000)));
      await new Promise((r) => setTimeout(r, 300));
      for (const [i, client] of clients.entries()) {
        expect(eventIds(client.events), `client of serve#${i + 1}`).toEqual(rows.map((r) => r.id));
        expect(client.events.map((f) => f.event)).toEqual(rows.map((r) => r.type));
      }
      // Serialized in two different processes, still the same bytes.
      expect(received[0]!.map((f) => f.raw)).toEqual(received[1]!.map((f) => f.raw));
    });

    it('concurrent manual triggers on both processes join one run', async () => {
      const before = await eventRows();
      const { rows: runsBefore } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM fetch_runs');
      sandbox.jiosaavn.release({ language: 'hindi' });
      sandbox.jiosaavn.release({ language: 'tamil' });
      // The first upstream request of the run is held, so the run is still in flight when the second trigger lands.
      sandbox.faults.add({ target: 'jiosaavn', kind: 'delay', delayMs: 1500, times: 1 });
      const trigger = (url: string) =>
        fetch(`${url}/api/new-releases/fetch?wait=true`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
      const answers = await Promise.all(urls.map(trigger));
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      const bodies = (await Promise.all(answers.map((a) => a.json()))) as {
        runId: string;
        joined: boolean;
        status: string;
        newAlbums: number;
      }[];
      expect(bodies[0]!.runId).toBe(bodies[1]!.runId);
      expect(bodies.map((b) => b.joined).sort()).toEqual([false, true]);
      expect(bodies.every((b) => b.status === 'succeeded' && b.newAlbums === 2)).toBe(true);
      const { rows: runsAfter } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM fetch_runs');
      expect(Number(runsAfter[0]!.n)).toBe(Number(runsBefore[0]!.n) + 1);

      // The run's events reach both clients too, after the earlier ones.
      const all = await eventRows();
      expect(all.length).toBe(before.length + 2);
      await Promise.all(clients.map((c) => c.waitForEvents(all.length, 10_000)));
      for (const client of clients) expect(eventIds(client.events)).toEqual(all.map((r) => r.id));
    });

    it('shut down gracefully on SIGTERM: streams end, exit code 0', async () => {
      const codes = await Promise.all(serves.map((s) => terminate(s)));
      expect(codes, serves.map((s) => s.stderr).join('\n')).toEqual([0, 0]);
      for (const serve of serves) expect(serve.logs.some((l) => l.event === 'stopped')).toBe(true);
      await Promise.all(clients.map((c) => c.ended));
      expect(clients.every((c) => c.isEnded)).toBe(true);
    });
  });
});
