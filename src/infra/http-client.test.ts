import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { caught } from '../../test/support/fake-fetch.ts';
import { FakeRateLimiter } from '../../test/support/fake-rate-limiter.ts';
import { createHttpClient, parseRetryAfter, type HttpClientOptions } from './http-client.ts';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from './upstream-errors.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Stub {
  baseUrl: string;
  hits: { url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

const stubs: Stub[] = [];
afterEach(async () => {
  await Promise.all(stubs.splice(0).map((s) => s.close()));
});

/** A local server answering the n-th request with `script[n]` (the last entry repeats). */
async function startStub(script: Handler[]): Promise<Stub> {
  const hits: Stub['hits'] = [];
  const server = createServer((req, res) => {
    hits.push({ url: req.url ?? '', headers: req.headers });
    const handler = script[Math.min(hits.length - 1, script.length - 1)];
    handler?.(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stub: Stub = {
    baseUrl: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  stubs.push(stub);
  return stub;
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

const raw =
  (status: number, body: string, contentType = 'text/html'): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(body);
  };

const NOW = Date.parse('2026-01-10T12:00:00Z');

function makeClient(stub: Stub, limiter: FakeRateLimiter, overrides: Partial<HttpClientOptions> = {}) {
  const sleeps: number[] = [];
  const client = createHttpClient({
    service: 'testsvc',
    baseUrl: stub.baseUrl,
    userAgent: 'Backbeat-test/1.0 (+https://example.test)',
    timeoutMs: 2_000,
    rateLimiter: limiter,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now: () => NOW,
    ...overrides,
  });
  return { client, sleeps };
}

describe('createHttpClient', () => {
  it('retries 5xx with jittered exponential backoff, then returns the JSON body', async () => {
    const stub = await startStub([json(500, {}), json(503, {}), json(200, { ok: 1 })]);
    const limiter = new FakeRateLimiter();
    const { client, sleeps } = makeClient(stub, limiter);

    await expect(client.getJson('/thing')).resolves.toEqual({ ok: 1 });
    expect(stub.hits).toHaveLength(3);
    expect(limiter.granted).toBe(3);
    // random() = 0.5 of 300·2^0 and 300·2^1
    expect(sleeps).toEqual([150, 300]);
  });

  it('gives up on 5xx after retries + 1 attempts with a retryable server error', async () => {
    const stub = await startStub([json(502, { error: 'bad gateway' })]);
    const limiter = new FakeRateLimiter();
    const { client } = makeClient(stub, limiter, { retries: 3 });

    const err = await caught(client.getJson('/thing'));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'server', status: 502, attempts: 4, retryable: true, service: 'testsvc' });
    expect(stub.hits).toHaveLength(4);
    expect(limiter.granted).toBe(4);
  });

  it('does not retry a 404 and reports a permanent client error', async () => {
    const stub = await startStub([json(404, { message: 'nope' })]);
    const limiter = new FakeRateLimiter();
    const { client, sleeps } = makeClient(stub, limiter);

    const err = await caught(client.getJson('/missing'));
    expect(err).toMatchObject({ kind: 'client', status: 404, attempts: 1, retryable: false });
    expect(stub.hits).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('pauses the service on 429 + Retry-After seconds and does not hammer the upstream', async () => {
    const stub = await startStub([json(429, { error: 'slow down' }, { 'retry-after': '30' })]);
    const limiter = new FakeRateLimiter(1000, () => NOW);
    const { client } = makeClient(stub, limiter);

    const first = await caught(client.getJson('/thing'));
    expect(first).toBeInstanceOf(UpstreamRateLimitedError);
    expect(first).toMatchObject({ status: 429, retryAfterMs: 30_000, attempts: 1, retryable: true });
    expect(limiter.pauses).toEqual([{ service: 'testsvc', until: new Date(NOW + 30_000) }]);

    // The next call is refused by the paused bucket before anything is sent.
    const second = await caught(client.getJson('/thing'));
    expect(second).toBeInstanceOf(RateLimitedError);
    expect(second).toMatchObject({ reason: 'paused', retryAfterMs: 30_000, attempts: 0 });
    expect(stub.hits).toHaveLength(1);
  });

  it('reads an HTTP-date Retry-After and caps any Retry-After at the ceiling', async () => {
    const inTwoMinutes = new Date(NOW + 90_000).toUTCString();
    const stub = await startStub([
      json(429, {}, { 'retry-after': inTwoMinutes }),
      json(429, {}, { 'retry-after': '86400' }),
      json(429, {}),
    ]);
    const limiter = new FakeRateLimiter();
    const { client } = makeClient(stub, limiter, { maxRetryAfterMs: 600_000 });
    const call = async (path: string) => {
      limiter.pausedUntil = null; // each call should reach the server; the pauses are asserted below
      return caught(client.getJson(path));
    };

    await expect(call('/a')).resolves.toMatchObject({ retryAfterMs: 90_000 });
    await expect(call('/b')).resolves.toMatchObject({ retryAfterMs: 600_000 });
    // No Retry-After at all: wait the ceiling rather than guess low.
    await expect(call('/c')).resolves.toMatchObject({ retryAfterMs: 600_000 });
    expect(limiter.pauses.map((p) => p.until.getTime() - NOW)).toEqual([90_000, 600_000, 600_000]);
    expect(stub.hits).toHaveLength(3);
  });

  it('sends nothing when the bucket is empty', async () => {
    const stub = await startStub([json(200, { ok: 1 })]);
    const limiter = new FakeRateLimiter(0);
    const { client } = makeClient(stub, limiter);

    const err = await caught(client.getJson('/thing'));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ reason: 'empty', attempts: 0, retryable: true });
    expect(stub.hits).toHaveLength(0);
  });

  it('takes a token for every retry and stops when the bucket runs dry mid-retry', async () => {
    const stub = await startStub([json(500, {})]);
    const limiter = new FakeRateLimiter(2);
    const { client } = makeClient(stub, limiter, { retries: 5 });

    const err = await caught(client.getJson('/thing'));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ reason: 'empty', attempts: 2 });
    expect((err as RateLimitedError).cause).toBeInstanceOf(UpstreamError);
    expect(stub.hits).toHaveLength(2);
    expect(limiter.takes.map((t) => t.granted)).toEqual([true, true, false]);
  });

  it('does not retry when the bucket itself fails (database down), and sends nothing', async () => {
    const stub = await startStub([json(200, { ok: 1 })]);
    const limiter = new FakeRateLimiter();
    const down = new Error('connection refused');
    let takes = 0;
    limiter.take = async () => {
      takes++;
      throw down;
    };
    const { client, sleeps } = makeClient(stub, limiter);

    await expect(client.getJson('/thing')).rejects.toBe(down);
    expect(takes).toBe(1);
    expect(stub.hits).toHaveLength(0);
    expect(sleeps).toEqual([]);
  });

  it('sends once with retries: 0, and refuses a retry count that is not a whole number', async () => {
    const stub = await startStub([json(500, {})]);
    const limiter = new FakeRateLimiter();
    const { client, sleeps } = makeClient(stub, limiter, { retries: 0 });

    await expect(client.getJson('/thing')).rejects.toMatchObject({ kind: 'server', attempts: 1 });
    expect(stub.hits).toHaveLength(1);
    expect(limiter.granted).toBe(1);
    expect(sleeps).toEqual([]);
    expect(() => makeClient(stub, limiter, { retries: 1.5 })).toThrow(RangeError);
  });

  it('stops retrying at a 4xx that follows a 5xx', async () => {
    const stub = await startStub([json(503, {}), json(404, {})]);
    const limiter = new FakeRateLimiter();
    const { client, sleeps } = makeClient(stub, limiter, { retries: 5 });

    await expect(client.getJson('/thing')).rejects.toMatchObject({ kind: 'client', status: 404, attempts: 2 });
    expect(stub.hits).toHaveLength(2);
    expect(limiter.granted).toBe(2);
    expect(sleeps).toEqual([150]);
  });

  it('retries an attempt that times out', async () => {
    const slow: Handler = (_req, res) => {
      setTimeout(() => json(200, { slow: true })(_req, res), 1_000).unref();
    };
    const stub = await startStub([slow, json(200, { fast: true })]);
    const limiter = new FakeRateLimiter();
    const { client } = makeClient(stub, limiter, { timeoutMs: 100 });

    await expect(client.getJson('/thing')).resolves.toEqual({ fast: true });
    expect(stub.hits).toHaveLength(2);
    expect(limiter.granted).toBe(2);
  });

  it('reports a timeout after exhausting retries', async () => {
    const hang: Handler = () => undefined;
    const stub = await startStub([hang]);
    const { client } = makeClient(stub, new FakeRateLimiter(), { timeoutMs: 50, retries: 1 });

    const err = await caught(client.getJson('/thing'));
    expect(err).toMatchObject({ kind: 'timeout', status: null, attempts: 2, retryable: true });
    expect(stub.hits).toHaveLength(2);
  });

  it('retries a dropped connection and reports a network error when it keeps dropping', async () => {
    const drop: Handler = (req) => req.socket.destroy();
    const stub = await startStub([drop, drop, json(200, { ok: 1 })]);
    const { client } = makeClient(stub, new FakeRateLimiter(), { retries: 3 });
    await expect(client.getJson('/thing')).resolves.toEqual({ ok: 1 });
    expect(stub.hits).toHaveLength(3);

    const always = await startStub([drop]);
    const { client: c2 } = makeClient(always, new FakeRateLimiter(), { retries: 1 });
    await expect(c2.getJson('/thing')).rejects.toMatchObject({ kind: 'network', status: null, attempts: 2 });
  });

  it.each([
    ['an HTML page', '<!DOCTYPE html><html><body>Access denied</body></html>', 'HTML page'],
    ['truncated JSON', '{"count": 2, "data": [', 'not valid JSON'],
    ['an empty body', '', 'empty body'],
  ])('treats a 200 with %s as malformed, without retrying', async (_label, body, message) => {
    const stub = await startStub([raw(200, body)]);
    const limiter = new FakeRateLimiter();
    const { client } = makeClient(stub, limiter);

    const err = await caught(client.getJson('/thing'));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'malformed', status: 200, attempts: 1, retryable: true });
    expect((err as Error).message).toContain(message);
    expect(stub.hits).toHaveLength(1);
  });

  it('keeps the base path, merges the query and sends the User-Agent and extra headers', async () => {
    const stub = await startStub([json(200, [])]);
    const { client } = makeClient({ ...stub, baseUrl: `${stub.baseUrl}/v3/` }, new FakeRateLimiter());

    await client.getJson('/search?part=snippet', { q: 'a b,c', n: 50 }, { cookie: 'L=hindi' });
    const hit = stub.hits[0];
    expect(hit?.url).toBe('/v3/search?part=snippet&q=a+b%2Cc&n=50');
    expect(hit?.headers['user-agent']).toBe('Backbeat-test/1.0 (+https://example.test)');
    expect(hit?.headers.accept).toBe('application/json');
    expect(hit?.headers.cookie).toBe('L=hindi');
  });

  it('returns text bodies, empty ones included, from getText', async () => {
    const stub = await startStub([raw(200, 'hello', 'text/plain'), raw(200, '', 'text/plain')]);
    const { client } = makeClient(stub, new FakeRateLimiter());
    await expect(client.getText('/a')).resolves.toBe('hello');
    await expect(client.getText('/b')).resolves.toBe('');
  });

  it("waits at least a 503's Retry-After before retrying", async () => {
    const stub = await startStub([json(503, {}, { 'retry-after': '2' }), json(200, { ok: 1 })]);
    const { client, sleeps } = makeClient(stub, new FakeRateLimiter());
    await expect(client.getJson('/thing')).resolves.toEqual({ ok: 1 });
    expect(sleeps).toEqual([2_000]);
  });

  it('logs upstream_request at debug and failures at warn, without the query string', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const stub = await startStub([json(500, {}), json(200, { ok: 1 })]);
    const { client } = makeClient(stub, new FakeRateLimiter(), { logger });

    await client.getJson('/thing', { key: 'secret-api-key' });
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.filter((r) => r.event === 'upstream_request').map((r) => [r.level, r.status])).toEqual([
      [20, 500],
      [20, 200],
    ]);
    expect(records.find((r) => r.event === 'upstream_request_failed')).toMatchObject({
      level: 40,
      kind: 'server',
      willRetry: true,
    });
    expect(lines.join('\n')).not.toContain('secret-api-key');
  });
});

