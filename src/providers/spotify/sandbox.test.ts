import { afterEach, describe, expect, it } from 'vitest';
import { SpotifyEmulation, type SpotifyOptions } from './sandbox.ts';
import { createSandbox, type Sandbox } from '../sandboxes.ts';
import { chartAt, chartTruth } from '../../sandbox/chart-catalog.ts';
import { createSandboxServer, type SandboxServer } from '../../sandbox/server.ts';
import { memoryStateStore } from '../../sandbox/state.ts';
import { anyString, stringMatching } from '../../sandbox/test-matchers.ts';

const SEED = 20_241_220;
const T0 = Date.parse('2026-11-21T12:00:00Z');
const BASIC = `Basic ${Buffer.from('sandbox-client-id:sandbox-client-secret').toString('base64')}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** The keys of a simplified album in the recorded 2024 answer (a development-mode app: no `available_markets`). */
const ITEM_KEYS = [
  'album_type',
  'artists',
  'external_urls',
  'href',
  'id',
  'images',
  'name',
  'release_date',
  'release_date_precision',
  'total_tracks',
  'type',
  'uri',
];

interface Item {
  id: string;
  name: string;
  album_type: string;
  href: string;
  uri: string;
  external_urls: { spotify: string };
  images: { url: string; width: number; height: number }[];
  artists: { id: string; name: string; type: string; uri: string; href: string; external_urls: { spotify: string } }[];
  release_date: string;
  release_date_precision: string;
  total_tracks: number;
}

interface Page {
  albums: {
    href: string;
    items: Item[];
    limit: number;
    next: string | null;
    offset: number;
    previous: string | null;
    total: number;
  };
}

const open: SandboxServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

function setup(options: Partial<SpotifyOptions> = {}, publicUrl?: string) {
  const clock = { now: T0 };
  const spotify = new SpotifyEmulation({ seed: SEED, now: () => clock.now, ...options });
  const sandbox = createSandboxServer({ emulations: [spotify], ...(publicUrl !== undefined ? { publicUrl } : {}) });
  open.push(sandbox);
  return { sandbox, spotify, clock };
}

async function requestToken(sandbox: SandboxServer, authorization = BASIC, payload = 'grant_type=client_credentials') {
  return sandbox.app.inject({ method: 'POST', url: '/api/token', headers: { ...FORM, authorization }, payload });
}

async function token(sandbox: SandboxServer): Promise<string> {
  const response = await requestToken(sandbox);
  expect(response.statusCode).toBe(200);
  return response.json<{ access_token: string }>().access_token;
}

function newReleases(sandbox: SandboxServer, bearer: string | undefined, query = '') {
  return sandbox.app.inject({
    url: `/v1/browse/new-releases${query}`,
    headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
  });
}

/** Every listed item, following `next` from the first page. */
async function allItems(
  sandbox: SandboxServer,
  bearer: string,
  limit: number,
): Promise<{ items: Item[]; pages: Page[] }> {
  const fetchPage = async (url: string): Promise<Page> => {
    const response = await sandbox.app.inject({ url, headers: { authorization: `Bearer ${bearer}` } });
    expect(response.statusCode).toBe(200);
    return response.json<Page>();
  };
  const pages = [await fetchPage(`/v1/browse/new-releases?limit=${limit}`)];
  for (let next = pages[0]?.albums.next ?? null; next !== null; next = pages.at(-1)?.albums.next ?? null) {
    const url = new URL(next);
    pages.push(await fetchPage(`${url.pathname}${url.search}`));
  }
  return { items: pages.flatMap((page) => page.albums.items), pages };
}

describe(SpotifyEmulation.name, () => {
  describe('POST /api/token', () => {
    it('issues a Bearer token for the configured client credentials', async () => {
      const { sandbox } = setup();
      const response = await requestToken(sandbox);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        access_token: stringMatching(/^[\w-]{100,}$/),
        token_type: 'Bearer',
        expires_in: 3600,
      });
      const again = await requestToken(sandbox);
      expect(again.json<{ access_token: string }>().access_token).not.toBe(
        response.json<{ access_token: string }>().access_token,
      );
    });

    it('also takes the credentials as form fields', async () => {
      const { sandbox } = setup({ clientId: 'abc', clientSecret: 's3cret', tokenTtlSeconds: 60 });
      const response = await sandbox.app.inject({
        method: 'POST',
        url: '/api/token',
        headers: FORM,
        payload: 'grant_type=client_credentials&client_id=abc&client_secret=s3cret',
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ expires_in: 60 });
    });

    it.each([
      ['a wrong secret', `Basic ${Buffer.from('sandbox-client-id:nope').toString('base64')}`],
      ['a wrong id', `Basic ${Buffer.from('someone:sandbox-client-secret').toString('base64')}`],
      ['no colon', `Basic ${Buffer.from('sandbox-client-id').toString('base64')}`],
      ['no credentials', ''],
      ['a Bearer header', 'Bearer abc'],
    ])('answers 400 invalid_client for %s', async (_case, authorization) => {
      const { sandbox } = setup();
      const response = await requestToken(sandbox, authorization);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error: 'invalid_client', error_description: 'Invalid client' });
    });

    it('answers 400 unsupported_grant_type without grant_type=client_credentials', async () => {
      const { sandbox } = setup();
      for (const payload of ['', 'grant_type=password']) {
        const response = await requestToken(sandbox, BASIC, payload);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({ error: 'unsupported_grant_type', error_description: anyString() });
      }
    });
  });

  describe('GET /v1/browse/new-releases', () => {
    it('wants a token it issued that has not expired on its clock', async () => {
      const { sandbox, clock } = setup({ tokenTtlSeconds: 3600 });
      const missing = await newReleases(sandbox, undefined);
      expect(missing.statusCode).toBe(401);
      expect(missing.json()).toEqual({ error: { status: 401, message: 'Invalid access token' } });
      expect(missing.headers['www-authenticate']).toContain('Bearer');
      expect((await newReleases(sandbox, 'made-up')).json()).toEqual({
        error: { status: 401, message: 'Invalid access token' },
      });

      const bearer = await token(sandbox);
      clock.now = T0 + 3_599_999;
      expect((await newReleases(sandbox, bearer)).statusCode).toBe(200);
      clock.now = T0 + 3_600_000;
      const expired = await newReleases(sandbox, bearer);
      expect(expired.statusCode).toBe(401);
      expect(expired.json()).toEqual({ error: { status: 401, message: 'The access token expired' } });
      // A fresh token works again.
      expect((await newReleases(sandbox, await token(sandbox))).statusCode).toBe(200);
    });

    it('answers the recorded envelope with simplified albums, 20 by default', async () => {
      const { sandbox } = setup();
      const response = await newReleases(sandbox, await token(sandbox));
      expect(response.statusCode).toBe(200);
      const { albums } = response.json<Page>();
      expect(Object.keys(albums)).toEqual(['href', 'items', 'limit', 'next', 'offset', 'previous', 'total']);
      const chart = chartAt(SEED, 0);
      expect(albums).toMatchObject({
        href: 'https://api.spotify.test/v1/browse/new-releases?offset=0&limit=20',
        limit: 20,
        next: 'https://api.spotify.test/v1/browse/new-releases?offset=20&limit=20',
        offset: 0,
        previous: null,
        total: chart.length,
      });
      expect(albums.items.map((item) => item.id)).toEqual(chart.slice(0, 20).map((album) => album.id));
      for (const item of albums.items) {
        expect(Object.keys(item)).toEqual(ITEM_KEYS);
        expect(item).toMatchObject({
          id: stringMatching(/^[0-9A-Za-z]{22}$/),
          type: 'album',
          uri: `spotify:album:${item.id}`,
          href: `https://api.spotify.test/v1/albums/${item.id}`,
          external_urls: { spotify: `https://open.spotify.test/album/${item.id}` },
          album_type: stringMatching(/^(album|single|compilation)$/),
          release_date_precision: stringMatching(/^(day|month|year)$/),
        });
        expect(item.images.map((image) => [image.width, image.height])).toEqual([
          [640, 640],
          [300, 300],
          [64, 64],
        ]);
        expect(item.images[0]?.url).toMatch(/^https:\/\/i\.scdn\.test\/image\/ab67616d0000b273[0-9a-f]{24}$/);
        for (const artist of item.artists) {
          expect(artist).toEqual({
            external_urls: { spotify: `https://open.spotify.test/artist/${artist.id}` },
            href: `https://api.spotify.test/v1/artists/${artist.id}`,
            id: stringMatching(/^[0-9A-Za-z]{22}$/),
            name: anyString(),
            type: 'artist',
            uri: `spotify:artist:${artist.id}`,
          });
        }
      }
    });

    it('pages with limit and offset until next is null', async () => {
      const { sandbox } = setup();
      const bearer = await token(sandbox);
      const { items, pages } = await allItems(sandbox, bearer, 7);
      const chart = chartAt(SEED, 0);
      expect(items.map((item) => item.id)).toEqual(chart.map((album) => album.id));
      expect(pages).toHaveLength(Math.ceil(chart.length / 7));
      expect(pages.at(-1)?.albums.next).toBeNull();
      expect(pages[1]?.albums.previous).toBe('https://api.spotify.test/v1/browse/new-releases?offset=0&limit=7');
      const fifty = (await newReleases(sandbox, bearer, '?limit=50&offset=40')).json<Page>();
      expect(fifty.albums.items).toHaveLength(chart.length - 40);
      expect(fifty.albums.next).toBeNull();
      const beyond = (await newReleases(sandbox, bearer, '?offset=500')).json<Page>();
      expect(beyond.albums).toMatchObject({ items: [], next: null, total: chart.length });
      // Country and locale are kept in the links, as Spotify does.
      const sweden = (await newReleases(sandbox, bearer, '?country=SE&offset=5&limit=10')).json<Page>();
      expect(sweden.albums.href).toBe('https://api.spotify.test/v1/browse/new-releases?country=SE&offset=5&limit=10');
      expect(sweden.albums.previous).toBe(
        'https://api.spotify.test/v1/browse/new-releases?country=SE&offset=0&limit=10',
      );
    });

    it.each(['0', '51', 'ten', '-1', '2.5'])('answers 400 "Invalid limit" for limit=%s', async (limit) => {
      const { sandbox } = setup();
      const response = await newReleases(sandbox, await token(sandbox), `?limit=${limit}`);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ error: { status: 400, message: 'Invalid limit' } });
    });

    it('gives the same answer for the same seed and tick', async () => {
      const a = setup().sandbox;
      const b = setup().sandbox;
      const [ra, rb] = await Promise.all(
        [a, b].map(async (sandbox) => (await newReleases(sandbox, await token(sandbox), '?limit=50')).body),
      );
      expect(ra).toBe(rb);
    });
  });

  describe('the chart', () => {
    it('moves on POST /__sandbox/spotify/chart/advance, and new releases follow', async () => {
      const { sandbox, spotify } = setup();
      const bearer = await token(sandbox);
      const before = (await sandbox.app.inject({ url: '/__sandbox/spotify/chart' })).json<{
        tick: number;
        ids: string[];
      }>();
      expect(before).toMatchObject({ tick: 0, ids: chartAt(SEED, 0).map((album) => album.id) });
      const advanced = await sandbox.app.inject({
        method: 'POST',
        url: '/__sandbox/spotify/chart/advance',
        payload: { ticks: 2 },
      });
      expect(advanced.statusCode).toBe(200);
      const view = advanced.json<{ tick: number; total: number; albums: unknown[] }>();
      expect(view).toMatchObject({ tick: 2, total: chartAt(SEED, 2).length });
      expect(view.albums[0]).toEqual({
        position: 1,
        id: chartAt(SEED, 2)[0]?.id,
        name: chartAt(SEED, 2)[0]?.name,
        artists: chartAt(SEED, 2)[0]?.artists.map((artist) => artist.name),
        releaseDate: chartAt(SEED, 2)[0]?.releaseDate,
      });
      const { items } = await allItems(sandbox, bearer, 50);
      expect(items.map((item) => item.id)).toEqual(chartAt(SEED, 2).map((album) => album.id));
      expect(items.map((item) => item.id)).not.toEqual(before.ids);

      const once = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/spotify/chart/advance' });
      expect(once.json()).toMatchObject({ tick: 3 });
      expect(spotify.advance(2).tick).toBe(5);
      expect(spotify.currentChart().ids).toEqual(chartAt(SEED, 5).map((album) => album.id));
      for (const payload of [{ ticks: -1 }, { ticks: 1.5 }, { ticks: '2' }, { step: 1 }]) {
        const bad = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/spotify/chart/advance', payload });
        expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
      }
    });

    it('moves one tick per chartIntervalMs of the clock, on top of manual advances', () => {
      const { spotify, clock } = setup({ chartIntervalMs: 60_000 });
      expect(spotify.currentChart().tick).toBe(0);
      clock.now = T0 + 3 * 60_000 + 59_999;
      expect(spotify.currentChart().tick).toBe(3);
      spotify.advance(1);
      expect(spotify.currentChart().tick).toBe(4);
    });

    it('keeps its chart clock in a state store across restarts; reset starts over', () => {
      const state = memoryStateStore();
      const first = setup({ state }).spotify;
      first.advance(4);
      const second = setup({ state }).spotify;
      expect(second.currentChart().tick).toBe(4);
      second.reset();
      expect(setup({ state }).spotify.currentChart().tick).toBe(0);
      // Another seed does not take up this chart.
      first.advance(2);
      expect(setup({ state, seed: 7 }).spotify.currentChart().tick).toBe(0);
    });

    it('serves the truth table', async () => {
      const { sandbox, spotify } = setup();
      expect(spotify.truth()).toEqual(chartTruth(SEED));
      const response = await sandbox.app.inject({ url: '/__sandbox/spotify/truth' });
      expect(response.json()).toEqual({ seed: SEED, albums: chartTruth(SEED) });
    });

    it('reset forgets issued tokens and goes back to tick 0', async () => {
      const { sandbox, spotify } = setup();
      const bearer = await token(sandbox);
      spotify.advance(3);
      await sandbox.app.inject({ method: 'POST', url: '/__sandbox/reset' });
      expect(spotify.currentChart().tick).toBe(0);
      expect((await newReleases(sandbox, bearer)).statusCode).toBe(401);
    });
  });

  describe('faults', () => {
    it('endpoint_removed answers 403 as for development-mode apps since February 2026', async () => {
      const { sandbox } = setup();
      const bearer = await token(sandbox);
      sandbox.faults.add({ target: 'spotify', endpoint: 'new-releases', kind: 'endpoint_removed' });
      const response = await newReleases(sandbox, bearer);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({ error: { status: 403, message: 'Forbidden' } });
      // The token endpoint still works.
      expect((await requestToken(sandbox)).statusCode).toBe(200);
    });

    it('token_expired answers 401 on the API even for a valid token', async () => {
      const { sandbox } = setup();
      const bearer = await token(sandbox);
      sandbox.faults.add({ target: 'spotify', kind: 'token_expired', endpoint: 'new-releases', times: 1 });
      const response = await newReleases(sandbox, bearer);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: { status: 401, message: 'The access token expired' } });
      expect(response.headers['www-authenticate']).toContain('invalid_token');
      expect((await newReleases(sandbox, bearer)).statusCode).toBe(200);
    });

    it('rate_limit answers 429 with Retry-After in Spotify’s error envelope; status faults too', async () => {
      const { sandbox } = setup();
      const bearer = await token(sandbox);
      sandbox.faults.add({ target: 'spotify', kind: 'rate_limit', retryAfterSeconds: 4, times: 1 });
      const limited = await newReleases(sandbox, bearer);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBe('4');
      expect(limited.json()).toEqual({ error: { status: 429, message: 'API rate limit exceeded' } });
      sandbox.faults.add({ target: 'spotify', kind: 'status', status: 500, times: 1 });
      const failed = await newReleases(sandbox, bearer);
      expect(failed.statusCode).toBe(500);
      expect(failed.json()).toEqual({ error: { status: 500, message: 'Server error' } });
      expect(sandbox.stats()).toEqual({
        requests: { 'spotify:new-releases': 2, 'spotify:token': 1 },
        total: 3,
      });
    });
  });

  describe('links once the sandbox has a public URL', () => {
    it('points next, covers and pages at the sandbox, which serves them', async () => {
      const { sandbox } = setup({}, 'http://sandbox.local:4010/');
      const page = (await newReleases(sandbox, await token(sandbox), '?limit=2')).json<Page>();
      expect(page.albums.next).toBe('http://sandbox.local:4010/v1/browse/new-releases?offset=2&limit=2');
      const [item] = page.albums.items;
      expect(item?.href).toBe(`http://sandbox.local:4010/v1/albums/${item?.id}`);
      const cover = new URL(item?.images[1]?.url ?? '');
      expect(cover.href).toMatch(
        /^http:\/\/sandbox\.local:4010\/__sandbox\/spotify\/image\/ab67616d00001e02[0-9a-f]{24}$/,
      );
      const svg = await sandbox.app.inject({ url: cover.pathname });
      expect(svg.headers['content-type']).toBe('image/svg+xml');
      expect(svg.body).toContain('width="300"');
      expect((await sandbox.app.inject({ url: '/__sandbox/spotify/image/ab67616d00001e02nothing' })).statusCode).toBe(
        404,
      );

      const album = await sandbox.app.inject({ url: new URL(item?.external_urls.spotify ?? '').pathname });
      expect(album.statusCode).toBe(200);
      expect(album.headers['content-type']).toBe('text/html; charset=utf-8');
      const artistUrl = item?.artists[0]?.external_urls.spotify ?? '';
      expect(album.body).toContain(new URL(artistUrl).pathname);
      const artist = await sandbox.app.inject({ url: new URL(artistUrl).pathname });
      expect(artist.statusCode).toBe(200);
      expect(artist.body).toContain(`/__sandbox/spotify/open/album/${item?.id}`);
      expect((await sandbox.app.inject({ url: '/__sandbox/spotify/open/album/nothing' })).statusCode).toBe(404);
    });
  });
});

