/**
 * Child process of bench/sse.ts: opens N raw HTTP/1.1 SSE connections with `net` sockets and measures, for every
 * event carrying a `"t":<ms>` send timestamp as its first JSON field, receive time minus send time. Both processes
 * read the clock as `performance.timeOrigin + performance.now()` (wall-clock based, so comparable across processes).
 * Driven over IPC; see {@link ClientCommand} and {@link ClientReply}.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Commands the bench sends. */
export type ClientCommand =
  | { type: 'connect'; port: number; path: string; count: number; batch: number }
  /**
   * Wait until `expected` timestamped events arrived (or `timeoutMs` passed), report, then reset. Events whose `seq`
   * is below `split` form the first group, the others the second (two variants interleaved in one run).
   */
  | { type: 'report'; expected: number; split: number; timeoutMs: number }
  /** Wait until every socket is closed (the server ends the streams), report, then exit. */
  | { type: 'await-close'; timeoutMs: number };

/** Replies to the bench. */
export type ClientReply =
  | { type: 'connected'; count: number; failed: number; ms: number }
  | { type: 'report'; groups: [GroupStats, GroupStats]; timedOut: boolean }
  | { type: 'closed'; cleanEnds: number; closed: number; ms: number };

/** Latency figures of one group of events, in ms. */
export interface GroupStats {
  received: number;
  p50: number;
  p99: number;
  max: number;
  /** Median over events of the time until the last connection had the event. */
  completionP50: number;
  /** Per event, in `seq` order: the time until the last connection had it. */
  perEvent: number[];
}

const nowMs = (): number => performance.timeOrigin + performance.now();

const MARK = '"t":';
const SEQ = '"seq":';
const sockets: Socket[] = [];
let latencies = new Float64Array(1024);
let seqs = new Int32Array(1024);
let received = 0;
let cleanEnds = 0;
let closed = 0;

function record(seq: number, latency: number): void {
  if (received === latencies.length) {
    const grownLatencies = new Float64Array(latencies.length * 2);
    grownLatencies.set(latencies);
    latencies = grownLatencies;
    const grownSeqs = new Int32Array(seqs.length * 2);
    grownSeqs.set(seqs);
    seqs = grownSeqs;
  }
  seqs[received] = seq;
  latencies[received++] = latency;
}

/** Scans the stream for timestamps; keeps only a short tail so a mark split across reads is still found. */
function watch(socket: Socket): Promise<boolean> {
  let tail = '';
  let headSeen = false;
  let sawLastChunk = false;
  return new Promise((resolve) => {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const now = nowMs();
      const text = tail + chunk;
      if (!headSeen && text.includes('\r\n\r\n')) {
        headSeen = true;
        resolve(true);
      }
      let pos = 0;
      for (;;) {
        const at = text.indexOf(MARK, pos);
        if (at < 0) break;
        const end = text.indexOf(',', at);
        if (end < 0) {
          pos = at;
          break;
        }
        const seqEnd = text.indexOf(',', end + 1);
        if (seqEnd < 0) {
          pos = at;
          break;
        }
        if (text.startsWith(SEQ, end + 1)) {
          record(Number(text.slice(end + 1 + SEQ.length, seqEnd)), now - Number(text.slice(at + MARK.length, end)));
        }
        pos = seqEnd;
      }
      if (text.endsWith('0\r\n\r\n')) sawLastChunk = true;
      tail = text.length - pos > 64 ? text.slice(-64) : text.slice(pos);
    });
    socket.on('end', () => {
      if (sawLastChunk) cleanEnds++;
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => {
      closed++;
      resolve(false);
    });
  });
}

function open(port: number, path: string): Promise<boolean> {
  const socket = connect({ port, host: '127.0.0.1', noDelay: true });
  sockets.push(socket);
  socket.on('connect', () => {
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  });
  return watch(socket);
}

async function connectAll(port: number, path: string, count: number, batch: number): Promise<ClientReply> {
  const started = performance.now();
  let failed = 0;
  for (let done = 0; done < count; done += batch) {
    const size = Math.min(batch, count - done);
    const results = await Promise.all(Array.from({ length: size }, () => open(port, path)));
    failed += results.filter((ok) => !ok).length;
  }
  return { type: 'connected', count, failed, ms: performance.now() - started };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function stats(values: number[], completion: Map<number, number>): GroupStats {
  const sorted = Float64Array.from(values).sort();
  const perEvent = [...completion.entries()].sort(([a], [b]) => a - b).map(([, latency]) => latency);
  return {
    received: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN),
    completionP50: percentile(Float64Array.from(perEvent).sort(), 50),
    perEvent,
  };
}

async function report(expected: number, split: number, timeoutMs: number): Promise<ClientReply> {
  const deadline = performance.now() + timeoutMs;
  while (received < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const values: [number[], number[]] = [[], []];
  const completion: [Map<number, number>, Map<number, number>] = [new Map<number, number>(), new Map<number, number>()];
  for (let i = 0; i < received; i++) {
    const seq = seqs[i] ?? 0;
    const latency = latencies[i] ?? Number.NaN;
    const group = seq < split ? 0 : 1;
    values[group].push(latency);
    completion[group].set(seq, Math.max(completion[group].get(seq) ?? 0, latency));
  }
  const reply: ClientReply = {
    type: 'report',
    groups: [stats(values[0], completion[0]), stats(values[1], completion[1])],
    timedOut: received < expected,
  };
  received = 0;
  return reply;
}

async function awaitClose(timeoutMs: number): Promise<ClientReply> {
  const started = performance.now();
  while (closed < sockets.length && performance.now() - started < timeoutMs) {
    await new Promise((r) => setTimeout(r, 10));
  }
  for (const socket of sockets) socket.destroy();
  return { type: 'closed', cleanEnds, closed, ms: performance.now() - started };
}

function reply(message: ClientReply): void {
  process.send?.(message);
}

process.on('message', (command: ClientCommand) => {
  switch (command.type) {
    case 'connect':
      void connectAll(command.port, command.path, command.count, command.batch).then(reply);
      break;
    case 'report':
      void report(command.expected, command.split, command.timeoutMs).then(reply);
      break;
    case 'await-close':
      void awaitClose(command.timeoutMs).then((message) => {
        reply(message);
        process.disconnect();
      });
      break;
  }
});

// The bench going away (crash, Ctrl-C) must not leave this process holding thousands of sockets.
process.on('disconnect', () => {
  for (const socket of sockets) socket.destroy();
  setTimeout(() => process.exit(0), 100).unref();
});
