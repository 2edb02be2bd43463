import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caught } from '../../../test/support/fake-fetch.ts';
import { FakeRateLimiter } from '../../../test/support/fake-rate-limiter.ts';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from '../../infra/upstream-errors.ts';
import {
  DEFAULT_MUSICBRAINZ_USER_AGENT,
  MUSICBRAINZ_SERVICE,
  MUSICBRAINZ_THROTTLE_MS,
  MusicBrainzClient,
} from './client.ts';

function fixture(name: string): string {
  return readFileSync(new URL(`../../../test/fixtures/musicbrainz/${name}`, import.meta.url), 'utf8');
}

const HEXNDEIFL = fixture('release-group-search-hexndeifl-2021-05-18.json');
const NO_RESULTS = fixture('release-group-search-no-results-2021-01-17.json');
const RUMOURS = fixture('release-search-rumours-fleetwood-mac-2026-05-26.json');

const BASE_URL = 'https://musicbrainz.test';
const USER_AGENT = 'BackbeatTest/0.1.0 ( https://example.test/contact )';
const NOW = Date.parse('2026-11-21T12:00:00Z');
/** MusicBrainz' 503 body when a client is over its rate (UPSTREAMS.md §3). */
const SLOW_DOWN =
  '{"error": "Your requests are exceeding the allowable rate limit. Please see http://wiki.musicbrainz.org/XMLWebService for more information."}';

interface Sent {
  url: URL;
  method: string;
  headers: Headers;
}

type Reply = () => Response;

const json =
  (body: string, status = 200, headers: Record<string, string> = {}): Reply =>
  () =>
    new Response(body, { status, headers: { 'content-type': 'application/json', ...headers } });

/** A stand-in for `fetch` answering with the n-th scripted reply (the last repeats) and recording what was sent. */
function fakeFetch(script: Reply[]): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({
      url: new URL(input instanceof Request ? input.url : String(input)),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
    });
    return script[Math.min(sent.length - 1, script.length - 1)]!();
  };
  return { fetch: fn, sent };
}

