import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { caught, json, recordRequest, type RecordedRequest, type Reply } from '../../../test/support/fake-fetch.ts';
import { FakeRateLimiter } from '../../../test/support/fake-rate-limiter.ts';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from '../../infra/upstream-errors.ts';
import type { SoundCloudTrack, SoundCloudTrackPage } from './api-types.ts';
import { SOUNDCLOUD_SERVICE, SoundCloudClient, SoundCloudCredentialsError } from './client.ts';

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/soundcloud/${name}`, import.meta.url), 'utf8')) as T;
}

const v1 = fixture<SoundCloudTrack[]>('search-v1-tracks-the-great-descent-2018.json');
const v2 = fixture<SoundCloudTrackPage>('search-v2-tracks-come-and-see-2022.json');

const API = 'https://api.soundcloud.test';
const AUTH = 'https://secure.soundcloud.test';
const CLIENT_ID = 'sc-client-id';
const CLIENT_SECRET = 'sc-top-secret';
/** base64("sc-client-id:sc-top-secret"), computed independently of the code under test. */
const BASIC = 'Basic c2MtY2xpZW50LWlkOnNjLXRvcC1zZWNyZXQ=';
const NOW = Date.parse('2026-03-10T12:00:00Z');

const issueToken =
  (expiresIn = 3600): Reply =>
  (req, n) =>
    json(200, { access_token: `tok-${n}`, expires_in: expiresIn, refresh_token: `refresh-${n}`, scope: '' })(req, n);

/**
 * Pages of the recorded v1 tracks at the request's limit, linked by `next_href` with an opaque cursor as SoundCloud
 * writes it; the last page has no `next_href`.
 */
const pagedV1: Reply = (req) => {
  const limit = Number(req.url.searchParams.get('limit') ?? 10);
  const offset = Number(req.url.searchParams.get('cursor') ?? 0);
  const end = offset + limit;
  const page: SoundCloudTrackPage = { collection: v1.slice(offset, end) };
  if (end < v1.length) {
    page.next_href = `${API}/tracks?q=the+great+descent&limit=${limit}&linked_partitioning=true&cursor=${end}`;
  }
  return json(200, page)(req, 0);
};

const expired = json(401, { code: 401, message: 'invalid_token' });

/** A stand-in for the token host and the API: each answers its n-th request with its n-th reply (the last repeats). */
function fakeSoundCloud(script: { token?: Reply[]; api?: Reply[] } = {}) {
  const token = script.token ?? [issueToken()];
  const api = script.api ?? [pagedV1];
  const sent: RecordedRequest[] = [];
  const tokenRequests: RecordedRequest[] = [];
  const apiRequests: RecordedRequest[] = [];
  const fetchFake: typeof fetch = async (input, init) => {
    const req = recordRequest(input, init);
    const url = req.url;
    sent.push(req);
    if (url.origin === AUTH && url.pathname === '/oauth/token') {
      tokenRequests.push(req);
      return token[Math.min(tokenRequests.length - 1, token.length - 1)]!(req, tokenRequests.length);
    }
    if (url.origin === API) {
      apiRequests.push(req);
      return api[Math.min(apiRequests.length - 1, api.length - 1)]!(req, apiRequests.length);
    }
    return new Response('elsewhere', { status: 200 });
  };
  return { fetch: fetchFake, sent, tokenRequests, apiRequests };
}

function makeClient(fake: ReturnType<typeof fakeSoundCloud>, options: { apiUrl?: string } = {}) {
  let clock = NOW;
  const lines: string[] = [];
  const limiter = new FakeRateLimiter(1000, () => clock);
  const client = new SoundCloudClient({
    apiUrl: options.apiUrl ?? API,
    authUrl: AUTH,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    timeoutMs: 2_000,
    rateLimiter: limiter,
    logger: pino({ level: 'debug' }, { write: (line: string) => lines.push(line) }),
    fetch: fake.fetch,
    now: () => clock,
    sleep: async () => undefined,
    random: () => 0,
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

const authorization = (req: RecordedRequest | undefined) => req?.headers.get('authorization');

describe(SoundCloudClient.name, () => {
  describe('client-credentials token', () => {
    it('asks for a token with Basic auth and a form body, sends it as "OAuth <token>", then reuses it', async () => {
      const fake = fakeSoundCloud();
      const { client, limiter } = makeClient(fake);

      await client.searchTracks('the great descent');
      await client.searchTracks('come and see');

      expect(fake.tokenRequests).toHaveLength(1);
      const tokenRequest = fake.tokenRequests[0]!;
      expect(tokenRequest.method).toBe('POST');
      expect(tokenRequest.url.href).toBe(`${AUTH}/oauth/token`);
      expect(tokenRequest.headers.get('authorization')).toBe(BASIC);
      expect(tokenRequest.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
      expect(tokenRequest.body).toBe('grant_type=client_credentials');
      expect(fake.apiRequests.map(authorization)).toEqual(['OAuth tok-1', 'OAuth tok-1']);
      // One token of our bucket per request sent, the token request included.
      expect(limiter.takes).toEqual(Array(3).fill({ service: SOUNDCLOUD_SERVICE, granted: true }));
    });

    it('renews the token 60 s before expires_in, not earlier', async () => {
      const fake = fakeSoundCloud();
      const { client, advance } = makeClient(fake);

      await client.searchTracks('a');
      advance(3_540_000 - 1);
      await client.searchTracks('a');
      expect(fake.tokenRequests).toHaveLength(1);
      advance(1);
      await client.searchTracks('a');
      expect(fake.tokenRequests).toHaveLength(2);
      expect(fake.apiRequests.map(authorization)).toEqual(['OAuth tok-1', 'OAuth tok-1', 'OAuth tok-2']);
    });

    it('keeps a short-lived token for half its life, and assumes 30 min when expires_in is missing', async () => {
      const short = fakeSoundCloud({ token: [issueToken(100)] });
      const s = makeClient(short);
      await s.client.searchTracks('a');
      s.advance(49_999);
      await s.client.searchTracks('a');
      expect(short.tokenRequests).toHaveLength(1);
      s.advance(1);
      await s.client.searchTracks('a');
      expect(short.tokenRequests).toHaveLength(2);

      const missing = fakeSoundCloud({ token: [(req, n) => json(200, { access_token: `tok-${n}` })(req, n)] });
      const m = makeClient(missing);
      await m.client.searchTracks('a');
      m.advance(1_740_000 - 1);
      await m.client.searchTracks('a');
      expect(missing.tokenRequests).toHaveLength(1);
      m.advance(1);
      await m.client.searchTracks('a');
      expect(missing.tokenRequests).toHaveLength(2);
    });

    it('shares one token request among concurrent searches', async () => {
      const fake = fakeSoundCloud();
      const { client } = makeClient(fake);
      await Promise.all(['a', 'b', 'c'].map((q) => client.searchTracks(q)));
      expect(fake.tokenRequests).toHaveLength(1);
      expect(fake.apiRequests.map(authorization)).toEqual(Array(3).fill('OAuth tok-1'));
    });

    it('renews the token once on a 401 and keeps the renewed one', async () => {
      const fake = fakeSoundCloud({ api: [expired, pagedV1] });
      const { client } = makeClient(fake);

      const candidates = await client.searchTracks('the great descent');

      expect(candidates).toHaveLength(10);
      expect(fake.tokenRequests).toHaveLength(2);
      expect(fake.apiRequests.map(authorization)).toEqual(['OAuth tok-1', 'OAuth tok-2']);
      await client.searchTracks('again');
      expect(fake.tokenRequests).toHaveLength(2);
      expect(authorization(fake.apiRequests[2])).toBe('OAuth tok-2');
    });

    it('throws on a second 401 without asking for a third token', async () => {
      const fake = fakeSoundCloud({ api: [expired] });
      const { client } = makeClient(fake);

      const err = await caught(client.searchTracks('x'));

      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).not.toBeInstanceOf(SoundCloudCredentialsError);
      expect(err).toMatchObject({ kind: 'client', status: 401, retryable: false });
      expect(fake.tokenRequests).toHaveLength(2);
      expect(fake.apiRequests).toHaveLength(2);
    });

    it.each([400, 401])('throws SoundCloudCredentialsError when the token endpoint answers %i', async (status) => {
      const fake = fakeSoundCloud({ token: [json(status, { error: 'invalid_client' })] });
      const { client } = makeClient(fake);

      const err = await caught(client.searchTracks('x'));

      expect(err).toBeInstanceOf(SoundCloudCredentialsError);
      expect(err).toMatchObject({ service: 'soundcloud', kind: 'client', status, retryable: false });
      expect(fake.apiRequests).toHaveLength(0);
    });

    it('reports a token answer without access_token as malformed', async () => {
      const fake = fakeSoundCloud({ token: [json(200, { expires_in: 3600 })] });
      const { client } = makeClient(fake);
      await expect(client.searchTracks('x')).rejects.toMatchObject({ kind: 'malformed', path: '/oauth/token' });
      expect(fake.apiRequests).toHaveLength(0);
    });
  });

  describe('searchTracks', () => {
    it('sends q, limit and linked_partitioning to /tracks and maps one page by default', async () => {
      const fake = fakeSoundCloud();
      const { client } = makeClient(fake);

      const candidates = await client.searchTracks('  the great descent ', { limit: 4 });

      expect(fake.apiRequests).toHaveLength(1);
      const req = fake.apiRequests[0]!;
      expect(req.method).toBe('GET');
      expect(req.url.pathname).toBe('/tracks');
      expect([...req.url.searchParams]).toEqual([
        ['q', 'the great descent'],
        ['limit', '4'],
        ['linked_partitioning', 'true'],
      ]);
      expect(req.headers.get('user-agent')).toMatch(/^Backbeat\//);
      expect(candidates.map((c) => c.id)).toEqual(v1.slice(0, 4).map((t) => String(t.id)));
      expect(candidates[0]).toMatchObject({ platform: 'soundcloud', origin: 'soundcloud_search' });
    });

    it('asks for 10 per page by default', async () => {
      const fake = fakeSoundCloud();
      const { client } = makeClient(fake);
      await client.searchTracks('x');
      expect(fake.apiRequests[0]?.url.searchParams.get('limit')).toBe('10');
    });

    it('follows next_href exactly as given until it is absent', async () => {
      const fake = fakeSoundCloud();
      const { client, limiter } = makeClient(fake);

      const candidates = await client.searchTracks('the great descent', { limit: 4, maxPages: 10 });

      expect(candidates.map((c) => c.id)).toEqual(v1.map((t) => String(t.id)));
      expect(fake.apiRequests.map((r) => r.url.href)).toEqual([
        `${API}/tracks?q=the+great+descent&limit=4&linked_partitioning=true`,
        `${API}/tracks?q=the+great+descent&limit=4&linked_partitioning=true&cursor=4`,
        `${API}/tracks?q=the+great+descent&limit=4&linked_partitioning=true&cursor=8`,
      ]);
      expect(fake.apiRequests.map(authorization)).toEqual(Array(3).fill('OAuth tok-1'));
      expect(limiter.granted).toBe(4);
    });

    it('stops after maxPages even though next_href is present', async () => {
      const fake = fakeSoundCloud();
      const { client } = makeClient(fake);
      const candidates = await client.searchTracks('x', { limit: 3, maxPages: 2 });
      expect(candidates).toHaveLength(6);
      expect(fake.apiRequests).toHaveLength(2);
    });

    it('follows next_href under an API URL with a path prefix', async () => {
      const base = `${API}/v1`;
      const fake = fakeSoundCloud({
        api: [
          json(200, { collection: v1.slice(0, 2), next_href: `${base}/tracks?q=x&cursor=abc` }),
          json(200, { collection: v1.slice(2, 3), next_href: null }),
        ],
      });
      const { client } = makeClient(fake, { apiUrl: `${base}/` });
      const candidates = await client.searchTracks('x', { maxPages: 5 });
      expect(candidates).toHaveLength(3);
      expect(fake.apiRequests.map((r) => r.url.href)).toEqual([
        `${base}/tracks?q=x&limit=10&linked_partitioning=true`,
        `${base}/tracks?q=x&cursor=abc`,
      ]);
    });

    it.each([
      ['another host', 'https://evil.test/tracks?cursor=1'],
      ['another scheme', 'http://api.soundcloud.test/tracks?cursor=1'],
      ['credentials in the URL', 'https://user:pw@api.soundcloud.test/tracks?cursor=1'],
      ['not a URL', '/tracks?cursor=1'],
    ])('does not follow a next_href to %s, keeping the pages read', async (_label, next) => {
      const fake = fakeSoundCloud({ api: [json(200, { collection: v1.slice(0, 2), next_href: next })] });
      const { client, lines } = makeClient(fake);

      const candidates = await client.searchTracks('x', { maxPages: 5 });

      expect(candidates).toHaveLength(2);
      expect(fake.sent.filter((r) => r.url.origin !== AUTH)).toHaveLength(1);
      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records).toContainEqual(expect.objectContaining({ event: 'upstream_next_refused', level: 40 }));
    });

    it('does not follow a next_href outside the configured path prefix', async () => {
      const fake = fakeSoundCloud({
        api: [json(200, { collection: v1.slice(0, 2), next_href: `${API}/other/tracks?cursor=1` })],
      });
      const { client } = makeClient(fake, { apiUrl: `${API}/v1` });
      await expect(client.searchTracks('x', { maxPages: 5 })).resolves.toHaveLength(2);
      expect(fake.apiRequests).toHaveLength(1);
    });

    it('accepts the v2 page shape and the legacy bare list', async () => {
      const fake = fakeSoundCloud({ api: [json(200, v2), json(200, v1)] });
      const { client } = makeClient(fake);
      // v2's next_href points at api-v2, another host: not followed.
      await expect(client.searchTracks('come and see', { maxPages: 3 })).resolves.toMatchObject([
        { id: '1229209234', uploader: 'cassyb', plays: 17588 },
      ]);
      await expect(client.searchTracks('the great descent', { maxPages: 3 })).resolves.toHaveLength(10);
      expect(fake.apiRequests).toHaveLength(2);
    });

    it('on a 429 pauses the soundcloud bucket and throws a rate-limit error', async () => {
      const body = {
        errors: [
          { meta: { rate_limit: { group: 'plays' }, remaining_requests: 0, reset_time: '2026/03/10 13:00:00 +0000' } },
        ],
      };
      const fake = fakeSoundCloud({ api: [json(429, body, { 'retry-after': '30' })] });
      const { client, limiter } = makeClient(fake);

      const err = await caught(client.searchTracks('x'));

      expect(err).toBeInstanceOf(UpstreamRateLimitedError);
      expect(err).toMatchObject({ service: 'soundcloud', status: 429, retryAfterMs: 30_000 });
      expect(limiter.pauses).toEqual([{ service: 'soundcloud', until: new Date(NOW + 30_000) }]);
      await expect(client.searchTracks('x')).rejects.toBeInstanceOf(RateLimitedError);
      expect(fake.apiRequests).toHaveLength(1);
    });

    it.each([
      ['an object without a collection', { tracks: [] }],
      ['a collection that is not a list', { collection: {} }],
      ['null', null],
    ])('reports %s as malformed', async (_label, body) => {
      const fake = fakeSoundCloud({ api: [json(200, body)] });
      const { client } = makeClient(fake);
      await expect(client.searchTracks('x')).rejects.toMatchObject({ kind: 'malformed', status: 200, path: '/tracks' });
    });

    it.each([
      ['', {}],
      [' ', {}],
      ['x', { limit: 0 }],
      ['x', { limit: 201 }],
      ['x', { limit: 1.5 }],
      ['x', { maxPages: 0 }],
      ['x', { maxPages: Number.NaN }],
    ])('refuses %j %j before sending anything', async (query, options) => {
      const fake = fakeSoundCloud();
      const { client, limiter } = makeClient(fake);
      await expect(client.searchTracks(query, options)).rejects.toBeInstanceOf(RangeError);
      expect(fake.sent).toHaveLength(0);
      expect(limiter.takes).toEqual([]);
    });
  });

  describe('secrets', () => {
    const secrets = [CLIENT_SECRET, BASIC.slice('Basic '.length), 'tok-1', 'tok-2', 'refresh-1'];

    function everythingSaid(err: unknown, lines: string[]): string {
      const parts = [...lines];
      for (let e = err; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? '', JSON.stringify(e));
      return parts.join('\n');
    }

    it.each([
      ['bad credentials', { token: [json(401, { error: 'invalid_client' })] }],
      ['a token endpoint that keeps failing', { token: [json(500, {})] }],
      ['two 401s', { api: [expired] }],
      ['a 429', { api: [json(429, {}, { 'retry-after': '1' })] }],
      ['a malformed page', { api: [json(200, { collection: null })] }],
    ])('never puts the secret or a token in an error or a log line (%s)', async (_label, script) => {
      const fake = fakeSoundCloud(script);
      const { client, lines } = makeClient(fake);

      const err = await caught(client.searchTracks('x'));

      expect(err).toBeInstanceOf(Error);
      expect(lines.length).toBeGreaterThan(0);
      const said = everythingSaid(err, lines);
      for (const secret of secrets) expect(said).not.toContain(secret);
    });
  });
});
