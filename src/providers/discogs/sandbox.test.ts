import { afterEach, describe, expect, it } from 'vitest';
import {
  DISCOGS_AUTHORIZE_PATH,
  DiscogsEmulation,
  SANDBOX_DISCOGS_CONSUMER_KEY,
  SANDBOX_DISCOGS_CONSUMER_SECRET,
  SANDBOX_DISCOGS_TOKEN_OWNER,
  SANDBOX_DISCOGS_USER_TOKEN,
  SANDBOX_DISCOGS_USERNAME,
  type DiscogsOptions,
} from './sandbox.ts';
import { createSandbox, type Sandbox } from '../sandboxes.ts';
import { audioCatalog, audioTruth } from '../../sandbox/audio-catalog.ts';
import { createSandboxServer, type SandboxServer } from '../../sandbox/server.ts';
import { anyNumber, anyString, stringMatching } from '../../sandbox/test-matchers.ts';

const SEED = 20_241_220;
const T0 = Date.parse('2026-11-21T12:00:00Z');
const AGENT = { 'user-agent': 'BackbeatTest/1.0 +https://example.org/backbeat' };
const TOKEN = { ...AGENT, authorization: `Discogs token=${SANDBOX_DISCOGS_USER_TOKEN}` };
const CALLBACK = 'https://app.example.test/api/discogs/callback?state=xyz';
/** The keys of a release in the recorded answer (release 8604223), in order. */
const RELEASE_KEYS = [
  'id',
  'status',
  'year',
  'resource_url',
  'uri',
  'artists',
  'artists_sort',
  'labels',
  'series',
  'companies',
  'formats',
  'data_quality',
  'community',
  'format_quantity',
  'date_added',
  'date_changed',
  'num_for_sale',
  'lowest_price',
  'master_id',
  'master_url',
  'title',
  'country',
  'released',
  'notes',
  'released_formatted',
  'identifiers',
  'videos',
  'genres',
  'styles',
  'tracklist',
  'extraartists',
  'images',
  'thumb',
  'estimated_weight',
  'blocked_from_sale',
  'is_offensive',
];

interface Row {
  position: string;
  type_: string;
  title: string;
  duration: string;
  artists?: { name: string; anv: string; join: string; id: number; resource_url: string }[];
  sub_tracks?: Row[];
}

interface ReleaseBody {
  id: number;
  title: string;
  resource_url: string;
  uri: string;
  artists: {
    name: string;
    anv: string;
    join: string;
    role: string;
    tracks: string;
    id: number;
    resource_url: string;
  }[];
  tracklist: Row[];
  videos?: { uri: string; title: string; description: string; duration: number; embed: boolean }[];
  images: { uri: string; uri150: string }[];
}

const open: SandboxServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

function setup(options: Partial<DiscogsOptions> = {}, publicUrl?: string) {
  const clock = { now: T0, rate: 0 };
  const discogs = new DiscogsEmulation({
    seed: SEED,
    now: () => clock.now,
    rateClock: () => clock.rate,
    ...options,
  });
  const sandbox = createSandboxServer({ emulations: [discogs], ...(publicUrl !== undefined ? { publicUrl } : {}) });
  open.push(sandbox);
  return { sandbox, discogs, clock };
}

function release(sandbox: SandboxServer, id: number | string, headers: Record<string, string> = TOKEN) {
  return sandbox.app.inject({ url: `/releases/${id}`, headers });
}

/** An `Authorization: OAuth …` header with a PLAINTEXT signature, as Discogs' docs show it. */
function oauth(
  params: Record<string, string>,
  tokenSecret = '',
  consumerSecret = SANDBOX_DISCOGS_CONSUMER_SECRET,
): string {
  const all: Record<string, string> = {
    oauth_consumer_key: SANDBOX_DISCOGS_CONSUMER_KEY,
    oauth_nonce: 'n0nce',
    oauth_signature: `${consumerSecret}&${tokenSecret}`,
    oauth_signature_method: 'PLAINTEXT',
    oauth_timestamp: String(Math.floor(T0 / 1000)),
    oauth_version: '1.0',
    ...params,
  };
  return `OAuth ${Object.entries(all)
    .map(([key, value]) => `${key}="${encodeURIComponent(value)}"`)
    .join(', ')}`;
}

