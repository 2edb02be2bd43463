import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SpotifyNewReleasesResponse, SpotifySimplifiedAlbum } from './api-types.ts';
import { mapNewReleasesPage, mapSpotifyAlbum, mapSpotifyAlbums } from './map.ts';

function fixture(name: string): SpotifyNewReleasesResponse {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/spotify/${name}`, import.meta.url), 'utf8'),
  ) as SpotifyNewReleasesResponse;
}

/** Recorded `GET /v1/browse/new-releases` answers (see /work/shared/fixtures/README.md for their origin). */
const page2024 = fixture('new-releases-2024-11-limit10.json');
const page2018se = fixture('new-releases-2018-01-SE-offset5-limit10.json');
const page2017 = fixture('new-releases-2017-07-US-limit20.json');

/** A fresh copy of a recorded item, to derive variations from. */
function item(index = 0, page = page2024): SpotifySimplifiedAlbum {
  return structuredClone(page.albums.items[index]!);
}

function mapOne(raw: unknown) {
  const album = mapSpotifyAlbum(raw);
  if (album === null) throw new Error('expected a mapped album');
  return album;
}

describe('mapNewReleasesPage on recorded payloads', () => {
  it.each([
    ['2024-11, limit 10', page2024, 10, 4],
    ['2018-01 SE, offset 5', page2018se, 10, 8],
    ['2017-07 US, limit 20', page2017, 20, 14],
  ])('maps every item of the %s page, none skipped, none dropped', (_label, page, count, singles) => {
    const { items, skipped, dropped } = mapNewReleasesPage(page);
    expect(skipped).toBe(0);
    expect(dropped).toEqual([]);
    expect(items).toHaveLength(count);
    expect(items.map((a) => a.id)).toEqual(page.albums.items.map((i) => i.id));
    expect(items.filter((a) => a.type === 'single')).toHaveLength(singles);
    for (const album of items) {
      expect(album.spotifyUrl).toBe(`https://open.spotify.com/album/${album.id}`);
      expect(album.artists.length).toBeGreaterThan(0);
      expect(album.images.map((i) => i.width)).toEqual([640, 300, 64]);
    }
  });

  it('maps a 2024 item to the domain model, images sorted largest first', () => {
    // The capture lists the images 300, 64, 640.
    expect(mapNewReleasesPage(page2024).items[0]).toEqual({
      id: '6mHNMtHrXIdUWWuZD9njsG',
      name: 'Leon',
      artists: [{ id: '3qnGvpP8Yth1AqSBMqON5x', name: 'Leon Bridges' }],
      releaseDate: '2024-10-04',
      releaseDatePrecision: 'day',
      type: 'album',
      totalTracks: 13,
      images: [
        { url: 'https://i.scdn.co/image/ab67616d0000b273b7ac31cd8650b673ed24ea71', width: 640, height: 640 },
        { url: 'https://i.scdn.co/image/ab67616d00001e02b7ac31cd8650b673ed24ea71', width: 300, height: 300 },
        { url: 'https://i.scdn.co/image/ab67616d00004851b7ac31cd8650b673ed24ea71', width: 64, height: 64 },
      ],
      spotifyUrl: 'https://open.spotify.com/album/6mHNMtHrXIdUWWuZD9njsG',
    });
  });

  it('keeps every credited artist in order (2024: three on one single, a non-Latin name)', () => {
    const { items } = mapNewReleasesPage(page2024);
    expect(items.find((a) => a.id === '0LpnKDM6JGLcZP4haLZpwI')?.artists.map((a) => a.name)).toEqual([
      'YG',
      'Lil Yachty',
      'Babyface Ray',
    ]);
    expect(items.find((a) => a.name === 'AAA')?.artists.map((a) => a.name)).toEqual([
      'HYUKOH',
      '落日飛車 Sunset Rollercoaster',
    ]);
  });

  it('maps the 2018 SE offset page with its punctuation intact', () => {
    const { items } = mapNewReleasesPage(page2018se);
    expect(items[0]).toMatchObject({ id: '2oQFjuVpdWJWfjRXIKUKCn', name: 'Spotlight', type: 'single' });
    expect(items[3]).toMatchObject({
      name: 'Capital Letters [From "Fifty Shades Freed (Original Motion Picture Soundtrack)]',
      artists: [
        { id: '5p7f24Rk5HkUZsaS3BLG5F', name: 'Hailee Steinfeld' },
        { id: '1okJ4NC308qbtY9LyHn6DO', name: 'BloodPop®' },
      ],
    });
    expect(items.map((a) => a.name)).toContain("King's Dead (with Kendrick Lamar, Future & James Blake)");
    expect(items.map((a) => a.name)).toContain('EL BAÑO');
  });

  it('maps 2017-era items without release_date or total_tracks to nulls', () => {
    for (const page of [page2017, page2018se]) {
      for (const album of mapNewReleasesPage(page).items) {
        expect(album).toMatchObject({ releaseDate: null, releaseDatePrecision: null, totalTracks: null });
      }
    }
    expect(mapNewReleasesPage(page2017).items[8]).toEqual({
      id: '1ZJtkYBzRb7drznu3UYb3k',
      name: 'Mi Gente',
      artists: [
        { id: expect.any(String) as unknown, name: 'J Balvin' },
        { id: expect.any(String) as unknown, name: 'Willy William' },
      ],
      releaseDate: null,
      releaseDatePrecision: null,
      type: 'single',
      totalTracks: null,
      images: expect.any(Array) as unknown,
      spotifyUrl: 'https://open.spotify.com/album/1ZJtkYBzRb7drznu3UYb3k',
    });
  });

  it('maps an answer without albums.items to no albums rather than throwing', () => {
    for (const raw of [{}, { albums: {} }, { albums: { items: null } }, null]) {
      expect(mapNewReleasesPage(raw as unknown as SpotifyNewReleasesResponse)).toEqual({
        items: [],
        skipped: 0,
        dropped: [],
      });
    }
  });
});

