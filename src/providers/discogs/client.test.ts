import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { caught, recordRequest, type RecordedRequest, type Reply } from '../../../test/support/fake-fetch.ts';
import { FakeRateLimiter } from '../../../test/support/fake-rate-limiter.ts';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from '../../infra/upstream-errors.ts';
import {
  DISCOGS_RATE_LIMIT_WINDOW_MS,
  DISCOGS_SERVICE,
  DISCOGS_USER_AGENT,
  DiscogsClient,
  DiscogsNotFoundError,
} from './client.ts';
import { authorizeUrl, oauthHeader, parseTokenAnswer, type DiscogsAuth } from './oauth.ts';

const recordedText = readFileSync(
  new URL('../../../test/fixtures/discogs/release-16004480.json', import.meta.url),
  'utf8',
);

const API = 'https://api.discogs.test';
const NOW = Date.parse('2026-03-10T12:00:00Z');
const NOW_S = String(NOW / 1000);

const CONSUMER_KEY = 'ck-backbeat';
const CONSUMER_SECRET = 'cs-very-secret';
const PERSONAL_TOKEN = 'personal-token-value';
const ACCESS_TOKEN = 'access-token-value';
const ACCESS_SECRET = 'access-secret-value';
const REQUEST_TOKEN = 'request-token-value';
const REQUEST_SECRET = 'request-secret-value';
const VERIFIER = 'verifier-value';

const oauthAuth: DiscogsAuth = {
  kind: 'oauth',
  consumerKey: CONSUMER_KEY,
  consumerSecret: CONSUMER_SECRET,
  token: ACCESS_TOKEN,
  tokenSecret: ACCESS_SECRET,
};

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  () =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });

