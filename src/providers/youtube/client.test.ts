import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { caught } from '../../../test/support/fake-fetch.ts';
import { FakeRateLimiter } from '../../../test/support/fake-rate-limiter.ts';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from '../../infra/upstream-errors.ts';
import type { YouTubeSearchListResponse } from './api-types.ts';
import { YOUTUBE_SERVICE, YouTubeClient, nextPacificMidnight, youtubeErrorReasons } from './client.ts';

const recorded = JSON.parse(
  readFileSync(
    new URL(
      '../../../test/fixtures/youtube/search-list-banana-pancakes-by-jack-johnson-2022-07-08.json',
      import.meta.url,
    ),
    'utf8',
  ),
) as YouTubeSearchListResponse;

const API = 'https://youtube.test/youtube/v3';
const API_KEY = 'AIzaSy-secret-api-key-value';
/** 2026-03-10 05:00 in Los Angeles (PDT, UTC−7): the next reset is 2026-03-11 07:00 UTC, 26 h later. */
const NOW = Date.parse('2026-03-10T12:00:00Z');

interface Sent {
  url: URL;
  method: string;
  headers: Headers;
}

type Reply = (req: Sent) => Response;

const json =
  (status: number, body: unknown): Reply =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const googleError = (code: number, reason: string, domain = 'youtube.quota') =>
  json(code, {
    error: {
      code,
      message: `The request cannot be completed (${reason}).`,
      errors: [{ message: `The request cannot be completed (${reason}).`, domain, reason }],
    },
  });
const quotaExceeded = googleError(403, 'quotaExceeded');

/** `videos.list` for the ids asked, each 3 min 12 s long. */
const durations: Reply = (req) =>
  json(200, {
    kind: 'youtube#videoListResponse',
    items: (req.url.searchParams.get('id') ?? '')
      .split(',')
      .map((id) => ({ kind: 'youtube#video', id, contentDetails: { duration: 'PT3M12S' } })),
  })(req);

/** A stand-in for the Data API: `/search` and `/videos` each answer their n-th request with their n-th reply. */
function fakeYouTube(script: { search?: Reply[]; videos?: Reply[] } = {}) {
  const search = script.search ?? [json(200, recorded)];
  const videos = script.videos ?? [durations];
  const sent: Sent[] = [];
  const counts = { search: 0, videos: 0 };
  const fetchFake: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const req: Sent = { url, method: init?.method ?? 'GET', headers: new Headers(init?.headers) };
    sent.push(req);
    if (url.pathname === '/youtube/v3/search') return search[Math.min(counts.search++, search.length - 1)]!(req);
    if (url.pathname === '/youtube/v3/videos') return videos[Math.min(counts.videos++, videos.length - 1)]!(req);
    return new Response('not found', { status: 404 });
  };
  return { fetch: fetchFake, sent };
}