async function requestToken(sandbox: SandboxServer, authorization = oauth({ oauth_callback: CALLBACK })) {
  return sandbox.app.inject({
    url: '/oauth/request_token',
    headers: { ...AGENT, authorization, 'content-type': 'application/x-www-form-urlencoded' },
  });
}

/** Steps 1 and 2 of the flow: a request token, authorised on the sandbox's page; the callback's query. */
async function authorised(sandbox: SandboxServer, username?: string) {
  const step1 = await requestToken(sandbox);
  expect(step1.statusCode).toBe(200);
  const issued = new URLSearchParams(step1.body);
  const token = issued.get('oauth_token') ?? '';
  const secret = issued.get('oauth_token_secret') ?? '';
  const step2 = await sandbox.app.inject({
    method: 'POST',
    url: DISCOGS_AUTHORIZE_PATH,
    payload: { oauth_token: token, ...(username !== undefined ? { username } : {}) },
  });
  expect(step2.statusCode).toBe(302);
  const callback = new URL(step2.headers.location ?? '');
  return { token, secret, verifier: callback.searchParams.get('oauth_verifier') ?? '', callback };
}

function accessToken(sandbox: SandboxServer, token: string, secret: string, verifier: string) {
  return sandbox.app.inject({
    method: 'POST',
    url: '/oauth/access_token',
    headers: {
      ...AGENT,
      authorization: oauth({ oauth_token: token, oauth_verifier: verifier }, secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
  });
}

describe(DiscogsEmulation.name, () => {
  describe('GET /releases/:id', () => {
    it('answers the recorded shape: artists, tracklist rows, videos, images', async () => {
      const { sandbox } = setup();
      const catalog = audioCatalog(SEED);
      const withVideos = catalog.releases.find(
        (candidate) => candidate.videos.length > 0 && candidate.released !== null && candidate.masterId !== null,
      );
      if (withVideos === undefined) throw new Error('The catalog has no release with videos');
      const response = await release(sandbox, withVideos.id);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('application/json');
      const body = response.json<ReleaseBody>();
      expect(Object.keys(body)).toEqual(RELEASE_KEYS);
      expect(body).toMatchObject({
        id: withVideos.id,
        title: withVideos.title,
        resource_url: `https://api.discogs.test/releases/${withVideos.id}`,
        uri: stringMatching(new RegExp(`^https://www\\.discogs\\.test/release/${withVideos.id}-`)),
      });
      for (const artist of body.artists) {
        expect(artist).toEqual({
          name: anyString(),
          anv: anyString(),
          join: anyString(),
          role: '',
          tracks: '',
          id: anyNumber(),
          resource_url: `https://api.discogs.test/artists/${artist.id}`,
        });
      }
      expect(body.videos).toHaveLength(withVideos.videos.length);
      for (const video of body.videos ?? []) {
        expect(Object.keys(video)).toEqual(['uri', 'title', 'description', 'duration', 'embed']);
        expect(video.uri).toMatch(/^https:\/\/www\.youtube\.com\/watch\?v=[\w-]{11}$/);
      }
      expect(body.tracklist.map((row) => row.title)).toEqual(withVideos.tracklist.map((row) => row.title));
    });

    it('sends headings, index tracks with sub_tracks, per-track artists and empty durations as Discogs does', async () => {
      const { sandbox } = setup();
      const catalog = audioCatalog(SEED);
      const suite = catalog.releases.find((candidate) => candidate.tracklist.some((row) => row.type === 'index'));
      const various = catalog.releases.find((candidate) => candidate.artists[0]?.name === 'Various');
      const plain = catalog.releases.find((candidate) => candidate.videos.length === 0);
      if (suite === undefined || various === undefined || plain === undefined) throw new Error('Catalog incomplete');

      const rows = (await release(sandbox, suite.id)).json<ReleaseBody>().tracklist;
      const heading = rows.find((row) => row.type_ === 'heading');
      expect(heading && Object.keys(heading)).toEqual(['position', 'type_', 'title', 'duration']);
      expect(heading).toMatchObject({ position: '', duration: '' });
      const index = rows.find((row) => row.type_ === 'index');
      expect(index).toMatchObject({ position: '', duration: '' });
      expect(index?.sub_tracks?.length).toBeGreaterThanOrEqual(3);
      for (const sub of index?.sub_tracks ?? []) {
        expect(Object.keys(sub)).toEqual(['position', 'type_', 'title', 'duration']);
        expect(sub.type_).toBe('track');
      }
      const track = rows.find((row) => row.type_ === 'track');
      expect(Object.keys(track ?? {}).slice(0, 2)).toEqual(['position', 'type_']);
      expect(rows.some((row) => row.type_ === 'track' && row.duration === '')).toBe(true);

      const compilation = (await release(sandbox, various.id)).json<ReleaseBody>();
      expect(compilation.artists).toMatchObject([{ name: 'Various', id: 194 }]);
      for (const row of compilation.tracklist.filter((candidate) => candidate.type_ === 'track')) {
        expect(row.artists?.length).toBeGreaterThan(0);
      }
      // A release without curated videos has no `videos` key at all.
      expect((await release(sandbox, plain.id)).json<ReleaseBody>()).not.toHaveProperty('videos');
    });

    it('answers 404 {"message":"Release not found."} for an unknown id', async () => {
      const { sandbox } = setup();
      for (const id of ['1', '99999999', 'abc']) {
        const response = await release(sandbox, id);
        expect(response.statusCode).toBe(404);
        expect(response.json()).toEqual({ message: 'Release not found.' });
        expect(response.headers['x-discogs-ratelimit']).toBe('60');
      }
    });

    it('answers an empty body to a request without a meaningful User-Agent', async () => {
      const { sandbox, discogs } = setup();
      const id = audioCatalog(SEED).releases[0]?.id ?? 0;
      for (const agent of ['', 'node', 'undici']) {
        const response = await release(sandbox, id, { 'user-agent': agent, authorization: TOKEN.authorization });
        expect(response.statusCode).toBe(200);
        expect(response.body).toBe('');
      }
      // inject()'s default User-Agent names no application either.
      expect((await sandbox.app.inject({ url: `/releases/${id}` })).body).toBe('');
      expect(discogs.stats()).toMatchObject({ blankAgent: 4, windowUsed: 0 });
    });

    it('links to the sandbox once it has a public URL, and serves the release page and cover', async () => {
      const { sandbox } = setup({}, 'http://127.0.0.1:5099/');
      const id = audioCatalog(SEED).releases[2]?.id ?? 0;
      const body = (await release(sandbox, id)).json<ReleaseBody>();
      expect(body.resource_url).toBe(`http://127.0.0.1:5099/releases/${id}`);
      expect(body.uri).toBe(`http://127.0.0.1:5099/__sandbox/discogs/release/${id}`);
      const page = await sandbox.app.inject({ url: new URL(body.uri).pathname });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      const cover = await sandbox.app.inject({ url: new URL(body.images[0]?.uri ?? '').pathname });
      expect(cover.headers['content-type']).toBe('image/svg+xml');
      expect((await sandbox.app.inject({ url: '/__sandbox/discogs/release/1' })).statusCode).toBe(404);
    });
  });

  describe('authentication', () => {
    it.each([
      ['a personal token', { authorization: `Discogs token=${SANDBOX_DISCOGS_USER_TOKEN}` }, ''],
      [
        'consumer credentials',
        { authorization: `Discogs key=${SANDBOX_DISCOGS_CONSUMER_KEY}, secret=${SANDBOX_DISCOGS_CONSUMER_SECRET}` },
        '',
      ],
      ['a token in the query', {}, `?token=${SANDBOX_DISCOGS_USER_TOKEN}`],
    ])('takes %s (60 a minute)', async (_case, headers, query) => {
      const { sandbox } = setup();
      const id = audioCatalog(SEED).releases[0]?.id ?? 0;
      const response = await sandbox.app.inject({ url: `/releases/${id}${query}`, headers: { ...AGENT, ...headers } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-discogs-ratelimit']).toBe('60');
    });

    it('answers 401 to a wrong token or wrong consumer credentials, and serves anonymous callers at 25 a minute', async () => {
      const { sandbox } = setup({ userToken: 'my-own-token' });
      const id = audioCatalog(SEED).releases[0]?.id ?? 0;
      const wrong = await release(sandbox, id, TOKEN);
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json()).toEqual({ message: stringMatching(/^Invalid consumer token/) });
      const badKey = await release(sandbox, id, { ...AGENT, authorization: 'Discogs key=nope, secret=nope' });
      expect(badKey.statusCode).toBe(401);
      expect((await release(sandbox, id, { ...AGENT, authorization: 'Discogs token=my-own-token' })).statusCode).toBe(
        200,
      );
      const anonymous = await release(sandbox, id, AGENT);
      expect(anonymous.statusCode).toBe(200);
      expect(anonymous.headers['x-discogs-ratelimit']).toBe('25');
    });
  });

  describe('rate limit', () => {
    it('counts a moving 60-second window: Used and Remaining headers, 429 over the limit', async () => {
      const { sandbox, clock, discogs } = setup();
      const id = audioCatalog(SEED).releases[0]?.id ?? 0;
      for (let n = 1; n <= 60; n++) {
        clock.rate = n * 100;
        const response = await release(sandbox, id);
        expect(response.statusCode).toBe(200);
        expect(response.headers['x-discogs-ratelimit-used']).toBe(String(n));
        expect(response.headers['x-discogs-ratelimit-remaining']).toBe(String(60 - n));
      }
      const over = await release(sandbox, id);
      expect(over.statusCode).toBe(429);
      expect(over.json()).toEqual({ message: 'You are making requests too quickly.' });
      expect(over.headers).toMatchObject({
        'x-discogs-ratelimit': '60',
        'x-discogs-ratelimit-used': '60',
        'x-discogs-ratelimit-remaining': '0',
      });
      // The first request leaves the window 60 s after it was made; then one more fits.
      clock.rate = 60_100;
      expect((await release(sandbox, id)).statusCode).toBe(200);
      expect((await release(sandbox, id)).statusCode).toBe(429);
      expect(discogs.stats()).toMatchObject({ throttled: 2, windowUsed: 60 });
      clock.rate = 200_000;
      expect((await release(sandbox, id)).headers['x-discogs-ratelimit-remaining']).toBe('59');
    });

    it('allows anonymous callers 25 of the shared window while authenticated ones still get theirs', async () => {
      const { sandbox, discogs } = setup({ anonymousRateLimitPerMinute: 25 });
      const id = audioCatalog(SEED).releases[0]?.id ?? 0;
      for (let n = 0; n < 25; n++) expect((await release(sandbox, id, AGENT)).statusCode).toBe(200);
      const anonymous = await release(sandbox, id, AGENT);
      expect(anonymous.statusCode).toBe(429);
      expect(anonymous.headers['x-discogs-ratelimit']).toBe('25');
      const authenticated = await release(sandbox, id);
      expect(authenticated.statusCode).toBe(200);
      expect(authenticated.headers['x-discogs-ratelimit-remaining']).toBe('34');
      discogs.reset();
      expect((await release(sandbox, id, AGENT)).headers['x-discogs-ratelimit-used']).toBe('1');
    });
  });

  describe('OAuth 1.0a', () => {
    it('runs the three steps: request token, authorise, access token; then identity and releases', async () => {
      const { sandbox } = setup();
      const step1 = await requestToken(sandbox);
      expect(step1.statusCode).toBe(200);
      expect(step1.headers['content-type']).toContain('application/x-www-form-urlencoded');
      expect(step1.body).toMatch(
        /^oauth_token=[A-Za-z]{40}&oauth_token_secret=[A-Za-z]{40}&oauth_callback_confirmed=true$/,
      );
      const token = new URLSearchParams(step1.body).get('oauth_token') ?? '';
      const secret = new URLSearchParams(step1.body).get('oauth_token_secret') ?? '';

      // The authorise page has a form that posts back the token.
      const page = await sandbox.app.inject({ url: `${DISCOGS_AUTHORIZE_PATH}?oauth_token=${token}` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`value="${token}"`);
      expect(page.body).toContain('<button type="submit">Authorize</button>');
      // Submitting that form (a browser posts it form-encoded) redirects to the callback with a verifier.
      const submitted = await sandbox.app.inject({
        method: 'POST',
        url: DISCOGS_AUTHORIZE_PATH,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ oauth_token: token, username: 'vinyl_fan' }).toString(),
      });
      expect(submitted.statusCode).toBe(302);
      const callback = new URL(submitted.headers.location ?? '');
      expect(`${callback.origin}${callback.pathname}`).toBe('https://app.example.test/api/discogs/callback');
      expect(callback.searchParams.get('state')).toBe('xyz');
      expect(callback.searchParams.get('oauth_token')).toBe(token);
      const verifier = callback.searchParams.get('oauth_verifier') ?? '';
      expect(verifier).toMatch(/^[A-Za-z]{10}$/);

      const step3 = await accessToken(sandbox, token, secret, verifier);
      expect(step3.statusCode).toBe(200);
      expect(step3.body).toMatch(/^oauth_token=[A-Za-z]{40}&oauth_token_secret=[A-Za-z]{40}$/);
      const access = new URLSearchParams(step3.body);
      const accessHeader = oauth(
        { oauth_token: access.get('oauth_token') ?? '' },
        access.get('oauth_token_secret') ?? '',
      );

      const identity = await sandbox.app.inject({
        url: '/oauth/identity',
        headers: { ...AGENT, authorization: accessHeader },
      });
      expect(identity.statusCode).toBe(200);
      expect(identity.json()).toEqual({
        id: anyNumber(),
        username: 'vinyl_fan',
        resource_url: 'https://api.discogs.test/users/vinyl_fan',
        consumer_name: 'Backbeat Sandbox',
      });
      const id = audioCatalog(SEED).releases[1]?.id ?? 0;
      const signed = await release(sandbox, id, { ...AGENT, authorization: accessHeader });
      expect(signed.statusCode).toBe(200);
      expect(signed.headers['x-discogs-ratelimit']).toBe('60');
      // A wrong token secret in the signature is refused.
      const forged = oauth({ oauth_token: access.get('oauth_token') ?? '' }, 'not-the-secret');
      expect((await release(sandbox, id, { ...AGENT, authorization: forged })).statusCode).toBe(401);
      // The request token was single-use.
      const again = await accessToken(sandbox, token, secret, verifier);
      expect(again.statusCode).toBe(401);
      expect(again.body).toBe('Invalid request token.');
    });

    it('refuses a wrong verifier, and a token the user has not authorised yet', async () => {
      const { sandbox } = setup();
      const { token, secret, verifier } = await authorised(sandbox);
      const wrong = await accessToken(sandbox, token, secret, 'AAAAAAAAAA');
      expect(wrong.statusCode).toBe(401);
      expect(wrong.headers['content-type']).toContain('text/plain');
      expect(wrong.body).toBe('Invalid verifier.');
      // The right verifier still works after a wrong try.
      expect((await accessToken(sandbox, token, secret, verifier)).statusCode).toBe(200);

      const pending = new URLSearchParams((await requestToken(sandbox)).body);
      const early = await accessToken(
        sandbox,
        pending.get('oauth_token') ?? '',
        pending.get('oauth_token_secret') ?? '',
        'x',
      );
      expect(early.statusCode).toBe(401);
      expect(early.body).toBe('Invalid verifier.');
    });

    it('checks the consumer key, the PLAINTEXT signature and the callback of a request-token request', async () => {
      const { sandbox } = setup();
      const badKey = await requestToken(sandbox, oauth({ oauth_callback: CALLBACK, oauth_consumer_key: 'nope' }));
      expect(badKey.statusCode).toBe(401);
      expect(badKey.body).toBe('Invalid consumer.');
      const badSignature = await requestToken(sandbox, oauth({ oauth_callback: CALLBACK }, '', 'wrong-secret'));
      expect(badSignature.statusCode).toBe(401);
      expect(badSignature.body).toBe('Invalid signature.');
      const hmac = await requestToken(
        sandbox,
        oauth({ oauth_callback: CALLBACK, oauth_signature_method: 'HMAC-SHA1' }),
      );
      expect(hmac.statusCode).toBe(401);
      const noCallback = await requestToken(sandbox, oauth({}));
      expect(noCallback.statusCode).toBe(400);
      expect(noCallback.body).toBe('Parameter not found: oauth_callback');
      const noKey = await sandbox.app.inject({ url: '/oauth/request_token', headers: AGENT });
      expect(noKey.statusCode).toBe(401);
      expect(noKey.body).toBe('Parameter not found: oauth_consumer_key');
      // Configured credentials replace the defaults.
      const custom = setup({ consumerKey: 'app-key', consumerSecret: 'app-secret' }).sandbox;
      const ok = await requestToken(
        custom,
        oauth({ oauth_callback: CALLBACK, oauth_consumer_key: 'app-key' }, '', 'app-secret'),
      );
      expect(ok.statusCode).toBe(200);
    });

    it('forgets request tokens after 15 minutes of the sandbox clock', async () => {
      const { sandbox, clock } = setup();
      const issued = new URLSearchParams((await requestToken(sandbox)).body);
      const token = issued.get('oauth_token') ?? '';
      clock.now = T0 + 15 * 60_000 + 1;
      const page = await sandbox.app.inject({ url: `${DISCOGS_AUTHORIZE_PATH}?oauth_token=${token}` });
      expect(page.statusCode).toBe(404);
      const post = await sandbox.app.inject({
        method: 'POST',
        url: DISCOGS_AUTHORIZE_PATH,
        payload: { oauth_token: token },
      });
      expect(post.statusCode).toBe(404);
    });

    it('authorises as the default user, answers a bad body 400, shows the code for an out-of-band callback', async () => {
      const { sandbox } = setup();
      const { token, secret, verifier } = await authorised(sandbox);
      const access = new URLSearchParams((await accessToken(sandbox, token, secret, verifier)).body);
      const identity = await sandbox.app.inject({
        url: '/oauth/identity',
        headers: {
          ...AGENT,
          authorization: oauth(
            { oauth_token: access.get('oauth_token') ?? '' },
            access.get('oauth_token_secret') ?? '',
          ),
        },
      });
      expect(identity.json()).toMatchObject({ username: SANDBOX_DISCOGS_USERNAME });

      const bad = await sandbox.app.inject({ method: 'POST', url: DISCOGS_AUTHORIZE_PATH, payload: { username: 'x' } });
      expect(bad.statusCode).toBe(400);
      const issued = new URLSearchParams((await requestToken(sandbox, oauth({ oauth_callback: 'oob' }))).body);
      const oob = await sandbox.app.inject({
        method: 'POST',
        url: DISCOGS_AUTHORIZE_PATH,
        payload: { oauth_token: issued.get('oauth_token') },
      });
      expect(oob.statusCode).toBe(200);
      expect(oob.body).toMatch(/<code>[A-Za-z]{10}<\/code>/);
    });

    it('answers identity for a personal token and 401 without authentication', async () => {
      const { sandbox } = setup();
      expect((await sandbox.app.inject({ url: '/oauth/identity', headers: TOKEN })).json()).toMatchObject({
        username: SANDBOX_DISCOGS_TOKEN_OWNER,
      });
      const anonymous = await sandbox.app.inject({ url: '/oauth/identity', headers: AGENT });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toEqual({ message: 'You must authenticate to access this resource.' });
    });
  });

  it('counts each endpoint and renders faults in its envelope', async () => {
    const { sandbox } = setup();
    const id = audioCatalog(SEED).releases[0]?.id ?? 0;
    await release(sandbox, id);
    const { token, secret, verifier } = await authorised(sandbox);
    const access = new URLSearchParams((await accessToken(sandbox, token, secret, verifier)).body);
    await sandbox.app.inject({
      url: '/oauth/identity',
      headers: {
        ...AGENT,
        authorization: oauth({ oauth_token: access.get('oauth_token') ?? '' }, access.get('oauth_token_secret') ?? ''),
      },
    });
    expect(sandbox.stats().requests).toEqual({
      'discogs:access_token': 1,
      'discogs:identity': 1,
      'discogs:release': 1,
      'discogs:request_token': 1,
    });
    sandbox.faults.add({ target: 'discogs', endpoint: 'release', kind: 'rate_limit', times: 1 });
    const limited = await release(sandbox, id);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ message: 'You are making requests too quickly.' });
  });

  it('serves the truth and the release list as control routes', async () => {
    const { sandbox } = setup();
    const truth = (await sandbox.app.inject({ url: '/__sandbox/discogs/truth' })).json<{ tracks: unknown[] }>();
    expect(truth.tracks).toHaveLength(audioTruth(SEED).tracks.length);
    const list = (await sandbox.app.inject({ url: '/__sandbox/discogs/releases' })).json<{
      releases: { id: number }[];
    }>();
    expect(list.releases.map((entry) => entry.id)).toEqual(audioCatalog(SEED).releases.map((entry) => entry.id));
  });
});

