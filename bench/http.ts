/**
 * HTTP benchmark: `GET /api/new-releases` of the real app (container + buildApp, memory adapters, LOG_LEVEL=silent,
 * a few thousand releases stored) against a bare Fastify hello-world route, both served by this process, driven in
 * turn by a load generator in a child process (N keep-alive connections, each sending its next request when the
 * previous answer is complete). Runs on embedded PGlite and, when reachable, on PostgreSQL (DATABASE_URL, no Redis).
 *
 *   node --expose-gc --import tsx bench/http.ts [--duration 8] [--connections 50] [--releases 2000] [--rounds 2]
 *                                               [--client http|raw] [--quick] [--no-pg] [--pg-url URL]
 *
 * `--client http` (default) uses node:http with a keep-alive Agent; `--client raw` writes pre-built requests on
 * plain sockets and parses only the status line and Content-Length (cheaper per request, like autocannon), to show
 * whether the client limited a figure. Unless --no-cached, a bench-only route serving the same list from a 1 s
 * response cache on the app instance is driven too (prototype). Prints figures; never fails on speed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { parseConfig } from '../src/config.ts';
import { createContainer, type Container } from '../src/container.ts';
import { openDatabase, queryRows, type DatabaseHandle } from '../src/infra/db.ts';
import { createLogger } from '../src/infra/logger.ts';
import { ReleasesRepository } from '../src/releases/repository.ts';
import { seedReleases } from './ingest.ts';
import {
  collectGarbage,
  CpuMeter,
  createBenchDatabase,
  DEFAULT_PG_URL,
  describeMachine,
  fixed,
  heading,
  int,
  isMain,
  loadNow,
  machineInfo,
  onExit,
  quantile,
  sleep,
  table,
  summaryTable,
  type SummaryRow,
} from './lib.ts';

export type ClientKind = 'http' | 'raw';

interface RunCommand {
  type: 'run';
  host: string;
  port: number;
  path: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  client: ClientKind;
}

/** What one run of the load client measured. */
export type LoadResult = Extract<ClientMessage, { type: 'result' }>;

type ClientMessage =
  | { type: 'window-start' }
  | { type: 'window-end' }
  | {
      type: 'result';
      /** Responses completed inside the measured window. */
      responses: number;
      /** Responses completed over the whole run (warm-up included), for CPU per request. */
      total: number;
      errors: number;
      non2xx: number;
      bytes: number;
      latencies: number[];
      clientCpuMs: number;
      windowMs: number;
      firstError: string | undefined;
    };

// ---------------------------------------------------------------------------------------------------------------
// Load generator (child process)

interface Sample {
  status: number;
  bytes: number;
  error?: string;
}

/** One keep-alive connection that sends its next request when the previous answer is complete. */
type Connection = { request(): Promise<Sample>; close(): void };

function httpConnections(o: RunCommand): { open(): Connection; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections, maxFreeSockets: o.connections });
  return {
    open: () => ({
      request: () =>
        new Promise<Sample>((resolve) => {
          const req = http.get({ agent, host: o.host, port: o.port, path: o.path }, (res) => {
            let bytes = 0;
            res.on('data', (chunk: Buffer) => (bytes += chunk.length));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
            res.on('error', (err) => resolve({ status: 0, bytes, error: err.message }));
          });
          req.on('error', (err) => resolve({ status: 0, bytes: 0, error: err.message }));
        }),
      close: () => undefined,
    }),
    close: () => agent.destroy(),
  };
}