describe('mapSpotifyAlbums: items it cannot use', () => {
  it.each([
    ['no id', { id: undefined }],
    ['an empty id', { id: '  ' }],
    ['an id with a control character', { id: '6mHNMtHrX\u0000IdUWWuZD9njsG' }],
    ['a numeric id', { id: 42 }],
    ['no name', { name: undefined }],
    ['a name of only whitespace and controls', { name: ' \u0000\t ' }],
  ])('skips and counts an item with %s', (_label, patch) => {
    const bad = { ...item(1), ...patch };
    const { items, skipped } = mapSpotifyAlbums([item(0), bad, item(2)]);
    expect(skipped).toBe(1);
    expect(items.map((a) => a.name)).toEqual(['Leon', 'Backseat Driver']);
  });

  it('skips values that are not objects', () => {
    expect(mapSpotifyAlbums([null, 'album', 7, [], item(0)])).toMatchObject({ skipped: 4, items: [{ name: 'Leon' }] });
    expect(mapSpotifyAlbum('album')).toBeNull();
  });

  it('keeps the first of two items with one id (its chart position) and counts the repeat', () => {
    const again = { ...item(0), name: 'Leon (repeat)' };
    const { items, skipped } = mapSpotifyAlbums([item(0), item(1), again]);
    expect(items.map((a) => a.name)).toEqual(['Leon', 'Lesson Learned']);
    expect(skipped).toBe(1);
  });

  it('dedupes a recorded page listed twice', () => {
    const doubled = structuredClone(page2024);
    doubled.albums.items.push(...structuredClone(page2024.albums.items));
    expect(mapNewReleasesPage(doubled)).toMatchObject({ skipped: 10, items: expect.any(Array) as unknown });
    expect(mapNewReleasesPage(doubled).items).toHaveLength(10);
  });
});

describe('mapSpotifyAlbum: album_type', () => {
  it.each([
    ['album', 'album'],
    ['single', 'single'],
    ['compilation', 'compilation'],
    ['SINGLE', 'single'],
    [' Compilation ', 'compilation'],
    ['ep', 'album'],
    ['appears_on', 'album'],
    ['', 'album'],
    [undefined, 'album'],
    [3, 'album'],
  ])('reads %j as %j', (albumType, expected) => {
    expect(mapOne({ ...item(0), album_type: albumType }).type).toBe(expected);
  });
});

describe('mapSpotifyAlbum: release date', () => {
  it.each([
    ['2024-10-04', 'day', '2024-10-04', 'day'],
    ['2024-10', 'month', '2024-10', 'month'],
    ['2024', 'year', '2024', 'year'],
    ['2024-02-29', 'day', '2024-02-29', 'day'],
    ['2024-10-04', undefined, '2024-10-04', null],
    ['2024', 'day', '2024', null],
    ['2024-10-04', 'hour', '2024-10-04', null],
    ['2023-02-29', 'day', null, null],
    ['2024-13', 'month', null, null],
    ['0000', 'year', null, null],
    ['04/10/2024', 'day', null, null],
    ['', 'day', null, null],
    [undefined, 'day', null, null],
  ])('release_date %j with precision %j → %j, %j', (date, precision, releaseDate, releaseDatePrecision) => {
    const raw = { ...item(0), release_date: date, release_date_precision: precision };
    expect(mapOne(raw)).toMatchObject({ releaseDate, releaseDatePrecision });
  });

  it.each([
    [13, 13],
    [0, 0],
    [-1, null],
    [1.5, null],
    ['13', null],
    [undefined, null],
  ])('total_tracks %j → %j', (value, expected) => {
    expect(mapOne({ ...item(0), total_tracks: value }).totalTracks).toBe(expected);
  });
});