describe('the assembled sandbox', () => {
  const sandboxes: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.close()));
  });

  it('serves Discogs, YouTube and SoundCloud over one audio catalog: a release track is searchable on both', async () => {
    const sandbox = createSandbox({ seed: SEED, now: () => T0, youtubeDailySearchQuota: 5 });
    sandboxes.push(sandbox);
    const index = (await sandbox.app.inject({ url: '/__sandbox' })).json<{ emulations: { name: string }[] }>();
    expect(index.emulations.map((emulation) => emulation.name)).toEqual(
      expect.arrayContaining(['discogs', 'youtube', 'soundcloud']) as string[],
    );
    expect(sandbox.youtube.quota().dailySearchQuota).toBe(5);

    const entry = audioTruth(SEED).tracks.find(
      (row) => row.acceptableByPlatform.youtube.length > 0 && row.acceptableByPlatform.soundcloud.length > 0,
    );
    if (entry === undefined) throw new Error('No track with answers on both platforms');
    const body = (await release(sandbox, entry.releaseId)).json<ReleaseBody>();
    expect(body.id).toBe(entry.releaseId);
    const q = `${entry.artists.join(' ')} ${entry.fullTitle}`;
    const search = await sandbox.app.inject({
      url: `/search?${new URLSearchParams({ part: 'snippet', type: 'video', maxResults: '25', q, key: 'sandbox-youtube-key' })}`,
    });
    const ids = search.json<{ items: { id: { videoId: string } }[] }>().items.map((item) => item.id.videoId);
    expect(entry.acceptableByPlatform.youtube.some((id) => ids.includes(id))).toBe(true);

    const token = await sandbox.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&client_id=sandbox-soundcloud-id&client_secret=sandbox-soundcloud-secret',
    });
    const tracks = await sandbox.app.inject({
      url: `/tracks?${new URLSearchParams({ q, limit: '50', linked_partitioning: 'true' })}`,
      headers: { authorization: `OAuth ${token.json<{ access_token: string }>().access_token}` },
    });
    const trackIds = tracks.json<{ collection: { id: number }[] }>().collection.map((track) => String(track.id));
    expect(entry.acceptableByPlatform.soundcloud.some((id) => trackIds.includes(id))).toBe(true);
  });
});