function makeClient(script: Reply[], limiter = new FakeRateLimiter(1000, () => NOW)) {
  const upstream = fakeFetch(script);
  const sleeps: number[] = [];
  const client = new MusicBrainzClient({
    baseUrl: BASE_URL,
    userAgent: USER_AGENT,
    timeoutMs: 2_000,
    rateLimiter: limiter,
    fetch: upstream.fetch,
    now: () => NOW,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { client, limiter, sent: upstream.sent, sleeps };
}

describe(MusicBrainzClient.name, () => {
  it('searches release groups with the Lucene query, fmt=json and the limit, and maps the answer', async () => {
    const { client, limiter, sent } = makeClient([json(HEXNDEIFL)]);

    const answer = await client.searchReleaseGroups({ title: 'Hexndeifl', artists: ['Gråinheim'] });

    expect(answer.query).toBe('releasegroup:"Hexndeifl" AND artist:"Gråinheim"');
    expect(answer.count).toBe(1);
    expect(answer.skipped).toBe(0);
    expect(answer.candidates).toMatchObject([
      {
        releaseGroupId: '4a9421e6-9def-4616-82bf-674d5a5c7a29',
        releaseId: 'cb36e0ab-6634-4d85-a84e-8be89924811f',
        title: 'Hexndeifl',
        artistCredit: 'Gråinheim',
        score: 100,
      },
    ]);
    expect(sent).toHaveLength(1);
    const { url, method, headers } = sent[0]!;
    expect(method).toBe('GET');
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE_URL}/ws/2/release-group`);
    expect([...url.searchParams]).toEqual([
      ['query', 'releasegroup:"Hexndeifl" AND artist:"Gråinheim"'],
      ['fmt', 'json'],
      ['limit', '10'],
    ]);
    expect(headers.get('user-agent')).toBe(USER_AGENT);
    expect(headers.get('accept')).toBe('application/json');
    expect(limiter.takes).toEqual([{ service: MUSICBRAINZ_SERVICE, granted: true }]);
  });

  it('encodes the query so special characters stay inside the one query parameter', async () => {
    const { client, sent } = makeClient([json(NO_RESULTS)]);

    const answer = await client.searchReleaseGroups({
      title: 'Rock && Roll? (Live) #1 = 100%',
      artists: ['AC/DC + 米津玄師'],
      limit: 25,
      offset: 50,
    });

    expect(answer).toEqual({ candidates: [], count: 0, skipped: 0, query: answer.query });
    const expectedQuery = 'releasegroup:"Rock \\&\\& Roll\\? \\(Live\\) #1 = 100%" AND artist:"AC\\/DC \\+ 米津玄師"';
    expect(answer.query).toBe(expectedQuery);
    const { url } = sent[0]!;
    expect([...url.searchParams.keys()]).toEqual(['query', 'fmt', 'limit', 'offset']);
    expect(url.searchParams.get('query')).toBe(expectedQuery);
    expect(url.searchParams.get('limit')).toBe('25');
    expect(url.searchParams.get('offset')).toBe('50');
    // On the wire: no raw `&`, `#`, `"`, `+` or non-ASCII inside the query value.
    const rawQuery = url.search.slice(1).split('&')[0]!;
    expect(rawQuery).toMatch(/^query=[A-Za-z0-9%+._*-]+$/);
    expect(rawQuery).toContain('Rock+%5C%26%5C%26+Roll');
    expect(rawQuery).toContain('%E7%B1%B3%E6%B4%A5');
  });

  it('sends the User-Agent on every request, retries included', async () => {
    const { client, sent, limiter } = makeClient([
      json(HEXNDEIFL),
      json('{"error":"Internal Server Error"}', 500),
      json(HEXNDEIFL),
      json(RUMOURS),
    ]);

    await client.searchReleaseGroups({ title: 'Hexndeifl', artists: ['Gråinheim'] });
    await client.searchReleaseGroups({ title: 'Hexndeifl', artists: [] }); // one 500, then the answer
    await client.searchReleases({ title: 'Rumours', artists: ['Fleetwood Mac'] });

    expect(sent).toHaveLength(4);
    for (const request of sent) expect(request.headers.get('user-agent')).toBe(USER_AGENT);
    expect(limiter.granted).toBe(4);
  });

  it('uses the default User-Agent in MusicBrainz’ `App/version ( contact )` form', () => {
    expect(DEFAULT_MUSICBRAINZ_USER_AGENT).toBe('Backbeat/0.1.0 ( https://github.com/backbeat/backbeat )');
    expect(DEFAULT_MUSICBRAINZ_USER_AGENT).toMatch(/^[A-Za-z]+\/\d+\.\d+\.\d+ \( \S+ \)$/);
  });

  it.each(['', '   '])('refuses the blank User-Agent %j', (userAgent) => {
    expect(
      () =>
        new MusicBrainzClient({ baseUrl: BASE_URL, userAgent, timeoutMs: 1000, rateLimiter: new FakeRateLimiter() }),
    ).toThrow(RangeError);
  });

  it('searches releases on /ws/2/release and maps each to its release group', async () => {
    const { client, sent } = makeClient([json(RUMOURS)]);

    const answer = await client.searchReleases({ title: 'Rumours', artists: ['Fleetwood Mac'], limit: 5 });

    expect(sent[0]!.url.pathname).toBe('/ws/2/release');
    expect(sent[0]!.url.searchParams.get('query')).toBe('release:"Rumours" AND artist:"Fleetwood Mac"');
    expect(sent[0]!.url.searchParams.get('fmt')).toBe('json');
    expect(sent[0]!.url.searchParams.get('limit')).toBe('5');
    expect(answer).toMatchObject({
      count: 90,
      query: 'release:"Rumours" AND artist:"Fleetwood Mac"',
      candidates: [
        {
          releaseGroupId: '416bb5e5-c7d1-3977-8fd7-7c9daf6c2be6',
          releaseId: '7ec069c0-4424-3169-8ed0-d5e2473e0e84',
          title: 'Rumours',
        },
      ],
    });
  });

  describe('503, MusicBrainz’ "slow down"', () => {
    it('pauses the bucket for the default time and throws UpstreamRateLimitedError without retrying', async () => {
      const { client, limiter, sent } = makeClient([json(SLOW_DOWN, 503), json(HEXNDEIFL)]);

      const err = await caught(client.searchReleaseGroups({ title: 'Hexndeifl', artists: ['Gråinheim'] }));

      expect(err).toBeInstanceOf(UpstreamRateLimitedError);
      expect(err).toMatchObject({
        service: MUSICBRAINZ_SERVICE,
        status: 503,
        retryAfterMs: MUSICBRAINZ_THROTTLE_MS,
        attempts: 1,
        path: '/ws/2/release-group',
        retryable: true,
      });
      expect(sent).toHaveLength(1);
      expect(limiter.pauses).toEqual([
        { service: MUSICBRAINZ_SERVICE, until: new Date(NOW + MUSICBRAINZ_THROTTLE_MS) },
      ]);
    });

    it.each([
      ['seconds', '7', 7_000],
      ['an HTTP date', new Date(NOW + 12_000).toUTCString(), 12_000],
    ])('honours a Retry-After in %s', async (_label, retryAfter, ms) => {
      const { client, limiter, sent } = makeClient([json(SLOW_DOWN, 503, { 'retry-after': retryAfter })]);

      const err = await caught(client.searchReleases({ title: 'Rumours', artists: ['Fleetwood Mac'] }));

      expect(err).toBeInstanceOf(UpstreamRateLimitedError);
      expect(err).toMatchObject({ status: 503, retryAfterMs: ms, path: '/ws/2/release' });
      expect(limiter.pauses).toEqual([{ service: MUSICBRAINZ_SERVICE, until: new Date(NOW + ms) }]);
      expect(sent).toHaveLength(1);
    });

    it('sends nothing while the bucket is paused', async () => {
      const { client, sent } = makeClient([json(SLOW_DOWN, 503), json(HEXNDEIFL)]);
      await caught(client.searchReleaseGroups({ title: 'Hexndeifl', artists: [] }));

      const err = await caught(client.searchReleaseGroups({ title: 'Hexndeifl', artists: [] }));

      expect(err).toBeInstanceOf(RateLimitedError);
      expect(err).toMatchObject({ reason: 'paused', retryAfterMs: MUSICBRAINZ_THROTTLE_MS, attempts: 0 });
      expect(sent).toHaveLength(1);
    });
  });

  it.each([
    ['an HTML page', () => new Response('<html><body>Bad gateway</body></html>', { status: 200 }), 'HTML page'],
    ['an empty body', json(''), 'empty body'],
    ['a JSON array', json('[]'), 'not a JSON object'],
    ['JSON null', json('null'), 'not a JSON object'],
    ['an object without the list', json('{"created":"x","count":0,"offset":0}'), 'without a "release-groups" array'],
    ['a list that is not an array', json('{"count":0,"release-groups":{}}'), 'without a "release-groups" array'],
    ['the other search’s envelope', json(RUMOURS), 'without a "release-groups" array'],
    ['an error envelope with status 200', json('{"error":"Invalid query"}'), 'error envelope'],
  ])('reports %s as malformed, without retrying', async (_label, reply, reason) => {
    const { client, sent } = makeClient([reply]);

    const err = await caught(client.searchReleaseGroups({ title: 'Hexndeifl', artists: [] }));

    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'malformed', status: 200, attempts: 1, retryable: true, service: 'musicbrainz' });
    expect((err as Error).message).toContain(reason);
    expect(sent).toHaveLength(1);
  });

  it('reports a 400 error envelope as a client error, not retried', async () => {
    const body = JSON.stringify({
      error: 'Invalid query: Cannot parse',
      help: 'For usage, please see: https://musicbrainz.org/development/mmd',
    });
    const { client, limiter, sent } = makeClient([json(body, 400)]);

    const err = await caught(client.searchReleaseGroups({ title: 'Hexndeifl', artists: [] }));

    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'client', status: 400, attempts: 1, retryable: false });
    expect(sent).toHaveLength(1);
    expect(limiter.pauses).toEqual([]);
  });

  it('retries another 5xx once, one token per attempt, then gives up as a server error', async () => {
    const { client, limiter, sent, sleeps } = makeClient([json('{"error":"Bad Gateway"}', 502)]);

    const err = await caught(client.searchReleaseGroups({ title: 'Hexndeifl', artists: [] }));

    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: 'server', status: 502, attempts: 2, retryable: true });
    expect(sent).toHaveLength(2);
    expect(limiter.granted).toBe(2);
    expect(sleeps).toEqual([500]); // random 0.5 × the one-second backoff base
    expect(limiter.pauses).toEqual([]);
  });

  it('sends nothing when the bucket has no token', async () => {
    const { client, sent } = makeClient([json(HEXNDEIFL)], new FakeRateLimiter(0, () => NOW));
    const err = await caught(client.searchReleaseGroups({ title: 'Hexndeifl', artists: [] }));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ reason: 'empty', attempts: 0 });
    expect(sent).toHaveLength(0);
  });

  it.each([
    [{ title: '', artists: ['A'] }],
    [{ title: ' \n ', artists: ['A'] }],
    [{ title: 'T', artists: [], limit: 0 }],
    [{ title: 'T', artists: [], limit: 101 }],
    [{ title: 'T', artists: [], limit: 2.5 }],
    [{ title: 'T', artists: [], offset: -1 }],
  ])('refuses %j before taking a token', async (search) => {
    const { client, limiter, sent } = makeClient([json(HEXNDEIFL)]);
    await expect(client.searchReleaseGroups(search)).rejects.toBeInstanceOf(RangeError);
    await expect(client.searchReleases(search)).rejects.toBeInstanceOf(RangeError);
    expect(limiter.takes).toEqual([]);
    expect(sent).toHaveLength(0);
  });
});