const form =
  (status: number, body: string): Reply =>
  () =>
    new Response(body, { status, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

const window = (limit: number, used: number) => ({
  'x-discogs-ratelimit': String(limit),
  'x-discogs-ratelimit-used': String(used),
  'x-discogs-ratelimit-remaining': String(limit - used),
});

const release = (headers: Record<string, string> = window(60, 2)) => json(200, recordedText, headers);
const notFound = json(404, { message: 'Release not found.' }, window(60, 3));

/** A stand-in for api.discogs.com: each request is answered by the next scripted reply (the last one repeats). */
function fakeDiscogs(script: Reply[]) {
  const sent: RecordedRequest[] = [];
  const fetchFake: typeof fetch = async (input, init) => {
    const req = recordRequest(input, init);
    const url = req.url;
    sent.push(req);
    if (url.origin !== API) return new Response('not found', { status: 404 });
    return script[Math.min(sent.length - 1, script.length - 1)]!(req, sent.length);
  };
  return { fetch: fetchFake, sent };
}

function makeClient(fake: ReturnType<typeof fakeDiscogs>) {
  let clock = NOW;
  const lines: string[] = [];
  const limiter = new FakeRateLimiter(1000, () => clock);
  let nonces = 0;
  const client = new DiscogsClient({
    baseUrl: `${API}/`,
    timeoutMs: 2_000,
    rateLimiter: limiter,
    logger: pino({ level: 'debug' }, { write: (line: string) => lines.push(line) }),
    fetch: fake.fetch,
    now: () => clock,
    sleep: async () => undefined,
    random: () => 0,
    nonce: () => `nonce${++nonces}`,
  });
  return {
    client,
    limiter,
    lines,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

/** An OAuth header's parameters, decoded once (as a server reads them). */
function oauthParams(header: string | null | undefined): Record<string, string> {
  expect(header).toMatch(/^OAuth /);
  const params: Record<string, string> = {};
  for (const part of header!.slice('OAuth '.length).split(', ')) {
    const match = /^([a-z_]+)="([^"]*)"$/.exec(part);
    expect(match, part).not.toBeNull();
    params[match![1]!] = decodeURIComponent(match![2]!);
  }
  return params;
}

describe(DiscogsClient.name, () => {
  describe('getRelease', () => {
    it('sends GET /releases/{id} with our User-Agent and no Authorization without auth, and maps the answer', async () => {
      const fake = fakeDiscogs([release()]);
      const { client, limiter } = makeClient(fake);

      const got = await client.getRelease(16004480);

      expect(got).toMatchObject({ id: 16004480, url: 'https://www.discogs.com/release/16004480' });
      expect(got.tracks).toHaveLength(15);
      expect(got.videos).toHaveLength(19);
      expect(fake.sent).toHaveLength(1);
      const req = fake.sent[0]!;
      expect([req.method, req.url.href]).toEqual(['GET', `${API}/releases/16004480`]);
      expect(req.headers.get('user-agent')).toBe('Backbeat/0.1.0 +https://github.com/backbeat/backbeat');
      expect(DISCOGS_USER_AGENT).toBe('Backbeat/0.1.0 +https://github.com/backbeat/backbeat');
      expect(req.headers.get('authorization')).toBeNull();
      expect(limiter.takes).toEqual([{ service: DISCOGS_SERVICE, granted: true }]);
    });

    it('returns the raw release from getRawRelease', async () => {
      const fake = fakeDiscogs([release()]);
      const { client } = makeClient(fake);
      const raw = await client.getRawRelease(16004480);
      expect(raw).toEqual(JSON.parse(recordedText));
    });

    it('sends a personal token as "Discogs token="', async () => {
      const fake = fakeDiscogs([release()]);
      const { client } = makeClient(fake);
      await client.getRelease(16004480, { kind: 'token', token: PERSONAL_TOKEN });
      expect(fake.sent[0]?.headers.get('authorization')).toBe(`Discogs token=${PERSONAL_TOKEN}`);
    });

    it('signs with an OAuth PLAINTEXT header for a user token', async () => {
      const fake = fakeDiscogs([release()]);
      const { client } = makeClient(fake);

      await client.getRelease(16004480, oauthAuth);

      const header = fake.sent[0]?.headers.get('authorization');
      expect(header).toBe(
        'OAuth oauth_consumer_key="ck-backbeat", oauth_nonce="nonce1", ' +
          'oauth_signature="cs-very-secret%26access-secret-value", oauth_signature_method="PLAINTEXT", ' +
          `oauth_timestamp="${NOW_S}", oauth_token="access-token-value", oauth_version="1.0"`,
      );
    });

    it('records the rate-limit window of each answer, without pausing while requests remain', async () => {
      const fake = fakeDiscogs([release(window(60, 2)), release(window(60, 3))]);
      const { client, limiter, advance } = makeClient(fake);

      expect(client.rateLimitState()).toBeNull();
      await client.getRelease(16004480);
      expect(client.rateLimitState()).toEqual({ limit: 60, used: 2, remaining: 58, seenAt: new Date(NOW) });
      advance(1_000);
      await client.getRelease(16004480);
      expect(client.rateLimitState()).toEqual({ limit: 60, used: 3, remaining: 57, seenAt: new Date(NOW + 1_000) });
      expect(limiter.pauses).toEqual([]);
    });

    it('keeps the last reading when an answer carries no rate-limit headers', async () => {
      const fake = fakeDiscogs([release(window(25, 1)), release({})]);
      const { client } = makeClient(fake);
      await client.getRelease(1);
      await client.getRelease(2);
      expect(client.rateLimitState()).toMatchObject({ limit: 25, used: 1, remaining: 24 });
    });

    it('pauses the discogs bucket for 60 s when Remaining reaches 0, so the next call is not sent', async () => {
      const fake = fakeDiscogs([release(window(60, 60)), release()]);
      const { client, limiter, lines, advance } = makeClient(fake);

      await expect(client.getRelease(16004480)).resolves.toMatchObject({ id: 16004480 });

      expect(client.rateLimitState()).toMatchObject({ limit: 60, used: 60, remaining: 0 });
      expect(DISCOGS_RATE_LIMIT_WINDOW_MS).toBe(60_000);
      expect(limiter.pauses).toEqual([{ service: 'discogs', until: new Date(NOW + 60_000) }]);
      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records).toContainEqual(expect.objectContaining({ event: 'upstream_window_spent', level: 40 }));

      const refused = await caught(client.getRelease(16004480));
      expect(refused).toBeInstanceOf(RateLimitedError);
      expect(refused).toMatchObject({ reason: 'paused', retryAfterMs: 60_000 });
      expect(fake.sent).toHaveLength(1);

      advance(60_000);
      await client.getRelease(16004480);
      expect(fake.sent).toHaveLength(2);
    });

    it('still returns the release when the bucket cannot be paused', async () => {
      const fake = fakeDiscogs([release(window(60, 60))]);
      const { client, limiter, lines } = makeClient(fake);
      limiter.pause = async () => {
        throw new Error('database unavailable');
      };

      await expect(client.getRelease(16004480)).resolves.toMatchObject({ id: 16004480 });
      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records).toContainEqual(expect.objectContaining({ event: 'rate_limiter_pause_failed', level: 40 }));
    });

    it('throws DiscogsNotFoundError on 404, without retrying', async () => {
      const fake = fakeDiscogs([notFound]);
      const { client } = makeClient(fake);

      const err = await caught(client.getRelease(99999999));

      expect(err).toBeInstanceOf(DiscogsNotFoundError);
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({
        service: 'discogs',
        kind: 'client',
        status: 404,
        releaseId: 99999999,
        retryable: false,
        attempts: 1,
        path: '/releases/99999999',
      });
      expect((err as Error).message).toContain('99999999');
      expect(fake.sent).toHaveLength(1);
    });

    it('leaves other refusals as client errors (401 for a revoked token)', async () => {
      const fake = fakeDiscogs([json(401, { message: 'You must authenticate to access this resource.' })]);
      const { client } = makeClient(fake);
      const err = await caught(client.getRelease(1, { kind: 'token', token: PERSONAL_TOKEN }));
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).not.toBeInstanceOf(DiscogsNotFoundError);
      expect(err).toMatchObject({ kind: 'client', status: 401 });
    });

    it('on a 429 without Retry-After pauses the bucket for the whole 60 s window', async () => {
      const fake = fakeDiscogs([json(429, { message: 'You are making requests too quickly.' })]);
      const { client, limiter } = makeClient(fake);

      const err = await caught(client.getRelease(1));

      expect(err).toBeInstanceOf(UpstreamRateLimitedError);
      expect(err).toMatchObject({ service: 'discogs', status: 429, retryAfterMs: 60_000, retryable: true });
      expect(limiter.pauses).toEqual([{ service: 'discogs', until: new Date(NOW + 60_000) }]);
    });

    it.each([
      ['an error envelope', { message: 'odd' }],
      ['a release without a tracklist', { id: 1, title: 'x' }],
      ['a tracklist that is not a list', { id: 1, tracklist: {} }],
      ['a string id', { id: '1', tracklist: [] }],
      ['a JSON array', []],
    ])('reports %s as malformed', async (_label, body) => {
      const fake = fakeDiscogs([json(200, body)]);
      const { client } = makeClient(fake);
      const err = await caught(client.getRelease(1));
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({ kind: 'malformed', status: 200, path: '/releases/1' });
    });

    it.each([0, -1, 1.5, Number.NaN, 2 ** 53])('refuses the id %s before sending anything', async (id) => {
      const fake = fakeDiscogs([release()]);
      const { client, limiter } = makeClient(fake);
      await expect(client.getRelease(id)).rejects.toBeInstanceOf(RangeError);
      expect(fake.sent).toHaveLength(0);
      expect(limiter.takes).toEqual([]);
    });
  });

  describe('OAuth connect flow', () => {
    it('step 1: GET /oauth/request_token signed with the consumer secret alone, with the callback', async () => {
      const fake = fakeDiscogs([
        form(200, `oauth_token=${REQUEST_TOKEN}&oauth_token_secret=${REQUEST_SECRET}&oauth_callback_confirmed=true`),
      ]);
      const { client, limiter } = makeClient(fake);

      const pair = await client.oauth.requestToken({
        consumerKey: CONSUMER_KEY,
        consumerSecret: CONSUMER_SECRET,
        callbackUrl: 'https://backbeat.test/api/discogs/callback?x=1',
      });

      expect(pair).toEqual({ token: REQUEST_TOKEN, secret: REQUEST_SECRET });
      const req = fake.sent[0]!;
      expect([req.method, req.url.href]).toEqual(['GET', `${API}/oauth/request_token`]);
      expect(req.headers.get('user-agent')).toBe(DISCOGS_USER_AGENT);
      expect(req.headers.get('authorization')).toBe(
        'OAuth oauth_callback="https%3A%2F%2Fbackbeat.test%2Fapi%2Fdiscogs%2Fcallback%3Fx%3D1", ' +
          'oauth_consumer_key="ck-backbeat", oauth_nonce="nonce1", oauth_signature="cs-very-secret%26", ' +
          `oauth_signature_method="PLAINTEXT", oauth_timestamp="${NOW_S}", oauth_version="1.0"`,
      );
      expect(oauthParams(req.headers.get('authorization'))).not.toHaveProperty('oauth_token');
      expect(limiter.granted).toBe(1);
    });

    it('step 1 refuses an answer that does not confirm the callback', async () => {
      const fake = fakeDiscogs([form(200, `oauth_token=${REQUEST_TOKEN}&oauth_token_secret=${REQUEST_SECRET}`)]);
      const { client } = makeClient(fake);
      const err = await caught(
        client.oauth.requestToken({ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, callbackUrl: 'oob' }),
      );
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({ kind: 'malformed', path: '/oauth/request_token' });
    });

    it('step 1 reports a refused consumer as a client error', async () => {
      const fake = fakeDiscogs([json(401, { message: 'Invalid consumer.' })]);
      const { client } = makeClient(fake);
      const err = await caught(
        client.oauth.requestToken({ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, callbackUrl: 'oob' }),
      );
      expect(err).toMatchObject({ kind: 'client', status: 401, retryable: false });
    });

    it('step 2: the authorize page carries the request token', () => {
      expect(authorizeUrl('https://www.discogs.com/oauth/authorize', 'a b&c')).toBe(
        'https://www.discogs.com/oauth/authorize?oauth_token=a+b%26c',
      );
      expect(authorizeUrl('https://discogs.test/oauth/authorize?lang=en', 'tok')).toBe(
        'https://discogs.test/oauth/authorize?lang=en&oauth_token=tok',
      );
    });

    it('step 3: POST /oauth/access_token signed with both secrets, with the verifier', async () => {
      const fake = fakeDiscogs([form(200, `oauth_token=${ACCESS_TOKEN}&oauth_token_secret=${ACCESS_SECRET}`)]);
      const { client } = makeClient(fake);

      const pair = await client.oauth.accessToken({
        consumerKey: CONSUMER_KEY,
        consumerSecret: CONSUMER_SECRET,
        token: REQUEST_TOKEN,
        secret: REQUEST_SECRET,
        verifier: VERIFIER,
      });

      expect(pair).toEqual({ token: ACCESS_TOKEN, secret: ACCESS_SECRET });
      const req = fake.sent[0]!;
      expect([req.method, req.url.href]).toEqual(['POST', `${API}/oauth/access_token`]);
      expect(req.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
      expect(oauthParams(req.headers.get('authorization'))).toEqual({
        oauth_consumer_key: CONSUMER_KEY,
        oauth_nonce: 'nonce1',
        oauth_signature: `${CONSUMER_SECRET}&${REQUEST_SECRET}`,
        oauth_signature_method: 'PLAINTEXT',
        oauth_timestamp: NOW_S,
        oauth_token: REQUEST_TOKEN,
        oauth_verifier: VERIFIER,
        oauth_version: '1.0',
      });
    });

    it('step 3 refuses an answer without the token secret', async () => {
      const fake = fakeDiscogs([form(200, `oauth_token=${ACCESS_TOKEN}`)]);
      const { client } = makeClient(fake);
      const err = await caught(
        client.oauth.accessToken({
          consumerKey: CONSUMER_KEY,
          consumerSecret: CONSUMER_SECRET,
          token: REQUEST_TOKEN,
          secret: REQUEST_SECRET,
          verifier: VERIFIER,
        }),
      );
      expect(err).toMatchObject({ kind: 'malformed', path: '/oauth/access_token' });
    });

    it('identity: GET /oauth/identity with the user token names the user and tracks the window', async () => {
      const fake = fakeDiscogs([
        json(
          200,
          {
            id: 1,
            username: 'example',
            resource_url: 'https://api.discogs.com/users/example',
            consumer_name: 'Backbeat',
          },
          window(60, 60),
        ),
      ]);
      const { client, limiter } = makeClient(fake);

      await expect(client.oauth.identity(oauthAuth)).resolves.toEqual({ username: 'example', id: 1 });
      const req = fake.sent[0]!;
      expect([req.method, req.url.href]).toEqual(['GET', `${API}/oauth/identity`]);
      expect(oauthParams(req.headers.get('authorization'))).toMatchObject({
        oauth_token: ACCESS_TOKEN,
        oauth_signature: `${CONSUMER_SECRET}&${ACCESS_SECRET}`,
      });
      expect(client.rateLimitState()).toMatchObject({ remaining: 0 });
      expect(limiter.pauses).toEqual([{ service: 'discogs', until: new Date(NOW + 60_000) }]);
    });

    it('identity works with a personal token and refuses an answer without a username', async () => {
      const fake = fakeDiscogs([json(200, { id: 2, username: 'me' }), json(200, { id: 3 })]);
      const { client } = makeClient(fake);
      await expect(client.oauth.identity({ kind: 'token', token: PERSONAL_TOKEN })).resolves.toEqual({
        username: 'me',
        id: 2,
      });
      expect(fake.sent[0]?.headers.get('authorization')).toBe(`Discogs token=${PERSONAL_TOKEN}`);
      await expect(client.oauth.identity({ kind: 'token', token: PERSONAL_TOKEN })).rejects.toMatchObject({
        kind: 'malformed',
      });
    });
  });

  describe('secrets', () => {
    const secrets = [
      CONSUMER_SECRET,
      PERSONAL_TOKEN,
      ACCESS_TOKEN,
      ACCESS_SECRET,
      REQUEST_TOKEN,
      REQUEST_SECRET,
      VERIFIER,
    ];

    function everythingSaid(err: unknown, lines: string[]): string {
      const parts = [...lines];
      for (let e = err; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? '', JSON.stringify(e));
      return parts.join('\n');
    }

    const stepThree = (client: DiscogsClient) =>
      client.oauth.accessToken({
        consumerKey: CONSUMER_KEY,
        consumerSecret: CONSUMER_SECRET,
        token: REQUEST_TOKEN,
        secret: REQUEST_SECRET,
        verifier: VERIFIER,
      });

    it.each([
      ['a 404 with OAuth', [notFound], (c: DiscogsClient) => c.getRelease(5, oauthAuth)],
      [
        'a 401 with a token',
        [json(401, {})],
        (c: DiscogsClient) => c.getRelease(5, { kind: 'token', token: PERSONAL_TOKEN }),
      ],
      ['a 429', [json(429, {})], (c: DiscogsClient) => c.getRelease(5, oauthAuth)],
      ['a 500 after retries', [json(500, {})], (c: DiscogsClient) => c.getRelease(5, oauthAuth)],
      ['a malformed release', [json(200, { id: 5 })], (c: DiscogsClient) => c.getRelease(5, oauthAuth)],
      [
        'a step-1 answer without confirmation',
        [form(200, `oauth_token=${REQUEST_TOKEN}&oauth_token_secret=${REQUEST_SECRET}`)],
        (c: DiscogsClient) =>
          c.oauth.requestToken({ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, callbackUrl: 'oob' }),
      ],
      ['a step-3 answer without a secret', [form(200, `oauth_token=${ACCESS_TOKEN}`)], stepThree],
      ['a refused verifier', [json(401, { message: 'Invalid verifier.' })], stepThree],
      ['an identity without a username', [json(200, { id: 1 })], (c: DiscogsClient) => c.oauth.identity(oauthAuth)],
    ])('never puts a token, secret or verifier in an error or a log line (%s)', async (_label, script, call) => {
      const fake = fakeDiscogs(script);
      const { client, lines } = makeClient(fake);

      const err = await caught(call(client));

      expect(err).toBeInstanceOf(Error);
      expect(lines.length).toBeGreaterThan(0);
      const said = everythingSaid(err, lines);
      for (const secret of secrets) expect(said).not.toContain(secret);
    });
  });
});

