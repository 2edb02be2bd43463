import { afterEach, describe, expect, it } from 'vitest';
import { JioSaavnEmulation } from './jiosaavn.ts';
import { anyNumber, anyString, objectContaining, stringContaining, stringMatching } from './test-matchers.ts';
import { createSandbox, type Sandbox, type SandboxOptions } from './server.ts';

const T0 = Date.parse('2026-11-21T12:00:00Z');
const DAY = 86_400_000;

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
});
