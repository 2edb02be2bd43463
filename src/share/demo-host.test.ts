import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLrc } from '../domain/lrc.ts';
import { ManualClock } from '../ports/contracts/manual-clock.ts';
import type { AudioBody, MetadataBody } from './contract.ts';
import { runDemoHost, type DemoHostOptions } from './demo-host.ts';
import { DEMO_SONG, demoThumbnailBase64, renderDemoChunk } from './demo-melody.ts';

const TOKEN = 'host-secret';
const SESSION = '424242';

interface Recorded {
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
  /** ms since the server started. */
  at: number;
}

type Reply = { status: number; body?: unknown; delayMs?: number };

/**
 * A stand-in for the Share routes that records every request. By default it behaves like the real ones (a 409 for an
 * active id, a 404 for an unknown one); `override` may answer a request differently.
 */
async function fakeShareServer(override?: (request: Recorded, requests: Recorded[]) => Reply | undefined) {
  const requests: Recorded[] = [];
  const active = new Set<string>();
  let starts = 0;
  const t0 = Date.now();
  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
  const answer = (path: string, body: unknown): Reply => {
    if (path === '/api/share/start') {
      const { sessionId } = body as { sessionId: string };
      if (active.has(sessionId)) return { status: 409, body: { success: false, error: 'Session ID already in use' } };
      active.add(sessionId);
      starts += 1;
      const listenerToken = `listener-${starts}`;
      return {
        status: 200,
        body: {
          success: true,
          sessionId,
          timestamp: Date.now(),
          listenerToken,
          shareUrl: `/s/${sessionId}?t=${listenerToken}`,
        },
      };
    }
    const match = /^\/api\/share\/(\d{6})\/(audio|metadata|stop)$/.exec(path);
    if (!match || !active.has(match[1]!)) return { status: 404, body: { error: 'Session not found' } };
    if (match[2] === 'stop') {
      active.delete(match[1]!);
      return { status: 200, body: { success: true, sessionDuration: 1, bytesTransferred: 0 } };
    }
    if (match[2] === 'audio') return { status: 200, body: { success: true, buffered: true } };
    return { status: 200, body: { success: true, listenersNotified: 0 } };
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const recorded: Recorded = {
        path: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: await readBody(req),
        at: Date.now() - t0,
      };
      requests.push(recorded);
      const reply = override?.(recorded, requests) ?? answer(recorded.path, recorded.body);
      if (reply.delayMs) await sleep(reply.delayMs);
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body ?? {}));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    requests,
    active,
    server,
    endSession: (id: string) => active.delete(id),
  };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A real pino logger writing into an array. */
function recordingLogger() {
  const lines: { level: number; event?: string; request?: string; error?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as never) });
  return { logger, lines, events: () => lines.map((l) => l.event) };
}

function options(baseUrl: string, more: Partial<DemoHostOptions> = {}) {
  const controller = new AbortController();
  const log = recordingLogger();
  const opts: DemoHostOptions = {
    baseUrl,
    bearerToken: TOKEN,
    sessionId: SESSION,
    logger: log.logger,
    signal: controller.signal,
    chunkMs: 20,
    ...more,
  };
  return { opts, controller, log };
}

const audioOf = (requests: Recorded[]) =>
  requests.filter((r) => r.path.endsWith('/audio')).map((r) => r.body as AudioBody);
const metadataOf = (requests: Recorded[]) =>
  requests.filter((r) => r.path.endsWith('/metadata')).map((r) => r.body as MetadataBody);

