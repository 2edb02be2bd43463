/**
 * SSE fan-out benchmark: N real TCP connections to an `SseHub` behind Fastify, clients in a child process.
 *
 *   node --expose-gc --import tsx bench/sse.ts [--connections 1000,10000] [--events 20] [--interval-ms 200]
 *     [--batch 500] [--verbose]
 *
 * For each N: connects N clients in batches (bench/sse-clients.ts), measures server memory per connection (after GC
 * when --expose-gc is given), then sends `--events` events through the hub's serialize-once path and, interleaved
 * with them (one event every `--interval-ms`), as many events formatted once per connection (what @fastify/sse and
 * better-sse do) as the baseline. It prints delivery latency (client receive time − server send time, across all
 * connections) and the server-side fan-out and formatting time of both. Latency is measured by one client process reading N sockets, so at large N it includes that
 * process's own queueing; both variants carry the same bias. Not a test: it prints figures, it never fails on speed.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { pino } from 'pino';
import { SseHub, formatSseEvent, type SseConnection } from '../src/http/sse.ts';
import type { ClientCommand, ClientReply } from './sse-clients.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '1000,10000' },
    events: { type: 'string', default: '20' },
    'interval-ms': { type: 'string', default: '200' },
    batch: { type: 'string', default: '500' },
    /** Print per-event fan-out and last-client times, and the hub's info logs on stderr. */
    verbose: { type: 'boolean', default: false },
  },
});
const sizes = values.connections.split(',').map((value) => Number.parseInt(value, 10));
const events = Number.parseInt(values.events, 10);
const intervalMs = Number.parseInt(values['interval-ms'], 10);
const batch = Number.parseInt(values.batch, 10);
const WARMUP_EVENTS = 3;
/** Descriptors a process needs besides its sockets (stdio, IPC, libuv, the listener). */
const FD_HEADROOM = 100;

const nowMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const gc = (globalThis as { gc?: () => void }).gc;

function collect(): void {
  if (!gc) return;
  gc();
  gc();
}

/** `ulimit -n` of this process (a child shell inherits our soft limit); undefined when it cannot be read. */
function openFileLimit(): number | undefined {
  try {
    const out = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number.parseInt(out, 10);
  } catch {
    return undefined;
  }
}

/** A release-sized payload (~400 bytes) whose first field is the send timestamp the client looks for. */
function payload(t: number, seq: number): object {
  return {
    t,
    seq,
    release: {
      id: `jiosaavn:album:${100_000 + seq}`,
      title: `Bench Album ${seq}`,
      artists: ['Arijit Singh', 'Shreya Ghoshal'],
      language: 'hindi',
      releaseDate: '2026-05-01',
      image: `https://c.saavncdn.com/bench/${seq}-500x500.jpg`,
      url: `https://www.jiosaavn.com/album/bench-album-${seq}/abcdef${seq}`,
      songCount: 12,
      isNew: true,
    },
  };
}

class ClientProcess {
  readonly #child: ChildProcess;
  readonly #replies: ClientReply[] = [];
  #waiting: ((reply: ClientReply) => void) | undefined;

  constructor() {
    // Inherits execArgv (--import tsx, --expose-gc) so the child runs TypeScript the same way.
    this.#child = fork(new URL('./sse-clients.ts', import.meta.url), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (message: ClientReply) => {
      if (this.#waiting) {
        const waiting = this.#waiting;
        this.#waiting = undefined;
        waiting(message);
      } else this.#replies.push(message);
    });
  }

  async ask<T extends ClientReply['type']>(
    command: ClientCommand,
    expect: T,
    timeoutMs: number,
  ): Promise<Extract<ClientReply, { type: T }>> {
    this.#child.send(command);
    const reply =
      this.#replies.shift() ??
      (await new Promise<ClientReply>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`client process: no '${expect}' reply in ${timeoutMs} ms`)),
          timeoutMs,
        );
        this.#waiting = (message) => {
          clearTimeout(timer);
          resolve(message);
        };
      }));
    if (reply.type !== expect) throw new Error(`client process: expected '${expect}', got '${reply.type}'`);
    return reply as Extract<ClientReply, { type: T }>;
  }

  async exit(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = once(this.#child, 'exit');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    if (this.#child.connected) this.#child.disconnect();
    await exited;
    clearTimeout(timer);
  }
}