describe('oauthHeader', () => {
  const clock = { now: () => NOW, nonce: () => 'fixed' };

  it('encodes secrets holding reserved characters twice, as RFC 5849 asks of PLAINTEXT in a header', () => {
    const header = oauthHeader(
      { method: 'GET', url: `${API}/releases/1?curr_abbr=EUR` },
      { consumerKey: 'k', consumerSecret: 'c&s=1', token: 't', tokenSecret: 'x y' },
      {},
      clock,
    );
    expect(header).toContain('oauth_signature="c%2526s%253D1%26x%2520y"');
    // Decoded once, as the server reads the header, it is the RFC's `encode(consumer secret)&encode(token secret)`.
    expect(oauthParams(header).oauth_signature).toBe('c%26s%3D1&x%20y');
  });

  it('draws a fresh nonce per header by default', () => {
    const a = oauthParams(oauthHeader({ method: 'GET', url: API }, { consumerKey: 'k', consumerSecret: 's' }));
    const b = oauthParams(oauthHeader({ method: 'GET', url: API }, { consumerKey: 'k', consumerSecret: 's' }));
    expect(a.oauth_nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(a.oauth_nonce).not.toBe(b.oauth_nonce);
  });
});

describe('parseTokenAnswer', () => {
  it.each([
    [
      'oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=true',
      { token: 't', secret: 's', callbackConfirmed: true },
    ],
    ['oauth_token=t&oauth_token_secret=s\n', { token: 't', secret: 's', callbackConfirmed: null }],
    ['oauth_token=a%2Bb&oauth_token_secret=c+d', { token: 'a+b', secret: 'c d', callbackConfirmed: null }],
    [
      'oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=false',
      { token: 't', secret: 's', callbackConfirmed: false },
    ],
    ['oauth_token=t', null],
    ['oauth_token=&oauth_token_secret=s', null],
    ['{"message":"Invalid consumer."}', null],
    ['', null],
  ])('reads %j', (body, expected) => {
    expect(parseTokenAnswer(body)).toEqual(expected);
  });
});