describe('mapSpotifyAlbum: links and images', () => {
  it.each([
    ['javascript:alert(1)'],
    ['data:text/html,<script>alert(1)</script>'],
    ['/album/6mHNMtHrXIdUWWuZD9njsG'],
    ['//open.spotify.com/album/x'],
    ['ftp://open.spotify.com/album/x'],
    ['https://user:pw@open.spotify.com/album/x'],
    ['https://open.spotify.com/album/\u0000x'],
  ])('drops the spotify URL %j, keeps the album and reports it', (url) => {
    const bad = { ...item(0), external_urls: { spotify: url } };
    const { items, skipped, dropped } = mapSpotifyAlbums([bad]);
    expect(skipped).toBe(0);
    expect(items[0]).toMatchObject({ id: '6mHNMtHrXIdUWWuZD9njsG', spotifyUrl: null });
    expect(dropped).toEqual([{ albumId: '6mHNMtHrXIdUWWuZD9njsG', field: 'spotifyUrl', value: url.trim() }]);
  });

  it('keeps an absent spotify URL as null without reporting it', () => {
    const { items, dropped } = mapSpotifyAlbums([{ ...item(0), external_urls: {} }]);
    expect(items[0]?.spotifyUrl).toBeNull();
    expect(dropped).toEqual([]);
  });

  it('drops images whose URL is not http(s), keeps the rest largest first, and reports the drop', () => {
    const raw = item(0);
    raw.images = [
      { url: 'https://i.scdn.co/image/small', width: 64, height: 64 },
      { url: 'javascript:alert(1)', width: 1000, height: 1000 },
      { url: 'http://i.scdn.co/image/large', width: 640, height: 640 },
      { url: 'https://i.scdn.co/image/unknown-size', width: null, height: null },
      { url: '', width: 300, height: 300 },
    ];
    const { items, dropped } = mapSpotifyAlbums([raw, item(1)]);
    expect(items[0]?.images).toEqual([
      { url: 'http://i.scdn.co/image/large', width: 640, height: 640 },
      { url: 'https://i.scdn.co/image/small', width: 64, height: 64 },
      { url: 'https://i.scdn.co/image/unknown-size', width: null, height: null },
    ]);
    expect(dropped).toEqual([{ albumId: raw.id, field: 'imageUrl', value: 'javascript:alert(1)' }]);
    expect(items[1]?.images).toHaveLength(3);
  });

  it('cuts a long refused value to 200 characters in the report', () => {
    const url = `javascript:${'a'.repeat(500)}`;
    const { dropped } = mapSpotifyAlbums([{ ...item(0), external_urls: { spotify: url } }]);
    expect(dropped[0]?.value).toBe(url.slice(0, 200));
  });

  it('reads images that are not a list, and entries that are not objects, as no images', () => {
    expect(mapOne({ ...item(0), images: null }).images).toEqual([]);
    expect(mapOne({ ...item(0), images: ['https://i.scdn.co/image/x', null] }).images).toEqual([]);
  });
});

describe('mapSpotifyAlbum: text', () => {
  it('turns control characters (NUL included) into spaces and trims', () => {
    const raw = item(0);
    raw.name = '\u0000Leon\u0007\u0085 (Deluxe)\n';
    raw.artists = [{ ...raw.artists[0]!, name: 'Leon\u0000Bridges' }];
    expect(mapOne(raw)).toMatchObject({ name: 'Leon (Deluxe)', artists: [{ name: 'Leon Bridges' }] });
    expect(JSON.stringify(mapOne(raw))).not.toMatch(/\\u00(0|1|7f|8|9)/i);
  });

  it('keeps non-ASCII text and typographic quotes as they are', () => {
    expect(mapOne(item(1, page2017)).name).toBe('Thinking ‘Bout You (Sleepless In Cairo)');
  });

  it('leaves out artists without an id or a name, and lists each artist id once', () => {
    const raw = item(5);
    const [yg, yachty, ray] = raw.artists;
    raw.artists = [yg!, { ...yachty!, id: '' }, { ...ray!, name: '\u0000' }, yg!, 'x' as never];
    expect(mapOne(raw).artists).toEqual([{ id: yg!.id, name: 'YG' }]);
  });
});