interface PhaseResult {
  received: number;
  expected: number;
  p50: number;
  p99: number;
  max: number;
  /** Median over events of the time until the last connection had it, ms. */
  completionP50: number;
  /** Mean server time of one fan-out (format + writes to every socket), ms. */
  fanoutMs: number;
  /** Of which formatting (JSON + SSE framing of the event), ms. */
  formatMs: number;
  /** Bytes of formatted frames allocated per event. */
  formattedBytes: number;
}

interface SizeResult {
  connections: number;
  connectMs: number;
  failed: number;
  rssKbPerConn: number;
  heapKbPerConn: number;
  once: PhaseResult;
  perConnection: PhaseResult;
  dropped: number;
  closeMs: number;
  cleanEnds: number;
}

interface Variant {
  /** Ids (and `seq`) of this variant's events start here; the client splits its figures on the second one. */
  firstId: number;
  fanout: (id: number, t: number) => { formatMs: number; formattedBytes: number };
}

/**
 * Runs both variants interleaved, one event every `intervalMs` alternating between them, so that both see the same
 * machine conditions (other load, GC, the client process's state).
 */
async function runVariants(
  client: ClientProcess,
  connections: number,
  variants: [Variant, Variant],
): Promise<[PhaseResult, PhaseResult]> {
  const durations: [number[], number[]] = [[], []];
  const formatting: [number[], number[]] = [[], []];
  const formattedBytes = [0, 0];
  for (let i = -WARMUP_EVENTS; i < events; i++) {
    for (const [v, variant] of variants.entries()) {
      await sleep(intervalMs);
      const id = variant.firstId + i;
      if (i < 0) {
        // Warm-up: same path, no timestamp, so the client does not count it.
        variant.fanout(id, Number.NaN);
        continue;
      }
      const started = performance.now();
      const work = variant.fanout(id, nowMs());
      durations[v]?.push(performance.now() - started);
      formatting[v]?.push(work.formatMs);
      formattedBytes[v] = work.formattedBytes;
    }
  }
  const expected = connections * events;
  const report = await client.ask(
    { type: 'report', expected: 2 * expected, split: variants[1].firstId, timeoutMs: 30_000 },
    'report',
    40_000,
  );
  const result = (v: 0 | 1): PhaseResult => {
    const group = report.groups[v];
    if (values.verbose) {
      const ms = (list: number[]): string => list.map((value) => value.toFixed(1)).join(' ');
      console.log(`\n  variant ${v}: fan-out ms per event: ${ms(durations[v])}`);
      console.log(`  variant ${v}: last client ms per event: ${ms(group.perEvent)}`);
    }
    return {
      received: group.received,
      expected,
      p50: group.p50,
      p99: group.p99,
      max: group.max,
      completionP50: group.completionP50,
      fanoutMs: mean(durations[v]),
      formatMs: mean(formatting[v]),
      formattedBytes: formattedBytes[v] ?? 0,
    };
  };
  return [result(0), result(1)];
}

const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

function event(id: number, t: number): Buffer {
  const data = Number.isNaN(t) ? { warmup: true } : payload(t, id);
  return formatSseEvent({ id, event: 'new_release', data });
}

