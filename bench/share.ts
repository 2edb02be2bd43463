/**
 * Share benchmark, the entry point of `npm run bench:share`. Three parts, each run embedded (PGlite, memory bus and
 * share store) and scaled (PostgreSQL + Redis bus and share store) when both are reachable; the app is served by this
 * process in both modes (container + buildApp + listen on a free port, LOG_LEVEL=silent), never by a child:
 *   relay:  live relay latency added by the server. In a forked client process, a host pushes 16 KB pcm_f32 chunks at
 *           50 a second over the host WebSocket (`/api/share/:id/host`, binary frames from `encodeAudioFrame`, each
 *           header's `timestamp` = its send time, `performance.timeOrigin + performance.now()`), and 1, 100 and 1,000
 *           listener WebSockets (`/api/share/:id/listen?token=`) in the same client process note when each chunk
 *           arrives: one-way latency on one clock, over every (listener, chunk) pair of the measured window, with
 *           chunks missing (loss) and listeners dropped. Baseline, in the same run and driven identically: a bare `ws`
 *           WebSocketServer in this process that broadcasts each frame its one sender sends to the same N clients (no
 *           header parsing, no bus, no store), measured just before ours (and again just after at the largest N,
 *           the better of the two being the baseline); "added" = ours − baseline at p50 and p99. Also: the server's
 *           CPU per frame sent, its broadcast time per chunk, and the time and CPU to join the N listeners;
 *   poll:   `GET /api/share/:id/audio?since=&token=` requests/s against a bare Fastify hello-world in this process,
 *           both driven in turn by bench/http.ts's load client (a child process, as bench/trending's cache part): a
 *           session holding a full buffer (50 chunks of 16 KB posted), polled with `since` = the newest sequence
 *           number (the steady-state poll: 204) and with `since` = newest − 1 (one chunk: 200, ~22 KB of JSON);
 *           beside them a bench-only hello-world added to the app instance, the floor every route of the app starts
 *           from;
 *   memory: heap, external and RSS of this (server) process before and after 1,000 idle listeners connect (GC
 *           forced), per listener; the bare `ws` server's figure beside it. Runs first, while the heap is fresh.
 * Then a summary table with each figure, its baseline, the ratio, the target and whether it is met.
 *
 *   npm run bench:share -- [--only relay|poll|memory]
 *                          [--listeners 1,100,1000] [--seconds 10] [--warmup 2] [--rate 50] [--chunk-bytes 16384]
 *                          [--duration 6] [--connections 50] [--rounds 2]                           (poll)
 *                          [--memory-listeners 1000]                                               (memory)
 *                          [--no-services] [--pg-url URL] [--redis-url URL]
 *
 * The client process holds the host and every listener, so its event loop does not share the server's; but on a
 * 2-core machine the server, the client (and Redis) compete for two cores, and 1,000 listeners at 50 chunks/s is
 * 800 MB/s of WebSocket traffic each way over loopback: figures are noisy, and the baseline is there to say what the
 * machine itself costs. The bench config raises SHARE_HOST_WRITES_PER_SECOND, SHARE_READS_PER_MINUTE,
 * SHARE_STARTS_PER_MINUTE, MAX_SESSIONS and SHARE_LISTENER_QUEUE_BYTES so no limit interferes, and SHARE_AUDIO_TTL_S
 * so the polled buffer does not expire while it is driven.
 *
 * PostgreSQL: BENCH_DATABASE_URL or --pg-url (default postgres://postgres@127.0.0.1:5432/test); the bench creates and
 * drops its own database per run. Redis: BENCH_REDIS_URL or --redis-url (default redis://127.0.0.1:6379), with a key
 * prefix of its own per run, deleted afterwards. One app per mode serves every part. Scaled runs are skipped with a
 * message when either is unreachable. Figures go to stdout, progress to stderr. Prints figures; never fails on them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { App } from '../src/app.ts';
import { parseConfig } from '../src/config.ts';
import { createContainer, type Container } from '../src/container.ts';
import { encodeAudioFrame } from '../src/domain/audio-frame.ts';
import { openDatabase, type DatabaseHandle } from '../src/infra/db.ts';
import { createLogger } from '../src/infra/logger.ts';
import {
  collectGarbage,
  DEFAULT_PG_URL,
  describeMachine,
  fixed,
  hasGc,
  heading,
  int,
  loadNow,
  machineInfo,
  onExit,
  procCpuMs,
  quantile,
  sleep,
  summaryTable,
  table,
  type SummaryRow,
} from './lib.ts';
import { embeddedStorage, probeServices, scaledStorage, type Services, type Storage } from './services.ts';
import { LoadClient } from './http.ts';

const PARTS = ['relay', 'poll', 'memory'] as const;
type Part = (typeof PARTS)[number];

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef';
const SHARE_TOKEN = 'bench-share-token-0123456789';
/** A cron that never fires during a run: the releases job stays out of the figures. */
const NEVER = '0 0 1 1 *';
/** The bench's limits: high enough that none of them refuses or drops anything the bench does. */
const LIMITS = {
  SHARE_HOST_WRITES_PER_SECOND: '1000000',
  SHARE_READS_PER_MINUTE: '10000000',
  SHARE_STARTS_PER_MINUTE: '1000000',
  MAX_SESSIONS: '100000',
  SHARE_LISTENER_QUEUE_BYTES: String(64 * 1024 * 1024),
  SHARE_AUDIO_TTL_S: '3600',
};
/** The bench-only hello-world route added to the app instance (poll part). */
const APP_HELLO_PATH = '/bench/app-hello';
/** Buffered chunks per session (the seed's 50, fixed in the container). */
const BUFFER_CHUNKS = 50;
/** Listener sockets opened at once by the client (a larger burst overflows the accept backlog). */
const CONNECT_BATCH = 100;
/** The longest the client waits after its last send for chunks still in flight. */
const DRAIN_MS = 5000;

