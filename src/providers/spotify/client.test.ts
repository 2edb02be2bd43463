import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { caught, json, recordRequest, type RecordedRequest, type Reply } from '../../../test/support/fake-fetch.ts';
import { FakeRateLimiter } from '../../../test/support/fake-rate-limiter.ts';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from '../../infra/upstream-errors.ts';
import type { SpotifyNewReleasesResponse } from './api-types.ts';
import {
  SPOTIFY_NEW_RELEASES_ENDPOINT,
  SPOTIFY_SERVICE,
  SpotifyClient,
  SpotifyCredentialsError,
  SpotifyEndpointUnavailableError,
} from './client.ts';

const recorded = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/spotify/new-releases-2024-11-limit10.json', import.meta.url), 'utf8'),
) as SpotifyNewReleasesResponse;

const API = 'https://api.spotify.test';
const ACCOUNTS = 'https://accounts.spotify.test';
const CLIENT_ID = 'backbeat-client';
const CLIENT_SECRET = 'top-secret-value';
/** base64("backbeat-client:top-secret-value"), computed independently of the code under test. */
const BASIC = 'Basic YmFja2JlYXQtY2xpZW50OnRvcC1zZWNyZXQtdmFsdWU=';
const NOW = Date.parse('2026-03-10T12:00:00Z');

/** The token endpoint's normal answer: `tok-1`, `tok-2`, … in the order issued. */
const issueToken =
  (expiresIn = 3600): Reply =>
  (req, n) =>
    json(200, { access_token: `tok-${n}`, token_type: 'Bearer', expires_in: expiresIn })(req, n);

/** A page of the recorded items at the request's limit/offset, with `next` null after the last item. */
const pageFromRecorded: Reply = (req) => {
  const limit = Number(req.url.searchParams.get('limit'));
  const offset = Number(req.url.searchParams.get('offset'));
  const all = recorded.albums.items;
  const end = offset + limit;
  const link = (o: number) => `${API}/v1/browse/new-releases?offset=${o}&limit=${limit}`;
  return json(200, {
    albums: {
      href: link(offset),
      items: all.slice(offset, end),
      limit,
      next: end < all.length ? link(end) : null,
      offset,
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      total: all.length,
    },
  })(req, 0);
};

const expired = json(401, { error: { status: 401, message: 'The access token expired' } });
const invalidClient = (status: number) =>
  json(status, { error: 'invalid_client', error_description: 'Invalid client' });

/**
 * A stand-in for the accounts service and the Web API, behind an injected `fetch`: each answers its n-th request
 * with the n-th scripted reply (the last one repeats).
 */
function fakeSpotify(script: { token?: Reply[]; api?: Reply[] } = {}) {
  const token = script.token ?? [issueToken()];
  const api = script.api ?? [pageFromRecorded];
  const sent: RecordedRequest[] = [];
  const tokenRequests: RecordedRequest[] = [];
  const apiRequests: RecordedRequest[] = [];
  const fetchFake: typeof fetch = async (input, init) => {
    const req = recordRequest(input, init);
    const url = req.url;
    sent.push(req);
    if (url.origin === ACCOUNTS && url.pathname === '/api/token') {
      tokenRequests.push(req);
      const n = tokenRequests.length;
      return token[Math.min(n - 1, token.length - 1)]!(req, n);
    }
    if (url.origin === API) {
      apiRequests.push(req);
      const n = apiRequests.length;
      return api[Math.min(n - 1, api.length - 1)]!(req, n);
    }
    return new Response('not found', { status: 404 });
  };
  return { fetch: fetchFake, sent, tokenRequests, apiRequests };
}