function rawConnections(o: RunCommand): { open(): Connection; close(): void } {
  const wire = Buffer.from(`GET ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nConnection: keep-alive\r\n\r\n`);
  const sockets = new Set<net.Socket>();
  return {
    open: () => {
      const socket = net.connect({ host: o.host, port: o.port, noDelay: true });
      sockets.add(socket);
      let buffer: Buffer | undefined;
      let waiting: ((sample: Sample) => void) | undefined;
      const fail = (message: string): void => {
        const w = waiting;
        waiting = undefined;
        w?.({ status: 0, bytes: 0, error: message });
      };
      socket.on('error', (err) => fail(err.message));
      socket.on('close', () => fail('socket closed'));
      socket.on('data', (chunk: Buffer) => {
        buffer = buffer ? Buffer.concat([buffer, chunk]) : chunk;
        const headerEnd = buffer.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const head = buffer.toString('latin1', 0, headerEnd);
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
        if (length === undefined) {
          socket.destroy();
          fail('response without Content-Length');
          return;
        }
        const total = headerEnd + 4 + Number(length);
        if (buffer.length < total) return;
        buffer = buffer.length > total ? buffer.subarray(total) : undefined;
        const w = waiting;
        waiting = undefined;
        w?.({ status: Number(head.slice(9, 12)), bytes: Number(length) });
      });
      return {
        request: () =>
          new Promise<Sample>((resolve) => {
            if (socket.destroyed) {
              resolve({ status: 0, bytes: 0, error: 'socket closed' });
              return;
            }
            waiting = resolve;
            socket.write(wire);
          }),
        close: () => socket.destroy(),
      };
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

async function runLoad(o: RunCommand, send: (message: ClientMessage) => void): Promise<void> {
  const pool = o.client === 'raw' ? rawConnections(o) : httpConnections(o);
  const started = performance.now();
  const windowStart = started + o.warmupMs;
  const windowEnd = windowStart + o.durationMs;
  const latencies: number[] = [];
  let responses = 0;
  let total = 0;
  let errors = 0;
  let non2xx = 0;
  let bytes = 0;
  let firstError: string | undefined;
  // The window opens and closes on timers; when the loops finish before the closing timer fired (timers run late on
  // a busy machine), the window is closed right after them. Both marks happen exactly once.
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let cpuMs: number | undefined;
  const openWindow = (): void => {
    if (cpuAtStart !== undefined) return;
    cpuAtStart = process.cpuUsage();
    send({ type: 'window-start' });
  };
  const closeWindow = (): void => {
    if (cpuMs !== undefined) return;
    openWindow();
    const used = process.cpuUsage(cpuAtStart);
    cpuMs = (used.user + used.system) / 1000;
    send({ type: 'window-end' });
  };
  const startTimer = setTimeout(openWindow, o.warmupMs);
  const endTimer = setTimeout(closeWindow, o.warmupMs + o.durationMs);

  const loop = async (): Promise<void> => {
    const connection = pool.open();
    try {
      while (performance.now() < windowEnd) {
        const sent = performance.now();
        const sample = await connection.request();
        const done = performance.now();
        total++;
        if (sample.error !== undefined) {
          errors++;
          firstError ??= sample.error;
          await sleep(10);
          continue;
        }
        if (sent >= windowStart && done <= windowEnd) {
          responses++;
          bytes += sample.bytes;
          latencies.push(done - sent);
          if (sample.status < 200 || sample.status >= 300) non2xx++;
        }
      }
    } finally {
      connection.close();
    }
  };
  await Promise.all(Array.from({ length: o.connections }, loop));
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  closeWindow();
  pool.close();
  send({
    type: 'result',
    responses,
    total,
    errors,
    non2xx,
    bytes,
    latencies,
    clientCpuMs: cpuMs ?? 0,
    windowMs: o.durationMs,
    firstError,
  });
}

function clientMain(): void {
  process.on('message', (command: RunCommand) => {
    if (command.type !== 'run') return;
    void runLoad(command, (message) => process.send?.(message));
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------------------------
// Server side

/**
 * The load generator in a child process (this file run with `--load-client`), driven over IPC; every HTTP bench uses it
 * so the server it measures never shares its event loop with the client.
 */
export class LoadClient {
  readonly #child: ChildProcess;

  constructor() {
    // Inherits execArgv (--import tsx) so the child runs TypeScript the same way.
    this.#child = fork(new URL(import.meta.url), ['--load-client'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    onExit(async () => {
      this.#child.kill('SIGKILL');
    });
  }

  /** Drives `command`, calling the hooks when the measured window opens and closes. */
  run(command: Omit<RunCommand, 'type'>, hooks: { start(): void; end(): void }): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('load client did not answer')),
        command.warmupMs + command.durationMs + 60_000,
      );
      const onMessage = (message: ClientMessage): void => {
        if (message.type === 'window-start') hooks.start();
        else if (message.type === 'window-end') hooks.end();
        else {
          clearTimeout(timer);
          this.#child.off('message', onMessage);
          resolve(message);
        }
      };
      this.#child.on('message', onMessage);
      this.#child.send({ type: 'run', ...command } satisfies RunCommand);
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    if (this.#child.connected) this.#child.disconnect();
    await exited;
    clearTimeout(timer);
  }
}

export interface TargetResult {
  name: string;
  reqPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  responses: number;
  errors: number;
  non2xx: number;
  bytesPerResponse: number;
  clientCpuPct: number;
  serverCpuPct: number;
  /** CPU µs of this (server) process per request, and of the PostgreSQL backends. */
  serverUsPerReq: number;
  pgUsPerReq: number;
  firstError: string | undefined;
}

interface Target {
  name: string;
  port: number;
  path: string;
}

async function drive(
  client: LoadClient,
  targets: Target[],
  o: { connections: number; durationMs: number; warmupMs: number; rounds: number; client: ClientKind },
  pgPids: () => Promise<number[]>,
): Promise<TargetResult[]> {
  const acc = new Map<
    string,
    {
      latencies: number[];
      responses: number;
      errors: number;
      non2xx: number;
      bytes: number;
      clientCpu: number;
      serverCpu: number;
      pgCpu: number;
      windowMs: number;
      firstError?: string;
    }
  >();
  const slice = Math.round(o.durationMs / o.rounds);
  for (let round = 0; round < o.rounds; round++) {
    for (const target of targets) {
      collectGarbage();
      const meter = new CpuMeter(pgPids);
      let pending: Promise<void> = Promise.resolve();
      let cpu = { clientMs: 0, serverMs: 0 };
      const result = await client.run(
        {
          host: '127.0.0.1',
          port: target.port,
          path: target.path,
          connections: o.connections,
          warmupMs: o.warmupMs,
          durationMs: slice,
          client: o.client,
        },
        {
          start: () => {
            pending = meter.start();
          },
          end: () => {
            pending = pending.then(async () => {
              cpu = await meter.stop();
            });
          },
        },
      );
      await pending;
      const a = acc.get(target.name) ?? {
        latencies: [],
        responses: 0,
        errors: 0,
        non2xx: 0,
        bytes: 0,
        clientCpu: 0,
        serverCpu: 0,
        pgCpu: 0,
        windowMs: 0,
      };
      for (const l of result.latencies) a.latencies.push(l);
      a.responses += result.responses;
      a.errors += result.errors;
      a.non2xx += result.non2xx;
      a.bytes += result.bytes;
      a.clientCpu += result.clientCpuMs;
      a.serverCpu += cpu.clientMs;
      a.pgCpu += cpu.serverMs;
      a.windowMs += result.windowMs;
      a.firstError ??= result.firstError;
      acc.set(target.name, a);
      console.log(
        `  round ${round + 1}/${o.rounds} ${target.name}: ${int((result.responses / result.windowMs) * 1000)} req/s ` +
          `(${loadNow()})`,
      );
    }
  }
  return targets.map((target) => {
    const a = acc.get(target.name)!;
    const sorted = Float64Array.from(a.latencies).sort();
    return {
      name: target.name,
      reqPerSec: (a.responses / a.windowMs) * 1000,
      p50: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
      p99: quantile(sorted, 0.99),
      max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
      responses: a.responses,
      errors: a.errors,
      non2xx: a.non2xx,
      bytesPerResponse: a.bytes / Math.max(1, a.responses),
      clientCpuPct: (a.clientCpu / a.windowMs) * 100,
      serverCpuPct: (a.serverCpu / a.windowMs) * 100,
      serverUsPerReq: (a.serverCpu * 1000) / Math.max(1, a.responses),
      pgUsPerReq: (a.pgCpu * 1000) / Math.max(1, a.responses),
      firstError: a.firstError,
    };
  });
}

export const CACHED_PATH = '/bench/new-releases-cached';

/**
 * Prototype (bench only): the same list served from a response cache, on the real app instance (same hooks, metrics
 * and error handling). The first page of the default list is kept serialized for `ttlMs`, dropped when a release
 * event arrives on the bus; concurrent misses share one database read.
 */
async function addCachedRoute(app: FastifyInstance, container: Container, ttlMs: number): Promise<void> {
  let cached: { body: string; at: number } | undefined;
  let loading: Promise<string> | undefined;
  await container.bus.subscribe('new_release', () => (cached = undefined));
  await container.bus.subscribe('release_updated', () => (cached = undefined));
  app.get(CACHED_PATH, async (_request, reply) => {
    if (!cached || Date.now() - cached.at > ttlMs) {
      loading ??= container.releases.service
        .list({ limit: 24 })
        .then((list) => JSON.stringify(list))
        .finally(() => (loading = undefined));
      cached = { body: await loading, at: Date.now() };
    }
    return reply.type('application/json; charset=utf-8').send(cached.body);
  });
}

/** In-process cost of the list's two queries, and of the main one without the `metadata` column it does not use. */
async function queryTimings(database: DatabaseHandle): Promise<{ label: string; ms: number }[]> {
  const repository = new ReleasesRepository(database.db);
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const sortDate = sql`COALESCE(s.release_date, s.added_at::date)`;
  const runs: [string, () => Promise<unknown>][] = [
    ['listFeatured (limit 25, as the route asks)', () => repository.listFeatured({ limit: 25, since })],
    ['sources()', () => repository.sources()],
    [
      'same list SQL without s.metadata',
      () =>
        queryRows(
          database.db,
          sql`SELECT s.id, s.source, s.external_id, s.title, s.artist_names, s.album, s.album_key,
                s.album_external_id, s.language, to_char(s.release_date, 'YYYY-MM-DD') AS release_date, s.image_url,
                s.url, s.duration_seconds, s.kind, s.fingerprint, s.featured, s.likes, s.added_at, s.updated_at
              FROM songs s WHERE s.featured AND ${sortDate} >= ${since}::date
              ORDER BY ${sortDate} DESC, s.id DESC LIMIT 25`,
        ),
    ],
    ['SELECT 1 (round trip)', () => queryRows(database.db, sql`SELECT 1`)],
  ];
  const out: { label: string; ms: number }[] = [];
  const time = async (label: string, fn: () => Promise<unknown>): Promise<void> => {
    for (let i = 0; i < 20; i++) await fn();
    const started = performance.now();
    for (let i = 0; i < 200; i++) await fn();
    out.push({ label, ms: (performance.now() - started) / 200 });
  };
  for (const [label, fn] of runs) await time(label, fn);
  // Prototype: the sort key as a UTC day (immutable, so indexable; the windows are UTC days already) with a partial
  // index in list order, so LIMIT 25 reads 25 index entries instead of sorting every featured song of the window.
  const utcSortDate = sql`COALESCE(s.release_date, (s.added_at AT TIME ZONE 'UTC')::date)`;
  await database.db.execute(
    sql`CREATE INDEX bench_songs_list_idx ON songs ((COALESCE(release_date, (added_at AT TIME ZONE 'UTC')::date)) DESC, id DESC)
        WHERE featured`,
  );
  try {
    await time('* same, sort key indexed (UTC day), without metadata', () =>
      queryRows(
        database.db,
        sql`SELECT s.id, s.source, s.external_id, s.title, s.artist_names, s.album, s.album_key,
              s.album_external_id, s.language, to_char(s.release_date, 'YYYY-MM-DD') AS release_date, s.image_url,
              s.url, s.duration_seconds, s.kind, s.fingerprint, s.featured, s.likes, s.added_at, s.updated_at
            FROM songs s WHERE s.featured AND ${utcSortDate} >= ${since}::date
            ORDER BY ${utcSortDate} DESC, s.id DESC LIMIT 25`,
      ),
    );
  } finally {
    await database.db.execute(sql`DROP INDEX bench_songs_list_idx`);
  }
  return out;
}

export interface HttpModeResult {
  mode: string;
  seeded: { songs: number; featured: number };
  sample: { status: number; items: number; bytes: number };
  queries: { label: string; ms: number }[];
  hello: TargetResult;
  app: TargetResult;
  cached: TargetResult | undefined;
}

export interface HttpBenchOptions {
  durationMs: number;
  warmupMs: number;
  connections: number;
  releases: number;
  rounds: number;
  client: ClientKind;
  /** Also drive the bench-only cached route (prototype). */
  cached: boolean;
  pgUrl: string | undefined;
}

async function benchMode(
  mode: 'PGlite' | 'PostgreSQL',
  client: LoadClient,
  hello: FastifyInstance,
  o: HttpBenchOptions,
  pgUrl?: string,
): Promise<HttpModeResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'backbeat-bench-'));
  const database = await openDatabase({ url: pgUrl });
  let pidClient: pg.Client | undefined;
  try {
    await database.migrate();
    process.stdout.write(`  ${mode}: storing ${int(o.releases)} releases ... `);
    const seeded = await seedReleases(database, o.releases, { prefix: 'h', seed: 99, runId: 'bench-http-seed' });
    console.log(`${int(seeded.songs)} songs, ${int(seeded.featured)} featured`);
    const config = parseConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN: 'bench-admin-token-0123456789',
      JWT_SECRET: 'bench-jwt-secret-0123456789abcdef',
      FETCH_ON_START: 'false',
      DATA_DIR: dataDir,
      DATABASE_URL: pgUrl,
      JIOSAAVN_BASE_URL: 'http://127.0.0.1:9',
    });
    const queries = await queryTimings(database);
    const container = await createContainer(config, { role: 'serve', database, logger: createLogger('silent') });
    const app = await container.buildApp();
    try {
      if (o.cached) await addCachedRoute(app, container, 1000);
      await container.start();
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const response = await fetch(`${url}/api/new-releases`);
      const text = await response.text();
      const body = JSON.parse(text) as { items?: unknown[] };
      const sample = { status: response.status, items: body.items?.length ?? 0, bytes: Buffer.byteLength(text) };
      console.log(
        `  GET /api/new-releases → ${sample.status}, ${sample.items} items, ${int(sample.bytes)} bytes of JSON`,
      );
      if (pgUrl) {
        pidClient = new pg.Client({ connectionString: pgUrl });
        await pidClient.connect();
      }
      const pids = async (): Promise<number[]> => {
        if (!pidClient) return [];
        const rows = await pidClient.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        return rows.rows.map((r) => Number(r.pid));
      };
      const appPort = (app.server.address() as net.AddressInfo).port;
      const helloPort = (hello.server.address() as net.AddressInfo).port;
      const targets = [
        { name: 'hello', port: helloPort, path: '/hello' },
        { name: 'app', port: appPort, path: '/api/new-releases' },
      ];
      if (o.cached) targets.push({ name: 'cached', port: appPort, path: CACHED_PATH });
      const [helloResult, appResult, cachedResult] = await drive(client, targets, o, pids);
      return { mode, seeded, sample, queries, hello: helloResult!, app: appResult!, cached: cachedResult };
    } finally {
      await app.close();
      await container.close();
    }
  } finally {
    await pidClient?.end().catch(() => undefined);
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function printMode(r: HttpModeResult, o: HttpBenchOptions): void {
  heading(
    `HTTP on ${r.mode}: ${o.connections} keep-alive connections, ${fixed(o.durationMs / 1000, 0)} s each (${o.client} client)`,
  );
  const row = (t: TargetResult, label: string): string[] => [
    label,
    int(t.reqPerSec),
    fixed(t.p50, 2),
    fixed(t.p90, 2),
    fixed(t.p99, 2),
    fixed(t.max, 1),
    `${t.errors}/${t.non2xx}`,
    int(t.bytesPerResponse),
    `${fixed(t.serverCpuPct, 0)}%`,
    fixed(t.serverUsPerReq, 0),
    r.mode === 'PostgreSQL' ? fixed(t.pgUsPerReq, 0) : '—',
    `${fixed(t.clientCpuPct, 0)}%`,
  ];
  console.log(
    table(
      [
        'route',
        'req/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'errors/non-2xx',
        'body bytes',
        'server CPU',
        'server µs/req',
        'PG µs/req',
        'client CPU',
      ],
      [
        row(r.hello, 'GET /hello (bare Fastify)'),
        row(r.app, 'GET /api/new-releases (app)'),
        ...(r.cached ? [row(r.cached, `GET ${CACHED_PATH} *`)] : []),
      ],
    ),
  );
  if (r.cached) {
    console.log(
      `* bench-only prototype: the same list from a 1 s response cache on the app instance ` +
        `(${fixed((r.cached.reqPerSec / r.hello.reqPerSec) * 100, 1)}% of hello-world)`,
    );
  }
  const cpuRatio = r.hello.serverUsPerReq / (r.app.serverUsPerReq + r.app.pgUsPerReq);
  console.log(
    `ratio app / hello-world: ${fixed((r.app.reqPerSec / r.hello.reqPerSec) * 100, 1)}% of the requests per second; ` +
      `by CPU per request (server${r.mode === 'PostgreSQL' ? ' + PostgreSQL' : ''}) ${fixed(cpuRatio * 100, 1)}%`,
  );
  console.log(`\nIn-process query cost (${int(r.seeded.featured)} featured releases, sequential, no load):`);
  console.log(
    table(
      ['query', 'ms/call'],
      r.queries.map((q) => [q.label, fixed(q.ms, 3)]),
    ),
  );
  for (const t of [r.hello, r.app, ...(r.cached ? [r.cached] : [])]) {
    if (t.firstError) console.log(`  ${t.name}: first error: ${t.firstError}`);
  }
  if (r.hello.clientCpuPct > 85) {
    console.log(
      `  note: the load client used ${fixed(r.hello.clientCpuPct, 0)}% of a core during hello-world, so that ` +
        'figure may be client-bound (try --client raw)',
    );
  }
}

export interface HttpBenchResult {
  results: HttpModeResult[];
  skipped: string | undefined;
  summary: SummaryRow[];
}

export async function runHttpBench(o: HttpBenchOptions): Promise<HttpBenchResult> {
  heading(`HTTP: GET /api/new-releases vs bare Fastify hello-world (${o.client} client in a child process)`);
  const hello = Fastify({ logger: false });
  hello.get('/hello', async () => ({ hello: 'world' }));
  await hello.listen({ host: '127.0.0.1', port: 0 });
  const client = new LoadClient();
  const results: HttpModeResult[] = [];
  let skipped: string | undefined;
  try {
    results.push(await benchMode('PGlite', client, hello, o));
    if (o.pgUrl) {
      const created = await createBenchDatabase(o.pgUrl);
      if ('error' in created) {
        skipped = `PostgreSQL at ${o.pgUrl} unreachable (${created.error}): PostgreSQL HTTP run skipped`;
        console.log(`  ${skipped}`);
      } else {
        try {
          results.push(await benchMode('PostgreSQL', client, hello, o, created.url));
        } finally {
          await created.drop();
        }
      }
    } else {
      skipped = 'PostgreSQL HTTP run skipped (--no-pg)';
    }
  } finally {
    await client.close();
    await hello.close();
  }
  for (const r of results) printMode(r, o);
  const summary: SummaryRow[] = [];
  for (const r of results) {
    const ratio = r.app.reqPerSec / r.hello.reqPerSec;
    summary.push({
      figure: `HTTP ${r.mode}: GET /api/new-releases, req/s`,
      value: `${int(r.app.reqPerSec)} (p50 ${fixed(r.app.p50, 1)} / p99 ${fixed(r.app.p99, 1)} ms)`,
      baseline: `${int(r.hello.reqPerSec)} hello (p50 ${fixed(r.hello.p50, 1)} / p99 ${fixed(r.hello.p99, 1)} ms)`,
      ratio: `${fixed(ratio * 100, 1)}%`,
      target: '≥ 60%',
      met: ratio >= 0.6 ? 'yes' : 'NO',
    });
    if (r.cached) {
      const c = r.cached.reqPerSec / r.hello.reqPerSec;
      summary.push({
        figure: `  (prototype) same list, 1 s response cache, req/s`,
        value: `${int(r.cached.reqPerSec)} (p50 ${fixed(r.cached.p50, 1)} / p99 ${fixed(r.cached.p99, 1)} ms)`,
        baseline: `${int(r.hello.reqPerSec)} hello`,
        ratio: `${fixed(c * 100, 1)}%`,
        target: '≥ 60%',
        met: c >= 0.6 ? 'yes' : 'NO',
      });
    }
    const cpuRatio = r.hello.serverUsPerReq / (r.app.serverUsPerReq + r.app.pgUsPerReq);
    summary.push({
      figure: `HTTP ${r.mode}: CPU µs per request`,
      value: `${fixed(r.app.serverUsPerReq + r.app.pgUsPerReq, 0)}${r.mode === 'PostgreSQL' ? ` (${fixed(r.app.pgUsPerReq, 0)} in PG)` : ''}`,
      baseline: `${fixed(r.hello.serverUsPerReq, 0)} hello`,
      ratio: `${fixed(cpuRatio * 100, 1)}%`,
      target: '(≥ 60%)',
      met: cpuRatio >= 0.6 ? 'yes' : 'NO',
    });
  }
  if (skipped && results.length < 2) {
    summary.push({ figure: 'HTTP PostgreSQL', value: '—', baseline: '—', ratio: '—', target: '≥ 60%', met: 'skipped' });
  }
  return { results, skipped, summary };
}

export function httpArgs(
  quick: boolean,
  values: {
    duration?: string | undefined;
    connections?: string | undefined;
    releases?: string | undefined;
    rounds?: string | undefined;
    client?: string | undefined;
    'no-cached'?: boolean | undefined;
  },
): Omit<HttpBenchOptions, 'pgUrl'> {
  const client = values.client ?? 'http';
  if (client !== 'http' && client !== 'raw') throw new Error(`--client must be http or raw, got ${client}`);
  return {
    durationMs: (values.duration ? Number(values.duration) : quick ? 3 : 8) * 1000,
    warmupMs: quick ? 1000 : 2000,
    connections: values.connections ? Number.parseInt(values.connections, 10) : 50,
    releases: values.releases ? Number.parseInt(values.releases, 10) : quick ? 500 : 2000,
    rounds: values.rounds ? Number.parseInt(values.rounds, 10) : quick ? 1 : 2,
    client,
    cached: values['no-cached'] !== true,
  };
}

export const HTTP_OPTIONS = {
  duration: { type: 'string' },
  connections: { type: 'string' },
  releases: { type: 'string' },
  rounds: { type: 'string' },
  client: { type: 'string' },
  'no-cached': { type: 'boolean' },
} as const;

if (isMain(import.meta.url)) {
  if (process.argv.includes('--load-client')) {
    clientMain();
  } else {
    const { values } = parseArgs({
      options: {
        ...HTTP_OPTIONS,
        quick: { type: 'boolean', default: false },
        'no-pg': { type: 'boolean', default: false },
        'pg-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? DEFAULT_PG_URL },
      },
    });
    console.log(describeMachine(machineInfo(), undefined));
    const result = await runHttpBench({
      ...httpArgs(values.quick, values),
      pgUrl: values['no-pg'] ? undefined : values['pg-url'],
    });
    heading('Summary');
    console.log(summaryTable(result.summary, [0, 1, 2]));
  }
}
