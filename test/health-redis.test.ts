/**
 * "Redis down → the API keeps serving from the database" (DESIGN.md, "Reliability and security baseline"), and the
 * outbox: events committed while the bus is down are published by the next run once Redis is back.
 *
 * The shared Redis cannot be stopped (other test files use it), so this file runs its own `redis-server` child on a
 * free port, kills it and starts it again on the same port. The binary is `redis-server` on PATH, or
 * `REDIS_SERVER_BIN`. Without one the file is skipped, except under REQUIRE_SERVICES=1 (CI), where it fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect as connectTcp } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/infra/db.ts';
import { REQUIRE_SERVICES, TEST_DATABASE_URL, TEST_REDIS_URL } from './support/services.ts';
import { connectSse, type SseClient } from './support/sse-client.ts';
import { adminHeaders, openTestDb, startStack, type Stack, type TestDb } from './support/stack.ts';

const REDIS_SERVER = process.env.REDIS_SERVER_BIN || 'redis-server';
const hasRedisServer = spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when a Redis on `port` answers PING (raw RESP over TCP, no client library state involved). */
async function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err as Error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A private, throwaway redis-server (no persistence). */
class RedisServer {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await eventually(
      `redis-server on ${this.port}`,
      async () => ((await redisAnswers(this.port)) ? true : undefined),
      5000,
    );
  }

  /** A crash, not a shutdown: SIGKILL, and wait until the port refuses connections. */
  async kill(): Promise<void> {
    if (!this.#child || this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGKILL');
    await this.#exited;
  }
}

const MODE = TEST_DATABASE_URL ? 'scaled' : 'embedded';

