import { afterEach, describe, expect, it } from 'vitest';
import {
  SANDBOX_YOUTUBE_API_KEY,
  YOUTUBE_QUOTA_EXCEEDED_BODY,
  YouTubeEmulation,
  isoDuration,
  nextPacificMidnight,
  pacificDate,
  type YouTubeOptions,
} from './sandbox.ts';
import { audioCatalog, audioTruth, findAudioUpload } from '../../sandbox/audio-catalog.ts';
import { escapeHtml } from '../../sandbox/media.ts';
import { createSandboxServer, type SandboxServer } from '../../sandbox/server.ts';
import { anyString, stringMatching } from '../../sandbox/test-matchers.ts';

const SEED = 20_241_220;
/** 10:00 in Los Angeles (PST, UTC−8). */
const T0 = Date.parse('2026-11-21T18:00:00Z');
const AGENT = { 'user-agent': 'BackbeatTest/1.0 +https://example.org/backbeat' };

interface SearchItem {
  kind: string;
  etag: string;
  id: { kind: string; videoId: string };
  snippet: {
    publishedAt: string;
    channelId: string;
    title: string;
    description: string;
    thumbnails: Record<string, { url: string; width: number; height: number }>;
    channelTitle: string;
    liveBroadcastContent: string;
    publishTime: string;
  };
}

interface SearchPage {
  kind: string;
  etag: string;
  nextPageToken?: string;
  prevPageToken?: string;
  regionCode: string;
  pageInfo: { totalResults: number; resultsPerPage: number };
  items: SearchItem[];
}

interface VideoItem {
  kind: string;
  id: string;
  snippet?: { title: string; channelTitle: string; description: string };
  contentDetails?: { duration: string; definition: string };
  statistics?: { viewCount: string };
}

const open: SandboxServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

function setup(options: Partial<YouTubeOptions> = {}, publicUrl?: string) {
  const clock = { now: T0 };
  const youtube = new YouTubeEmulation({ seed: SEED, now: () => clock.now, ...options });
  const sandbox = createSandboxServer({ emulations: [youtube], ...(publicUrl !== undefined ? { publicUrl } : {}) });
  open.push(sandbox);
  return { sandbox, youtube, clock };
}

function search(sandbox: SandboxServer, params: Record<string, string>) {
  const query = new URLSearchParams({ part: 'snippet', type: 'video', key: SANDBOX_YOUTUBE_API_KEY, ...params });
  return sandbox.app.inject({ url: `/search?${query.toString()}`, headers: AGENT });
}

function videos(sandbox: SandboxServer, ids: string[], part = 'contentDetails,snippet') {
  const query = new URLSearchParams({ part, id: ids.join(','), key: SANDBOX_YOUTUBE_API_KEY });
  return sandbox.app.inject({ url: `/videos?${query.toString()}`, headers: AGENT });
}

/** A track with right YouTube answers, and the query a matcher would send for it. */
function answeredTrack() {
  const entry = audioTruth(SEED).tracks.find((row) => row.acceptableByPlatform.youtube.length >= 2);
  if (entry === undefined) throw new Error('No track with two right YouTube uploads');
  return { entry, q: `${entry.artists.join(' ')} ${entry.fullTitle}` };
}

