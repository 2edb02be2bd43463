/**
 * SSE fan-out benchmark: N real TCP connections to an `SseHub` behind Fastify, clients in child processes.
 *
 *   node --expose-gc --import tsx bench/sse.ts [--compare format|transport] [--connections 1000,10000]
 *     [--events 20] [--interval-ms 200] [--batch 500] [--repeat 1] [--verbose]
 *
 * `--compare format` (default): for each N, connects N clients in batches (bench/sse-clients.ts), measures server
 * memory per connection (after GC when --expose-gc is given), then sends `--events` events through the hub's
 * serialize-once path and, interleaved with them (one event every `--interval-ms`), as many events formatted once
 * per connection (what @fastify/sse and better-sse do) as the baseline. It prints delivery latency (client receive
 * time − server send time, across all connections) and the server-side fan-out and formatting time of both.
 *
 * `--compare transport`: two hubs in this process with N connections each, one client process per hub. One hub
 * writes through Node's `ServerResponse` (`reply.raw`: Node writes the head and frames every chunk), the other
 * writes the status line, headers and chunk framing itself to the hijacked socket (one `socket.write()` of a chunk
 * framed once per event). Events alternate between the hubs, one every `--interval-ms`, so both see the same machine
 * conditions. Memory per connection is the server's RSS and heap growth while each set connects (after GC); which
 * set connects first alternates between repetitions (`--repeat`), as the second one may find memory the first one
 * already grew. CPU per event is this process's user + system time (median over events) from the fan-out until the
 * writes are flushed (the next `setImmediate`, after Node's corked writes went out), and over the whole interval
 * until the next event (GC included). A warm-up set of N connections is opened and closed before the measured ones.
 * The server process holds 2N sockets here, so it needs `ulimit -n` of at least 2N + 100.
 *
 * Latency is measured by client processes reading N sockets each, so at large N it includes their own queueing;
 * both variants carry the same bias. Not a test: it prints figures, it never fails on speed.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { pino } from 'pino';
import { SseHub, formatSseEvent, type SseConnection, type SseTransport } from '../src/http/sse.ts';
import { collectGarbage, fixed, hasGc, loadNow, machineInfo, quantile, sleep, table } from './lib.ts';
import type { ClientCommand, ClientReply, GroupStats } from './sse-clients.ts';

const { values } = parseArgs({
  options: {
    compare: { type: 'string', default: 'format' },
    connections: { type: 'string', default: '1000,10000' },
    events: { type: 'string', default: '20' },
    'interval-ms': { type: 'string', default: '200' },
    batch: { type: 'string', default: '500' },
    /** Transport comparison: runs per size; the set that connects first alternates. */
    repeat: { type: 'string', default: '1' },
    /** Print per-event fan-out and last-client times, and the hub's info logs on stderr. */
    verbose: { type: 'boolean', default: false },
  },
});
if (values.compare !== 'format' && values.compare !== 'transport') {
  throw new Error(`--compare must be format or transport: ${values.compare}`);
}
const compare = values.compare;
const sizes = values.connections.split(',').map((value) => Number.parseInt(value, 10));
const events = Number.parseInt(values.events, 10);
const intervalMs = Number.parseInt(values['interval-ms'], 10);
const batch = Number.parseInt(values.batch, 10);
const repeat = Number.parseInt(values.repeat, 10);
const WARMUP_EVENTS = 3;
/** Descriptors a process needs besides its sockets (stdio, IPC, libuv, the listener). */
const FD_HEADROOM = 100;

const nowMs = (): number => performance.timeOrigin + performance.now();
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
    collectGarbage();
    const before = process.memoryUsage();
    const connected = await client.ask(
      { type: 'connect', port: address.port, path: '/events', count: connections, batch },
      'connected',
      120_000,
    );
    const deadline = Date.now() + 10_000;
    while ((hub.size < connections - connected.failed || hub.stats().pending > 0) && Date.now() < deadline) {
      await sleep(10);
    }
    await sleep(200);
    collectGarbage();
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