describe.skipIf(!TEST_REDIS_URL)('Redis down (private redis-server)', () => {
  if (!hasRedisServer) {
    const missing = `${REDIS_SERVER} cannot be run (apt-get install redis-server, or set REDIS_SERVER_BIN)`;
    if (REQUIRE_SERVICES) {
      it('has a redis-server to run (REQUIRE_SERVICES=1)', () => {
        throw new Error(`REQUIRE_SERVICES=1 but ${missing}`);
      });
    } else {
      it.skip(`skipped: ${missing}`, () => undefined);
    }
    return;
  }

  let redis: RedisServer;
  let db: TestDb;
  let stack: Stack;
  let client: SseClient | undefined;

  beforeAll(async () => {
    redis = new RedisServer(await freePort());
    await redis.start();
    db = await openTestDb(MODE, 'health_redis');
    stack = await startStack({
      db,
      listen: true,
      env: { REDIS_URL: `redis://127.0.0.1:${redis.port}`, FETCH_CRON: '0 0 1 1 *' },
    });
  });
  afterAll(async () => {
    client?.close();
    await stack?.close();
    await db?.close();
    await redis?.kill();
  });

  async function health(): Promise<{
    statusCode: number;
    body: { status: string; checks: Record<string, { status: string }> };
  }> {
    const res = await stack.app.inject({ url: '/api/health' });
    return { statusCode: res.statusCode, body: res.json() };
  }

  async function fetchRun(): Promise<{ status: string; newAlbums: number }> {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/api/new-releases/fetch?wait=true',
      headers: adminHeaders,
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ status: string; newAlbums: number }>();
  }

  async function events(): Promise<{ id: number; notified: boolean }[]> {
    const rows = await queryRows<{ id: string | number; notified: boolean }>(
      db.handle.db,
      sql`SELECT id, notified FROM new_release_events ORDER BY id`,
    );
    return rows.map((r) => ({ id: Number(r.id), notified: r.notified }));
  }

  const eventIds = (c: SseClient) => c.events.map((f) => Number(f.id));

  it('reports ok while Redis is up, in scaled mode, and pushes events live', async () => {
    expect(stack.container.mode).toBe('scaled');
    const { statusCode, body } = await health();
    expect(statusCode).toBe(200);
    expect(body).toMatchObject({ status: 'ok', checks: { redis: { status: 'ok' }, database: { status: 'ok' } } });

    client = await connectSse(`${stack.url}/api/new-releases/events`);
    expect(client.status).toBe(200);
    const run = await fetchRun();
    expect(run.status).toBe('succeeded');
    const rows = await events();
    expect(rows.length).toBe(run.newAlbums);
    expect(rows.every((r) => r.notified)).toBe(true);
    await client.waitForEvents(rows.length, 5000);
    expect(eventIds(client)).toEqual(rows.map((r) => r.id));
  });

  it('Redis killed: health is degraded (200, redis down), not a crash; the API serves from the database', async () => {
    await redis.kill();
    const report = await eventually(
      'health to report Redis down',
      async () => {
        const h = await health();
        return h.body.checks.redis?.status === 'down' ? h : undefined;
      },
      8000,
    );
    expect(report.statusCode).toBe(200);
    expect(report.body.status).toBe('degraded');
    expect(report.body.checks.database?.status).toBe('ok');

    const list = await stack.app.inject({ url: '/api/new-releases?limit=5' });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(5);
    // The open SSE stream is still there (it is HTTP, not Redis), and heartbeats keep flowing.
    const beats = client!.frames.filter((f) => f.comments.length > 0).length;
    await client!.waitFor((fs) => fs.filter((f) => f.comments.length > 0).length > beats, 3000);
  });

  it('a run with Redis down commits; its events stay unpublished (notified = false)', async () => {
    const before = await events();
    stack.sandbox.jiosaavn.release({ language: 'hindi' });
    stack.sandbox.jiosaavn.release({ language: 'tamil' });
    const run = await fetchRun();
    expect(run.status).toBe('succeeded');
    expect(run.newAlbums).toBe(2);
    const after = await events();
    const fresh = after.slice(before.length);
    expect(fresh).toHaveLength(2);
    expect(fresh.every((r) => !r.notified)).toBe(true);
    // The bus is down: nothing reached the SSE client.
    await new Promise((r) => setTimeout(r, 300));
    expect(eventIds(client!)).toEqual(before.map((r) => r.id));
    // Still degraded, still no crash.
    expect((await health()).body.status).toBe('degraded');
  });

  it('Redis back on the same port: health recovers, and the next run publishes the outbox first, in order', async () => {
    await redis.start();
    const recovered = await eventually(
      'health to recover',
      async () => {
        const h = await health();
        return h.body.status === 'ok' ? h : undefined;
      },
      8000,
    );
    expect(recovered.statusCode).toBe(200);
    expect(recovered.body.checks.redis?.status).toBe('ok');

    const pending = (await events()).filter((r) => !r.notified);
    expect(pending).toHaveLength(2);
    stack.sandbox.jiosaavn.release({ language: 'hindi' });
    const run = await fetchRun();
    expect(run.status).toBe('succeeded');
    expect(run.newAlbums).toBe(1);
    const all = await events();
    expect(all.every((r) => r.notified)).toBe(true);
    // The live client gets the two outbox events, then the new one: every event once, in id order.
    await client!.waitForEvents(all.length, 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(eventIds(client!)).toEqual(all.map((r) => r.id));
  });

  it('an outage that ends in the middle of a run neither reorders nor skips events for a live client', async () => {
    const before = await events();
    expect(before.every((r) => r.notified)).toBe(true);
    expect(eventIds(client!)).toEqual(before.map((r) => r.id));
    // The run reads hindi page 1, hindi page 2, tamil page 1, ...: one new album on each language's first page.
    stack.sandbox.jiosaavn.release({ language: 'hindi' });
    stack.sandbox.jiosaavn.release({ language: 'tamil' });
    await redis.kill();
    await eventually(
      'health to report Redis down',
      async () => ((await health()).body.status === 'degraded' ? true : undefined),
      8000,
    );

    stack.sandbox.resetStats();
    // Hold hindi page 1 for a moment, so the next fault can be armed for hindi page 2 while page 1 is in flight.
    stack.sandbox.faults.add({ target: 'jiosaavn', kind: 'delay', delayMs: 800, times: 1 });
    const res = await stack.app.inject({ method: 'POST', url: '/api/new-releases/fetch', headers: adminHeaders });
    expect(res.statusCode).toBe(202);
    const { runId } = res.json<{ runId: string }>();
    await eventually(
      'hindi page 1 to be requested',
      async () => (stack.sandbox.stats().total >= 1 ? true : undefined),
      5000,
    );
    stack.sandbox.faults.add({ target: 'jiosaavn', kind: 'delay', delayMs: 5000, times: 1 });
    // Hindi page 1 is committed while Redis is down (its event stays unpublished); hindi page 2 is now held.
    await eventually(
      'hindi page 2 to be requested',
      async () => (stack.sandbox.stats().total >= 2 ? true : undefined),
      5000,
    );
    const during = (await events()).slice(before.length);
    expect(during).toHaveLength(1);
    expect(during[0]!.notified).toBe(false);

    // Redis comes back before the run reaches tamil page 1, whose event is then published.
    await redis.start();
    await eventually('health to recover', async () => ((await health()).body.status === 'ok' ? true : undefined), 8000);
    const run = await stack.container.releases.fetcher.waitFor(runId);
    expect(run.status).toBe('succeeded');
    expect(run.newAlbums).toBe(2);
    const afterRun = await events();
    expect(afterRun).toHaveLength(before.length + 2);
    await new Promise((r) => setTimeout(r, 300));
    // What the live client has must be a prefix of the log: ids only go up and there is no hole before the last
    // one (a browser's Last-Event-ID would then be past the hole, and replay never goes back).
    const got = eventIds(client!);
    const log = afterRun.map((r) => r.id);
    expect
      .soft(got, `live client has ${JSON.stringify(got)}; the log is ${JSON.stringify(log)}`)
      .toEqual(log.slice(0, got.length));
    // A browser that reconnects now, with the last id it saw, must still end up with every event.
    const reconnected = await connectSse(`${stack.url}/api/new-releases/events`, { lastEventId: got.at(-1)! });

    // The next run publishes whatever is left.
    await fetchRun();
    const all = await events();
    expect(all.every((r) => r.notified)).toBe(true);
    await client!.waitForEvents(all.length, 5000);
    await new Promise((r) => setTimeout(r, 300));
    reconnected.close();
    // The live client ends with every event once, in order.
    expect.soft(eventIds(client!), 'live client, after the next run').toEqual(all.map((r) => r.id));
    // The reconnected one has, together with what it saw before, every event.
    const seen = [...got, ...eventIds(reconnected)].sort((x, y) => x - y);
    expect.soft(seen, 'seen before + after reconnecting').toEqual(all.map((r) => r.id));
  });
});