const progress = (message: string): void => {
  process.stderr.write(`[bench:share ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/** Milliseconds since the epoch with sub-millisecond precision, the clock of the frame headers. */
const epochMs = (): number => performance.timeOrigin + performance.now();

const ms = (x: number): string => (!Number.isFinite(x) ? 'n/a' : Math.abs(x) < 10 ? x.toFixed(2) : x.toFixed(1));
const signed = (x: number): string => (!Number.isFinite(x) ? 'n/a' : `${x >= 0 ? '+' : '−'}${ms(Math.abs(x))}`);
const pct = (x: number): string => (Number.isFinite(x) ? `${fixed(x * 100, 1)}%` : 'n/a');

// ---------------------------------------------------------------------------------------------------------------
// The client process: one host and N listeners (forked with --listener-client)

type ClientCommand =
  | { type: 'connect'; url: string; count: number; awaitState: boolean }
  | {
      type: 'run';
      hostUrl: string;
      rate: number;
      chunkBytes: number;
      warmupMs: number;
      durationMs: number;
      drainMs: number;
    }
  | { type: 'disconnect' };

interface ConnectReply {
  type: 'connected';
  opened: number;
  failed: number;
  firstError: string | undefined;
  /** From the first socket opened to the last listener's `state` (ours) or `open` (bare server). */
  joinMs: number;
  /** Until no text frame had arrived for a while (the listener-count broadcasts of the joins settled). */
  settledMs: number;
  /** Text frames received while joining (state + listener counts). */
  texts: number;
}

interface RunReply {
  type: 'result';
  /** Listeners open when the host started. */
  listeners: number;
  /** Chunks in the measured window. */
  chunks: number;
  /** Chunks sent in all (warm-up and window). */
  sent: number;
  samples: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** Per chunk, the first and the last listener's latency: p50 over the window's chunks. */
  firstP50: number;
  lastP50: number;
  lastP99: number;
  /** The last listener's latency (p50) over the first and over the last second of the window: growth = saturation. */
  lastFirstSecond: number;
  lastLastSecond: number;
  /** How long the client waited after the last send for the chunks still in flight. */
  drainMs: number;
  /** (listener, chunk) pairs never received (after the drain), over listeners open at the start. */
  missing: number;
  duplicates: number;
  dropped: number;
  closeCodes: string;
  hostErrors: number;
  hostFirstError: string | undefined;
  hostClosed: number | undefined;
  clientCpuMs: number;
  windowMs: number;
  /** How late the host's sends were against their schedule (client saturation). */
  sendLagP99: number;
}

type ClientReply = ConnectReply | RunReply | { type: 'disconnected' };

interface ClientListener {
  ws: WebSocket;
  index: number;
  texts: number;
  closedDuringRun: boolean;
  closeCode: number | undefined;
}

interface Measure {
  first: number;
  chunks: number;
  got: Uint8Array;
  lat: Float64Array;
  count: number;
  duplicates: number;
  firstLat: Float64Array;
  lastLat: Float64Array;
}

function clientMain(): void {
  let listeners: ClientListener[] = [];
  let measuring: Measure | undefined;
  let running = false;
  let lastTextAt = 0;
  let texts = 0;
  const send = (reply: ClientReply): void => void process.send?.(reply);

  const onMessage = (listener: ClientListener, data: RawData, isBinary: boolean): void => {
    if (!isBinary) {
      listener.texts++;
      texts++;
      lastTextAt = performance.now();
      return;
    }
    const m = measuring;
    if (!m) return;
    const now = epochMs();
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (bytes.byteLength < 20) return;
    const k = bytes.readUInt32LE(8) - m.first;
    if (k < 0 || k >= m.chunks) return;
    const slot = listener.index * m.chunks + k;
    if (m.got[slot]) {
      m.duplicates++;
      return;
    }
    m.got[slot] = 1;
    const latency = now - bytes.readDoubleLE(12);
    m.lat[m.count++] = latency;
    if (latency < m.firstLat[k]!) m.firstLat[k] = latency;
    if (latency > m.lastLat[k]!) m.lastLat[k] = latency;
  };

  const open = (url: string, index: number): Promise<ClientListener | string> =>
    new Promise((resolve) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const listener: ClientListener = { ws, index, texts: 0, closedDuringRun: false, closeCode: undefined };
      ws.on('message', (data, isBinary) => onMessage(listener, data, isBinary));
      ws.on('close', (code) => {
        listener.closeCode = code;
        if (running) listener.closedDuringRun = true;
      });
      ws.once('unexpected-response', (_request, response) => {
        resolve(`upgrade refused: ${response.statusCode}`);
        ws.terminate();
      });
      ws.on('error', (err) => resolve(err.message));
      ws.once('open', () => resolve(listener));
    });

  const connect = async (c: Extract<ClientCommand, { type: 'connect' }>): Promise<ConnectReply> => {
    const started = performance.now();
    texts = 0;
    let failed = 0;
    let firstError: string | undefined;
    for (let at = 0; at < c.count; at += CONNECT_BATCH) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(CONNECT_BATCH, c.count - at) }, (_, i) => open(c.url, listeners.length + i)),
      );
      for (const outcome of batch) {
        if (typeof outcome === 'string') {
          failed++;
          firstError ??= outcome;
        } else listeners.push(outcome);
      }
    }
    // Indices are positions in `listeners` (failed opens left none).
    listeners.forEach((listener, i) => (listener.index = i));
    const deadline = performance.now() + 60_000;
    if (c.awaitState) {
      while (listeners.some((l) => l.texts === 0 && l.closeCode === undefined) && performance.now() < deadline) {
        await sleep(10);
      }
    }
    const joinMs = performance.now() - started;
    // The joins' listener-count broadcasts: wait until none arrived for 300 ms.
    while (performance.now() - lastTextAt < 300 && performance.now() < deadline) await sleep(50);
    return {
      type: 'connected',
      opened: listeners.length,
      failed,
      firstError,
      joinMs,
      settledMs: performance.now() - started,
      texts,
    };
  };

  const run = async (c: Extract<ClientCommand, { type: 'run' }>): Promise<RunReply> => {
    const host = new WebSocket(c.hostUrl, { perMessageDeflate: false });
    let hostErrors = 0;
    let hostFirstError: string | undefined;
    let hostClosed: number | undefined;
    host.on('message', (data, isBinary) => {
      if (isBinary) return;
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const text = bytes.toString('utf8');
      if (!text.includes('"error"')) return;
      hostErrors++;
      hostFirstError ??= text.slice(0, 200);
    });
    host.on('close', (code) => (hostClosed = code));
    host.on('error', (err) => (hostFirstError ??= err.message));
    await once(host, 'open');

    const warmup = Math.round((c.warmupMs * c.rate) / 1000);
    const chunks = Math.round((c.durationMs * c.rate) / 1000);
    const n = listeners.length;
    const m: Measure = {
      first: warmup + 1,
      chunks,
      got: new Uint8Array(n * chunks),
      lat: new Float64Array(n * chunks),
      count: 0,
      duplicates: 0,
      firstLat: new Float64Array(chunks).fill(Number.POSITIVE_INFINITY),
      lastLat: new Float64Array(chunks).fill(Number.NEGATIVE_INFINITY),
    };
    const closedBefore = listeners.filter((l) => l.closeCode !== undefined).length;
    measuring = m;
    running = true;
    const samples = new Float32Array(c.chunkBytes / 4);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.sin(i / 20) * 0.25;
    const data = new Uint8Array(samples.buffer);
    const period = 1000 / c.rate;
    const lags: number[] = [];
    let cpuAtStart = process.cpuUsage();
    let windowStarted = 0;
    const t0 = performance.now() + 20;
    for (let seq = 1; seq <= warmup + chunks; seq++) {
      const due = t0 + (seq - 1) * period;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (seq === warmup + 1) {
        cpuAtStart = process.cpuUsage();
        windowStarted = performance.now();
      }
      if (seq > warmup) lags.push(performance.now() - due);
      const frame = encodeAudioFrame({
        codec: 'pcm_f32',
        channels: 2,
        sampleRate: 48_000,
        sequenceNumber: seq,
        timestamp: epochMs(),
        data,
      });
      host.send(frame);
    }
    const windowMs = performance.now() - windowStarted;
    const used = process.cpuUsage(cpuAtStart);
    // Drain: until every chunk reached every listener still open, or nothing arrived for a second, or `drainMs`.
    const drainStarted = performance.now();
    let seen = m.count;
    let progressAt = drainStarted;
    while (performance.now() - drainStarted < c.drainMs) {
      const open = listeners.filter((l) => l.closeCode === undefined).length;
      if (m.count >= open * chunks) break;
      if (m.count !== seen) {
        seen = m.count;
        progressAt = performance.now();
      } else if (performance.now() - progressAt > 1000) break;
      await sleep(50);
    }
    const drainMs = performance.now() - drainStarted;
    running = false;
    measuring = undefined;
    host.close();

    const sorted = m.lat.subarray(0, m.count).sort();
    let sum = 0;
    for (const x of sorted) sum += x;
    const firsts = m.firstLat.filter(Number.isFinite).sort();
    const lasts = m.lastLat.filter(Number.isFinite).sort();
    const second = Math.max(1, Math.round(c.rate));
    const lastEarly = m.lastLat.subarray(0, second).filter(Number.isFinite).sort();
    const lastLate = m.lastLat
      .subarray(Math.max(0, chunks - second))
      .filter(Number.isFinite)
      .sort();
    const codes = new Map<number, number>();
    for (const l of listeners) {
      if (l.closedDuringRun) codes.set(l.closeCode ?? 0, (codes.get(l.closeCode ?? 0) ?? 0) + 1);
    }
    return {
      type: 'result',
      listeners: n - closedBefore,
      chunks,
      sent: warmup + chunks,
      samples: m.count,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      p999: quantile(sorted, 0.999),
      max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
      mean: sum / Math.max(1, m.count),
      firstP50: quantile(firsts, 0.5),
      lastP50: quantile(lasts, 0.5),
      lastP99: quantile(lasts, 0.99),
      lastFirstSecond: quantile(lastEarly, 0.5),
      lastLastSecond: quantile(lastLate, 0.5),
      drainMs,
      missing: (n - closedBefore) * chunks - m.count,
      duplicates: m.duplicates,
      dropped: listeners.filter((l) => l.closedDuringRun).length,
      closeCodes: [...codes].map(([code, count]) => `${count}×${code}`).join(', '),
      hostErrors,
      hostFirstError,
      hostClosed,
      clientCpuMs: (used.user + used.system) / 1000,
      windowMs,
      sendLagP99: quantile(Float64Array.from(lags).sort(), 0.99),
    };
  };

  const disconnect = async (): Promise<void> => {
    for (const l of listeners) l.ws.terminate();
    listeners = [];
    await sleep(200);
  };

  process.on('message', (command: ClientCommand) => {
    void (async () => {
      if (command.type === 'connect') send(await connect(command));
      else if (command.type === 'run') send(await run(command));
      else {
        await disconnect();
        send({ type: 'disconnected' });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

/** The parent's handle on the client process. */
class ListenerClient {
  readonly #child: ChildProcess;

  constructor() {
    // Inherits execArgv (--import tsx, --expose-gc) so the child runs TypeScript the same way.
    this.#child = fork(new URL(import.meta.url), ['--listener-client'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    onExit(async () => {
      this.#child.kill('SIGKILL');
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #request<T extends ClientReply>(command: ClientCommand, reply: T['type'], timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#child.off('message', onMessage);
        reject(new Error(`the client process did not answer ${command.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: ClientReply): void => {
        if (message.type === reply) {
          clearTimeout(timer);
          this.#child.off('message', onMessage);
          resolve(message as T);
        }
      };
      this.#child.on('message', onMessage);
      this.#child.send(command);
    });
  }

  connect(url: string, count: number, awaitState: boolean): Promise<ConnectReply> {
    return this.#request({ type: 'connect', url, count, awaitState }, 'connected', 120_000);
  }

  run(command: Omit<Extract<ClientCommand, { type: 'run' }>, 'type'>): Promise<RunReply> {
    const timeout = command.warmupMs + command.durationMs + command.drainMs + 60_000;
    return this.#request({ type: 'run', ...command }, 'result', timeout);
  }

  async disconnect(): Promise<void> {
    await this.#request({ type: 'disconnect' }, 'disconnected', 30_000);
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

// ---------------------------------------------------------------------------------------------------------------
// Main process: options, services, stacks

function parseOptions() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      listeners: { type: 'string', default: '1,100,1000' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      rate: { type: 'string', default: '50' },
      'chunk-bytes': { type: 'string', default: '16384' },
      duration: { type: 'string', default: '6' },
      connections: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '2' },
      'memory-listeners': { type: 'string', default: '1000' },
      'no-services': { type: 'boolean', default: false },
      'pg-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? DEFAULT_PG_URL },
      'redis-url': { type: 'string', default: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    },
  });
  const only = values.only as Part | undefined;
  if (only !== undefined && !PARTS.includes(only)) throw new Error(`--only must be one of ${PARTS.join('|')}`);
  const positive = (name: string, raw: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} takes a positive number, got ${raw}`);
    return n;
  };
  const chunkBytes = Math.trunc(positive('chunk-bytes', values['chunk-bytes']));
  if (chunkBytes % 8 !== 0) throw new Error('--chunk-bytes must hold whole stereo float frames (a multiple of 8)');
  return {
    only,
    listeners: values.listeners.split(',').map((s) => Math.trunc(positive('listeners', s))),
    seconds: positive('seconds', values.seconds),
    warmupS: positive('warmup', values.warmup),
    rate: positive('rate', values.rate),
    chunkBytes,
    durationMs: positive('duration', values.duration) * 1000,
    connections: Math.trunc(positive('connections', values.connections)),
    rounds: Math.trunc(positive('rounds', values.rounds)),
    memoryListeners: Math.trunc(positive('memory-listeners', values['memory-listeners'])),
    noServices: values['no-services'],
    pgUrl: values['pg-url'],
    redisUrl: values['redis-url'],
  };
}

type Options = ReturnType<typeof parseOptions>;

type Mode = Storage['mode'];

interface Stack {
  mode: Mode;
  container: Container;
  app: App;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The app (role `serve`) on `storage`, listening on a free port in this process. */
async function openStack(storage: Storage): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'backbeat-bench-share-'));
  let database: DatabaseHandle | undefined;
  try {
    database = await openDatabase({ url: storage.pgUrl });
    await database.migrate();
    const config = parseConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN,
      JWT_SECRET,
      BEARER_TOKEN: SHARE_TOKEN,
      DATA_DIR: dataDir,
      FETCH_ON_START: 'false',
      FETCH_CRON: NEVER,
      ENABLE_BACKGROUND_SYNC: 'false',
      JIOSAAVN_BASE_URL: 'http://127.0.0.1:9',
      DATABASE_URL: storage.pgUrl,
      REDIS_URL: storage.redisUrl,
      REDIS_PREFIX: storage.prefix,
      ...LIMITS,
    });
    const container = await createContainer(config, { role: 'serve', database, logger: createLogger('silent') });
    const app = await container.buildApp();
    // Bench-only: a hello-world on the app instance (its hooks: security headers, metrics, request checks), the floor
    // any route of the app starts from.
    app.get(APP_HELLO_PATH, async () => ({ hello: 'world' }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    await container.start();
    const db = database;
    return {
      mode: storage.mode,
      container,
      app,
      url,
      port: (app.server.address() as AddressInfo).port,
      close: async () => {
        await app.close();
        await container.close();
        await db.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await database?.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** The app in each mode, opened once for the whole run and shared by the parts. */
interface Stacks {
  open: Stack[];
  /** Why the scaled stack is missing, when it is. */
  skipped: string | undefined;
  close(): Promise<void>;
}

async function openStacks(services: Services): Promise<Stacks> {
  const open: Stack[] = [];
  const storages: Storage[] = [];
  const close = async (): Promise<void> => {
    for (const stack of open) await stack.close().catch(() => undefined);
    for (const storage of storages) await storage.close().catch(() => undefined);
  };
  try {
    progress('opening the embedded stack (PGlite, memory bus and share store)');
    open.push(await openStack(embeddedStorage()));
    const scaled = await scaledStorage(services, 'share', 'run');
    if (typeof scaled === 'string') return { open, skipped: scaled, close };
    storages.push(scaled);
    progress('opening the scaled stack (PostgreSQL, Redis bus and share store)');
    open.push(await openStack(scaled));
    return { open, skipped: undefined, close };
  } catch (err) {
    await close();
    throw err;
  }
}

let nextSessionId = 400_000 + (process.pid % 100_000);
const auth = { authorization: `Bearer ${SHARE_TOKEN}` };

/** Starts a session over the API; returns its id and listener token. */
async function startSession(stack: Stack): Promise<{ id: string; listenerToken: string }> {
  const id = String(nextSessionId++).padStart(6, '0').slice(-6);
  const res = await fetch(`${stack.url}/api/share/start`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ sessionId: id }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`start ${id}: ${res.status} ${text.slice(0, 300)}`);
  return { id, listenerToken: (JSON.parse(text) as { listenerToken: string }).listenerToken };
}

async function stopSession(stack: Stack, id: string): Promise<void> {
  await fetch(`${stack.url}/api/share/${id}/stop`, { method: 'POST', headers: auth }).then((r) => r.arrayBuffer());
}

const wsBase = (httpUrl: string): string => httpUrl.replace(/^http/, 'ws');

/** The baseline: a bare `ws` server broadcasting each frame of its sender (`/host`) to every other client. */
interface BareServer {
  url: string;
  /** Milliseconds spent broadcasting (from a frame received to it handed to every socket), and frames broadcast. */
  fanout(): { sumMs: number; count: number };
  close(): Promise<void>;
}

async function startBareServer(maxPayload: number): Promise<BareServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload });
  await once(wss, 'listening');
  const listeners = new Set<WebSocket>();
  let sumMs = 0;
  let count = 0;
  wss.on('connection', (ws, request) => {
    ws.on('error', () => undefined);
    if (request.url?.startsWith('/host')) {
      ws.on('message', (data, isBinary) => {
        const started = performance.now();
        for (const listener of listeners) listener.send(data as Buffer, { binary: isBinary });
        sumMs += performance.now() - started;
        count++;
      });
    } else {
      listeners.add(ws);
      ws.on('close', () => listeners.delete(ws));
    }
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    fanout: () => ({ sumMs, count }),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// memory: server memory per idle listener

interface MemorySample {
  heap: number;
  external: number;
  rss: number;
}

async function memorySample(): Promise<MemorySample> {
  collectGarbage();
  await sleep(200);
  collectGarbage();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external + m.arrayBuffers, rss: m.rss };
}

interface MemoryResult {
  label: string;
  listeners: number;
  failed: number;
  joinMs: number;
  before: MemorySample;
  after: MemorySample;
  released: MemorySample;
}

async function memoryCase(
  label: string,
  client: ListenerClient,
  url: string,
  count: number,
  awaitState: boolean,
): Promise<MemoryResult> {
  const before = await memorySample();
  const joined = await client.connect(url, count, awaitState);
  // One presence heartbeat (every 2 s) has written every listener by now.
  await sleep(2500);
  const after = await memorySample();
  await client.disconnect();
  await sleep(1000);
  const released = await memorySample();
  progress(
    `  memory ${label}: ${joined.opened} listeners (${joined.failed} failed) joined in ${int(joined.joinMs)} ms; ` +
      `heap ${fixed((after.heap - before.heap) / 1024 / Math.max(1, joined.opened), 1)} KB each`,
  );
  return { label, listeners: joined.opened, failed: joined.failed, joinMs: joined.joinMs, before, after, released };
}

async function benchMemory(o: Options, stacks: Stacks, client: ListenerClient, summary: SummaryRow[]) {
  heading(
    `memory: this (server) process before and after ${int(o.memoryListeners)} idle listener WebSockets connect ` +
      `(GC forced${hasGc() ? '' : ' — NOT available, run with --expose-gc'})`,
  );
  const results: MemoryResult[] = [];
  {
    progress('memory, bare ws server');
    const bare = await startBareServer(1024 * 1024);
    try {
      results.push(
        await memoryCase('bare ws server (baseline)', client, `${bare.url}/listen`, o.memoryListeners, false),
      );
    } finally {
      await bare.close();
    }
  }
  for (const stack of stacks.open) {
    progress(`memory, ${stack.mode}`);
    const { id, listenerToken } = await startSession(stack);
    const url = `${wsBase(stack.url)}/api/share/${id}/listen?token=${encodeURIComponent(listenerToken)}`;
    results.push(await memoryCase(`Backbeat ${stack.mode}`, client, url, o.memoryListeners, true));
    await stopSession(stack, id);
  }
  const skipped = stacks.skipped;
  const kb = (bytes: number, n: number): string => fixed(bytes / 1024 / Math.max(1, n), 1);
  const mb = (bytes: number): string => fixed(bytes / 1024 / 1024, 1);
  console.log(
    table(
      [
        'server',
        'listeners',
        'join ms',
        'heap MB before → after',
        'heap KB/listener',
        'external KB/listener',
        'RSS MB before → after',
        'RSS KB/listener',
        'heap MB left after they closed',
      ],
      results.map((r) => [
        r.label,
        `${int(r.listeners)}${r.failed > 0 ? ` (${r.failed} failed)` : ''}`,
        int(r.joinMs),
        `${mb(r.before.heap)} → ${mb(r.after.heap)}`,
        kb(r.after.heap - r.before.heap, r.listeners),
        kb(r.after.external - r.before.external, r.listeners),
        `${mb(r.before.rss)} → ${mb(r.after.rss)}`,
        kb(r.after.rss - r.before.rss, r.listeners),
        `${signed((r.released.heap - r.before.heap) / 1024 / 1024)}`,
      ]),
    ),
  );
  if (skipped) console.log(`scaled: skipped (${skipped})`);
  console.log(
    'Heap is the figure to read: RSS moves by whole pages and keeps what earlier work freed. In scaled mode the ' +
      'presence entries live in Redis, not in this process.',
  );
  const baseline = results[0]!;
  const baseHeap = (baseline.after.heap - baseline.before.heap) / 1024 / Math.max(1, baseline.listeners);
  for (const r of results.slice(1)) {
    const heap = (r.after.heap - r.before.heap) / 1024 / Math.max(1, r.listeners);
    summary.push({
      figure: `memory ${r.label}: server heap / RSS per idle listener`,
      value: `${fixed(heap, 1)} KB / ${kb(r.after.rss - r.before.rss, r.listeners)} KB`,
      baseline: `bare ws ${fixed(baseHeap, 1)} KB / ${kb(baseline.after.rss - baseline.before.rss, baseline.listeners)} KB`,
      ratio: `×${fixed(heap / baseHeap, 1)}`,
      target: '—',
      met: '—',
    });
  }
  if (skipped) {
    summary.push({ figure: 'memory scaled', value: '—', baseline: '—', ratio: '—', target: '—', met: 'skipped' });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// relay: latency added by the server

interface RelayCase {
  server: string;
  listeners: number;
  join: ConnectReply;
  /** CPU of this (server) process while the N listeners joined. */
  joinCpuMs: number;
  r: RunReply;
  /** CPU of this (server) process over the run, per frame sent to a listener (warm-up and window). */
  serverUsPerFrame: number;
  /** CPU of the Redis server over the run, per chunk (scaled only, when Redis runs on this machine). */
  redisUsPerChunk: number | undefined;
  loopP99: number;
  loopMax: number;
  /**
   * Server-side broadcast time per chunk, mean over the run: ours from the relay's own histogram (a chunk accepted,
   * i.e. stored, to its frame handed to every socket), the bare server's from its frame received to the same point.
   */
  fanoutMean: number;
}

/** Sum (ms) and count of the relay's latency histogram, to take a window's mean. */
async function relayHistogram(stack: Stack): Promise<{ sumMs: number; count: number }> {
  const metric = stack.container.metrics.registry.getSingleMetric('backbeat_share_relay_latency_seconds');
  if (!metric) return { sumMs: Number.NaN, count: Number.NaN };
  const { values } = await metric.get();
  let sum = 0;
  let count = 0;
  for (const v of values as { value: number; metricName?: string }[]) {
    if (v.metricName?.endsWith('_sum')) sum += v.value;
    else if (v.metricName?.endsWith('_count')) count += v.value;
  }
  return { sumMs: sum * 1000, count };
}

interface RelayTarget {
  server: string;
  listenUrl: string;
  hostUrl: string;
  /** Ours: wait for each listener's `state` before sending. */
  awaitState: boolean;
  /** Scaled: Redis CPU is read too. */
  scaled: boolean;
  fanout: () => Promise<{ sumMs: number; count: number }>;
}

async function relayCase(
  o: Options,
  services: Services,
  client: ListenerClient,
  target: RelayTarget,
  n: number,
): Promise<RelayCase> {
  const { server } = target;
  const cpuMs = (used: NodeJS.CpuUsage): number => (used.user + used.system) / 1000;
  const joinAt = process.cpuUsage();
  const join = await client.connect(target.listenUrl, n, target.awaitState);
  const joinCpuMs = cpuMs(process.cpuUsage(joinAt));
  if (join.failed > 0) progress(`  ${join.failed} listeners failed to connect: ${join.firstError}`);
  await sleep(300);
  collectGarbage();
  // Over the whole run (warm-up, window, drain): the IPC marks of the window arrive late when this loop is busy.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const fanoutBefore = await target.fanout();
  const redisPid = target.scaled ? services.redisPid : undefined;
  const redisAt = redisPid === undefined ? undefined : procCpuMs(redisPid);
  const cpuAt = process.cpuUsage();
  loop.enable();
  const r = await client.run({
    hostUrl: target.hostUrl,
    rate: o.rate,
    chunkBytes: o.chunkBytes,
    warmupMs: o.warmupS * 1000,
    durationMs: o.seconds * 1000,
    drainMs: DRAIN_MS,
  });
  loop.disable();
  const serverMs = cpuMs(process.cpuUsage(cpuAt));
  const redisMs = redisAt === undefined ? undefined : (procCpuMs(redisPid!) ?? Number.NaN) - redisAt;
  const fanoutAfter = await target.fanout();
  await client.disconnect();
  await sleep(300);
  const c: RelayCase = {
    server,
    listeners: n,
    join,
    joinCpuMs,
    r,
    serverUsPerFrame: (serverMs * 1000) / Math.max(1, r.listeners * r.sent),
    redisUsPerChunk: redisMs === undefined ? undefined : (redisMs * 1000) / Math.max(1, r.sent),
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
    fanoutMean: (fanoutAfter.sumMs - fanoutBefore.sumMs) / (fanoutAfter.count - fanoutBefore.count),
  };
  progress(
    `  ${server}, ${int(n)} listener(s): p50 ${ms(r.p50)} / p99 ${ms(r.p99)} / max ${ms(r.max)} ms, ` +
      `missing ${int(r.missing)}, dropped ${r.dropped}; server ${fixed(c.serverUsPerFrame, 1)} µs CPU/frame, ` +
      `client CPU ${fixed((r.clientCpuMs / r.windowMs) * 100, 0)}%; joined in ${fixed(join.settledMs / 1000, 1)} s ` +
      `(${loadNow()})`,
  );
  return c;
}

/** Chunks queued faster than they drained: the last listener's latency grew over the window, or is far behind. */
const BARE_BEFORE = 'bare ws';
const BARE_AFTER = 'bare ws (again)';

const saturated = (r: RunReply): boolean => r.lastLastSecond - r.lastFirstSecond > 50 || r.lastP50 > 250;

async function benchRelay(
  o: Options,
  services: Services,
  stacks: Stacks,
  client: ListenerClient,
  summary: SummaryRow[],
) {
  heading(
    `relay: host → N listener WebSockets, ${fixed(o.chunkBytes / 1024, 0)} KB pcm_f32 chunks at ${o.rate}/s, ` +
      `${o.seconds} s measured after ${o.warmupS} s of warm-up, per case`,
  );
  console.log(
    `Host and listeners in one forked client process (one clock: latency = receipt − the header's send time); the ` +
      `server (ours, or the bare ws baseline) in this process, embedded and scaled app both served here. Limits ` +
      `raised for the bench: ${Object.entries(LIMITS)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}.`,
  );
  const bare = await startBareServer(1024 * 1024);
  const skipped = stacks.skipped;
  const cases: RelayCase[] = [];
  try {
    const bareTarget = (server: string): RelayTarget => ({
      server,
      listenUrl: `${bare.url}/listen`,
      hostUrl: `${bare.url}/host`,
      awaitState: false,
      scaled: false,
      fanout: async () => bare.fanout(),
    });
    const largest = Math.max(...o.listeners);
    for (const n of o.listeners) {
      progress(`relay, ${int(n)} listener(s)`);
      cases.push(await relayCase(o, services, client, bareTarget(BARE_BEFORE), n));
      for (const stack of stacks.open) {
        const { id, listenerToken } = await startSession(stack);
        const base = `${wsBase(stack.url)}/api/share/${id}`;
        const listenUrl = `${base}/listen?token=${encodeURIComponent(listenerToken)}`;
        const hostUrl = `${base}/host?token=${encodeURIComponent(SHARE_TOKEN)}`;
        const target: RelayTarget = {
          server: `Backbeat ${stack.mode}`,
          listenUrl,
          hostUrl,
          awaitState: true,
          scaled: stack.mode === 'scaled',
          fanout: () => relayHistogram(stack),
        };
        cases.push(await relayCase(o, services, client, target, n));
        await stopSession(stack, id);
      }
      // The largest N, where the machine is closest to its limit, gets its baseline again after ours.
      if (n === largest) cases.push(await relayCase(o, services, client, bareTarget(BARE_AFTER), n));
    }
  } finally {
    await bare.close();
  }

  console.log(
    table(
      [
        'server',
        'listeners',
        'samples',
        'p50 ms',
        'p99 ms',
        'p99.9 ms',
        'max ms',
        'mean ms',
        'first listener p50',
        'last listener p50 / p99',
        'last listener p50, first s → last s',
        'missing',
        'dropped',
        'join s (server CPU s)',
        'server CPU µs/frame',
        'server loop delay p99 / max',
        'server fan-out mean',
        'client CPU',
        'host send lag p99',
        'drain s',
        'Redis CPU µs/chunk',
      ],
      cases.map((c) => [
        c.server,
        int(c.listeners),
        int(c.r.samples),
        ms(c.r.p50),
        ms(c.r.p99),
        ms(c.r.p999),
        ms(c.r.max),
        ms(c.r.mean),
        ms(c.r.firstP50),
        `${ms(c.r.lastP50)} / ${ms(c.r.lastP99)}`,
        `${ms(c.r.lastFirstSecond)} → ${ms(c.r.lastLastSecond)}`,
        `${int(c.r.missing)} (${pct(c.r.missing / Math.max(1, c.r.listeners * c.r.chunks))})`,
        `${c.r.dropped}${c.r.closeCodes ? ` (${c.r.closeCodes})` : ''}`,
        `${fixed(c.join.settledMs / 1000, 1)} (${fixed(c.joinCpuMs / 1000, 1)})`,
        fixed(c.serverUsPerFrame, 1),
        `${ms(c.loopP99)} / ${ms(c.loopMax)}`,
        ms(c.fanoutMean),
        `${fixed((c.r.clientCpuMs / c.r.windowMs) * 100, 0)}%`,
        ms(c.r.sendLagP99),
        fixed(c.r.drainMs / 1000, 1),
        c.redisUsPerChunk === undefined ? '—' : fixed(c.redisUsPerChunk, 0),
      ]),
    ),
  );
  for (const c of cases) {
    if (c.r.hostErrors > 0 || c.r.hostClosed !== undefined) {
      console.log(
        `  ${c.server}, ${c.listeners}: host errors ${c.r.hostErrors}${c.r.hostFirstError ? ` (${c.r.hostFirstError})` : ''}` +
          `${c.r.hostClosed !== undefined ? `, host closed ${c.r.hostClosed}` : ''}`,
      );
    }
    if (c.r.duplicates > 0) console.log(`  ${c.server}, ${c.listeners}: ${c.r.duplicates} duplicate frames`);
  }
  console.log(
    'first / last listener: per chunk, the latency of the first and the last of the N listeners to receive it (the ' +
      'spread is the fan-out). join s: connecting the N listeners until no listener-count frame arrived for 300 ms. ' +
      'last listener, first s → last s: its p50 over the first and the last second of the window (growth means ' +
      'the chunks queue: something is saturated). server fan-out mean: per chunk, from accepted (ours: decoded and ' +
      'stored, the relay’s own histogram; bare: received) to handed to every socket. host send lag: how late the ' +
      'client’s timer sent chunks (the client process’s own saturation). drain s: waited after the last send for ' +
      `chunks in flight (until all arrived, or none for 1 s; at most ${DRAIN_MS / 1000} s); missing: (listener, ` +
      'chunk) pairs not arrived by then (still queued when saturated, or lost). join s (server CPU s): connecting ' +
      'the N listeners until no listener-count frame arrived for 300 ms, and the CPU this process spent on it. ' +
      'server CPU µs/frame: this process over the whole run per frame sent to a listener (does not depend on ' +
      'whether the client keeps up; at 1 listener it is mostly the idle work of the process spread over few ' +
      'frames). saturated: the last listener’s latency grew by more than 50 ms over the ' +
      'window, or its p50 passed 250 ms: chunks queue faster than they drain, so latency depends on the window ' +
      'length and the machine, not on the server alone.',
  );
  const saturatedCases = cases.filter((c) => saturated(c.r));
  if (saturatedCases.length > 0) {
    console.log(
      `SATURATED: ${saturatedCases.map((c) => `${c.server} × ${int(c.listeners)}`).join(', ')}. At ` +
        `${int(Math.max(...o.listeners))} listeners the offered load is ${int(
          (Math.max(...o.listeners) * o.rate * (o.chunkBytes + 20)) / 1024 / 1024,
        )} MB/s of frames written by the server and read by the client over loopback: when the baseline saturates ` +
        'too, the target cannot be judged from latency on this machine (compare server CPU µs/frame and fan-out ' +
        'instead, or rerun with a load it sustains, e.g. --only relay --listeners 1000 --rate 10).',
    );
  }
  if (skipped) console.log(`scaled: skipped (${skipped})`);

  console.log(
    '\nAdded by the server (ours − the bare ws baseline of the same N, measured just before; at the largest N, ' +
      'also just after, and the better of the two is the baseline):',
  );
  const rows: string[][] = [];
  const isBare = (c: RelayCase): boolean => c.server === BARE_BEFORE || c.server === BARE_AFTER;
  for (const n of o.listeners) {
    const bases = cases.filter((c) => isBare(c) && c.listeners === n);
    const base = bases.reduce((best, c) => (c.r.p99 < best.r.p99 ? c : best));
    for (const c of cases.filter((x) => !isBare(x) && x.listeners === n)) {
      const addedP50 = c.r.p50 - base.r.p50;
      const addedP99 = c.r.p99 - base.r.p99;
      rows.push([
        c.server,
        int(n),
        `${ms(c.r.p50)} vs ${ms(base.r.p50)}`,
        signed(addedP50),
        `${ms(c.r.p99)} vs ${ms(base.r.p99)}`,
        signed(addedP99),
        `×${fixed(c.r.p99 / base.r.p99, 2)}`,
        [saturated(c.r) ? 'ours' : '', saturated(base.r) ? 'baseline' : ''].filter(Boolean).join(' + ') || 'no',
      ]);
      const targeted = n >= 1000;
      const flags = [saturated(c.r) ? 'SATURATED' : '', saturated(base.r) ? 'baseline SATURATED' : '']
        .filter(Boolean)
        .join(', ');
      // Two saturated systems compare queue lengths, not what the server adds: not assessable on this machine.
      const met: SummaryRow['met'] = !targeted
        ? '—'
        : saturated(base.r)
          ? '—'
          : addedP99 <= 5 && c.r.dropped === 0 && !saturated(c.r)
            ? 'yes'
            : 'NO';
      summary.push({
        figure: `relay ${c.server}, ${int(n)} listener(s): added p50 / p99`,
        value:
          `${signed(addedP50)} / ${signed(addedP99)} ms (p50 ${ms(c.r.p50)}, p99 ${ms(c.r.p99)}, max ` +
          `${ms(c.r.max)}; missing ${int(c.r.missing)}, dropped ${c.r.dropped}${flags ? `; ${flags}` : ''})`,
        baseline: `${base.server} p50 ${ms(base.r.p50)}, p99 ${ms(base.r.p99)}, max ${ms(base.r.max)}`,
        ratio: `×${fixed(c.r.p99 / base.r.p99, 2)} p99`,
        target: targeted ? `≤ 5 ms added at p99${saturated(base.r) ? ' (n/a: baseline saturated)' : ''}` : '—',
        met,
      });
      summary.push({
        figure: `  server CPU per frame sent, ${int(n)} listener(s)`,
        value: `${fixed(c.serverUsPerFrame, 1)} µs (fan-out ${ms(c.fanoutMean)} ms/chunk)`,
        baseline: `bare ws ${fixed(base.serverUsPerFrame, 1)} µs (${ms(base.fanoutMean)} ms/chunk)`,
        ratio: `×${fixed(c.serverUsPerFrame / base.serverUsPerFrame, 2)}`,
        target: '—',
        met: '—',
      });
      if (n === Math.max(...o.listeners)) {
        summary.push({
          figure: `  join ${int(n)} listeners (until quiet)`,
          value: `${fixed(c.join.settledMs / 1000, 1)} s (${fixed(c.joinCpuMs / 1000, 1)} s server CPU)`,
          baseline: `bare ws ${fixed(base.join.settledMs / 1000, 1)} s (${fixed(base.joinCpuMs / 1000, 1)} s)`,
          ratio: `×${fixed(c.join.settledMs / base.join.settledMs, 1)}`,
          target: '—',
          met: '—',
        });
      }
    }
  }
  console.log(
    table(['server', 'listeners', 'p50 ms', 'added p50', 'p99 ms', 'added p99', 'ratio p99', 'saturated'], rows, [0]),
  );
  if (skipped) {
    summary.push({
      figure: 'relay scaled',
      value: '—',
      baseline: '—',
      ratio: '—',
      target: '≤ 5 ms added at p99',
      met: 'skipped',
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// poll: GET /api/share/:id/audio?since= vs hello-world

/**
 * One target's figures over every round. The load comes from bench/http.ts's load client (`LoadClient`), so every
 * HTTP figure of the benches comes from the same generator: N keep-alive connections, each sending its next request
 * when the previous answer is complete.
 */
interface TargetFigures {
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  responses: number;
  errors: number;
  non2xx: number;
  bytesPerResponse: number;
  serverUsPerReq: number;
  clientCpuPct: number;
  firstError: string | undefined;
}

/** Drives each target in turn, `rounds` times (alternating, so each sees the same machine), and sums the rounds. */
async function drive(
  o: Options,
  client: LoadClient,
  targets: { name: string; port: number; path: string }[],
  redisPid: number | undefined,
): Promise<Map<string, TargetFigures & { redisUsPerReq: number | undefined }>> {
  const slice = Math.round(o.durationMs / o.rounds);
  const acc = new Map<
    string,
    {
      latencies: number[];
      responses: number;
      errors: number;
      non2xx: number;
      bytes: number;
      serverMs: number;
      redisMs: number | undefined;
      clientMs: number;
      windowMs: number;
      firstError: string | undefined;
    }
  >();
  for (let round = 0; round < o.rounds; round++) {
    for (const target of targets) {
      collectGarbage();
      let cpuAt = process.cpuUsage();
      let redisAt: number | undefined;
      let serverMs = 0;
      let redisMs: number | undefined;
      const result = await client.run(
        {
          host: '127.0.0.1',
          port: target.port,
          path: target.path,
          connections: o.connections,
          warmupMs: 1000,
          durationMs: slice,
          client: 'http',
        },
        {
          start: () => {
            cpuAt = process.cpuUsage();
            redisAt = redisPid === undefined ? undefined : procCpuMs(redisPid);
          },
          end: () => {
            const used = process.cpuUsage(cpuAt);
            serverMs = (used.user + used.system) / 1000;
            if (redisAt !== undefined) redisMs = procCpuMs(redisPid!)! - redisAt;
          },
        },
      );
      const a = acc.get(target.name) ?? {
        latencies: [],
        responses: 0,
        errors: 0,
        non2xx: 0,
        bytes: 0,
        serverMs: 0,
        redisMs: redisPid === undefined ? undefined : 0,
        clientMs: 0,
        windowMs: 0,
        firstError: undefined,
      };
      for (const l of result.latencies) a.latencies.push(l);
      a.responses += result.responses;
      a.errors += result.errors;
      a.non2xx += result.non2xx;
      a.bytes += result.bytes;
      a.serverMs += serverMs;
      if (a.redisMs !== undefined) a.redisMs += redisMs ?? 0;
      a.clientMs += result.clientCpuMs;
      a.windowMs += result.windowMs;
      a.firstError ??= result.firstError;
      acc.set(target.name, a);
      progress(
        `  round ${round + 1}/${o.rounds} ${target.name}: ${int((result.responses / result.windowMs) * 1000)} req/s ` +
          `(${loadNow()})`,
      );
    }
  }
  const out = new Map<string, TargetFigures & { redisUsPerReq: number | undefined }>();
  for (const target of targets) {
    const a = acc.get(target.name)!;
    const sorted = Float64Array.from(a.latencies).sort();
    out.set(target.name, {
      reqPerSec: (a.responses / a.windowMs) * 1000,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
      responses: a.responses,
      errors: a.errors,
      non2xx: a.non2xx,
      bytesPerResponse: a.bytes / Math.max(1, a.responses),
      serverUsPerReq: (a.serverMs * 1000) / Math.max(1, a.responses),
      redisUsPerReq: a.redisMs === undefined ? undefined : (a.redisMs * 1000) / Math.max(1, a.responses),
      clientCpuPct: (a.clientMs / a.windowMs) * 100,
      firstError: a.firstError,
    });
  }
  return out;
}

/** Posts `count` chunks of `bytes` over the HTTP API (base64 JSON), sequence numbers 1..count. */
async function fillBuffer(stack: Stack, id: string, count: number, bytes: number): Promise<void> {
  const samples = new Float32Array(bytes / 4);
  for (let seq = 1; seq <= count; seq++) {
    samples.fill(seq / count);
    const res = await fetch(`${stack.url}/api/share/${id}/audio`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        data: Buffer.from(samples.buffer).toString('base64'),
        sampleRate: 48_000,
        channels: 2,
        timestamp: Date.now(),
        sequenceNumber: seq,
      }),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`audio ${seq}: ${res.status} ${text.slice(0, 300)}`);
  }
}

interface PollResult {
  mode: Mode;
  bodyBytes: number;
  hello: TargetFigures & { redisUsPerReq: number | undefined };
  /** The bench-only hello-world on the app instance: what every app route pays before its own work. */
  appHello: TargetFigures & { redisUsPerReq: number | undefined };
  none: TargetFigures & { redisUsPerReq: number | undefined };
  one: TargetFigures & { redisUsPerReq: number | undefined };
}

async function pollMode(
  o: Options,
  stack: Stack,
  client: LoadClient,
  hello: FastifyInstance,
  redisPid: number | undefined,
): Promise<PollResult> {
  progress(`poll, ${stack.mode}: session, ${BUFFER_CHUNKS} chunks of ${o.chunkBytes} bytes`);
  const { id, listenerToken } = await startSession(stack);
  await fillBuffer(stack, id, BUFFER_CHUNKS, o.chunkBytes);
  const token = encodeURIComponent(listenerToken);
  const none = `/api/share/${id}/audio?since=${BUFFER_CHUNKS}&token=${token}`;
  const one = `/api/share/${id}/audio?since=${BUFFER_CHUNKS - 1}&token=${token}`;
  const check = await fetch(`${stack.url}${none}`);
  const checkBody = await check.text();
  if (check.status !== 204) throw new Error(`since=newest answered ${check.status}: ${checkBody.slice(0, 200)}`);
  const sample = await fetch(`${stack.url}${one}`);
  const body = await sample.text();
  const parsed = JSON.parse(body) as { sequenceNumber: number }[];
  if (sample.status !== 200 || parsed.length !== 1 || parsed[0]?.sequenceNumber !== BUFFER_CHUNKS) {
    throw new Error(`since=newest-1 answered ${sample.status} with ${parsed.length} chunk(s)`);
  }
  const figures = await drive(
    o,
    client,
    [
      { name: 'hello', port: (hello.server.address() as AddressInfo).port, path: '/hello' },
      { name: 'app-hello', port: stack.port, path: APP_HELLO_PATH },
      { name: 'none', port: stack.port, path: none },
      { name: 'one', port: stack.port, path: one },
    ],
    stack.mode === 'scaled' ? redisPid : undefined,
  );
  await stopSession(stack, id);
  return {
    mode: stack.mode,
    bodyBytes: Buffer.byteLength(body),
    hello: figures.get('hello')!,
    appHello: figures.get('app-hello')!,
    none: figures.get('none')!,
    one: figures.get('one')!,
  };
}

async function benchPoll(o: Options, services: Services, stacks: Stacks, summary: SummaryRow[]) {
  heading(
    `poll: GET /api/share/:id/audio?since=&token= vs bare Fastify hello-world (${o.connections} keep-alive ` +
      `connections, http client, ${fixed(o.durationMs / 1000, 0)} s per route in ${o.rounds} rounds)`,
  );
  const hello = Fastify({ logger: false });
  hello.get('/hello', async () => ({ hello: 'world' }));
  await hello.listen({ host: '127.0.0.1', port: 0 });
  const client = new LoadClient();
  const results: PollResult[] = [];
  const skipped = stacks.skipped;
  try {
    for (const stack of stacks.open) results.push(await pollMode(o, stack, client, hello, services.redisPid));
  } finally {
    await client.close();
    await hello.close();
  }
  for (const r of results) {
    console.log(
      `\n${r.mode}: a session holding ${BUFFER_CHUNKS} chunks of ${int(o.chunkBytes)} bytes; one chunk answers ` +
        `${int(r.bodyBytes)} bytes of JSON`,
    );
    const row = (label: string, t: PollResult['hello']): string[] => [
      label,
      int(t.reqPerSec),
      ms(t.p50),
      ms(t.p99),
      ms(t.max),
      `${t.errors}/${t.non2xx}`,
      int(t.bytesPerResponse),
      fixed(t.serverUsPerReq, 0),
      t.redisUsPerReq === undefined ? '—' : fixed(t.redisUsPerReq, 0),
      `${fixed(t.clientCpuPct, 0)}%`,
      pct(t.reqPerSec / r.hello.reqPerSec),
    ];
    console.log(
      table(
        [
          'route',
          'req/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          'errors/non-2xx',
          'body bytes',
          'server µs/req',
          'Redis µs/req',
          'client CPU',
          'of hello',
        ],
        [
          row('GET /hello (bare Fastify)', r.hello),
          row(`GET ${APP_HELLO_PATH} (same app, bench-only) *`, r.appHello),
          row(`audio?since=newest → 204`, r.none),
          row(`audio?since=newest−1 → 200, 1 chunk`, r.one),
        ],
      ),
    );
    console.log(
      `* a hello-world added to the app instance for the bench: what any route of the app pays (security headers, ` +
        `metrics, request hooks) before its own work; the Share routes' scope adds the WebSocket plugin's wrapper`,
    );
    for (const [name, t] of [
      ['hello', r.hello],
      ['app hello', r.appHello],
      ['204', r.none],
      ['200', r.one],
    ] as const) {
      if (t.firstError) console.log(`  ${name}: first error: ${t.firstError}`);
    }
    if (r.hello.clientCpuPct > 85) {
      console.log(
        `  note: the load client used ${fixed(r.hello.clientCpuPct, 0)}% of a core during hello-world, so that ` +
          'figure may be client-bound',
      );
    }
    for (const [label, t] of [
      ['since=newest (204)', r.none],
      ['since=newest−1 (200, 1 chunk)', r.one],
    ] as const) {
      const ratio = t.reqPerSec / r.hello.reqPerSec;
      summary.push({
        figure: `poll ${r.mode}: GET audio?${label}, req/s`,
        value: `${int(t.reqPerSec)} (p50 ${ms(t.p50)} / p99 ${ms(t.p99)} ms; ${fixed(t.serverUsPerReq, 0)} µs CPU/req)`,
        baseline: `${int(r.hello.reqPerSec)} hello (${fixed(r.hello.serverUsPerReq, 0)} µs CPU/req)`,
        ratio: pct(ratio),
        target: '≥ 60%',
        met: ratio >= 0.6 && t.errors === 0 ? 'yes' : 'NO',
      });
    }
    summary.push({
      figure: `  (floor) same app, bench-only hello-world, req/s`,
      value: `${int(r.appHello.reqPerSec)} (${fixed(r.appHello.serverUsPerReq, 0)} µs CPU/req)`,
      baseline: `${int(r.hello.reqPerSec)} hello`,
      ratio: pct(r.appHello.reqPerSec / r.hello.reqPerSec),
      target: '—',
      met: '—',
    });
  }
  if (skipped) {
    console.log(`scaled: skipped (${skipped})`);
    summary.push({ figure: 'poll scaled', value: '—', baseline: '—', ratio: '—', target: '≥ 60%', met: 'skipped' });
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseOptions();
  const runs = (part: Part): boolean => o.only === undefined || o.only === part;
  const startedAt = Date.now();
  const machine = machineInfo();
  const services = await probeServices({ noServices: o.noServices, pgUrl: o.pgUrl, redisUrl: o.redisUrl });
  heading('Backbeat share bench');
  console.log(describeMachine(machine, services.description));
  console.log(
    `${loadNow()} at start; GC between phases: ${hasGc() ? 'yes' : 'no (run with --expose-gc)'}; ` +
      `parts: ${o.only ?? 'memory (first, fresh heap), relay, poll'}; the app is served by this process in both modes`,
  );
  console.log(
    `Noise: ${machine.cores} cores shared by this server process, the client process${
      services.redisPid ? ', Redis' : ''
    } (and PostgreSQL): at 1,000 listeners the client and the server each move ~${int(
      (Math.max(...o.listeners) * o.rate * o.chunkBytes) / 1024 / 1024,
    )} MB/s, so figures vary between runs; compare ours with the baseline measured beside it.`,
  );

  const summary: SummaryRow[] = [];
  const needsListeners = runs('memory') || runs('relay');
  const stacks = await openStacks(services);
  try {
    const client = needsListeners ? new ListenerClient() : undefined;
    try {
      if (runs('memory')) await benchMemory(o, stacks, client!, summary);
      if (runs('relay')) await benchRelay(o, services, stacks, client!, summary);
    } finally {
      await client?.close();
    }
    if (runs('poll')) await benchPoll(o, services, stacks, summary);
  } finally {
    await stacks.close();
  }

  heading('Summary');
  console.log(describeMachine(machine, services.description));
  console.log(`${loadNow()} at the end; total run ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  console.log(summaryTable(summary, [0, 1, 2, 4]));
  console.log(
    'Relay latency is one-way, on one clock (host and listeners share the client process); "added" compares with ' +
      'a bare ws broadcast server driven identically in the same run. Limits were raised for the bench (see relay).',
  );
}

if (process.argv.includes('--listener-client')) {
  clientMain();
} else {
  await main();
  // Nothing should be left running; exit explicitly in case a library left a handle open.
  process.exit(0);
}
