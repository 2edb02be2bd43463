/**
 * SSE abuse: one client address cannot hold more than SSE_MAX_PER_IP streams (429) and a process holds at most
 * SSE_MAX_CONNECTIONS (503); both refusals are JSON errors with `Retry-After`, sent before any stream opens, and a
 * client that closes a stream may open another. Wire-level, on a listening server.
 */
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectSse, type SseClient } from '../support/sse-client.ts';
import { openTestDb, startStack, type Stack, type TestDb } from '../support/stack.ts';

interface Refusal {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { error: { code: string; message: string } };
}

/** A GET of the event stream expected to be refused: status, headers and the parsed JSON body. */
function refused(url: string, headers: Record<string, string> = {}): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Refusal['body'] });
        } catch (err) {
          reject(new Error(`not JSON (${res.statusCode}): ${text.slice(0, 200)}`, { cause: err }));
        }
      });
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.once('error', reject);
    req.end();
  });
}

function expectRefusal(answer: Refusal, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(answer.body.error.code).toBe(code);
  expect(answer.body.error.message).toMatch(/event streams/);
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('SSE connection caps', () => {
  let db: TestDb;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    db = await openTestDb('embedded', 'http_sse_limits');
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await db?.close();
  });

  async function open(stack: Stack, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = await connectSse(`${stack.url}/api/new-releases/events`, { headers });
    clients.push(client);
    expect(client.status).toBe(200);
    await client.waitFor((frames) => frames.some((frame) => frame.retry !== undefined));
    return client;
  }

  it('refuses a client past SSE_MAX_PER_IP with 429 and the process past SSE_MAX_CONNECTIONS with 503', async () => {
    const stack = await startStack({
      db,
      listen: true,
      env: { SSE_MAX_PER_IP: '3', SSE_MAX_CONNECTIONS: '5', TRUST_PROXY: 'loopback' },
    });
    const hub = stack.container.releases.stream.hub;
    const events = `${stack.url}/api/new-releases/events`;
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    try {
      const first = [];
      for (let i = 0; i < 3; i++) first.push(await open(stack, from('203.0.113.1')));
      expectRefusal(await refused(events, from('203.0.113.1')), 429, 'BACKBEAT_ERR_RATE_LIMITED');
      expect(hub.size).toBe(3);

      await open(stack, from('203.0.113.2'));
      await open(stack, from('203.0.113.2'));
      expectRefusal(await refused(events, from('203.0.113.3')), 503, 'BACKBEAT_ERR_UNAVAILABLE');
      expect(hub.size).toBe(5);
      expect(hub.stats().refused).toEqual({ total: 1, perClient: 1 });

      // A stream that ends frees its place, for its client and for the process.
      first[0]!.close();
      await waitFor(() => hub.size === 4);
      await open(stack, from('203.0.113.1'));
      expectRefusal(await refused(events, from('203.0.113.1')), 429, 'BACKBEAT_ERR_RATE_LIMITED');
    } finally {
      for (const client of clients.splice(0)) client.close();
      await stack.close();
    }
  });

  it('counts by peer address when no proxy is trusted, whatever X-Forwarded-For says', async () => {
    const stack = await startStack({ db, listen: true, env: { SSE_MAX_PER_IP: '2' } });
    const events = `${stack.url}/api/new-releases/events`;
    try {
      await open(stack, { 'x-forwarded-for': '198.51.100.1' });
      await open(stack, { 'x-forwarded-for': '198.51.100.2' });
      expectRefusal(await refused(events, { 'x-forwarded-for': '198.51.100.3' }), 429, 'BACKBEAT_ERR_RATE_LIMITED');
    } finally {
      for (const client of clients.splice(0)) client.close();
      await stack.close();
    }
  });
});