function makeClient(fake: ReturnType<typeof fakeSpotify>, options: { apiUrl?: string } = {}) {
  let clock = NOW;
  const lines: string[] = [];
  const limiter = new FakeRateLimiter(1000, () => clock);
  const client = new SpotifyClient({
    apiUrl: options.apiUrl ?? API,
    accountsUrl: ACCOUNTS,
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

const bearer = (req: RecordedRequest | undefined) => req?.headers.get('authorization');

describe(SpotifyClient.name, () => {
  describe('client-credentials token', () => {
    it('asks for a token once with Basic auth and a form body, then reuses it', async () => {
      const fake = fakeSpotify();
      const { client, limiter } = makeClient(fake);

      const first = await client.getNewReleasesPage({ limit: 2, offset: 0 });
      await client.getNewReleasesPage({ limit: 2, offset: 2 });

      expect(first.albums.items.map((i) => i.id)).toEqual(recorded.albums.items.slice(0, 2).map((i) => i.id));
      expect(fake.tokenRequests).toHaveLength(1);
      const tokenRequest = fake.tokenRequests[0]!;
      expect(tokenRequest.method).toBe('POST');
      expect(tokenRequest.url.href).toBe(`${ACCOUNTS}/api/token`);
      expect(tokenRequest.headers.get('authorization')).toBe(BASIC);
      expect(tokenRequest.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
      expect(tokenRequest.body).toBe('grant_type=client_credentials');

      expect(fake.apiRequests.map((r) => [r.method, r.url.pathname, r.url.search, bearer(r)])).toEqual([
        ['GET', '/v1/browse/new-releases', '?limit=2&offset=0', 'Bearer tok-1'],
        ['GET', '/v1/browse/new-releases', '?limit=2&offset=2', 'Bearer tok-1'],
      ]);
      // One token of our bucket per request sent, token request included.
      expect(limiter.takes).toEqual(Array(3).fill({ service: SPOTIFY_SERVICE, granted: true }));
    });

    it('renews the token 60 s before expires_in, not earlier', async () => {
      const fake = fakeSpotify();
      const { client, advance } = makeClient(fake);

      await client.getNewReleasesPage({ limit: 1, offset: 0 });
      advance(3_540_000 - 1); // 1 ms before the renewal point
      await client.getNewReleasesPage({ limit: 1, offset: 0 });
      expect(fake.tokenRequests).toHaveLength(1);

      advance(1);
      await client.getNewReleasesPage({ limit: 1, offset: 0 });
      expect(fake.tokenRequests).toHaveLength(2);
      expect(fake.apiRequests.map(bearer)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    });

    it('shares one token request among concurrent callers', async () => {
      const fake = fakeSpotify();
      const { client } = makeClient(fake);

      await Promise.all([0, 1, 2, 3].map((offset) => client.getNewReleasesPage({ limit: 1, offset })));

      expect(fake.tokenRequests).toHaveLength(1);
      expect(fake.apiRequests.map(bearer)).toEqual(Array(4).fill('Bearer tok-1'));
    });

    it.each([400, 401])('throws SpotifyCredentialsError when the token endpoint answers %i', async (status) => {
      const fake = fakeSpotify({ token: [invalidClient(status)] });
      const { client } = makeClient(fake);

      const err = await caught(client.getNewReleasesPage({ limit: 10, offset: 0 }));

      expect(err).toBeInstanceOf(SpotifyCredentialsError);
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({ service: 'spotify', kind: 'client', status, retryable: false, attempts: 1 });
      expect(fake.tokenRequests).toHaveLength(1);
      expect(fake.apiRequests).toHaveLength(0);
    });

    it('asks again after a failed token request instead of caching the failure', async () => {
      const fake = fakeSpotify({ token: [invalidClient(400), issueToken()] });
      const { client } = makeClient(fake);

      await expect(client.getNewReleasesPage({ limit: 1, offset: 0 })).rejects.toBeInstanceOf(SpotifyCredentialsError);
      await expect(client.getNewReleasesPage({ limit: 1, offset: 0 })).resolves.toMatchObject({ albums: {} });
      expect(fake.apiRequests.map(bearer)).toEqual(['Bearer tok-2']);
    });

    it('reports a token answer without access_token or expires_in as malformed', async () => {
      const fake = fakeSpotify({ token: [json(200, { token_type: 'Bearer', expires_in: 3600 })] });
      const { client } = makeClient(fake);

      const err = await caught(client.getNewReleasesPage({ limit: 1, offset: 0 }));
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({ kind: 'malformed', status: 200 });
      expect(fake.apiRequests).toHaveLength(0);
    });
  });

  describe('getNewReleasesPage', () => {
    it('renews the token once on a 401 and returns the page', async () => {
      const fake = fakeSpotify({ api: [expired, pageFromRecorded] });
      const { client, limiter } = makeClient(fake);

      const page = await client.getNewReleasesPage({ limit: 10, offset: 0 });

      expect(page.albums.items).toHaveLength(10);
      expect(fake.tokenRequests).toHaveLength(2);
      expect(fake.apiRequests.map(bearer)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
      expect(limiter.granted).toBe(4);

      // The renewed token is the cached one from now on.
      await client.getNewReleasesPage({ limit: 10, offset: 0 });
      expect(fake.tokenRequests).toHaveLength(2);
      expect(bearer(fake.apiRequests[2])).toBe('Bearer tok-2');
    });

    it('throws on a second 401 without asking for a third token', async () => {
      const fake = fakeSpotify({ api: [expired] });
      const { client } = makeClient(fake);

      const err = await caught(client.getNewReleasesPage({ limit: 10, offset: 0 }));

      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).not.toBeInstanceOf(SpotifyCredentialsError);
      expect(err).toMatchObject({ kind: 'client', status: 401, retryable: false });
      expect(fake.tokenRequests).toHaveLength(2);
      expect(fake.apiRequests).toHaveLength(2);
    });

    it('throws SpotifyEndpointUnavailableError on a 403, without renewing the token', async () => {
      const fake = fakeSpotify({ api: [json(403, { error: { status: 403, message: 'Forbidden' } })] });
      const { client, lines } = makeClient(fake);

      const err = await caught(client.getNewReleasesPage({ limit: 10, offset: 0 }));

      expect(err).toBeInstanceOf(SpotifyEndpointUnavailableError);
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({
        service: 'spotify',
        kind: 'client',
        status: 403,
        endpoint: 'browse/new-releases',
        retryable: false,
        path: '/v1/browse/new-releases',
      });
      expect(SPOTIFY_NEW_RELEASES_ENDPOINT).toBe('browse/new-releases');
      expect((err as Error).message).toContain('browse/new-releases');
      expect(fake.tokenRequests).toHaveLength(1);
      expect(fake.apiRequests).toHaveLength(1);
      const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(warning).toContainEqual(
        expect.objectContaining({ event: 'upstream_endpoint_unavailable', endpoint: 'browse/new-releases', level: 40 }),
      );
    });

    it('on a 429 with Retry-After throws UpstreamRateLimitedError and pauses the spotify bucket', async () => {
      const fake = fakeSpotify({
        api: [json(429, { error: { status: 429, message: 'API rate limit exceeded' } }, { 'retry-after': '7' })],
      });
      const { client, limiter } = makeClient(fake);

      const err = await caught(client.getNewReleasesPage({ limit: 10, offset: 0 }));

      expect(err).toBeInstanceOf(UpstreamRateLimitedError);
      expect(err).toMatchObject({ service: 'spotify', status: 429, retryAfterMs: 7_000, retryable: true });
      expect(limiter.pauses).toEqual([{ service: 'spotify', until: new Date(NOW + 7_000) }]);

      // The paused bucket refuses the next call before anything is sent.
      const next = await caught(client.getNewReleasesPage({ limit: 10, offset: 0 }));
      expect(next).toBeInstanceOf(RateLimitedError);
      expect(next).toMatchObject({ reason: 'paused', retryAfterMs: 7_000 });
      expect(fake.apiRequests).toHaveLength(1);
    });

    it.each([
      ['an empty object', {}],
      ['albums without items', { albums: { total: 0 } }],
      ['items that are not a list', { albums: { items: {} } }],
      ['an error envelope', { error: { status: 200, message: 'odd' } }],
      ['a JSON array', []],
    ])('reports %s as malformed', async (_label, body) => {
      const fake = fakeSpotify({ api: [json(200, body)] });
      const { client } = makeClient(fake);

      const err = await caught(client.getNewReleasesPage({ limit: 10, offset: 0 }));
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({ kind: 'malformed', status: 200, retryable: true, path: '/v1/browse/new-releases' });
    });

    it('accepts an API URL configured with /v1 already', async () => {
      const fake = fakeSpotify();
      const { client } = makeClient(fake, { apiUrl: `${API}/v1/` });
      await client.getNewReleasesPage({ limit: 1, offset: 0 });
      expect(fake.apiRequests[0]?.url.pathname).toBe('/v1/browse/new-releases');
    });

    it.each([
      [{ limit: 0, offset: 0 }],
      [{ limit: 51, offset: 0 }],
      [{ limit: 2.5, offset: 0 }],
      [{ limit: 10, offset: -1 }],
      [{ limit: 10, offset: 0.5 }],
    ])('refuses %j before sending anything', async (query) => {
      const fake = fakeSpotify();
      const { client, limiter } = makeClient(fake);
      await expect(client.getNewReleasesPage(query)).rejects.toBeInstanceOf(RangeError);
      expect(fake.sent).toHaveLength(0);
      expect(limiter.takes).toEqual([]);
    });
  });

  describe('getAllNewReleases', () => {
    it('follows the pages until next is null, keeping chart order', async () => {
      const fake = fakeSpotify();
      const { client } = makeClient(fake);

      const all = await client.getAllNewReleases({ limit: 4, maxPages: 10 });

      expect(all.pages).toBe(3);
      expect(all.total).toBe(10);
      expect(all.items.map((i) => i.id)).toEqual(recorded.albums.items.map((i) => i.id));
      expect(fake.apiRequests.map((r) => r.url.search)).toEqual([
        '?limit=4&offset=0',
        '?limit=4&offset=4',
        '?limit=4&offset=8',
      ]);
      expect(fake.tokenRequests).toHaveLength(1);
    });

    it('stops after maxPages even though next is not null', async () => {
      const fake = fakeSpotify();
      const { client } = makeClient(fake);

      const all = await client.getAllNewReleases({ limit: 3, maxPages: 2 });

      expect(all).toMatchObject({ pages: 2, total: 10 });
      expect(all.items).toHaveLength(6);
      expect(fake.apiRequests).toHaveLength(2);
    });

    it('asks for 50 per page by default', async () => {
      const fake = fakeSpotify();
      const { client } = makeClient(fake);
      const all = await client.getAllNewReleases({ maxPages: 5 });
      expect(all).toMatchObject({ pages: 1, total: 10 });
      expect(fake.apiRequests.map((r) => r.url.search)).toEqual(['?limit=50&offset=0']);
    });

    it('fails as a whole when a later page fails', async () => {
      const fake = fakeSpotify({ api: [pageFromRecorded, json(403, {})] });
      const { client } = makeClient(fake);
      await expect(client.getAllNewReleases({ limit: 4, maxPages: 5 })).rejects.toBeInstanceOf(
        SpotifyEndpointUnavailableError,
      );
      expect(fake.apiRequests).toHaveLength(2);
    });

    it.each([
      [{ limit: 0, maxPages: 1 }],
      [{ limit: 51, maxPages: 1 }],
      [{ limit: 10, maxPages: 0 }],
      [{ limit: 10, maxPages: 1.5 }],
      [{ limit: 10, maxPages: Number.NaN }],
    ])('refuses %j before sending anything', async (query) => {
      const fake = fakeSpotify();
      const { client } = makeClient(fake);
      await expect(client.getAllNewReleases(query)).rejects.toBeInstanceOf(RangeError);
      expect(fake.sent).toHaveLength(0);
    });
  });

  describe('secrets', () => {
    const secrets = [CLIENT_SECRET, BASIC.slice('Basic '.length), 'tok-1', 'tok-2'];

    /** The error's messages and stack down its cause chain, and every log line. */
    function everythingSaid(err: unknown, lines: string[]): string {
      const parts = [...lines];
      for (let e = err; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? '', JSON.stringify(e));
      return parts.join('\n');
    }

    it.each([
      ['bad credentials', { token: [invalidClient(401)] }],
      ['a token endpoint that keeps failing', { token: [json(500, {})] }],
      ['two 401s', { api: [expired] }],
      ['a 403', { api: [json(403, {})] }],
      ['a 429', { api: [json(429, {}, { 'retry-after': '1' })] }],
      ['a malformed page', { api: [json(200, { albums: null })] }],
    ])('never puts the secret or a token in an error or a log line (%s)', async (_label, script) => {
      const fake = fakeSpotify(script);
      const { client, lines } = makeClient(fake);

      const err = await caught(client.getNewReleasesPage({ limit: 10, offset: 0 }));

      expect(err).toBeInstanceOf(Error);
      expect(lines.length).toBeGreaterThan(0);
      const said = everythingSaid(err, lines);
      for (const secret of secrets) expect(said).not.toContain(secret);
    });
  });
});
