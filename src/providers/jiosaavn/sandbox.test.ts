import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { JioSaavnEmulation } from './sandbox.ts';
import {
  anyNumber,
  anyString,
  objectContaining,
  stringContaining,
  stringMatching,
} from '../../sandbox/test-matchers.ts';
import { createSandbox, type Sandbox, type SandboxOptions } from '../sandboxes.ts';

const T0 = Date.parse('2026-11-21T12:00:00Z');
const DAY = 86_400_000;
const ALBUMS =
  '/api.php?__call=content.getAlbums&_format=json&_marker=0&ctx=web6dot0&api_version=4&n=5&p=1&languages=hindi';
const DETAILS = '/api.php?__call=song.getDetails&_format=json&pids=abc';

interface V4Item {
  id: string;
  title: string;
  type: string;
  image: string;
  year: string;
  play_count: string;
  explicit_content: string;
  language: string;
  perma_url: string;
  more_info: {
    album_id?: string;
    album?: string;
    duration?: string;
    release_date: string;
    song_count?: string;
    album_url?: string;
    artistMap: { primary_artists: { id: string; name: string }[]; artists: { id: string; role: string }[] };
  };
}

interface Page<T = V4Item> {
  count: number;
  last_page: boolean;
  data: T[];
}

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

function setup(options: SandboxOptions = {}) {
  const clock = { now: T0 };
  const sandbox = createSandbox({ now: () => clock.now, initialAlbumsPerLanguage: 12, ...options });
  open.push(sandbox);
  return { sandbox, clock };
}

async function getAlbums<T = V4Item>(sandbox: Sandbox, params: Record<string, string> = {}): Promise<Page<T>> {
  const response = await sandbox.app.inject({ url: `/api.php?${albumsQuery(params)}` });
  expect(response.statusCode).toBe(200);
  return response.json<Page<T>>();
}

function albumsQuery(params: Record<string, string>): string {
  return new URLSearchParams({
    __call: 'content.getAlbums',
    _format: 'json',
    _marker: '0',
    ctx: 'web6dot0',
    api_version: '4',
    n: '50',
    p: '1',
    languages: 'hindi',
    ...params,
  }).toString();
}

/** Every listed item of a language (all pages). */
async function everything(sandbox: Sandbox, languages = 'hindi'): Promise<V4Item[]> {
  return (await getAlbums(sandbox, { languages, n: '100' })).data;
}