async function runSize(connections: number): Promise<SizeResult> {
  const hub = new SseHub({
    heartbeatMs: 15_000,
    retryMs: 3000,
    maxBufferedBytes: 256 * 1024,
    ...(values.verbose ? { logger: pino({ level: 'info' }, pino.destination(2)) } : {}),
  });
  const live = new Set<SseConnection>();
  const app = Fastify({ logger: false });
  app.addHook('preClose', () => hub.close());
  app.get('/events', (request, reply) => {
    const connection = hub.attach(request, reply);
    live.add(connection);
    void connection.closed.then(() => live.delete(connection));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const client = new ClientProcess();
  try {
    collect();
    const before = process.memoryUsage();
    const connected = await client.ask(
      { type: 'connect', port: address.port, count: connections, batch },
      'connected',
      120_000,
    );
    const deadline = Date.now() + 10_000;
    while ((hub.size < connections - connected.failed || hub.stats().pending > 0) && Date.now() < deadline) {
      await sleep(10);
    }
    await sleep(200);
    collect();
    const after = process.memoryUsage();
    const count = Math.max(1, hub.size);

    const [once, perConnection] = await runVariants(client, connections, [
      {
        firstId: 1000,
        fanout: (id, t) => {
          const started = performance.now();
          const frame = event(id, t);
          const formatMs = performance.now() - started;
          hub.broadcast(frame, id);
          return { formatMs, formattedBytes: frame.length };
        },
      },
      {
        // Baseline: what a per-connection library does; frames are built first so formatting is timed on its own.
        firstId: 2000,
        fanout: (id, t) => {
          const started = performance.now();
          const targets = [...live];
          const frames = targets.map(() => event(id, t));
          const formatMs = performance.now() - started;
          targets.forEach((connection, i) => connection.send(frames[i]!, id));
          return { formatMs, formattedBytes: frames.reduce((sum, frame) => sum + frame.length, 0) };
        },
      },
    ]);

    const dropped = hub.stats().dropped;
    const closing = client.ask({ type: 'await-close', timeoutMs: 20_000 }, 'closed', 30_000);
    const closeStarted = performance.now();
    await app.close();
    const closeMs = performance.now() - closeStarted;
    const closed = await closing;
    return {
      connections,
      connectMs: connected.ms,
      failed: connected.failed,
      rssKbPerConn: (after.rss - before.rss) / 1024 / count,
      heapKbPerConn: (after.heapUsed - before.heapUsed) / 1024 / count,
      once,
      perConnection,
      dropped,
      closeMs,
      cleanEnds: closed.cleanEnds,
    };
  } finally {
    await client.exit();
    await app.close();
  }
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

async function main(): Promise<void> {
  const limit = openFileLimit();
  console.log(
    `SSE fan-out bench: ${events} events every ${intervalMs} ms; Node ${process.version}; ` +
      `ulimit -n ${limit ?? 'unknown'}; GC before memory readings: ${gc ? 'yes' : 'no (add --expose-gc)'}; ` +
      `${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(2)} (other work on the machine skews latency)`,
  );
  const results: SizeResult[] = [];
  for (const size of sizes) {
    if (limit !== undefined && size + FD_HEADROOM > limit) {
      console.log(
        `\n${size} connections need about ${size + FD_HEADROOM} file descriptors in each of the two processes ` +
          `(~${2 * size} in total) but ulimit -n is ${limit}. Raise it (e.g. \`ulimit -n ${2 * size + 1000}\`) and ` +
          `re-run; skipping ${size}.`,
      );
      continue;
    }
    process.stdout.write(`\nrunning ${size} connections ... `);
    const result = await runSize(size);
    results.push(result);
    console.log('done');
  }
  if (results.length === 0) return;

  console.log('\nConnections and memory (server process)');
  console.log(
    table(
      ['connections', 'connect s', 'failed', 'RSS KB/conn', 'heap KB/conn', 'dropped', 'close ms', 'clean ends'],
      results.map((r) => [
        String(r.connections),
        fixed(r.connectMs / 1000, 2),
        String(r.failed),
        fixed(r.rssKbPerConn, 2),
        fixed(r.heapKbPerConn, 2),
        String(r.dropped),
        fixed(r.closeMs, 0),
        `${r.cleanEnds}/${r.connections}`,
      ]),
    ),
  );
  console.log('\nDelivery latency, receive − send across all connections (ms), and server fan-out time per event');
  const phaseRow = (r: SizeResult, name: string, phase: PhaseResult): string[] => [
    String(r.connections),
    name,
    `${phase.received}/${phase.expected}`,
    fixed(phase.p50, 2),
    fixed(phase.p99, 2),
    fixed(phase.max, 2),
    fixed(phase.completionP50, 2),
    fixed(phase.fanoutMs, 2),
    fixed(phase.formatMs, 3),
    fixed(phase.formattedBytes / 1024, 1),
  ];
  console.log(
    table(
      [
        'connections',
        'variant',
        'delivered',
        'p50 ms',
        'p99 ms',
        'max ms',
        'last-client p50 ms',
        'fan-out ms',
        'of which format ms',
        'formatted KB/event',
      ],
      results.flatMap((r) => [
        phaseRow(r, 'serialize once (SseHub)', r.once),
        phaseRow(r, 'format per connection', r.perConnection),
      ]),
    ),
  );
  console.log('\nBaseline ratios (format per connection ÷ serialize once; > 1 means serialize-once is better)');
  console.log(
    table(
      ['connections', 'formatting time', 'formatted bytes', 'fan-out time', 'p50 latency', 'p99 latency'],
      results.map((r) => [
        String(r.connections),
        `${fixed(r.perConnection.formatMs / r.once.formatMs, 0)}x`,
        `${fixed(r.perConnection.formattedBytes / r.once.formattedBytes, 0)}x`,
        `${fixed(r.perConnection.fanoutMs / r.once.fanoutMs, 2)}x`,
        `${fixed(r.perConnection.p50 / r.once.p50, 2)}x`,
        `${fixed(r.perConnection.p99 / r.once.p99, 2)}x`,
      ]),
    ),
  );
}

await main();