describe(YouTubeEmulation.name, () => {
  describe('GET /search', () => {
    it('answers the recorded searchListResponse with the track’s candidates ranked by relevance', async () => {
      const { sandbox } = setup();
      const { entry, q } = answeredTrack();
      const response = await search(sandbox, { q, maxResults: '20' });
      expect(response.statusCode).toBe(200);
      const page = response.json<SearchPage>();
      expect(Object.keys(page)).toEqual(['kind', 'etag', 'nextPageToken', 'regionCode', 'pageInfo', 'items']);
      expect(page).toMatchObject({
        kind: 'youtube#searchListResponse',
        etag: stringMatching(/^[\w-]{27}$/),
        regionCode: 'US',
        pageInfo: { resultsPerPage: 20 },
      });
      expect(page.items).toHaveLength(20);
      for (const item of page.items) {
        expect(item).toEqual({
          kind: 'youtube#searchResult',
          etag: stringMatching(/^[\w-]{27}$/),
          id: { kind: 'youtube#video', videoId: stringMatching(/^[\w-]{11}$/) },
          snippet: {
            publishedAt: stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
            channelId: stringMatching(/^UC[\w-]{22}$/),
            title: anyString(),
            description: anyString(),
            thumbnails: {
              default: { url: `https://i.ytimg.test/vi/${item.id.videoId}/default.jpg`, width: 120, height: 90 },
              medium: { url: `https://i.ytimg.test/vi/${item.id.videoId}/mqdefault.jpg`, width: 320, height: 180 },
              high: { url: `https://i.ytimg.test/vi/${item.id.videoId}/hqdefault.jpg`, width: 480, height: 360 },
            },
            channelTitle: anyString(),
            liveBroadcastContent: 'none',
            publishTime: item.snippet.publishedAt,
          },
        });
        expect(item.snippet.description).not.toContain('\n');
      }
      const ids = page.items.map((item) => item.id.videoId);
      for (const id of entry.acceptableByPlatform.youtube) expect(ids).toContain(id);
      // Most of the top results are uploads of this very track.
      const own = new Set(entry.candidates.map((candidate) => candidate.id));
      expect(ids.slice(0, 5).filter((id) => own.has(id)).length).toBeGreaterThanOrEqual(3);
    });

    it('does not always put the official upload first', async () => {
      const { sandbox } = setup({ dailySearchQuota: 1000 });
      const tracks = audioTruth(SEED)
        .tracks.filter((row) => row.acceptableByPlatform.youtube.length > 0)
        .slice(0, 40);
      let firstRight = 0;
      let firstOfficial = 0;
      for (const entry of tracks) {
        const page = (
          await search(sandbox, { q: `${entry.artists.join(' ')} - ${entry.fullTitle}` })
        ).json<SearchPage>();
        const top = page.items[0]?.id.videoId ?? '';
        if (entry.acceptableByPlatform.youtube.includes(top)) firstRight++;
        if (findAudioUpload(SEED, `youtube:${top}`)?.label === 'official') firstOfficial++;
      }
      expect(firstRight).toBeGreaterThan(tracks.length / 3);
      expect(firstOfficial).toBeLessThan(tracks.length);
    });

    it('HTML-escapes titles and channel names as YouTube does', async () => {
      const { sandbox } = setup({ dailySearchQuota: 1000 });
      const upload = audioCatalog(SEED).uploads.find(
        (candidate) =>
          candidate.platform === 'youtube' && candidate.title.includes("'") && candidate.title.includes(' - '),
      );
      if (upload === undefined) throw new Error('No title with an apostrophe');
      const page = (
        await search(sandbox, { q: `${upload.title} ${upload.uploader}`, maxResults: '50' })
      ).json<SearchPage>();
      const item = page.items.find((candidate) => candidate.id.videoId === upload.id);
      expect(item?.snippet.title).toBe(escapeHtml(upload.title));
      expect(item?.snippet.title).toContain('&#39;');
      expect(item?.snippet.title).not.toContain("'");
      const ampersand = audioCatalog(SEED).uploads.find(
        (candidate) => candidate.platform === 'youtube' && candidate.title.includes('&'),
      );
      const other = (await search(sandbox, { q: ampersand?.title ?? '', maxResults: '50' })).json<SearchPage>();
      const escaped = other.items.find((candidate) => candidate.id.videoId === ampersand?.id);
      expect(escaped?.snippet.title).toContain('&amp;');
    });

    it('pages with nextPageToken and prevPageToken, each page a billed call', async () => {
      const { sandbox, youtube } = setup();
      const { q } = answeredTrack();
      const first = (await search(sandbox, { q })).json<SearchPage>();
      expect(first.items).toHaveLength(5);
      expect(first.nextPageToken).toBe('CAUQAA');
      expect(first.prevPageToken).toBeUndefined();
      const second = (await search(sandbox, { q, pageToken: first.nextPageToken ?? '' })).json<SearchPage>();
      expect(second.prevPageToken).toBe('CAUQAQ');
      expect(second.nextPageToken).toBe('CAoQAA');
      const all = (await search(sandbox, { q, maxResults: '10' })).json<SearchPage>();
      expect([...first.items, ...second.items].map((item) => item.id.videoId)).toEqual(
        all.items.map((item) => item.id.videoId),
      );
      expect(all.pageInfo.totalResults).toBe(first.pageInfo.totalResults);
      // Far pages: a varint offset.
      const far = (await search(sandbox, { q: 'the', maxResults: '50' })).json<SearchPage>();
      let token = far.nextPageToken;
      for (let n = 0; n < 3 && token !== undefined; n++) {
        const next = (await search(sandbox, { q: 'the', maxResults: '50', pageToken: token })).json<SearchPage>();
        expect(next.items.length).toBeGreaterThan(0);
        token = next.nextPageToken;
      }
      expect(youtube.quota().used).toBe(7);
      const bad = await search(sandbox, { q, pageToken: 'nonsense!' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: { errors: [{ reason: 'invalidPageToken' }] } });
    });

    it('answers the release videos’ ids too, and nothing for other types or unknown words', async () => {
      const { sandbox } = setup();
      const release = audioCatalog(SEED).releases.find((candidate) => candidate.videos.length > 0);
      const video = release?.videos[0];
      const page = (await search(sandbox, { q: video?.title ?? '', maxResults: '50' })).json<SearchPage>();
      expect(page.items.map((item) => item.id.videoId)).toContain(video?.videoId);
      expect((await search(sandbox, { q: 'zzqxj' })).json<SearchPage>()).toMatchObject({
        items: [],
        pageInfo: { totalResults: 0 },
      });
      expect((await search(sandbox, { q: video?.title ?? '', type: 'channel' })).json<SearchPage>().items).toEqual([]);
    });

    it.each([
      ['no key', undefined, 403, 'forbidden', 'The request is missing a valid API key.'],
      ['a wrong key', 'AIzaWrong', 400, 'badRequest', 'API key not valid. Please pass a valid API key.'],
    ])('answers %s in Google’s error envelope', async (_case, key, status, reason, message) => {
      const { sandbox, youtube } = setup();
      const query = new URLSearchParams({ part: 'snippet', q: 'test', ...(key !== undefined ? { key } : {}) });
      const response = await sandbox.app.inject({ url: `/search?${query.toString()}`, headers: AGENT });
      expect(response.statusCode).toBe(status);
      expect(response.json()).toMatchObject({
        error: { code: status, message, errors: [{ message, domain: 'global', reason }] },
      });
      expect(youtube.quota().used).toBe(0);
    });

    it('answers 400 for a missing part, an unknown part and maxResults out of range', async () => {
      const { sandbox } = setup();
      const noPart = await sandbox.app.inject({ url: `/search?q=x&key=${SANDBOX_YOUTUBE_API_KEY}`, headers: AGENT });
      expect(noPart.statusCode).toBe(400);
      expect(noPart.json()).toMatchObject({
        error: { message: 'Required parameter: part', errors: [{ reason: 'required' }] },
      });
      expect((await search(sandbox, { part: 'contentDetails', q: 'x' })).statusCode).toBe(400);
      for (const maxResults of ['51', '-1', 'ten']) {
        const response = await search(sandbox, { q: 'x', maxResults });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ error: { errors: [{ reason: 'invalidParameter' }] } });
      }
      // part=id leaves the snippet out.
      const ids = (await search(sandbox, { q: 'nightcore', part: 'id' })).json<SearchPage>();
      expect(ids.items[0]).not.toHaveProperty('snippet');
    });
  });

  describe('quota', () => {
    it('spends one unit a search; then 403 quotaExceeded until the next Pacific midnight', async () => {
      const { sandbox, youtube, clock } = setup({ dailySearchQuota: 3 });
      for (let n = 0; n < 3; n++) expect((await search(sandbox, { q: 'love' })).statusCode).toBe(200);
      const spent = await search(sandbox, { q: 'love' });
      expect(spent.statusCode).toBe(403);
      expect(spent.json()).toEqual(YOUTUBE_QUOTA_EXCEEDED_BODY);
      expect(spent.json()).toEqual({
        error: {
          code: 403,
          message:
            'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
          errors: [
            {
              message:
                'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
              domain: 'youtube.quota',
              reason: 'quotaExceeded',
            },
          ],
        },
      });
      // videos.list is another bucket: still answered.
      const id = audioCatalog(SEED).uploads[0]?.id ?? '';
      expect((await videos(sandbox, [id])).statusCode).toBe(200);
      expect(youtube.quota()).toEqual({
        dailySearchQuota: 3,
        used: 3,
        remaining: 0,
        day: '2026-11-21',
        resetsAt: '2026-11-22T08:00:00.000Z',
      });

      // 23:59:59 Pacific: still the same day.
      clock.now = Date.parse('2026-11-22T07:59:59Z');
      expect((await search(sandbox, { q: 'love' })).statusCode).toBe(403);
      // Midnight Pacific (08:00 UTC in winter): a fresh quota.
      clock.now = Date.parse('2026-11-22T08:00:00Z');
      expect((await search(sandbox, { q: 'love' })).statusCode).toBe(200);
      expect(youtube.quota()).toMatchObject({ used: 1, day: '2026-11-22', resetsAt: '2026-11-23T08:00:00.000Z' });
    });

    it('resets at midnight Pacific daylight time (07:00 UTC) in summer', () => {
      expect(pacificDate(Date.parse('2026-07-01T06:59:59Z'))).toBe('2026-06-30');
      expect(pacificDate(Date.parse('2026-07-01T07:00:00Z'))).toBe('2026-07-01');
      expect(new Date(nextPacificMidnight(Date.parse('2026-07-01T12:00:00Z'))).toISOString()).toBe(
        '2026-07-02T07:00:00.000Z',
      );
      // The day daylight saving time ends: that midnight is still PDT, the next one PST.
      expect(new Date(nextPacificMidnight(Date.parse('2026-10-31T20:00:00Z'))).toISOString()).toBe(
        '2026-11-01T07:00:00.000Z',
      );
      expect(new Date(nextPacificMidnight(Date.parse('2026-11-01T20:00:00Z'))).toISOString()).toBe(
        '2026-11-02T08:00:00.000Z',
      );
      // And the day it starts.
      expect(new Date(nextPacificMidnight(Date.parse('2026-03-07T20:00:00Z'))).toISOString()).toBe(
        '2026-03-08T08:00:00.000Z',
      );
      expect(new Date(nextPacificMidnight(Date.parse('2026-03-08T20:00:00Z'))).toISOString()).toBe(
        '2026-03-09T07:00:00.000Z',
      );
    });

    it('shows and gives back the quota through the control routes', async () => {
      const { sandbox } = setup({ dailySearchQuota: 1 });
      await search(sandbox, { q: 'love' });
      expect((await search(sandbox, { q: 'love' })).statusCode).toBe(403);
      const view = await sandbox.app.inject({ url: '/__sandbox/youtube/quota' });
      expect(view.json()).toMatchObject({ dailySearchQuota: 1, used: 1, remaining: 0 });
      const reset = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/youtube/quota/reset' });
      expect(reset.json()).toMatchObject({ used: 0, remaining: 1 });
      expect((await search(sandbox, { q: 'love' })).statusCode).toBe(200);
      // The sandbox-wide reset gives it back too.
      await sandbox.app.inject({ method: 'POST', url: '/__sandbox/reset' });
      expect((await search(sandbox, { q: 'love' })).statusCode).toBe(200);
    });

    it('has a quota_exceeded fault and renders generic faults in Google’s envelope', async () => {
      const { sandbox, youtube } = setup();
      sandbox.faults.add({ target: 'youtube', endpoint: 'search', kind: 'quota_exceeded', times: 1 });
      const faulted = await search(sandbox, { q: 'love' });
      expect(faulted.statusCode).toBe(403);
      expect(faulted.json()).toEqual(YOUTUBE_QUOTA_EXCEEDED_BODY);
      expect(youtube.quota().used).toBe(0);
      sandbox.faults.add({ target: 'youtube', endpoint: 'videos', kind: 'status', status: 503, times: 1 });
      const unavailable = await videos(sandbox, ['x']);
      expect(unavailable.statusCode).toBe(503);
      expect(unavailable.json()).toMatchObject({ error: { code: 503, errors: [{ reason: 'backendError' }] } });
      expect(sandbox.stats().requests).toEqual({ 'youtube:search': 1, 'youtube:videos': 1 });
    });
  });

  describe('GET /videos', () => {
    it('answers contentDetails with ISO 8601 durations and raw snippets, in the order asked, unknown ids left out', async () => {
      const { sandbox } = setup();
      const { entry } = answeredTrack();
      const ids = [...entry.acceptableByPlatform.youtube, 'unknownId00'];
      const response = await videos(sandbox, ids);
      expect(response.statusCode).toBe(200);
      const body = response.json<{ kind: string; items: VideoItem[]; pageInfo: { totalResults: number } }>();
      expect(body.kind).toBe('youtube#videoListResponse');
      expect(body.items.map((item) => item.id)).toEqual(entry.acceptableByPlatform.youtube);
      expect(body.pageInfo.totalResults).toBe(entry.acceptableByPlatform.youtube.length);
      for (const item of body.items) {
        const upload = findAudioUpload(SEED, `youtube:${item.id}`);
        expect(item.kind).toBe('youtube#video');
        expect(item.contentDetails?.duration).toBe(isoDuration((upload?.durationMs ?? 0) / 1000));
        expect(item.contentDetails?.duration).toMatch(/^PT(\d+H)?(\d+M)?(\d+S)?$/);
        // videos.list does not escape.
        expect(item.snippet?.title).toBe(upload?.title);
        expect(item).not.toHaveProperty('statistics');
      }
      const stats = (await videos(sandbox, ids.slice(0, 1), 'statistics')).json<{ items: VideoItem[] }>();
      expect(stats.items[0]).toEqual({
        kind: 'youtube#video',
        etag: anyString(),
        id: ids[0],
        statistics: {
          viewCount: stringMatching(/^\d+$/),
          likeCount: anyString(),
          favoriteCount: '0',
          commentCount: anyString(),
        },
      });
    });

    it('writes durations the way YouTube does', () => {
      expect(isoDuration(253)).toBe('PT4M13S');
      expect(isoDuration(45)).toBe('PT45S');
      expect(isoDuration(3600)).toBe('PT1H');
      expect(isoDuration(3720)).toBe('PT1H2M');
      expect(isoDuration(3661)).toBe('PT1H1M1S');
      expect(isoDuration(240)).toBe('PT4M');
      expect(isoDuration(0)).toBe('P0D');
    });

    it('answers 400 without ids, for an unknown part and a wrong key', async () => {
      const { sandbox } = setup();
      const none = await sandbox.app.inject({
        url: `/videos?part=contentDetails&key=${SANDBOX_YOUTUBE_API_KEY}`,
        headers: AGENT,
      });
      expect(none.statusCode).toBe(400);
      expect(none.json()).toMatchObject({ error: { errors: [{ reason: 'missingRequiredParameter' }] } });
      expect((await videos(sandbox, ['a'], 'fileDetails')).statusCode).toBe(400);
      const wrong = await sandbox.app.inject({ url: '/videos?part=snippet&id=a&key=nope', headers: AGENT });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json()).toMatchObject({
        error: { status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] },
      });
    });

    it('also answers under /youtube/v3 and serves thumbnails once the sandbox has a public URL', async () => {
      const { sandbox } = setup({}, 'http://127.0.0.1:5099');
      const id = audioCatalog(SEED).uploads[0]?.id ?? '';
      const response = await sandbox.app.inject({
        url: `/youtube/v3/videos?part=snippet&id=${id}&key=${SANDBOX_YOUTUBE_API_KEY}`,
        headers: AGENT,
      });
      const url = response.json<{ items: { snippet: { thumbnails: { high: { url: string } } } }[] }>().items[0]?.snippet
        .thumbnails.high.url;
      expect(url).toBe(`http://127.0.0.1:5099/__sandbox/youtube/vi/${id}/hqdefault.jpg`);
      const image = await sandbox.app.inject({ url: new URL(url ?? '').pathname });
      expect(image.headers['content-type']).toBe('image/svg+xml');
      expect((await sandbox.app.inject({ url: '/__sandbox/youtube/vi/nothing/default.jpg' })).statusCode).toBe(404);
    });
  });
});