describe('parseRetryAfter', () => {
  it.each([
    [null, null],
    ['', null],
    ['soon', null],
    ['0', 0],
    ['30', 30_000],
    ['1.5', 1_500],
    [new Date(NOW + 45_000).toUTCString(), 45_000],
    [new Date(NOW - 45_000).toUTCString(), 0],
  ])('reads %j as %j ms', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });
});

describe('createHttpClient: postForm', () => {
  /** Wraps a handler so the request's method and body are recorded before it answers. */
  function recording(into: { method: string; body: string; headers: IncomingHttpHeaders }[], then: Handler): Handler {
    return (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        into.push({ method: req.method ?? '', body, headers: req.headers });
        then(req, res);
      });
    };
  }

  it('POSTs the form url-encoded with one token and returns the parsed JSON answer', async () => {
    const received: { method: string; body: string; headers: IncomingHttpHeaders }[] = [];
    const stub = await startStub([recording(received, json(200, { access_token: 'abc', expires_in: 3600 }))]);
    const limiter = new FakeRateLimiter();
    const { client } = makeClient({ ...stub, baseUrl: `${stub.baseUrl}/auth/` }, limiter);

    const res = await client.postForm(
      '/api/token',
      { grant_type: 'client_credentials', scope: 'a b&c=d/é' },
      { authorization: 'Basic eDp5' },
    );

    expect(res).toEqual({
      body: { access_token: 'abc', expires_in: 3600 },
      status: 200,
      attempts: 1,
      path: '/auth/api/token',
      headers: expect.any(Headers) as unknown,
    });
    expect(stub.hits.map((h) => h.url)).toEqual(['/auth/api/token']);
    expect(received).toHaveLength(1);
    const sent = received[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.body).toBe('grant_type=client_credentials&scope=a+b%26c%3Dd%2F%C3%A9');
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent.headers.authorization).toBe('Basic eDp5');
    expect(sent.headers.accept).toBe('application/json');
    expect(sent.headers['user-agent']).toBe('Backbeat-test/1.0 (+https://example.test)');
    expect(limiter.takes).toEqual([{ service: 'testsvc', granted: true }]);
  });

  it('retries a 5xx with the same form, one token per attempt', async () => {
    const received: { method: string; body: string; headers: IncomingHttpHeaders }[] = [];
    const stub = await startStub([recording(received, json(502, {})), recording(received, json(200, { ok: 1 }))]);
    const limiter = new FakeRateLimiter();
    const { client } = makeClient(stub, limiter);

    await expect(client.postForm('/api/token', { grant_type: 'client_credentials' })).resolves.toMatchObject({
      body: { ok: 1 },
      attempts: 2,
    });
    expect(received.map((r) => [r.method, r.body])).toEqual([
      ['POST', 'grant_type=client_credentials'],
      ['POST', 'grant_type=client_credentials'],
    ]);
    expect(limiter.granted).toBe(2);
  });

  it('reports a 4xx answer to a form as a client error, not retried', async () => {
    const stub = await startStub([json(400, { error: 'invalid_client' })]);
    const limiter = new FakeRateLimiter();
    const { client } = makeClient(stub, limiter);

    const err = await caught(client.postForm('/api/token', { grant_type: 'client_credentials' }));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'client', status: 400, attempts: 1, path: '/api/token' });
    expect(stub.hits).toHaveLength(1);
    expect(limiter.granted).toBe(1);
  });
});

