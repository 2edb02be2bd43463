import { afterEach, describe, expect, it } from 'vitest';
import {
  SANDBOX_SOUNDCLOUD_CLIENT_ID,
  SANDBOX_SOUNDCLOUD_CLIENT_SECRET,
  SoundCloudEmulation,
  type SoundCloudOptions,
} from './sandbox.ts';
import { audioTruth, findAudioUpload, searchAudioUploads } from '../../sandbox/audio-catalog.ts';
import { createSandboxServer, type SandboxServer } from '../../sandbox/server.ts';
import { anyNumber, anyString, stringMatching } from '../../sandbox/test-matchers.ts';

const SEED = 20_241_220;
const T0 = Date.parse('2026-11-21T12:00:00Z');
const AGENT = { 'user-agent': 'BackbeatTest/1.0 +https://example.org/backbeat' };
const FORM = { ...AGENT, 'content-type': 'application/x-www-form-urlencoded' };
const BASIC = `Basic ${Buffer.from(`${SANDBOX_SOUNDCLOUD_CLIENT_ID}:${SANDBOX_SOUNDCLOUD_CLIENT_SECRET}`).toString('base64')}`;
/** The keys of a track in the recorded v1 search (mopidy-soundcloud's fixture), then `urn` and `access`. */
const TRACK_KEYS = [
  'id',
  'kind',
  'created_at',
  'last_modified',
  'permalink',
  'permalink_url',
  'title',
  'duration',
  'sharing',
  'waveform_url',
  'stream_url',
  'uri',
  'user_id',
  'artwork_url',
  'comment_count',
  'commentable',
  'description',
  'download_count',
  'downloadable',
  'embeddable_by',
  'favoritings_count',
  'genre',
  'isrc',
  'label_id',
  'label_name',
  'license',
  'original_content_size',
  'original_format',
  'playback_count',
  'purchase_title',
  'purchase_url',
  'release',
  'release_day',
  'release_month',
  'release_year',
  'reposts_count',
  'state',
  'streamable',
  'tag_list',
  'track_type',
  'user',
  'likes_count',
  'attachments_uri',
  'bpm',
  'key_signature',
  'user_favorite',
  'user_playback_count',
  'video_url',
  'download_url',
  'urn',
  'access',
];

interface Track {
  id: number;
  title: string;
  duration: number;
  permalink_url: string;
  user: { id: number; username: string; permalink: string };
}

interface Page {
  collection: Track[];
  next_href?: string;
}

const open: SandboxServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

function setup(options: Partial<SoundCloudOptions> = {}, publicUrl?: string) {
  const clock = { now: T0 };
  const soundcloud = new SoundCloudEmulation({ seed: SEED, now: () => clock.now, ...options });
  const sandbox = createSandboxServer({ emulations: [soundcloud], ...(publicUrl !== undefined ? { publicUrl } : {}) });
  open.push(sandbox);
  return { sandbox, soundcloud, clock };
}

function requestToken(sandbox: SandboxServer, payload = 'grant_type=client_credentials', authorization = BASIC) {
  return sandbox.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { ...FORM, ...(authorization !== '' ? { authorization } : {}) },
    payload,
  });
}

async function token(sandbox: SandboxServer): Promise<string> {
  const response = await requestToken(sandbox);
  expect(response.statusCode).toBe(200);
  return response.json<{ access_token: string }>().access_token;
}

function tracks(sandbox: SandboxServer, accessToken: string | undefined, params: Record<string, string>) {
  return sandbox.app.inject({
    url: `/tracks?${new URLSearchParams(params).toString()}`,
    headers: { ...AGENT, ...(accessToken !== undefined ? { authorization: `OAuth ${accessToken}` } : {}) },
  });
}

/** A track with a right SoundCloud upload, and the query a matcher would send for it. */
function answeredTrack() {
  const entry = audioTruth(SEED).tracks.find((row) => row.acceptableByPlatform.soundcloud.length > 0);
  if (entry === undefined) throw new Error('No track with a right SoundCloud upload');
  return { entry, q: `${entry.artists.join(' ')} ${entry.fullTitle}` };
}

