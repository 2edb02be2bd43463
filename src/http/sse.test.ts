import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SseHub,
  formatSseComment,
  formatSseEvent,
  parseLastEventId,
  type SseConnection,
  type SseHubOptions,
  type SseTransport,
} from './sse.ts';
import { AppError } from '../errors.ts';

type Handler = (request: FastifyRequest, reply: FastifyReply) => void | Promise<void>;

interface Harness {
  app: FastifyInstance;
  hub: SseHub;
  port: number;
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let transport: SseTransport = 'socket';

async function start(handler: Handler | undefined, options: Partial<SseHubOptions> = {}): Promise<Harness> {
  const hub = new SseHub({ heartbeatMs: 10_000, retryMs: 3000, transport, ...options });
  const app = Fastify({ logger: false });
  app.addHook('preClose', () => hub.close());
  app.get('/events', handler ?? ((request, reply) => void hub.attach(request, reply)));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  cleanups.push(() => app.close());
  return { app, hub, port: address.port };
}

interface Client {
  response: IncomingMessage;
  status: number;
  headers: IncomingHttpHeaders;
  /** Body bytes received so far (chunked framing removed by node:http). */
  body(): Buffer;
  text(): string;
  /** Resolves true on a clean end of the body, false when the connection was cut. */
  ended: Promise<boolean>;
  destroy(): void;
}

function connect(port: number, path = '/events', headers: Record<string, string> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      const ended = new Promise<boolean>((resolveEnded) => {
        response.on('end', () => resolveEnded(true));
        response.on('aborted', () => resolveEnded(false));
        response.on('error', () => resolveEnded(false));
        response.on('close', () => resolveEnded(response.complete));
      });
      const body = (): Buffer => Buffer.concat(chunks);
      const client: Client = {
        response,
        status: response.statusCode ?? 0,
        headers: response.headers,
        body,
        text: () => body().toString('utf8'),
        ended,
        destroy: () => req.destroy(),
      };
      cleanups.push(() => void req.destroy());
      resolve(client);
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

const RETRY = 'retry: 3000\n\n';

describe('formatSseEvent', () => {
  it.each([
    [{ data: 'hello' }, 'data: hello\n\n'],
    [
      { id: 7, event: 'new_release', data: { title: 'Ölüm', n: 1 } },
      'id: 7\nevent: new_release\ndata: {"title":"Ölüm","n":1}\n\n',
    ],
    [{ id: 'abc', data: 'x', retry: 5000 }, 'id: abc\nretry: 5000\ndata: x\n\n'],
    [{ data: 'one\ntwo\r\nthree\rfour' }, 'data: one\ndata: two\ndata: three\ndata: four\n\n'],
    [{ data: '' }, 'data: \n\n'],
    [{ data: 'trailing\n' }, 'data: trailing\ndata: \n\n'],
    [{ data: [1, 'a'] }, 'data: [1,"a"]\n\n'],
  ])('formats %j byte-exact', (event, expected) => {
    expect(formatSseEvent(event).equals(Buffer.from(expected, 'utf8'))).toBe(true);
  });

  it.each([
    [{ event: 'a\nb', data: 'x' }, /event must not contain CR or LF/],
    [{ event: 'a\rb', data: 'x' }, /event must not contain CR or LF/],
    [{ id: '1\n2', data: 'x' }, /id must not contain CR or LF/],
    [{ id: '1\r\n', data: 'x' }, /id must not contain CR or LF/],
    [{ id: 'a\0', data: 'x' }, /NUL/],
    [{ id: Number.NaN, data: 'x' }, /finite/],
    [{ data: 'x', retry: -1 }, /retry/],
    [{ data: 'x', retry: 1.5 }, /retry/],
  ])('refuses %j', (event, message) => {
    expect(() => formatSseEvent(event)).toThrow(message);
  });

  it('formats comments line by line', () => {
    expect(formatSseComment('ping').toString()).toBe(': ping\n\n');
    expect(formatSseComment('a\nb').toString()).toBe(': a\n: b\n\n');
  });
});

describe('parseLastEventId', () => {
  it.each([
    [{ 'last-event-id': '42' }, {}, 42],
    [{ 'last-event-id': ' 42 ' }, {}, 42],
    [{ 'last-event-id': '0' }, {}, 0],
    [{}, { lastEventId: '17' }, 17],
    [{ 'last-event-id': '50' }, { lastEventId: '17' }, 50],
    [{ 'last-event-id': '' }, { lastEventId: '17' }, 17],
    [{ 'last-event-id': '999999999999999' }, {}, 999_999_999_999_999],
    [{}, {}, undefined],
    [{ 'last-event-id': '' }, undefined, undefined],
  ])('headers %j, query %j → %s', (headers, query, expected) => {
    expect(parseLastEventId({ headers, query })).toBe(expected);
  });

  it.each([
    [{ 'last-event-id': 'abc' }, { lastEventId: '17' }, 'headers/last-event-id'],
    [{ 'last-event-id': '-3' }, {}, 'headers/last-event-id'],
    [{ 'last-event-id': '1e3' }, {}, 'headers/last-event-id'],
    [{ 'last-event-id': '4.0' }, {}, 'headers/last-event-id'],
    [{ 'last-event-id': '1, 2' }, {}, 'headers/last-event-id'],
    [{ 'last-event-id': '9999999999999999' }, {}, 'headers/last-event-id'],
    [{}, { lastEventId: 'abc' }, 'querystring/lastEventId'],
    [{}, { lastEventId: '' }, 'querystring/lastEventId'],
    [{}, { lastEventId: ['3', '4'] }, 'querystring/lastEventId'],
    [{ 'last-event-id': '5' }, { lastEventId: 'x' }, 'querystring/lastEventId'],
  ])('headers %j, query %j → 400 naming %s', (headers, query, location) => {
    const parse = () => parseLastEventId({ headers, query });
    expect(parse).toThrow(AppError);
    expect(parse).toThrow(`${location} must be a non-negative integer`);
    try {
      parse();
    } catch (error) {
      expect(error).toMatchObject({ code: 'BACKBEAT_ERR_VALIDATION', statusCode: 400 });
    }
  });
});

describe.each(['socket', 'response'] as const)(`${SseHub.name} (transport: %s)`, (kind) => {
  beforeAll(() => {
    transport = kind;
  });

  it('refuses a heartbeat longer than 15 s', () => {
    expect(() => new SseHub({ heartbeatMs: 15_001, retryMs: 1000 })).toThrow(RangeError);
  });

  it('answers 200 with the SSE headers (keeping headers already set) and sends retry once', async () => {
    const { hub, port } = await start(
      (request, reply) => {
        reply.header('access-control-allow-origin', '*');
        hub.attach(request, reply);
      },
      { heartbeatMs: 50 },
    );
    const client = await connect(port);
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-cache, no-transform');
    expect(client.headers.connection).toBe('keep-alive');
    expect(client.headers['x-accel-buffering']).toBe('no');
    expect(client.headers['access-control-allow-origin']).toBe('*');
    await waitFor(() => count(client.text(), ': ping\n\n') >= 3, 'three heartbeats');
    expect(client.text().startsWith(RETRY)).toBe(true);
    expect(count(client.text(), 'retry:')).toBe(1);
  });

  it('writes broadcast frames byte-exact after the retry line', async () => {
    const { hub, port } = await start(undefined);
    const client = await connect(port);
    await waitFor(() => hub.stats().connections === 1 && hub.stats().pending === 0, 'live connection');
    const frames = [
      formatSseEvent({ id: 1, event: 'new_release', data: { id: 'a1', title: 'First' } }),
      formatSseEvent({ id: 2, event: 'release_updated', data: 'line one\nline two' }),
    ];
    hub.broadcast(frames[0]!, 1);
    hub.broadcast(frames[1]!, 2);
    const expected =
      RETRY +
      'id: 1\nevent: new_release\ndata: {"id":"a1","title":"First"}\n\n' +
      'id: 2\nevent: release_updated\ndata: line one\ndata: line two\n\n';
    await waitFor(() => client.body().length >= Buffer.byteLength(expected), 'both frames');
    expect(client.text()).toBe(expected);
  });

  it('frames the body as HTTP/1.1 chunks, and as a close-delimited body for HTTP/1.0', async () => {
    const { hub, port } = await start(undefined);
    const frame = formatSseEvent({ id: 3, data: 'x' });
    const raw = async (version: string): Promise<Socket & { received: () => string }> => {
      const socket = netConnect(port, '127.0.0.1');
      cleanups.push(() => void socket.destroy());
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.write(`GET /events HTTP/${version}\r\nHost: localhost\r\n\r\n`);
      await waitFor(() => received.includes('retry'), `HTTP/${version} head`);
      return Object.assign(socket, { received: () => received });
    };
    const http11 = await raw('1.1');
    const http10 = await raw('1.0');
    await waitFor(() => hub.stats().pending === 0 && hub.size === 2, 'both live');
    hub.broadcast(frame, 3);
    await waitFor(() => http11.received().includes('data: x') && http10.received().includes('data: x'), 'frame');
    const head11 = http11.received().slice(0, http11.received().indexOf('\r\n\r\n'));
    expect(head11).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head11).toContain('Transfer-Encoding: chunked');
    expect(http11.received().slice(head11.length + 4)).toBe(
      `d\r\n${RETRY}\r\n${frame.length.toString(16)}\r\n${frame.toString()}\r\n`,
    );
    const head10 = http10.received().slice(0, http10.received().indexOf('\r\n\r\n'));
    expect(head10).toContain('Connection: close');
    expect(head10).not.toContain('Transfer-Encoding');
    expect(http10.received().slice(head10.length + 4)).toBe(RETRY + frame.toString());
  });

  it('answers HEAD with the headers and no body', async () => {
    const { hub, port } = await start(undefined);
    const socket = netConnect(port, '127.0.0.1');
    cleanups.push(() => void socket.destroy());
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write('HEAD /events HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*text\/event-stream[\s\S]*\r\n\r\n$/);
    expect(hub.size).toBe(0);
  });

  it('sends the shared heartbeat comment on every connection', async () => {
    const { port } = await start(undefined, { heartbeatMs: 100 });
    const clients = await Promise.all([connect(port), connect(port)]);
    await waitFor(() => clients.every((c) => count(c.text(), ': ping\n\n') >= 2), 'two heartbeats each', 3000);
    for (const client of clients) expect(client.text()).toMatch(/^retry: 3000\n\n(: ping\n\n)+$/);
  });

  it('writes an event broadcast twice once: a live event raises the watermark', async () => {
    const { hub, port } = await start(undefined);
    const client = await connect(port);
    await waitFor(() => hub.stats().connections === 1 && hub.stats().pending === 0, 'live connection');
    const frame = (id: number) => formatSseEvent({ id, event: 'new_release', data: { id } });
    expect(hub.broadcast(frame(1), 1)).toBe(1);
    expect(hub.broadcast(frame(2), 2)).toBe(1);
    // Published again from the outbox after a crash: already delivered, so skipped.
    expect(hub.broadcast(frame(2), 2)).toBe(0);
    expect(hub.broadcast(frame(1), 1)).toBe(0);
    expect(hub.broadcast(frame(3), 3)).toBe(1);
    const expected = RETRY + frame(1).toString() + frame(2).toString() + frame(3).toString();
    await waitFor(() => client.body().length >= Buffer.byteLength(expected), 'three frames');
    expect(client.text()).toBe(expected);
  });

  it('writes identical bytes to three clients', async () => {
    const { hub, port } = await start(undefined);
    const clients = await Promise.all([connect(port), connect(port), connect(port)]);
    await waitFor(() => hub.size === 3 && hub.stats().pending === 0, 'three live connections');
    let expected = RETRY;
    for (let id = 1; id <= 20; id++) {
      const frame = formatSseEvent({ id, event: 'new_release', data: { id, title: `Album ${id}` } });
      expected += frame.toString();
      expect(hub.broadcast(frame, id)).toBe(3);
    }
    await waitFor(() => clients.every((c) => c.body().length === Buffer.byteLength(expected)), 'twenty frames');
    for (const client of clients) expect(client.text()).toBe(expected);
    expect(hub.stats()).toMatchObject({ connections: 3, broadcasts: 20, dropped: 0 });
  });

  it('delivers events broadcast during the replay once, after it, skipping ids the replay covered', async () => {
    let opened: SseConnection | undefined;
    const { hub, port } = await start((request, reply) => {
      opened = hub.open(request, reply);
    });
    const client = await connect(port);
    await waitFor(() => opened !== undefined, 'open');
    const conn = opened!;
    const frame = (id: number): Buffer => formatSseEvent({ id, event: 'new_release', data: { id } });
    const untagged = formatSseEvent({ event: 'stats', data: 'no id' });

    // While the replay is being read, events 5..7 and one id-less frame are published.
    expect(conn.state).toBe('pending');
    hub.broadcast(frame(5), 5);
    hub.broadcast(frame(6), 6);
    hub.broadcast(frame(7), 7);
    hub.broadcast(untagged);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(client.text()).toBe(RETRY);

    // The replay query saw events up to 6.
    await conn.replay([1, 2, 3, 4, 5, 6].map(frame), 6);
    expect(conn.lastReplayedId).toBe(6);
    conn.goLive();
    expect(conn.state).toBe('live');
    // The bus delivers 6 late (already replayed), then a new 8.
    hub.broadcast(frame(6), 6);
    hub.broadcast(frame(8), 8);

    const expected =
      RETRY +
      [1, 2, 3, 4, 5, 6, 7].map((id) => frame(id).toString()).join('') +
      untagged.toString() +
      frame(8).toString();
    await waitFor(() => client.body().length >= Buffer.byteLength(expected), 'replay and live frames');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(client.text()).toBe(expected);
    await expect(conn.replay([frame(9)])).rejects.toThrow(/after goLive/);
  });

  it('attach() writes the initial frames before live ones and dedups against lastReplayedId', async () => {
    const frame = (id: number): Buffer => formatSseEvent({ id, data: `e${id}` });
    const { hub, port } = await start((request, reply) => {
      hub.attach(request, reply, { initial: [frame(1), frame(2)], lastReplayedId: 2 });
      // Published before the replay has drained: 2 is a duplicate of the replay, 3 is new.
      hub.broadcast(frame(2), 2);
      hub.broadcast(frame(3), 3);
    });
    const client = await connect(port);
    await waitFor(() => hub.stats().pending === 0 && hub.size === 1, 'live');
    hub.broadcast(frame(4), 4);
    const expected = RETRY + [1, 2, 3, 4].map((id) => frame(id).toString()).join('');
    await waitFor(() => client.text().length >= expected.length, 'frames');
    expect(client.text()).toBe(expected);
  });

  it('delivers topic frames only to subscribers', async () => {
    const { hub, port } = await start((request, reply) => {
      const query = request.query as { topic?: string };
      hub.attach(request, reply, query.topic === undefined ? {} : { topics: [query.topic] });
    });
    const hindi = await connect(port, '/events?topic=hindi');
    const everything = await connect(port);
    await waitFor(() => hub.size === 2 && hub.stats().pending === 0, 'live');
    hub.broadcast(formatSseEvent({ data: 'hindi' }), undefined, 'hindi');
    hub.broadcast(formatSseEvent({ data: 'english' }), undefined, 'english');
    hub.broadcast(formatSseEvent({ data: 'all' }));
    await waitFor(() => everything.text().includes('data: all'), 'frames');
    await waitFor(() => hindi.text().includes('data: all'), 'frames');
    expect(hindi.text()).toBe(`${RETRY}data: hindi\n\ndata: all\n\n`);
    expect(everything.text()).toBe(`${RETRY}data: hindi\n\ndata: english\n\ndata: all\n\n`);
  });

  it('drops a client that stops reading and keeps serving the others', async () => {
    const { hub, port } = await start(undefined, { maxBufferedBytes: 128 * 1024 });
    const slow = await connect(port);
    const fast = await Promise.all([connect(port), connect(port)]);
    await waitFor(() => hub.size === 3 && hub.stats().pending === 0, 'three live connections');
    slow.response.pause();
    slow.response.socket.pause();

    const frame = formatSseEvent({ event: 'bulk', data: 'x'.repeat(32 * 1024) });
    let sent = 0;
    while (hub.stats().dropped === 0) {
      if (sent > 4000) throw new Error('the slow client was never dropped');
      hub.broadcast(frame);
      sent++;
      // Let the fast clients read; the paused one fills its kernel buffers, then the server's write buffer.
      await new Promise((resolve) => setTimeout(resolve, sent % 8 === 0 ? 1 : 0));
    }
    expect(hub.stats()).toMatchObject({ dropped: 1, connections: 2 });
    hub.broadcast(formatSseEvent({ event: 'after', data: 'still here' }));
    const expectedBytes = RETRY.length + sent * frame.length + 'event: after\ndata: still here\n\n'.length;
    await waitFor(() => fast.every((c) => c.body().length === expectedBytes), 'fast clients to receive everything');
    for (const client of fast) expect(client.text().endsWith('event: after\ndata: still here\n\n')).toBe(true);
    slow.response.socket.resume();
    slow.response.resume();
    expect(await slow.ended).toBe(false);
  });

  it('drops a pending connection whose buffered live frames pass the limit', async () => {
    let opened: SseConnection | undefined;
    const { hub, port } = await start(
      (request, reply) => {
        opened = hub.open(request, reply);
      },
      { maxBufferedBytes: 10_000 },
    );
    await connect(port);
    await waitFor(() => opened !== undefined, 'open');
    for (let id = 1; id <= 3; id++) hub.broadcast(formatSseEvent({ id, data: 'y'.repeat(4000) }), id);
    expect(await opened!.closed).toBe('slow');
    expect(hub.stats()).toMatchObject({ dropped: 1, connections: 0 });
  });

  it('forgets a connection when the client disconnects', async () => {
    let opened: SseConnection | undefined;
    const { hub, port } = await start((request, reply) => {
      opened = hub.attach(request, reply);
    });
    const client = await connect(port);
    await waitFor(() => hub.size === 1, 'connection');
    client.destroy();
    expect(await opened!.closed).toBe('client');
    expect(hub.size).toBe(0);
    expect(hub.broadcast(formatSseEvent({ data: 'nobody' }))).toBe(0);
  });

  it('close() ends every stream cleanly and lets fastify.close() finish promptly', async () => {
    // A long grace: only a graceful end, not the destroy fallback, can finish in time.
    const { app, hub, port } = await start(undefined, { heartbeatMs: 100, closeGraceMs: 5000 });
    const clients = await Promise.all([connect(port), connect(port), connect(port)]);
    await waitFor(() => hub.size === 3, 'three connections');
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(2500);
    expect(await Promise.all(clients.map((c) => c.ended))).toEqual([true, true, true]);
    expect(hub.stats().connections).toBe(0);
    const pings = clients[0].text();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(clients[0].text()).toBe(pings);
  });
});