function makeClient(fake: ReturnType<typeof fakeYouTube>, now = NOW) {
  let clock = now;
  const lines: string[] = [];
  const limiter = new FakeRateLimiter(1000, () => clock);
  const client = new YouTubeClient({
    baseUrl: API,
    apiKey: API_KEY,
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

describe(YouTubeClient.name, () => {
  describe('search', () => {
    it('asks search.list for music videos, then videos.list for their durations, with the key', async () => {
      const fake = fakeYouTube();
      const { client, limiter } = makeClient(fake);

      const candidates = await client.search('  Jack Johnson Banana Pancakes ', { maxResults: 5 });

      expect(fake.sent).toHaveLength(2);
      const [search, videos] = fake.sent;
      expect(search?.method).toBe('GET');
      expect(search?.url.pathname).toBe('/youtube/v3/search');
      expect([...search!.url.searchParams]).toEqual([
        ['part', 'snippet'],
        ['type', 'video'],
        ['videoCategoryId', '10'],
        ['q', 'Jack Johnson Banana Pancakes'],
        ['maxResults', '5'],
        ['key', API_KEY],
      ]);
      expect(search?.headers.get('user-agent')).toMatch(/^Backbeat\//);
      expect(videos?.url.pathname).toBe('/youtube/v3/videos');
      expect([...videos!.url.searchParams]).toEqual([
        ['part', 'contentDetails,snippet'],
        ['id', 'OkyrIRyrRdY,m-v-LGOfaKo,tH5Q9-M6t8c,5gB2prIYghM,XvaGCQAW6fo'],
        ['key', API_KEY],
      ]);

      expect(candidates.map((c) => [c.id, c.durationSeconds, c.origin])).toEqual(
        recorded.items.map((i) => [i.id.videoId, 192, 'youtube_search']),
      );
      expect(candidates[1]).toMatchObject({ title: 'Banana Pancakes', uploader: 'JACK JOHNSON - Topic' });
      expect(limiter.takes).toEqual(Array(2).fill({ service: YOUTUBE_SERVICE, granted: true }));
    });

    it('asks for 10 results by default', async () => {
      const fake = fakeYouTube();
      const { client } = makeClient(fake);
      await client.search('banana pancakes');
      expect(fake.sent[0]?.url.searchParams.get('maxResults')).toBe('10');
    });

    it('spends no videos.list request when the search found nothing', async () => {
      const fake = fakeYouTube({ search: [json(200, { kind: 'youtube#searchListResponse', items: [] })] });
      const { client, limiter } = makeClient(fake);
      await expect(client.search('nothing at all')).resolves.toEqual([]);
      expect(fake.sent).toHaveLength(1);
      expect(limiter.granted).toBe(1);
    });

    it('on quotaExceeded pauses the bucket until the next Pacific midnight and throws a rate-limit error', async () => {
      const fake = fakeYouTube({ search: [quotaExceeded, json(200, recorded)] });
      const { client, limiter, lines, advance } = makeClient(fake);
      const reset = Date.parse('2026-03-11T07:00:00Z');

      const err = await caught(client.search('banana pancakes'));

      expect(err).toBeInstanceOf(UpstreamRateLimitedError);
      expect(err).toMatchObject({
        service: 'youtube',
        status: 403,
        retryAfterMs: reset - NOW,
        retryable: true,
        attempts: 1,
        path: '/youtube/v3/search',
      });
      expect(limiter.pauses).toEqual([{ service: 'youtube', until: new Date(reset) }]);
      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records).toContainEqual(
        expect.objectContaining({ event: 'upstream_quota_spent', pausedUntil: '2026-03-11T07:00:00.000Z', level: 40 }),
      );

      // Until the reset nothing is sent; a job sees the bucket's refusal with the time left.
      advance(reset - NOW - 1);
      const refused = await caught(client.search('banana pancakes'));
      expect(refused).toBeInstanceOf(RateLimitedError);
      expect(refused).toMatchObject({ reason: 'paused', retryAfterMs: 1 });
      expect(fake.sent).toHaveLength(1);

      advance(1);
      await expect(client.search('banana pancakes')).resolves.toHaveLength(5);
    });

    it('treats the older dailyLimitExceeded like quotaExceeded, also on videos.list', async () => {
      const fake = fakeYouTube({ videos: [googleError(403, 'dailyLimitExceeded', 'usageLimits')] });
      const { client, limiter } = makeClient(fake, Date.parse('2026-01-15T09:30:00Z'));

      const err = await caught(client.search('banana pancakes'));

      expect(err).toBeInstanceOf(UpstreamRateLimitedError);
      expect(err).toMatchObject({ status: 403, path: '/youtube/v3/videos' });
      // 01:30 PST on 15 January: the reset is 16 January 00:00 PST, 08:00 UTC.
      expect(limiter.pauses).toEqual([{ service: 'youtube', until: new Date('2026-01-16T08:00:00Z') }]);
    });

    it('pauses a minute for a short-term rate limit', async () => {
      const fake = fakeYouTube({ search: [googleError(403, 'rateLimitExceeded', 'usageLimits')] });
      const { client, limiter } = makeClient(fake);
      await expect(client.search('x')).rejects.toMatchObject({ status: 403, retryAfterMs: 60_000 });
      expect(limiter.pauses).toEqual([{ service: 'youtube', until: new Date(NOW + 60_000) }]);
    });

    it.each([
      ['forbidden', googleError(403, 'forbidden', 'global')],
      ['a 403 without a JSON body', () => new Response('<html>Forbidden</html>', { status: 403 })],
      ['keyInvalid (400)', googleError(400, 'keyInvalid', 'usageLimits')],
    ])('reports %s as a client error without pausing', async (_label, reply) => {
      const fake = fakeYouTube({ search: [reply] });
      const { client, limiter } = makeClient(fake);

      const err = await caught(client.search('x'));

      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({ kind: 'client', retryable: false, attempts: 1 });
      expect(limiter.pauses).toEqual([]);
    });

    it('on a 429 pauses the bucket like any other throttle', async () => {
      const fake = fakeYouTube({ search: [googleError(429, 'rateLimitExceeded')] });
      const { client, limiter } = makeClient(fake);
      await expect(client.search('x')).rejects.toBeInstanceOf(UpstreamRateLimitedError);
      expect(limiter.pauses).toHaveLength(1);
    });

    it.each([
      ['search', { search: [json(200, { kind: 'youtube#searchListResponse' })] }, '/youtube/v3/search'],
      ['videos', { videos: [json(200, { items: 'none' })] }, '/youtube/v3/videos'],
    ])('reports a %s answer without items as malformed', async (_label, script, path) => {
      const fake = fakeYouTube(script);
      const { client } = makeClient(fake);
      await expect(client.search('x')).rejects.toMatchObject({ kind: 'malformed', status: 200, path });
    });

    it.each([
      ['', {}],
      ['   ', {}],
      ['x', { maxResults: 0 }],
      ['x', { maxResults: 51 }],
      ['x', { maxResults: 2.5 }],
    ])('refuses %j %j before sending anything', async (query, options) => {
      const fake = fakeYouTube();
      const { client, limiter } = makeClient(fake);
      await expect(client.search(query, options)).rejects.toBeInstanceOf(RangeError);
      expect(fake.sent).toHaveLength(0);
      expect(limiter.takes).toEqual([]);
    });
  });

  describe('the api key', () => {
    function everythingSaid(err: unknown, lines: string[]): string {
      const parts = [...lines];
      for (let e = err; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? '', JSON.stringify(e));
      return parts.join('\n');
    }

    it.each([
      ['quotaExceeded', { search: [quotaExceeded] }],
      ['forbidden', { search: [googleError(403, 'forbidden', 'global')] }],
      ['a 500 after retries', { search: [json(500, {})] }],
      ['a malformed videos answer', { videos: [json(200, {})] }],
      [
        'a dropped connection',
        {
          search: [
            () => {
              throw new TypeError('fetch failed');
            },
          ],
        },
      ],
    ])('never appears in an error or a log line (%s)', async (_label, script) => {
      const fake = fakeYouTube(script);
      const { client, lines } = makeClient(fake);

      const err = await caught(client.search('banana pancakes'));

      expect(err).toBeInstanceOf(Error);
      expect(lines.length).toBeGreaterThan(0);
      expect(everythingSaid(err, lines)).not.toContain(API_KEY);
    });
  });
});

describe('nextPacificMidnight', () => {
  it.each([
    ['summer (PDT), morning in LA', '2026-03-10T12:00:00Z', '2026-03-11T07:00:00Z'],
    ['winter (PST), just after midnight in LA', '2026-01-15T08:00:01Z', '2026-01-16T08:00:00Z'],
    ['winter, evening in LA while UTC is already on the next day', '2026-01-15T03:00:00Z', '2026-01-15T08:00:00Z'],
    ['exactly at midnight in LA: the next one', '2026-01-15T08:00:00Z', '2026-01-16T08:00:00Z'],
    ['one second before midnight in LA', '2026-01-15T07:59:59Z', '2026-01-15T08:00:00Z'],
    ['the evening before DST starts: midnight still PST', '2026-03-08T07:30:00Z', '2026-03-08T08:00:00Z'],
    ['the day DST starts, after 03:00 PDT', '2026-03-08T12:00:00Z', '2026-03-09T07:00:00Z'],
    ['the day DST ends, before 01:00 PDT', '2026-11-01T07:30:00Z', '2026-11-02T08:00:00Z'],
    ['the evening before DST ends: midnight still PDT', '2026-11-01T06:30:00Z', '2026-11-01T07:00:00Z'],
    ['New Year', '2026-12-31T20:00:00Z', '2027-01-01T08:00:00Z'],
  ])('%s: %s → %s', (_label, now, expected) => {
    expect(new Date(nextPacificMidnight(Date.parse(now))).toISOString()).toBe(new Date(expected).toISOString());
  });
});

describe('youtubeErrorReasons', () => {
  it.each([
    [
      JSON.stringify({ error: { code: 403, errors: [{ reason: 'quotaExceeded' }, { reason: 'x' }] } }),
      ['quotaExceeded', 'x'],
    ],
    [JSON.stringify({ error: { code: 403, message: 'no list' } }), []],
    [JSON.stringify({ error: { errors: [null, { reason: 3 }] } }), []],
    ['<html>Forbidden</html>', []],
    ['', []],
  ])('reads %s', (body, expected) => {
    expect(youtubeErrorReasons(body)).toEqual(expected);
  });
});