describe('the assembled sandbox', () => {
  const sandboxes: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.close()));
  });

  it('serves Spotify and MusicBrainz over one catalog: a charted album is searchable, its truth at hand', async () => {
    const sandbox = createSandbox({ seed: SEED, now: () => T0, musicbrainzMinIntervalMs: 0 });
    sandboxes.push(sandbox);
    const index = (await sandbox.app.inject({ url: '/__sandbox' })).json<{ emulations: { name: string }[] }>();
    expect(index.emulations.map((emulation) => emulation.name)).toEqual([
      'jiosaavn',
      'spotify',
      'musicbrainz',
      'discogs',
      'youtube',
      'soundcloud',
    ]);

    const page = (await newReleases(sandbox, await token(sandbox), '?limit=50')).json<Page>();
    const truth = new Map(sandbox.spotify.truth().map((row) => [row.spotifyId, row]));
    const present = page.albums.items.filter((item) => truth.get(item.id)?.trap === 'plain');
    expect(present.length).toBeGreaterThan(0);
    for (const item of present.slice(0, 5)) {
      const query = `releasegroup:"${item.name}" AND artist:"${item.artists[0]?.name}"`;
      const response = await sandbox.app.inject({
        url: `/ws/2/release-group?${new URLSearchParams({ query, fmt: 'json' })}`,
        headers: { 'user-agent': 'BackbeatTest/1.0 ( https://example.org )' },
      });
      const [top] = response.json<{ 'release-groups': { id: string }[] }>()['release-groups'];
      expect(top?.id).toBe(truth.get(item.id)?.releaseGroupId);
    }
    expect(sandbox.musicbrainz.stats()).toMatchObject({ requests: 5, throttled: 0 });
  });

  it('passes its options on: chart interval, Spotify credentials and token lifetime, MusicBrainz pacing', async () => {
    const clock = { now: T0 };
    const sandbox = createSandbox({
      seed: SEED,
      now: () => clock.now,
      spotifyChartIntervalMs: 1000,
      spotifyClientId: 'me',
      spotifyClientSecret: 'pw',
      spotifyTokenTtlSeconds: 10,
      musicbrainzMinIntervalMs: 60_000,
    });
    sandboxes.push(sandbox);
    clock.now = T0 + 2500;
    expect(sandbox.spotify.currentChart().tick).toBe(2);
    expect((await requestToken(sandbox)).statusCode).toBe(400);
    const issued = await requestToken(sandbox, `Basic ${Buffer.from('me:pw').toString('base64')}`);
    expect(issued.json()).toMatchObject({ expires_in: 10 });
    const search = (query: string) =>
      sandbox.app.inject({
        url: `/ws/2/release?query=${query}&fmt=json`,
        headers: { 'user-agent': 'BackbeatTest/1.0 ( https://example.org )' },
      });
    expect((await search('summer')).statusCode).toBe(200);
    expect((await search('winter')).statusCode).toBe(503);
    expect(sandbox.musicbrainz.stats()).toMatchObject({ throttled: 1, minIntervalMs: 60_000 });
  });
});