describe('createHttpClient: throttleStatuses', () => {
  it('treats a listed 503 as "slow down": no retry, the bucket paused for Retry-After', async () => {
    const stub = await startStub([json(503, {}, { 'retry-after': '5' }), json(200, { ok: 1 })]);
    const limiter = new FakeRateLimiter(1000, () => NOW);
    const { client, sleeps } = makeClient(stub, limiter, { throttleStatuses: [503], defaultThrottleMs: 2_000 });

    const err = await caught(client.getJson('/ws/2/release'));

    expect(err).toBeInstanceOf(UpstreamRateLimitedError);
    expect(err).toMatchObject({ status: 503, retryAfterMs: 5_000, attempts: 1, retryable: true, service: 'testsvc' });
    expect((err as Error).message).toContain('503');
    expect(limiter.pauses).toEqual([{ service: 'testsvc', until: new Date(NOW + 5_000) }]);
    expect(stub.hits).toHaveLength(1);
    expect(sleeps).toEqual([]);

    // The pause holds the next call back before anything is sent.
    await expect(client.getJson('/ws/2/release')).rejects.toBeInstanceOf(RateLimitedError);
    expect(stub.hits).toHaveLength(1);
  });

  it('pauses for defaultThrottleMs when the throttling answer has no readable Retry-After', async () => {
    const stub = await startStub([json(503, {}), json(503, {}, { 'retry-after': 'later' })]);
    const limiter = new FakeRateLimiter();
    const { client } = makeClient(stub, limiter, { throttleStatuses: [503], defaultThrottleMs: 2_000 });

    for (const path of ['/a', '/b']) {
      limiter.pausedUntil = null; // each call should reach the server; the pauses are asserted below
      await expect(client.getJson(path)).rejects.toMatchObject({ status: 503, retryAfterMs: 2_000 });
    }
    expect(limiter.pauses.map((p) => p.until.getTime() - NOW)).toEqual([2_000, 2_000]);
    expect(stub.hits).toHaveLength(2);
  });

  it('still retries the 5xx statuses it does not list, and still throttles on 429', async () => {
    const stub = await startStub([json(500, {}), json(200, { ok: 1 })]);
    const limiter = new FakeRateLimiter();
    const { client, sleeps } = makeClient(stub, limiter, { throttleStatuses: [503], defaultThrottleMs: 2_000 });
    await expect(client.getJson('/thing')).resolves.toEqual({ ok: 1 });
    expect(stub.hits).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    expect(limiter.pauses).toEqual([]);

    const limited = await startStub([json(429, {})]);
    const { client: c2 } = makeClient(limited, new FakeRateLimiter(), {
      throttleStatuses: [503],
      defaultThrottleMs: 2_000,
    });
    await expect(c2.getJson('/thing')).rejects.toMatchObject({ status: 429, retryAfterMs: 2_000 });
  });
});