/** Waits (real time) until `check` holds; the host's requests are real I/O even when its clock is manual. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

const decodeF32 = (base64: string): Float32Array => {
  const bytes = Buffer.from(base64, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
};

describe(runDemoHost.name, () => {
  it('starts the session, streams one chunk per chunkMs and metadata every second, and stops on abort', async () => {
    const server = await fakeShareServer();
    const clock = new ManualClock();
    const t0 = clock.now();
    const { opts, controller, log } = options(server.baseUrl, { clock });
    const host = await runDemoHost(opts);
    expect(host).toMatchObject({ listenerToken: 'listener-1', shareUrl: `/s/${SESSION}?t=listener-1` });

    // Chunk n holds song time [n, n + 1) × 20 ms and goes out once the clock has passed it: never early, never late.
    await eventually(() => metadataOf(server.requests).length === 1, 'the first metadata');
    expect(audioOf(server.requests)).toHaveLength(0);
    for (let step = 1; step <= 55; step++) {
      await clock.advance(20);
      await eventually(() => audioOf(server.requests).length === step, `chunk ${step - 1}`);
    }
    controller.abort();
    await host.done;

    const { requests } = server;
    expect(requests[0]).toMatchObject({ path: '/api/share/start', body: { sessionId: SESSION } });
    expect(requests.at(-1)!.path).toBe(`/api/share/${SESSION}/stop`);
    expect(server.active.has(SESSION)).toBe(false);
    for (const r of requests) expect(r.authorization).toBe(`Bearer ${TOKEN}`);

    // Audio: 441 frames (20 ms) each, numbered from 0, the song's own samples as little-endian floats.
    const audio = audioOf(requests);
    expect(audio.map((a) => a.sequenceNumber)).toEqual(audio.map((_, i) => i));
    audio.forEach((chunk, i) => {
      expect(chunk).toMatchObject({ sampleRate: 22_050, channels: 1, timestamp: t0 + 20 * (i + 1) });
      expect(decodeF32(chunk.data)).toEqual(renderDemoChunk(i * 441, 441));
    });

    // Metadata: at once, then when the clock reached one second.
    const metadata = metadataOf(requests);
    expect(metadata).toEqual([
      {
        title: DEMO_SONG.title,
        artist: DEMO_SONG.artist,
        lyrics: DEMO_SONG.lrc,
        hasSyncedLyrics: true,
        elapsedSeconds: 0,
        totalSeconds: 48,
        thumbnailData: demoThumbnailBase64(),
        timestamp: t0,
      },
      expect.objectContaining({ elapsedSeconds: 1, timestamp: t0 + 1000 }),
    ]);
    expect(parseLrc(metadata[0]!.lyrics!).synced).toBe(true);
    expect(log.events()).toEqual(['share_demo_started', 'share_demo_stopped']);
  });

  it('catches up after a stall with the chunks due, at most a second of them, and wraps the song position', async () => {
    const server = await fakeShareServer();
    const clock = new ManualClock();
    const { opts, controller } = options(server.baseUrl, { clock });
    const host = await runDemoHost(opts);
    await eventually(() => metadataOf(server.requests).length === 1, 'the first metadata');

    clock.jump(500);
    await clock.advance(0);
    await eventually(() => audioOf(server.requests).length === 25, 'the 25 chunks due after 500 ms');
    // 49 s later: 2475 chunks are due; the newest second of them (50) goes out, the rest is skipped.
    clock.jump(49_000);
    await clock.advance(0);
    await eventually(() => audioOf(server.requests).length === 75, 'the last second of chunks');
    controller.abort();
    await host.done;

    const numbers = audioOf(server.requests).map((a) => a.sequenceNumber);
    expect(numbers).toEqual([
      ...Array.from({ length: 25 }, (_, i) => i),
      ...Array.from({ length: 50 }, (_, i) => 2425 + i),
    ]);
    const last = audioOf(server.requests).at(-1)!;
    expect(decodeF32(last.data)).toEqual(renderDemoChunk(2474 * 441, 441));
    // Metadata once for the stall (not once per second missed), with the position in the looping song.
    expect(metadataOf(server.requests).map((m) => m.elapsedSeconds)).toEqual([0, 1.5]);
  });

  it('stops a leftover session with its id (409) and starts again', async () => {
    const server = await fakeShareServer();
    server.active.add(SESSION);
    const { opts, controller } = options(server.baseUrl, { clock: new ManualClock() });
    const host = await runDemoHost(opts);
    controller.abort();
    await host.done;
    expect(server.requests.slice(0, 3).map((r) => r.path)).toEqual([
      '/api/share/start',
      `/api/share/${SESSION}/stop`,
      '/api/share/start',
    ]);
    expect(server.requests[1]!.contentType).toBeUndefined();
    expect(host.listenerToken).toBe('listener-1');
  });

  it('starts the session again when it disappears (404), with sequence numbers still rising', async () => {
    const server = await fakeShareServer();
    const clock = new ManualClock();
    const { opts, controller, log } = options(server.baseUrl, { clock });
    const host = await runDemoHost(opts);
    for (let step = 1; step <= 5; step++) {
      await clock.advance(20);
      await eventually(() => audioOf(server.requests).length === step, `chunk ${step - 1}`);
    }
    server.endSession(SESSION);
    await clock.advance(20);
    await eventually(() => server.requests.filter((r) => r.path === '/api/share/start').length === 2, 'a restart');
    await eventually(() => metadataOf(server.requests).length === 2, 'metadata for the new session');
    for (let step = 1; step <= 3; step++) {
      await clock.advance(20);
      await eventually(() => audioOf(server.requests).length === 6 + step, `chunk ${5 + step}`);
    }
    controller.abort();
    await host.done;

    const paths = server.requests.map((r) => r.path.replace(`/api/share/${SESSION}/`, ''));
    expect(paths).toEqual([
      '/api/share/start',
      'metadata',
      ...Array<string>(6).fill('audio'),
      '/api/share/start',
      'metadata',
      ...Array<string>(3).fill('audio'),
      'stop',
    ]);
    expect(audioOf(server.requests).map((a) => a.sequenceNumber)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(log.events()).toEqual([
      'share_demo_started',
      'share_demo_session_gone',
      'share_demo_started',
      'share_demo_stopped',
    ]);
  });

  it('retries a failing restart once a second, logging the failure once', async () => {
    let startFails = false;
    const server = await fakeShareServer((request) =>
      request.path === '/api/share/start' && startFails ? { status: 500, body: { error: 'down' } } : undefined,
    );
    const clock = new ManualClock();
    const { opts, controller, log } = options(server.baseUrl, { clock });
    const host = await runDemoHost(opts);
    const starts = () => server.requests.filter((r) => r.path === '/api/share/start').length;
    await clock.advance(20);
    await eventually(() => audioOf(server.requests).length === 1, 'chunk 0');

    startFails = true;
    server.endSession(SESSION);
    await clock.advance(20);
    await eventually(() => starts() === 2, 'the first restart');
    await clock.advance(999);
    await sleep(50);
    expect(starts()).toBe(2);
    await clock.advance(1);
    await eventually(() => starts() === 3, 'the second restart');
    startFails = false;
    await clock.advance(1000);
    await eventually(() => metadataOf(server.requests).length === 2, 'metadata after the third restart');
    await clock.advance(20);
    await eventually(() => audioOf(server.requests).length === 3, 'the next chunk');
    controller.abort();
    await host.done;

    expect(starts()).toBe(4);
    // The chunks due while the session was missing are skipped, not sent in a burst to the new one.
    expect(audioOf(server.requests).map((a) => a.sequenceNumber)).toEqual([0, 1, 102]);
    expect(log.lines.filter((l) => l.event?.startsWith('share_demo_upstream')).map((l) => [l.event, l.error])).toEqual([
      ['share_demo_upstream_failed', 'start: HTTP 500'],
      ['share_demo_upstream_recovered', undefined],
    ]);
  });

  it('logs a failing upstream once per change of state and keeps streaming', async () => {
    let failure: Reply | undefined;
    const server = await fakeShareServer((request) => (request.path.endsWith('/audio') ? failure : undefined));
    const clock = new ManualClock();
    const { opts, controller, log } = options(server.baseUrl, { clock });
    const host = await runDemoHost(opts);
    const step = async (n: number) => {
      await clock.advance(20);
      await eventually(() => audioOf(server.requests).length === n, `chunk ${n - 1}`);
    };
    for (let n = 1; n <= 3; n++) await step(n);
    failure = { status: 503, body: { error: 'busy' } };
    for (let n = 4; n <= 8; n++) await step(n);
    failure = { status: 500, body: { error: 'oops' } };
    for (let n = 9; n <= 10; n++) await step(n);
    failure = undefined;
    for (let n = 11; n <= 13; n++) await step(n);
    controller.abort();
    await host.done;

    const states = log.lines
      .filter((l) => l.event?.startsWith('share_demo_upstream'))
      .map((l) => [l.event, l.level, l.error]);
    expect(states).toEqual([
      ['share_demo_upstream_failed', 40, 'audio: HTTP 503'],
      ['share_demo_upstream_failed', 40, 'audio: HTTP 500'],
      ['share_demo_upstream_recovered', 30, undefined],
    ]);
    expect(audioOf(server.requests).map((a) => a.sequenceNumber)).toEqual(Array.from({ length: 13 }, (_, i) => i));
  });

  it('paces on the real clock by default and ends quietly when the server is gone, leaving no timer behind', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const server = await fakeShareServer();
    const { opts, controller, log } = options(server.baseUrl);
    const host = await runDemoHost(opts);
    const startedAt = Date.now();
    await eventually(() => audioOf(server.requests).length >= 3, 'three chunks');
    expect(audioOf(server.requests).length).toBeLessThanOrEqual(Math.ceil((Date.now() - startedAt) / 20) + 1);

    server.server.closeAllConnections();
    await new Promise((resolve) => server.server.close(resolve));
    await eventually(() => log.events().includes('share_demo_upstream_failed'), 'a failure');
    controller.abort();
    await host.done;

    expect(log.events().filter((e) => e === 'share_demo_upstream_failed')).toHaveLength(1);
    expect(log.events().at(-1)).toBe('share_demo_stop_failed');
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(timersBefore);
  });

  it('rejects when the first start fails, and for an aborted signal or a bad chunk length', async () => {
    const server = await fakeShareServer(() => ({ status: 401, body: { error: 'Unauthorized' } }));
    await expect(runDemoHost(options(server.baseUrl).opts)).rejects.toThrow('start: HTTP 401');

    const aborted = options(server.baseUrl);
    aborted.controller.abort();
    await expect(runDemoHost(aborted.opts)).rejects.toThrow();
    await expect(runDemoHost(options(server.baseUrl, { chunkMs: 1 }).opts)).rejects.toThrow(RangeError);
    expect(server.requests).toHaveLength(1);
  });
});