async function compareFormatting(limit: number | undefined): Promise<void> {
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

/** One hub's figures in the transport comparison. */
interface TransportPhase {
  connectMs: number;
  failed: number;
  rssKbPerConn: number;
  heapKbPerConn: number;
  latency: GroupStats;
  expected: number;
  /** Median wall time of `broadcast()`, ms. */
  fanoutMs: number;
  /** Median wall time from the start of `broadcast()` until the writes were flushed (next `setImmediate`), ms. */
  flushMs: number;
  /** Median CPU time (user + system) of this process over the same span, ms. */
  cpuFlushMs: number;
  /** Median CPU time from the start of `broadcast()` until the next event (the interval, GC included), ms. */
  cpuIntervalMs: number;
  dropped: number;
  cleanEnds: number;
}

interface TransportRun {
  connections: number;
  repetition: number;
  first: SseTransport;
  phases: Record<SseTransport, TransportPhase>;
}

const TRANSPORTS: readonly SseTransport[] = ['socket', 'response'];
const TRANSPORT_NAMES: Record<SseTransport, string> = {
  socket: 'hijacked socket, own framing',
  response: 'reply.raw, Node framing',
};

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;
const median = (list: number[]): number => quantile(Float64Array.from(list).sort(), 0.5);
const nextImmediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function runTransports(connections: number, repetition: number, first: SseTransport): Promise<TransportRun> {
  const order = first === 'socket' ? TRANSPORTS : [...TRANSPORTS].reverse();
  const newHub = (transport: SseTransport): SseHub =>
    new SseHub({
      heartbeatMs: 15_000,
      retryMs: 3000,
      maxBufferedBytes: 256 * 1024,
      transport,
      ...(values.verbose ? { logger: pino({ level: 'info' }, pino.destination(2)) } : {}),
    });
  const hubs = new Map(TRANSPORTS.map((transport) => [transport, newHub(transport)]));
  const hubOf = (transport: SseTransport): SseHub => hubs.get(transport)!;
  const warmup = newHub('response');
  const app = Fastify({ logger: false });
  app.addHook('preClose', async () => {
    await Promise.all([warmup, ...hubs.values()].map((hub) => hub.close()));
  });
  app.get('/events/warmup', (request, reply) => void warmup.attach(request, reply));
  for (const transport of TRANSPORTS) {
    app.get(`/events/${transport}`, (request, reply) => void hubOf(transport).attach(request, reply));
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const clients = new Map(TRANSPORTS.map((transport) => [transport, new ClientProcess()]));
  const clientOf = (transport: SseTransport): ClientProcess => clients.get(transport)!;
  try {
    // N connections opened and closed first, so that neither set pays for the process growing its heap and
    // allocator arenas from a cold start.
    const warmupClient = new ClientProcess();
    try {
      await warmupClient.ask(
        { type: 'connect', port: address.port, path: '/events/warmup', count: connections, batch },
        'connected',
        180_000,
      );
      const closing = warmupClient.ask({ type: 'await-close', timeoutMs: 20_000 }, 'closed', 30_000);
      await warmup.close();
      await closing;
    } finally {
      await warmupClient.exit();
    }
    const memory = new Map<SseTransport, { connectMs: number; failed: number; rssKb: number; heapKb: number }>();
    for (const transport of order) {
      const hub = hubOf(transport);
      collectGarbage();
      const before = process.memoryUsage();
      const connected = await clientOf(transport).ask(
        { type: 'connect', port: address.port, path: `/events/${transport}`, count: connections, batch },
        'connected',
        180_000,
      );
      const deadline = Date.now() + 10_000;
      while ((hub.size < connections - connected.failed || hub.stats().pending > 0) && Date.now() < deadline) {
        await sleep(10);
      }
      await sleep(200);
      collectGarbage();
      const after = process.memoryUsage();
      const count = Math.max(1, hub.size);
      memory.set(transport, {
        connectMs: connected.ms,
        failed: connected.failed,
        rssKb: (after.rss - before.rss) / 1024 / count,
        heapKb: (after.heapUsed - before.heapUsed) / 1024 / count,
      });
    }

    const fanout = new Map(TRANSPORTS.map((transport) => [transport, [] as number[]]));
    const flush = new Map(TRANSPORTS.map((transport) => [transport, [] as number[]]));
    const cpuFlush = new Map(TRANSPORTS.map((transport) => [transport, [] as number[]]));
    const cpuInterval = new Map(TRANSPORTS.map((transport) => [transport, [] as number[]]));
    let open: { transport: SseTransport; cpu: NodeJS.CpuUsage; counted: boolean } | undefined;
    const closeInterval = (): void => {
      if (open?.counted) cpuInterval.get(open.transport)!.push(cpuMs(process.cpuUsage(open.cpu)));
      open = undefined;
    };
    for (let i = -WARMUP_EVENTS; i < events; i++) {
      // Alternate which hub goes first in a round too, so neither always follows the other.
      const round = i % 2 === 0 ? TRANSPORTS : [...TRANSPORTS].reverse();
      for (const transport of round) {
        await sleep(intervalMs);
        closeInterval();
        const id = (transport === 'socket' ? 1000 : 2000) + i;
        const counted = i >= 0;
        const frame = event(id, counted ? nowMs() : Number.NaN);
        const cpu = process.cpuUsage();
        const started = performance.now();
        hubOf(transport).broadcast(frame, id);
        const broadcastMs = performance.now() - started;
        await nextImmediate();
        const flushedMs = performance.now() - started;
        const cpuToFlush = cpuMs(process.cpuUsage(cpu));
        open = { transport, cpu, counted };
        if (!counted) continue;
        fanout.get(transport)!.push(broadcastMs);
        flush.get(transport)!.push(flushedMs);
        cpuFlush.get(transport)!.push(cpuToFlush);
      }
    }
    await sleep(intervalMs);
    closeInterval();

    const expected = connections * events;
    const reports = await Promise.all(
      TRANSPORTS.map((transport) =>
        clientOf(transport).ask(
          { type: 'report', expected, split: Number.MAX_SAFE_INTEGER, timeoutMs: 30_000 },
          'report',
          40_000,
        ),
      ),
    );
    const dropped = new Map(TRANSPORTS.map((transport) => [transport, hubOf(transport).stats().dropped]));
    const closing = Promise.all(
      TRANSPORTS.map((transport) =>
        clientOf(transport).ask({ type: 'await-close', timeoutMs: 20_000 }, 'closed', 30_000),
      ),
    );
    await app.close();
    const closed = await closing;

    const phase = (transport: SseTransport, index: number): TransportPhase => {
      const mem = memory.get(transport)!;
      if (values.verbose) {
        const ms = (list: number[]): string => list.map((value) => value.toFixed(1)).join(' ');
        console.log(`\n  ${transport}: flush ms per event: ${ms(flush.get(transport)!)}`);
        console.log(`  ${transport}: last client ms per event: ${ms(reports[index]!.groups[0].perEvent)}`);
      }
      return {
        connectMs: mem.connectMs,
        failed: mem.failed,
        rssKbPerConn: mem.rssKb,
        heapKbPerConn: mem.heapKb,
        latency: reports[index]!.groups[0],
        expected,
        fanoutMs: median(fanout.get(transport)!),
        flushMs: median(flush.get(transport)!),
        cpuFlushMs: median(cpuFlush.get(transport)!),
        cpuIntervalMs: median(cpuInterval.get(transport)!),
        dropped: dropped.get(transport)!,
        cleanEnds: closed[index]!.cleanEnds,
      };
    };
    return {
      connections,
      repetition,
      first,
      phases: { socket: phase('socket', 0), response: phase('response', 1) },
    };
  } finally {
    await Promise.all([...clients.values()].map((client) => client.exit()));
    await app.close();
  }
}

async function compareTransports(limit: number | undefined): Promise<void> {
  const runs: TransportRun[] = [];
  for (const size of sizes) {
    if (limit !== undefined && 2 * size + FD_HEADROOM > limit) {
      const most = Math.floor((limit - FD_HEADROOM) / 2);
      console.log(
        `\n${size} connections per hub need about ${2 * size + FD_HEADROOM} file descriptors in this process but ` +
          `ulimit -n is ${limit}: raise it or run --connections ${most} (the most that fits); skipping ${size}.`,
      );
      continue;
    }
    for (let repetition = 1; repetition <= repeat; repetition++) {
      const first: SseTransport = repetition % 2 === 1 ? 'socket' : 'response';
      process.stdout.write(`\nrunning ${size} connections per hub, run ${repetition} (${loadNow()}) ... `);
      runs.push(await runTransports(size, repetition, first));
      console.log(`done (${loadNow()})`);
    }
  }
  if (runs.length === 0) return;

  console.log('\nServer memory per connection, delivery latency (receive − send, ms) and server work per event');
  console.log(
    table(
      [
        'connections',
        'run',
        'transport',
        'connected first',
        'RSS KB/conn',
        'heap KB/conn',
        'delivered',
        'p50 ms',
        'p99 ms',
        'max ms',
        'last-client p50 ms',
        'broadcast ms',
        'flushed ms',
        'CPU ms to flush',
        'CPU ms per interval',
        'dropped',
        'clean ends',
      ],
      runs.flatMap((run) =>
        TRANSPORTS.map((transport) => {
          const p = run.phases[transport];
          return [
            String(run.connections),
            String(run.repetition),
            TRANSPORT_NAMES[transport],
            run.first === transport ? 'yes' : 'no',
            fixed(p.rssKbPerConn, 2),
            fixed(p.heapKbPerConn, 2),
            `${p.latency.received}/${p.expected}`,
            fixed(p.latency.p50, 2),
            fixed(p.latency.p99, 2),
            fixed(p.latency.max, 2),
            fixed(p.latency.completionP50, 2),
            fixed(p.fanoutMs, 2),
            fixed(p.flushMs, 2),
            fixed(p.cpuFlushMs, 2),
            fixed(p.cpuIntervalMs, 2),
            String(p.dropped),
            `${p.cleanEnds}/${run.connections}`,
          ];
        }),
      ),
      [2],
    ),
  );
  const mean = (list: number[]): number => list.reduce((sum, value) => sum + value, 0) / list.length;
  console.log('\nMean over the runs of each size (an even --repeat balances which set connected first)');
  console.log(
    table(
      ['connections', 'runs', 'transport', 'RSS KB/conn', 'heap KB/conn', 'p50 ms', 'p99 ms', 'CPU ms to flush'],
      [...new Set(runs.map((run) => run.connections))].flatMap((connections) => {
        const of = runs.filter((run) => run.connections === connections);
        return TRANSPORTS.map((transport) => {
          const figure = (pick: (p: TransportPhase) => number): number =>
            mean(of.map((run) => pick(run.phases[transport])));
          return [
            String(connections),
            String(of.length),
            TRANSPORT_NAMES[transport],
            fixed(
              figure((p) => p.rssKbPerConn),
              2,
            ),
            fixed(
              figure((p) => p.heapKbPerConn),
              2,
            ),
            fixed(
              figure((p) => p.latency.p50),
              2,
            ),
            fixed(
              figure((p) => p.latency.p99),
              2,
            ),
            fixed(
              figure((p) => p.cpuFlushMs),
              2,
            ),
          ];
        });
      }),
      [2],
    ),
  );
  console.log('\nreply.raw ÷ hijacked socket (> 1: the hijacked socket is better)');
  const ratio = (a: number, b: number): string => (a > 0 && b > 0 ? `${fixed(a / b, 2)}x` : 'n/a');
  console.log(
    table(
      ['connections', 'run', 'p50 latency', 'p99 latency', 'RSS/conn', 'heap/conn', 'CPU to flush', 'CPU per interval'],
      runs.map((run) => {
        const { socket, response } = run.phases;
        return [
          String(run.connections),
          String(run.repetition),
          ratio(response.latency.p50, socket.latency.p50),
          ratio(response.latency.p99, socket.latency.p99),
          ratio(response.rssKbPerConn, socket.rssKbPerConn),
          ratio(response.heapKbPerConn, socket.heapKbPerConn),
          ratio(response.cpuFlushMs, socket.cpuFlushMs),
          ratio(response.cpuIntervalMs, socket.cpuIntervalMs),
        ];
      }),
    ),
  );
}

async function main(): Promise<void> {
  const limit = openFileLimit();
  const machine = machineInfo();
  console.log(
    `SSE fan-out bench (--compare ${compare}): ${events} events every ${intervalMs} ms; ${machine.cpu}, ` +
      `${machine.cores} CPUs; Node ${machine.node}; ulimit -n ${limit ?? 'unknown'}; GC before memory readings: ` +
      `${hasGc() ? 'yes' : 'no (add --expose-gc)'}; ${loadNow()} (other work on the machine skews latency)`,
  );
  if (compare === 'transport') await compareTransports(limit);
  else await compareFormatting(limit);
}

await main();