describe('createHttpClient: answer headers', () => {
  it('returns the headers of the answer from getJsonResponse and postForm', async () => {
    const stub = await startStub([
      json(200, { id: 1 }, { 'x-discogs-ratelimit': '60', 'x-discogs-ratelimit-remaining': '58' }),
      json(200, { ok: 1 }, { 'x-request-id': 'r-2' }),
    ]);
    const { client } = makeClient(stub, new FakeRateLimiter());

    const got = await client.getJsonResponse('/releases/1');
    expect(got.body).toEqual({ id: 1 });
    expect(got.headers.get('x-discogs-ratelimit')).toBe('60');
    expect(got.headers.get('x-discogs-ratelimit-remaining')).toBe('58');

    const posted = await client.postForm('/token', { a: 'b' });
    expect(posted.headers.get('x-request-id')).toBe('r-2');
  });

  it('returns the headers of the attempt that succeeded, not of a failed one before it', async () => {
    const stub = await startStub([json(502, {}, { 'x-attempt': '1' }), json(200, {}, { 'x-attempt': '2' })]);
    const { client } = makeClient(stub, new FakeRateLimiter());
    const got = await client.getJsonResponse('/thing');
    expect(got.attempts).toBe(2);
    expect(got.headers.get('x-attempt')).toBe('2');
  });
});