describe(JioSaavnEmulation.name, () => {
  describe('content.getAlbums', () => {
    it('answers byte-identical payloads for the same seed and clock', async () => {
      const a = setup({ seed: 77 }).sandbox;
      const b = setup({ seed: 77 }).sandbox;
      const c = setup({ seed: 78 }).sandbox;
      const url = `/api.php?${albumsQuery({ languages: 'hindi,tamil' })}`;
      const [ra, rb, rc] = await Promise.all([a, b, c].map((sandbox) => sandbox.app.inject({ url })));
      expect(ra?.body).toBe(rb?.body);
      expect(ra?.body).not.toBe(rc?.body);
    });

    it('serves v4 items with string numbers, entities and 150x150 covers', async () => {
      const { sandbox } = setup({ initialAlbumsPerLanguage: 40 });
      const items = await everything(sandbox);
      const songs = items.filter((item) => item.type === 'song');
      const albums = items.filter((item) => item.type === 'album');
      expect(songs.length).toBeGreaterThan(albums.length);
      expect(albums.length).toBeGreaterThan(0);
      for (const item of items) {
        expect(item.language).toBe('hindi');
        expect(item.image).toMatch(/^https:\/\/c\.saavncdn\.test\/\d+\/.+-150x150\.jpg$/);
        expect(item.perma_url).toMatch(/^https:\/\/www\.jiosaavn\.test\/(song|album)\/[a-z0-9-]+\/[\w,-]+$/);
        expect(item.more_info.release_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        // Entities, never raw double quotes.
        expect(item.title).not.toContain('"');
      }
      for (const song of songs) {
        expect(song.id).toMatch(/^[\w-]{8}$/);
        expect(song.year).toMatch(/^\d{4}$/);
        expect(song.play_count).toMatch(/^\d+$/);
        expect(song.explicit_content).toMatch(/^[01]$/);
        expect(song.more_info.duration).toMatch(/^\d+$/);
        expect(song.more_info.album_id).toMatch(/^\d+$/);
        expect(song.more_info.album_url).toContain('/album/');
        expect(song.more_info.artistMap.primary_artists.length).toBeGreaterThan(0);
        expect(song.more_info.artistMap.primary_artists[0]).toMatchObject({ id: anyString(), name: anyString() });
      }
      for (const album of albums) {
        expect(album.id).toMatch(/^\d+$/);
        expect(album.year).toBe('');
        expect(album.play_count).toBe('');
        expect(album.more_info.song_count).toMatch(/^\d+$/);
        expect(album.more_info.artistMap.primary_artists).toEqual([]);
      }
      expect(items.some((item) => item.title.includes('&quot;'))).toBe(true);
      expect(items.some((item) => / \(From &quot;.+&quot;\)/.test(item.more_info.album ?? ''))).toBe(true);
      expect(items.some((item) => item.title.endsWith('(Original Motion Picture Soundtrack)'))).toBe(true);
      expect(songs.some((item) => item.title.includes('&amp;'))).toBe(true);
    });

    it('serves the flat shape without api_version=4', async () => {
      const { sandbox } = setup();
      const { data } = await getAlbums<Record<string, unknown>>(sandbox, { api_version: '' });
      const songs = data.filter((item) => item.type === '');
      expect(songs.length).toBeGreaterThan(0);
      for (const song of songs) {
        expect(song).not.toHaveProperty('more_info');
        expect(song).toMatchObject({
          id: anyString(),
          song: anyString(),
          album: anyString(),
          albumid: stringMatching(/^\d+$/),
          primary_artists: anyString(),
          primary_artists_id: anyString(),
          duration: stringMatching(/^\d+$/),
          year: stringMatching(/^\d{4}$/),
          play_count: anyNumber(),
          explicit_content: anyNumber(),
          perma_url: stringContaining('/song/'),
          album_url: stringContaining('/album/'),
          image: stringMatching(/-150x150\.jpg$/),
          release_date: stringMatching(/^\d{4}-\d{2}-\d{2}$/),
          language: 'hindi',
        });
        expect(Object.keys(song.artistMap as object).length).toBeGreaterThan(0);
      }
    });

    it('paginates newest first with a 1-based p and last_page', async () => {
      const { sandbox } = setup();
      const all = await everything(sandbox);
      const pages: V4Item[][] = [];
      for (let p = 1; ; p++) {
        const page = await getAlbums(sandbox, { n: '5', p: String(p) });
        expect(page.count).toBe(all.length);
        pages.push(page.data);
        if (page.last_page) break;
        expect(page.data).toHaveLength(5);
      }
      expect(pages.length).toBe(Math.ceil(all.length / 5));
      expect(pages.flat().map((item) => item.id)).toEqual(all.map((item) => item.id));
      const dates = all.map((item) => item.more_info.release_date);
      expect([...dates].sort().reverse()).toEqual(dates);
      const beyond = await getAlbums(sandbox, { n: '5', p: String(pages.length + 1) });
      expect(beyond).toEqual({ count: all.length, last_page: true, data: [] });
      // p=0 (as some wrappers send) is read as the first page.
      expect((await getAlbums(sandbox, { n: '5', p: '0' })).data).toEqual(pages[0]);
    });

    it('lists some multi-song albums twice, with different songs', async () => {
      const { sandbox } = setup({ initialAlbumsPerLanguage: 40 });
      const items = await everything(sandbox, 'hindi,malayalam,tamil,telugu,punjabi');
      const songsByAlbum = new Map<string, string[]>();
      for (const item of items.filter((entry) => entry.type === 'song')) {
        const albumId = item.more_info.album_id ?? '';
        songsByAlbum.set(albumId, [...(songsByAlbum.get(albumId) ?? []), item.id]);
      }
      const twice = [...songsByAlbum.values()].filter((ids) => ids.length > 1);
      expect(twice.length).toBeGreaterThan(0);
      for (const ids of twice) expect(new Set(ids).size).toBe(ids.length);
    });

    it('merges a comma list of languages and reads the L= cookie', async () => {
      const { sandbox } = setup();
      const hindi = await getAlbums(sandbox, { n: '100' });
      const tamil = await getAlbums(sandbox, { n: '100', languages: 'tamil' });
      const both = await getAlbums(sandbox, { n: '100', languages: 'hindi,tamil' });
      expect(both.count).toBe(hindi.count + tamil.count);
      expect(new Set(both.data.map((item) => item.language))).toEqual(new Set(['hindi', 'tamil']));
      const query = new URLSearchParams({ __call: 'content.getAlbums', api_version: '4', n: '100', p: '1' });
      const byCookie = await sandbox.app.inject({
        url: `/api.php?${query}`,
        headers: { cookie: 'L=tamil; DL=english' },
      });
      expect(byCookie.json()).toEqual(tamil);
      expect(await getAlbums(sandbox, { languages: 'klingon' })).toEqual({ count: 0, last_page: true, data: [] });
    });

    it('spreads the back catalog over the last 25 days', async () => {
      const { sandbox } = setup({ initialAlbumsPerLanguage: 40 });
      const dates = (await everything(sandbox)).map((item) => Date.parse(item.more_info.release_date));
      expect(Math.min(...dates)).toBeGreaterThanOrEqual(T0 - 26 * DAY);
      expect(Math.max(...dates)).toBeLessThanOrEqual(T0);
      expect(Math.max(...dates) - Math.min(...dates)).toBeGreaterThan(15 * DAY);
    });
  });

  describe('releases over time', () => {
    it('release() puts a new album at the top of its language', async () => {
      const { sandbox, clock } = setup();
      const before = await getAlbums(sandbox, { languages: 'malayalam' });
      clock.now = T0 + 3 * DAY;
      const released = sandbox.jiosaavn.release({
        language: 'malayalam',
        songs: 3,
        title: 'Ormakal "Live"',
        type: 'song',
      });
      expect(released).toMatchObject({
        language: 'malayalam',
        title: 'Ormakal "Live"',
        type: 'song',
        releaseDate: '2026-11-24',
        albumId: stringMatching(/^\d+$/),
      });
      expect(released.songs).toHaveLength(3);
      const after = await getAlbums(sandbox, { languages: 'malayalam' });
      const listed = released.songs.filter((song) => song.listedAt !== null);
      expect(after.count).toBe(before.count + listed.length);
      const top = after.data[0];
      expect(top).toMatchObject({
        id: released.songs[0]?.id,
        type: 'song',
        more_info: { album_id: released.albumId, album: 'Ormakal &quot;Live&quot;', release_date: '2026-11-24' },
      });
      expect(top?.more_info.duration).toBe(String(released.songs[0]?.durationSeconds));
    });

    it('lists extra songs of one album as separate items when asked', async () => {
      const { sandbox } = setup();
      const released = sandbox.jiosaavn.release({ language: 'tamil', songs: 4, listedSongs: 2 });
      const top = (await getAlbums(sandbox, { languages: 'tamil', n: '2' })).data;
      expect(top.map((item) => item.more_info.album_id)).toEqual([released.albumId, released.albumId]);
      expect(top.map((item) => item.id)).toEqual(released.songs.slice(0, 2).map((song) => song.id));
    });

    it('lists an album item for type "album"', async () => {
      const { sandbox } = setup();
      const released = sandbox.jiosaavn.release({ language: 'telugu', songs: 5, type: 'album' });
      const [top] = (await getAlbums(sandbox, { languages: 'telugu', n: '1' })).data;
      expect(top).toMatchObject({ id: released.albumId, type: 'album', year: '', play_count: '' });
      expect(released.songs.every((song) => song.listedAt === null)).toBe(true);
    });

    it('tick() releases round-robin over the release languages and can correct', () => {
      const { sandbox, clock } = setup({ correctionRate: 1 });
      const languages: string[] = [];
      for (let i = 0; i < 7; i++) {
        clock.now += 20_000;
        const { released, corrected } = sandbox.jiosaavn.tick();
        languages.push(released.language);
        expect(released.releasedAt).toBe(new Date(clock.now).toISOString());
        expect(corrected).not.toBeNull();
        expect(corrected?.after).not.toEqual(corrected?.before);
      }
      expect(languages).toEqual(['hindi', 'malayalam', 'tamil', 'telugu', 'punjabi', 'english', 'hindi']);
    });

    it('with correctionRate 0 a tick never corrects', () => {
      const { sandbox } = setup({ correctionRate: 0 });
      for (let i = 0; i < 5; i++) expect(sandbox.jiosaavn.tick().corrected).toBeNull();
    });

    it('POST /__sandbox/jiosaavn/release releases over HTTP and validates its body', async () => {
      const { sandbox } = setup();
      const response = await sandbox.app.inject({
        method: 'POST',
        url: '/__sandbox/jiosaavn/release',
        payload: { language: 'punjabi', songs: 1, title: 'Gabru' },
      });
      expect(response.statusCode).toBe(201);
      const released = response.json<{ albumId: string; songs: { id: string; title: string }[] }>();
      expect(released.songs).toEqual([objectContaining({ title: 'Gabru' })]);
      const [top] = (await getAlbums(sandbox, { languages: 'punjabi', n: '1' })).data;
      expect(top?.id).toBe(released.songs[0]?.id);

      const empty = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/jiosaavn/release' });
      expect(empty.statusCode).toBe(201);

      for (const payload of [
        { language: 'klingon' },
        { songs: 0 },
        { songs: 'three' },
        { type: 'ep' },
        { colour: 'red' },
        { songs: 2, listedSongs: 3 },
      ]) {
        const bad = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/jiosaavn/release', payload });
        expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
        expect(bad.json()).toEqual({ error: { code: 'SANDBOX_BAD_REQUEST', message: anyString() } });
      }
    });
  });

  describe('corrections', () => {
    it.each(['title', 'image', 'duration'] as const)('a %s correction shows up in the listing', async (field) => {
      const { sandbox, clock } = setup();
      const released = sandbox.jiosaavn.release({ language: 'hindi', songs: 1, title: 'Dil Ki Baatein' });
      const songId = released.songs[0]?.id ?? '';
      const before = (await getAlbums(sandbox, { n: '1' })).data[0];
      clock.now += 60 * 60_000;
      const correction = sandbox.jiosaavn.correct({ songId, field });
      expect(correction).toMatchObject({ songId, albumId: released.albumId, language: 'hindi', field });
      expect(correction.after).not.toEqual(correction.before);
      const after = (await getAlbums(sandbox, { n: '1' })).data[0];
      expect(after?.id).toBe(songId);
      if (field === 'title') {
        expect(correction.before).toBe('Dil Ki Baatein');
        expect(after?.title).toBe(correction.after);
        expect(after?.title).not.toBe(before?.title);
      }
      if (field === 'image') {
        expect(after?.image).toBe(correction.after);
        expect(after?.image).toMatch(/-150x150\.jpg$/);
        expect(after?.image).not.toBe(before?.image);
      }
      if (field === 'duration') expect(after?.more_info.duration).toBe(String(correction.after));
    });

    it('POST /__sandbox/jiosaavn/correct picks a listed song; unknown ids are 404', async () => {
      const { sandbox } = setup();
      const response = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/jiosaavn/correct', payload: {} });
      expect(response.statusCode).toBe(200);
      const correction = response.json<{ songId: string; before: unknown; after: unknown }>();
      expect(correction.after).not.toEqual(correction.before);
      const details = await sandbox.app.inject({ url: `/api.php?__call=song.getDetails&pids=${correction.songId}` });
      expect(Object.keys(details.json<object>())).toEqual([correction.songId]);

      const unknown = await sandbox.app.inject({
        method: 'POST',
        url: '/__sandbox/jiosaavn/correct',
        payload: { songId: 'nope' },
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toMatchObject({ error: { code: 'SANDBOX_NOT_FOUND' } });
      const badField = await sandbox.app.inject({
        method: 'POST',
        url: '/__sandbox/jiosaavn/correct',
        payload: { field: 'album' },
      });
      expect(badField.statusCode).toBe(400);
    });
  });

  describe('song.getDetails', () => {
    it('answers the flat { id: song } shape, leaving unknown ids out', async () => {
      const { sandbox } = setup();
      const released = sandbox.jiosaavn.release({ language: 'hindi', songs: 2, title: 'Say "Hi" & Bye' });
      const [a, b] = released.songs.map((song) => song.id);
      const response = await sandbox.app.inject({
        url: `/api.php?__call=song.getDetails&_format=json&pids=${a},${b},zzzzzzzz`,
      });
      const body = response.json<Record<string, Record<string, unknown>>>();
      expect(Object.keys(body).sort()).toEqual([a, b].sort());
      expect(body[a ?? '']).toMatchObject({
        id: a,
        type: '',
        album: 'Say &quot;Hi&quot; &amp; Bye',
        albumid: released.albumId,
        duration: String(released.songs[0]?.durationSeconds),
        play_count: anyNumber(),
      });
    });

    it('answers [] when no id is known, and { songs } with api_version=4', async () => {
      const { sandbox } = setup();
      const none = await sandbox.app.inject({ url: '/api.php?__call=song.getDetails&pids=nope,zilch' });
      expect(none.statusCode).toBe(200);
      expect(none.json()).toEqual([]);
      const id = sandbox.jiosaavn.release({ songs: 1 }).songs[0]?.id ?? '';
      const v4 = await sandbox.app.inject({ url: `/api.php?__call=song.getDetails&api_version=4&pids=${id}` });
      expect(v4.json()).toMatchObject({
        songs: [{ id, type: 'song', more_info: { duration: stringMatching(/^\d+$/) } }],
      });
    });
  });

  it('answers an unknown __call with 200 and an INPUT_INVALID error', async () => {
    const { sandbox } = setup();
    const response = await sandbox.app.inject({ url: '/api.php?__call=content.getNothing&_format=json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ error: { code: 'INPUT_INVALID', msg: anyString() } });
    await sandbox.app.inject({ url: '/api.php' });
    expect(sandbox.stats().requests).toEqual({ 'jiosaavn:unknown': 2 });
  });

  it('lists the released catalog per language', async () => {
    const { sandbox } = setup();
    const released = sandbox.jiosaavn.release({ language: 'kannada' });
    const response = await sandbox.app.inject({ url: '/__sandbox/jiosaavn/catalog?language=kannada' });
    const view = response.json<{ albums: { albumId: string; language: string }[] }>();
    expect(view.albums).toHaveLength(13);
    expect(view.albums[0]?.albumId).toBe(released.albumId);
    expect(view.albums.every((album) => album.language === 'kannada')).toBe(true);
    expect((await sandbox.app.inject({ url: '/__sandbox/jiosaavn/catalog?language=xx' })).statusCode).toBe(400);
  });

  it('POST /__sandbox/reset returns the catalog to its seed', async () => {
    const { sandbox } = setup();
    const pristine = await getAlbums(sandbox);
    sandbox.jiosaavn.release({ language: 'hindi', songs: 2 });
    sandbox.jiosaavn.correct();
    expect(await getAlbums(sandbox)).not.toEqual(pristine);
    const reset = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/reset' });
    expect(reset.statusCode).toBe(200);
    expect(await getAlbums(sandbox)).toEqual(pristine);
    expect(sandbox.stats().requests).toEqual({ 'jiosaavn:content.getAlbums': 1 });
  });

  it('grows play counts with time', async () => {
    const { sandbox, clock } = setup();
    const before = (await getAlbums(sandbox)).data.filter((item) => item.type === 'song');
    clock.now += DAY;
    const after = (await getAlbums(sandbox)).data.filter((item) => item.type === 'song');
    const total = (items: V4Item[]) => items.reduce((sum, item) => sum + Number(item.play_count), 0);
    expect(total(after)).toBeGreaterThan(total(before));
  });

  it('serves placeholder covers from its CDN path', async () => {
    const { sandbox } = setup();
    const response = await sandbox.app.inject({
      url: '/__sandbox/jiosaavn/cdn/180/Baby-John-Hindi-2024-20241223020541-500x500.jpg',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/svg+xml');
    expect(response.body).toMatch(/^<svg [^>]*width="500"/);
  });

  it.each([
    [undefined, ALBUMS, { count: 0, last_page: true, data: [] }],
    ['no_results', DETAILS, []],
    ['object', ALBUMS, {}],
    ['array', ALBUMS, []],
  ])('an empty_json fault (variant %s) answers 200 with empty JSON', async (variant, url, expected) => {
    const { sandbox } = setup();
    const created = sandbox.faults.add({ target: 'jiosaavn', kind: 'empty_json', ...(variant ? { variant } : {}) });
    expect(created.kind).toBe('empty_json');
    const response = await sandbox.app.inject({ url });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(expected);
    expect(() => sandbox.faults.add({ target: 'jiosaavn', kind: 'empty_json', variant: 'null' })).toThrow(
      /"variant" must be one of: no_results, object, array/,
    );
  });
});

describe('the sandbox over HTTP', () => {
  it('links covers, permalinks and previews to itself once listening', async () => {
    const { sandbox } = setup({ initialAlbumsPerLanguage: 5 });
    const base = await sandbox.listen(0);
    const response = await fetch(`${base}/api.php?${albumsQuery({ n: '3', languages: 'tamil' })}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Page;
    expect(body.data).toHaveLength(3);
    for (const item of body.data) {
      expect(item.image.startsWith(`${base}/__sandbox/jiosaavn/cdn/`)).toBe(true);
      expect(item.perma_url).toMatch(new RegExp(`^${base}/__sandbox/jiosaavn/site/(song|album)/[a-z0-9-]+/[\\w,-]+$`));
    }
    const image = await fetch(body.data[0]!.image.replace('150x150', '500x500'));
    expect(image.headers.get('content-type')).toBe('image/svg+xml');
    expect(await image.text()).toContain('width="500"');
    expect(sandbox.stats()).toMatchObject({ requests: { 'jiosaavn:content.getAlbums': 1 }, total: 1 });
  });

  it('uses publicUrl for its links when given', () => {
    const { sandbox } = setup({ initialAlbumsPerLanguage: 1, publicUrl: 'http://sandbox.local:4010/' });
    const released = sandbox.jiosaavn.release({ language: 'hindi', songs: 1 });
    expect(released.url).toMatch(/^http:\/\/sandbox\.local:4010\/__sandbox\/jiosaavn\/site\/album\//);
    const correction = sandbox.jiosaavn.correct({ songId: released.songs[0]?.id ?? '', field: 'image' });
    expect(String(correction.after)).toMatch(
      /^http:\/\/sandbox\.local:4010\/__sandbox\/jiosaavn\/cdn\/\d+\/.+-150x150\.jpg$/,
    );
  });

  it('plays a song: its permalink opens a page with an <audio> element and a generated WAV', async () => {
    const { sandbox } = setup({ publicUrl: 'http://sandbox.local:4010' });
    const released = sandbox.jiosaavn.release({ language: 'hindi', songs: 1, title: 'Say "Hi" & <Bye>' });
    const song = released.songs[0]!;
    const path = new URL(song.url).pathname;
    const page = await sandbox.app.inject({ url: path });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<h1>Say &quot;Hi&quot; &amp; &lt;Bye&gt;</h1>');
    const src = /<audio [^>]*src="([^"]+)"/.exec(page.body)?.[1];
    expect(src).toBe(`/__sandbox/jiosaavn/audio/${song.id}.wav`);
    const cover = /<img src="([^"]+)"/.exec(page.body)?.[1] ?? '';
    expect(cover).toMatch(/^\/__sandbox\/jiosaavn\/cdn\/\d+\/.+-500x500\.jpg$/);
    expect((await sandbox.app.inject({ url: cover })).headers['content-type']).toBe('image/svg+xml');

    const audio = await sandbox.app.inject({ url: src! });
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.headers['accept-ranges']).toBe('bytes');
    const wav = audio.rawPayload;
    expect(wav.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(wav.subarray(8, 16).toString('ascii')).toBe('WAVEfmt ');
    const sampleRate = wav.readUInt32LE(24);
    const seconds = wav.readUInt32LE(40) / (sampleRate * 2);
    expect(seconds).toBeGreaterThanOrEqual(3);
    expect(seconds).toBeLessThanOrEqual(15);
    // Not silence, and the same tune every time; another song has another one.
    expect(wav.subarray(44).some((byte) => byte !== 0)).toBe(true);
    expect((await sandbox.app.inject({ url: src! })).rawPayload.equals(wav)).toBe(true);
    const otherId = sandbox.jiosaavn.release({ language: 'hindi', songs: 1 }).songs[0]!.id;
    const other = await sandbox.app.inject({ url: `/__sandbox/jiosaavn/audio/${otherId}.wav` });
    expect(other.rawPayload.equals(wav)).toBe(false);

    const range = await sandbox.app.inject({ url: src!, headers: { range: 'bytes=0-99' } });
    expect(range.statusCode).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 0-99/${wav.length}`);
    expect(range.rawPayload.equals(wav.subarray(0, 100))).toBe(true);
    const beyond = await sandbox.app.inject({ url: src!, headers: { range: `bytes=${wav.length}-` } });
    expect(beyond.statusCode).toBe(416);

    // The flat shape's preview URL is the same audio.
    const details = await sandbox.app.inject({ url: `/api.php?__call=song.getDetails&pids=${song.id}` });
    const flat = details.json<Record<string, { media_preview_url: string }>>()[song.id];
    expect(flat?.media_preview_url).toBe(`http://sandbox.local:4010${src}`);
  });

  it('serves album and artist pages that link to the songs, and 404 pages for unknown tokens', async () => {
    const { sandbox } = setup({ publicUrl: 'http://sandbox.local:4010' });
    const released = sandbox.jiosaavn.release({ language: 'tamil', songs: 3 });
    const album = await sandbox.app.inject({ url: new URL(released.url).pathname });
    expect(album.statusCode).toBe(200);
    expect(album.body.match(/<audio /g)).toHaveLength(3);
    for (const song of released.songs) expect(album.body).toContain(`href="${new URL(song.url).pathname}"`);

    const songPage = await sandbox.app.inject({ url: new URL(released.songs[0]!.url).pathname });
    const artistPath = /href="(\/__sandbox\/jiosaavn\/site\/artist\/[^"]+)"/.exec(songPage.body)?.[1] ?? '';
    const artist = await sandbox.app.inject({ url: artistPath });
    expect(artist.statusCode).toBe(200);
    expect(artist.body).toContain(new URL(released.songs[0]!.url).pathname);

    for (const url of [
      '/__sandbox/jiosaavn/site/song/nothing/zzzzzzzzzzz',
      '/__sandbox/jiosaavn/site/album/nothing/zzzzzzzzzzz_',
      '/__sandbox/jiosaavn/site/artist/nothing-songs/zzzzzzzzzzz_',
    ]) {
      const missing = await sandbox.app.inject({ url });
      expect(missing.statusCode, url).toBe(404);
      expect(missing.headers['content-type']).toContain('text/html');
    }
    expect((await sandbox.app.inject({ url: '/__sandbox/jiosaavn/audio/nope.wav' })).statusCode).toBe(404);
  });

  it('releases on its clock every releaseIntervalMs and stops on close', async () => {
    const sandbox = createSandbox({
      now: () => T0,
      initialAlbumsPerLanguage: 1,
      releaseIntervalMs: 10,
      correctionRate: 0,
    });
    const start = sandbox.jiosaavn.catalog().albums.length;
    await vi.waitFor(() => expect(sandbox.jiosaavn.catalog().albums.length).toBeGreaterThan(start + 2), {
      timeout: 3000,
      interval: 10,
    });
    await sandbox.close();
    const atClose = sandbox.jiosaavn.catalog().albums.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sandbox.jiosaavn.catalog().albums.length).toBe(atClose);
  });
});

describe('a restarted sandbox', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbeat-sandbox-'));
    dirs.push(dir);
    return dir;
  };

  it('goes on with its catalog: same items and URLs, and the release sequence continues', async () => {
    const dir = stateDir();
    const clock = { now: T0 };
    const options = { now: () => clock.now, initialAlbumsPerLanguage: 6, correctionRate: 0.5, stateDir: dir };
    const first = createSandbox(options);
    open.push(first);
    const url = await first.listen(0);
    clock.now += 60_000;
    first.jiosaavn.tick();
    clock.now += 60_000;
    first.jiosaavn.release({ language: 'tamil', songs: 2, title: 'Manual' });
    clock.now += 60_000;
    first.jiosaavn.correct({ field: 'title' });
    clock.now += 60_000;
    first.jiosaavn.tick();
    const listing = `${url}/api.php?${albumsQuery({ n: '100', languages: 'hindi,malayalam,tamil' })}`;
    const before = await fetch(listing).then((r) => r.text());
    const catalogBefore = first.jiosaavn.catalog();
    await first.close();

    // Later, a new process over the same state directory.
    clock.now += 3_600_000;
    const second = createSandbox(options);
    open.push(second);
    expect(await second.listen()).toBe(url);
    expect(second.jiosaavn.catalog().albums).toEqual(catalogBefore.albums);
    const after = await fetch(listing).then((r) => r.text());
    // Play counts grow with time; everything else (ids, titles, dates, cover and page URLs) is identical.
    const withoutCounts = (text: string) => text.replace(/"play_count":"\d*"/g, '');
    expect(withoutCounts(after)).toBe(withoutCounts(before));

    // The next releases are new albums: what an uninterrupted sandbox would have released next.
    clock.now += 60_000;
    const next = second.jiosaavn.tick().released;
    expect(catalogBefore.albums.map((album) => album.albumId)).not.toContain(next.albumId);

    const replay = { now: T0 };
    const live = createSandbox({ ...options, now: () => replay.now, stateDir: undefined });
    open.push(live);
    replay.now += 60_000;
    live.jiosaavn.tick();
    replay.now += 60_000;
    live.jiosaavn.release({ language: 'tamil', songs: 2, title: 'Manual' });
    replay.now += 60_000;
    live.jiosaavn.correct({ field: 'title' });
    replay.now += 60_000;
    live.jiosaavn.tick();
    replay.now = clock.now;
    const onSite = (value: unknown) =>
      JSON.stringify(value).replaceAll(`${url}/__sandbox/jiosaavn/site`, 'https://www.jiosaavn.test');
    expect(onSite(live.jiosaavn.tick().released)).toBe(onSite(next));
    // The rotation goes on: the two ticks before the restart released hindi and malayalam.
    expect(next.language).toBe('tamil');
  });

  it('keeps the ticks of its release clock', async () => {
    const dir = stateDir();
    const options = { now: () => T0, initialAlbumsPerLanguage: 1, releaseIntervalMs: 10, stateDir: dir };
    const first = createSandbox(options);
    open.push(first);
    const backCatalog = first.jiosaavn.catalog().albums.length;
    await vi.waitFor(() => expect(first.jiosaavn.catalog().albums.length).toBeGreaterThan(backCatalog + 2), {
      timeout: 3000,
      interval: 10,
    });
    await first.close();
    const albums = first.jiosaavn.catalog().albums;
    const kept = JSON.parse(readFileSync(join(dir, 'jiosaavn.json'), 'utf8')) as { log: { op: string }[] };
    // A run of clock ticks is kept as one entry.
    expect(kept.log).toEqual([
      objectContaining({ op: 'clock', first: T0 + 10, every: 10, count: albums.length - backCatalog }),
    ]);

    const second = createSandbox({ ...options, releaseIntervalMs: 0 });
    open.push(second);
    expect(second.jiosaavn.catalog().albums).toEqual(albums);
  });

  it('starts a new catalog when the seed or options changed, or after a reset', async () => {
    const dir = stateDir();
    const clock = { now: T0 };
    const first = createSandbox({ now: () => clock.now, initialAlbumsPerLanguage: 3, stateDir: dir });
    open.push(first);
    first.jiosaavn.release({ language: 'hindi', title: 'Kept' });
    const kept = first.jiosaavn.catalog().albums;

    clock.now += 3_600_000;
    const reseeded = createSandbox({ now: () => clock.now, initialAlbumsPerLanguage: 3, seed: 5, stateDir: dir });
    open.push(reseeded);
    expect(reseeded.jiosaavn.catalog().albums.some((album) => album.title === 'Kept')).toBe(false);

    const again = createSandbox({ now: () => clock.now, initialAlbumsPerLanguage: 3, seed: 5, stateDir: dir });
    open.push(again);
    expect(again.jiosaavn.catalog().albums).toEqual(reseeded.jiosaavn.catalog().albums);
    expect(again.jiosaavn.catalog().albums).not.toEqual(kept);

    again.jiosaavn.release({ language: 'hindi', title: 'Before reset' });
    clock.now += 60_000;
    expect((await again.app.inject({ method: 'POST', url: '/__sandbox/reset' })).statusCode).toBe(200);
    const afterReset = createSandbox({ now: () => clock.now, initialAlbumsPerLanguage: 3, seed: 5, stateDir: dir });
    open.push(afterReset);
    expect(afterReset.jiosaavn.catalog().albums.some((album) => album.title === 'Before reset')).toBe(false);
    expect(afterReset.jiosaavn.catalog().albums).toEqual(again.jiosaavn.catalog().albums);
  });
});