describe(SoundCloudEmulation.name, () => {
  describe('POST /oauth/token', () => {
    it('issues a token and a refresh token for client credentials, by Basic auth or form fields', async () => {
      const { sandbox } = setup();
      const basic = await requestToken(sandbox);
      expect(basic.statusCode).toBe(200);
      expect(basic.json()).toEqual({
        access_token: stringMatching(/^2-[A-Za-z0-9]{30}$/),
        refresh_token: stringMatching(/^[A-Za-z0-9]{32}$/),
        expires_in: 3600,
        scope: '',
      });
      const fields = await requestToken(
        sandbox,
        `grant_type=client_credentials&client_id=${SANDBOX_SOUNDCLOUD_CLIENT_ID}&client_secret=${SANDBOX_SOUNDCLOUD_CLIENT_SECRET}`,
        '',
      );
      expect(fields.statusCode).toBe(200);
      expect(fields.json<{ access_token: string }>().access_token).not.toBe(
        basic.json<{ access_token: string }>().access_token,
      );
    });

    it('answers 401 invalid_client for wrong credentials and 400 for another grant', async () => {
      const { sandbox } = setup({ clientId: 'my-id', clientSecret: 'my-secret' });
      const wrong = await requestToken(sandbox);
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json()).toEqual({ error: 'invalid_client', error_description: anyString() });
      const none = await requestToken(sandbox, 'grant_type=client_credentials', '');
      expect(none.statusCode).toBe(401);
      const grant = await requestToken(sandbox, 'grant_type=password');
      expect(grant.statusCode).toBe(400);
      expect(grant.json()).toEqual({ error: 'unsupported_grant_type' });
      const right = await requestToken(
        sandbox,
        'grant_type=client_credentials',
        `Basic ${Buffer.from('my-id:my-secret').toString('base64')}`,
      );
      expect(right.statusCode).toBe(200);
    });

    it('renews with a refresh token once: refresh tokens are single-use', async () => {
      const { sandbox } = setup();
      const first = (await requestToken(sandbox)).json<{ refresh_token: string }>();
      const renewed = await requestToken(sandbox, `grant_type=refresh_token&refresh_token=${first.refresh_token}`);
      expect(renewed.statusCode).toBe(200);
      expect(renewed.json()).toMatchObject({ access_token: anyString(), refresh_token: anyString() });
      const reused = await requestToken(sandbox, `grant_type=refresh_token&refresh_token=${first.refresh_token}`);
      expect(reused.statusCode).toBe(400);
      expect(reused.json()).toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('GET /tracks', () => {
    it('answers 401 in SoundCloud’s envelope without a token, with an unknown one and with an expired one', async () => {
      const { sandbox, clock } = setup({ tokenTtlSeconds: 60 });
      const missing = await tracks(sandbox, undefined, { q: 'love' });
      expect(missing.statusCode).toBe(401);
      expect(missing.json()).toEqual({
        code: 401,
        message: stringMatching(/^A request must contain the Authorization header/),
        link: 'https://developers.soundcloud.com/docs/api/explorer/open-api',
        status: '401 - Unauthorized',
        errors: [{ error_message: anyString() }],
        error: null,
        error_code: 'invalid_token',
      });
      expect((await tracks(sandbox, 'made-up', { q: 'love' })).json()).toMatchObject({
        code: 401,
        message: 'invalid_token',
      });
      const accessToken = await token(sandbox);
      clock.now = T0 + 59_999;
      expect((await tracks(sandbox, accessToken, { q: 'love' })).statusCode).toBe(200);
      clock.now = T0 + 60_000;
      expect((await tracks(sandbox, accessToken, { q: 'love' })).statusCode).toBe(401);
      // A Bearer header is taken as well.
      const fresh = await token(sandbox);
      const bearer = await sandbox.app.inject({ url: '/tracks?q=love', headers: { authorization: `Bearer ${fresh}` } });
      expect(bearer.statusCode).toBe(200);
    });

    it('answers the v1 track shape, durations in ms, the right upload among the results', async () => {
      const { sandbox } = setup();
      const { entry, q } = answeredTrack();
      const response = await tracks(sandbox, await token(sandbox), { q, limit: '50', linked_partitioning: 'true' });
      expect(response.statusCode).toBe(200);
      const page = response.json<Page>();
      const ids = page.collection.map((track) => String(track.id));
      for (const id of entry.acceptableByPlatform.soundcloud) expect(ids).toContain(id);
      for (const track of page.collection) {
        expect(Object.keys(track)).toEqual(TRACK_KEYS);
        const upload = findAudioUpload(SEED, `soundcloud:${track.id}`);
        expect(track).toMatchObject({
          kind: 'track',
          title: upload?.title,
          duration: upload?.durationMs,
          created_at: stringMatching(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \+0000$/),
          permalink_url: `https://soundcloud.test/${upload?.uploaderPermalink}/${upload?.permalink}`,
          user: { id: anyNumber(), kind: 'user', username: upload?.uploader, permalink: upload?.uploaderPermalink },
        });
      }
      const right = page.collection.find((track) => entry.acceptableByPlatform.soundcloud.includes(String(track.id)));
      expect(Math.abs((right?.duration ?? 0) / 1000 - entry.durationSeconds)).toBeLessThanOrEqual(3);
    });

    it('pages with next_href until it is absent, covering every hit once', async () => {
      const { sandbox } = setup();
      const accessToken = await token(sandbox);
      const q = 'remix';
      const expected = searchAudioUploads(SEED, 'soundcloud', q).map((hit) => Number(hit.upload.id));
      expect(expected.length).toBeGreaterThan(25);
      const seen: number[] = [];
      let url: string | undefined = `/tracks?${new URLSearchParams({ q, limit: '10', linked_partitioning: 'true' })}`;
      let pages = 0;
      while (url !== undefined) {
        const response = await sandbox.app.inject({
          url,
          headers: { ...AGENT, authorization: `OAuth ${accessToken}` },
        });
        expect(response.statusCode).toBe(200);
        const page: Page = response.json<Page>();
        seen.push(...page.collection.map((track) => track.id));
        pages++;
        if (page.next_href === undefined) break;
        expect(page.next_href).toMatch(/^https:\/\/api\.soundcloud\.test\/tracks\?/);
        const next = new URL(page.next_href);
        expect(next.searchParams.get('linked_partitioning')).toBe('true');
        url = `${next.pathname}${next.search}`;
      }
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 10));
    });

    it('answers a bare array without linked_partitioning, and empty for words nothing has', async () => {
      const { sandbox } = setup();
      const accessToken = await token(sandbox);
      const bare = (await tracks(sandbox, accessToken, { q: 'nightcore', limit: '3' })).json<Track[]>();
      expect(Array.isArray(bare)).toBe(true);
      expect(bare).toHaveLength(3);
      expect((await tracks(sandbox, accessToken, { q: 'zzqxj', linked_partitioning: 'true' })).json()).toEqual({
        collection: [],
      });
      expect((await tracks(sandbox, accessToken, { q: 'x', limit: 'lots' })).statusCode).toBe(400);
      // More than 200 a page is cut to 200.
      const big = (
        await tracks(sandbox, accessToken, { q: 'the', limit: '500', linked_partitioning: '1' })
      ).json<Page>();
      expect(big.collection.length).toBeLessThanOrEqual(200);
    });

    it('links to playable pages once the sandbox has a public URL', async () => {
      const { sandbox } = setup({}, 'http://127.0.0.1:5099');
      const { q } = answeredTrack();
      const page = (await tracks(sandbox, await token(sandbox), { q, linked_partitioning: 'true' })).json<Page>();
      const track = page.collection[0];
      expect(track?.permalink_url).toMatch(/^http:\/\/127\.0\.0\.1:5099\/__sandbox\/soundcloud\/[^/]+\/[^/]+$/);
      const html = await sandbox.app.inject({ url: new URL(track?.permalink_url ?? '').pathname });
      expect(html.statusCode).toBe(200);
      expect(html.body).toContain(`/__sandbox/soundcloud/preview/${track?.id}.wav`);
      const audio = await sandbox.app.inject({ url: `/__sandbox/soundcloud/preview/${track?.id}.wav` });
      expect(audio.headers['content-type']).toBe('audio/wav');
      expect((await sandbox.app.inject({ url: '/__sandbox/soundcloud/nobody/nothing' })).statusCode).toBe(404);
    });
  });

  it('counts token and tracks requests, forgets tokens on reset, renders faults in its envelope', async () => {
    const { sandbox, soundcloud } = setup();
    const accessToken = await token(sandbox);
    await tracks(sandbox, accessToken, { q: 'love' });
    expect(sandbox.stats().requests).toEqual({ 'soundcloud:token': 1, 'soundcloud:tracks': 1 });
    soundcloud.reset();
    expect((await tracks(sandbox, accessToken, { q: 'love' })).statusCode).toBe(401);
    sandbox.faults.add({ target: 'soundcloud', endpoint: 'tracks', kind: 'rate_limit', times: 1 });
    const limited = await tracks(sandbox, await token(sandbox), { q: 'love' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({
      errors: [{ meta: { rate_limit: { group: 'plays', max_nr_of_requests: 15000 }, remaining_requests: 0 } }],
    });
  });
});