describe('createHttpClient: postFormText', () => {
  it('POSTs the form and returns a form-encoded answer as text', async () => {
    const bodies: string[] = [];
    const stub = await startStub([
      (req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          bodies.push(`${req.method} ${req.headers['content-type']} ${body}`);
          raw(200, 'oauth_token=t&oauth_token_secret=s', 'application/x-www-form-urlencoded')(req, res);
        });
      },
    ]);
    const limiter = new FakeRateLimiter();
    const { client } = makeClient(stub, limiter);

    await expect(client.postFormText('/oauth/access_token', { x: '1' })).resolves.toBe(
      'oauth_token=t&oauth_token_secret=s',
    );
    expect(bodies).toEqual(['POST application/x-www-form-urlencoded x=1']);
    expect(stub.hits[0]?.headers.accept).toBe('text/plain, */*');
    expect(limiter.granted).toBe(1);
  });
});

describe('createHttpClient: throttleFromBody', () => {
  const quota = { error: { code: 403, errors: [{ reason: 'quotaExceeded' }] } };
  const forbidden = { error: { code: 403, errors: [{ reason: 'forbidden' }] } };
  /** Recognises the quota answer only, with a pause far above the Retry-After ceiling. */
  const recognise = (status: number, body: string) => (status === 403 && body.includes('quotaExceeded') ? 5e6 : null);

  it('pauses the bucket for the pause it returns, uncapped, and throws a rate-limit error with the status', async () => {
    const stub = await startStub([json(403, quota), json(200, { ok: 1 })]);
    const limiter = new FakeRateLimiter(1000, () => NOW);
    const seen: [number, string][] = [];
    const { client, sleeps } = makeClient(stub, limiter, {
      throttleFromBody: (status, body) => {
        seen.push([status, body]);
        return recognise(status, body);
      },
    });

    const err = await caught(client.getJson('/search'));

    expect(err).toBeInstanceOf(UpstreamRateLimitedError);
    expect(err).toMatchObject({ status: 403, retryAfterMs: 5e6, attempts: 1, retryable: true, path: '/search' });
    expect(seen).toEqual([[403, JSON.stringify(quota)]]);
    expect(limiter.pauses).toEqual([{ service: 'testsvc', until: new Date(NOW + 5e6) }]);
    expect(stub.hits).toHaveLength(1);
    expect(sleeps).toEqual([]);
    await expect(client.getJson('/search')).rejects.toBeInstanceOf(RateLimitedError);
    expect(stub.hits).toHaveLength(1);
  });

  it('leaves an answer it does not recognise a client error', async () => {
    const stub = await startStub([json(403, forbidden)]);
    const limiter = new FakeRateLimiter();
    const { client } = makeClient(stub, limiter, { throttleFromBody: recognise });

    const err = await caught(client.getJson('/search'));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'client', status: 403, attempts: 1 });
    expect(limiter.pauses).toEqual([]);
  });

  it('is not asked about 429, 5xx or success answers', async () => {
    const stub = await startStub([json(429, quota, { 'retry-after': '3' }), json(500, quota), json(200, quota)]);
    const limiter = new FakeRateLimiter();
    const seen: number[] = [];
    const { client } = makeClient(stub, limiter, {
      retries: 1,
      throttleFromBody: (status) => {
        seen.push(status);
        return 1;
      },
    });

    await expect(client.getJson('/a')).rejects.toMatchObject({ status: 429, retryAfterMs: 3_000 });
    limiter.pausedUntil = null;
    await expect(client.getJson('/b')).resolves.toEqual(quota);
    expect(seen).toEqual([]);
  });
});
