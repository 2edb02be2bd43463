import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JioSaavnAlbumsPage, JioSaavnFlatSong, JioSaavnV4Song } from './api-types.ts';
import {
  checkUrl,
  cleanText,
  largeImage,
  mapJioSaavnItem,
  mapJioSaavnItems,
  mapNewReleasesPage,
  parseReleaseDate,
  toNumber,
} from './map.ts';

/** Recorded `webapi.getLaunchData` (Dec 2024); its `new_albums` items have the `content.getAlbums` item shape. */
const launchData = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/jiosaavn/launch-data-new-albums-2024-12.json', import.meta.url), 'utf8'),
) as { new_albums: JioSaavnV4Song[] };

/** A `content.getAlbums` envelope built from the recorded items (no raw capture of that call exists). */
function page(data = launchData.new_albums): JioSaavnAlbumsPage {
  return { count: data.length, last_page: false, data: structuredClone(data) };
}

function firstSong(): JioSaavnV4Song {
  return structuredClone(launchData.new_albums[0]!);
}

function mapOne(item: unknown, language?: string) {
  const result = mapJioSaavnItem(item, language === undefined ? {} : { language });
  if (!result.ok) throw new Error(`expected a mapped item, got "${result.reason}"`);
  return result.release;
}

describe('mapNewReleasesPage', () => {
  it('maps every recorded item: 17 songs and 3 albums, none skipped', () => {
    const { items, skipped } = mapNewReleasesPage(page(), { language: 'hindi' });
    expect(skipped).toEqual([]);
    expect(items).toHaveLength(20);
    expect(items.filter((i) => i.kind === 'song')).toHaveLength(17);
    expect(items.filter((i) => i.kind === 'album').map((i) => i.title)).toEqual([
      'Pushpa 2 The Rule',
      'Vanvaas',
      'Marco (Hindi) (Original Motion Picture Soundtrack)',
    ]);
  });

  it('maps a recorded v4 song to the domain model', () => {
    const data = page();
    const release = mapNewReleasesPage(data).items[0];
    expect(release).toEqual({
      source: 'jiosaavn',
      externalId: '171AwX-d',
      title: 'Baby John - Beast Mode (From "Baby John")',
      artists: ['Thaman S', 'Raja Kumari', 'Adviteeya Vojjala', 'Ritesh G Rao'],
      album: { externalId: '60702964', name: 'Baby John - Beast Mode (From "Baby John")' },
      language: 'hindi',
      releaseDate: '2024-12-20',
      imageUrl: 'https://c.saavncdn.com/180/Baby-John-Beast-Mode-From-Baby-John-Hindi-2024-20241223020541-500x500.jpg',
      url: 'https://www.jiosaavn.com/song/baby-john-beast-mode-from-baby-john/QV9acANoGlc',
      durationSeconds: 257,
      year: 2024,
      playCount: 205347,
      explicit: false,
      label: 'Zee Music Company',
      kind: 'song',
      songCount: null,
      raw: data.data[0],
    });
  });

  it('decodes entities, keeps apostrophes and upgrades every image to 500x500', () => {
    const { items } = mapNewReleasesPage(page());
    const titles = items.map((i) => i.title);
    expect(titles).toContain('Ruaa Ruaa (From "Fateh")');
    expect(titles).toContain('Hot\'tu Jaana (From "Max") (Hindi)');
    for (const item of items) {
      expect(item.title).not.toMatch(/&[a-z#0-9]+;/i);
      expect(item.album.name).not.toMatch(/&[a-z#0-9]+;/i);
      expect(item.imageUrl).toMatch(/-500x500\.jpg$/);
    }
  });

  it('maps a recorded album item with its own id as album id and the credited composer as artist', () => {
    const pushpa = mapNewReleasesPage(page()).items.find((i) => i.externalId === '60254260');
    expect(pushpa).toMatchObject({
      kind: 'album',
      title: 'Pushpa 2 The Rule',
      album: { externalId: '60254260', name: 'Pushpa 2 The Rule' },
      // primary_artists is empty; artistMap.artists lists Devi Sri Prasad twice.
      artists: ['Devi Sri Prasad'],
      releaseDate: '2024-12-05',
      year: 2024, // `year` is "" on album items: taken from the release date
      playCount: null, // `play_count` is ""
      durationSeconds: null,
      songCount: 0,
      label: null,
      url: 'https://www.jiosaavn.com/album/pushpa-2-the-rule/nTgWx7gW,8U_',
      imageUrl: 'https://c.saavncdn.com/306/Pushpa-2-The-Rule-Hindi-2024-20241205211002-500x500.jpg',
    });
  });

  it('skips and reports items it cannot map, keeping their indices', () => {
    const noId = { ...firstSong(), id: '' };
    const noTitle = { ...firstSong(), title: '  ' };
    const playlist = { ...firstSong(), type: 'playlist' };
    const data = [firstSong(), noId, 'junk', noTitle, playlist, null];
    const { items, skipped } = mapJioSaavnItems(data);
    expect(items.map((i) => i.externalId)).toEqual(['171AwX-d']);
    expect(skipped).toEqual([
      { index: 1, reason: 'missing id' },
      { index: 2, reason: 'not an object' },
      { index: 3, reason: 'missing title' },
      { index: 4, reason: 'unsupported item type "playlist"' },
      { index: 5, reason: 'not an object' },
    ]);
  });
});

describe('mapJioSaavnItem', () => {
  it('falls back from primary_artists to more_info.music, then to the subtitle', () => {
    const song = firstSong();
    song.more_info!.artistMap!.primary_artists = [];
    expect(mapOne(song).artists).toEqual(['Thaman S', 'Raja Kumari', 'Adviteeya Vojjala', 'Ritesh G Rao']);

    song.more_info!.music = 'Arijit Singh, &quot;DJ&quot; Someone';
    expect(mapOne(song).artists).toEqual(['Arijit Singh', '"DJ" Someone']);

    song.more_info!.music = '';
    song.subtitle = 'Mame Khan, Sukhwinder Singh - Baby John - Beast Mode (From &quot;Baby John&quot;)';
    expect(mapOne(song).artists).toEqual(['Mame Khan', 'Sukhwinder Singh']);
  });

  it('maps a two-letter language code, and uses the requested language when the item names none', () => {
    expect(mapOne({ ...firstSong(), language: 'ml' }).language).toBe('malayalam');
    expect(mapOne({ ...firstSong(), language: 'Tamil' }).language).toBe('tamil');
    expect(mapOne({ ...firstSong(), language: '' }, 'te').language).toBe('telugu');
  });

  it('reads a year-only release date as a year without a date, and drops impossible dates', () => {
    const song = firstSong();
    song.year = '';
    song.more_info!.release_date = '2023';
    expect(mapOne(song)).toMatchObject({ releaseDate: null, year: 2023 });

    song.more_info!.release_date = '2024-02-30';
    expect(mapOne(song)).toMatchObject({ releaseDate: null, year: null });
  });

  it('turns string numbers into numbers and empty strings into null', () => {
    const song = firstSong();
    song.play_count = '';
    song.more_info!.duration = '';
    song.explicit_content = '1';
    expect(mapOne(song)).toMatchObject({ playCount: null, durationSeconds: null, explicit: true });
  });

  it('uses the song title as album name when the album is missing, and null when there is no album id', () => {
    const song = firstSong();
    delete song.more_info!.album;
    delete song.more_info!.album_id;
    expect(mapOne(song).album).toEqual({ externalId: null, name: 'Baby John - Beast Mode (From "Baby John")' });
  });

  it('maps a flat (pre-v4) song', () => {
    // Field set from sumitkolhe/jiosaavn-api `song.interface.ts` (UPSTREAMS.md §1).
    const flat: JioSaavnFlatSong = {
      id: '5WXAlMNt',
      type: '',
      song: 'Kesariya  (From &quot;Brahmastra&quot;)',
      album: 'Kesariya (From &quot;Brahmastra&quot;)',
      year: '2022',
      music: 'Pritam',
      primary_artists: 'Pritam, Arijit Singh, Amitabh Bhattacharya',
      singers: 'Arijit Singh',
      image: 'https://c.saavncdn.com/191/Kesariya-From-Brahmastra-Hindi-2022-20220717092820-150x150.jpg',
      label: 'Sony Music Entertainment India Pvt. Ltd.',
      albumid: '35886089',
      language: 'hindi',
      play_count: 183404848,
      explicit_content: 0,
      perma_url: 'https://www.jiosaavn.com/song/kesariya-from-brahmastra/KBIGSD9DRns',
      duration: '268',
      release_date: '2022-07-17',
      artistMap: { Pritam: '455663', 'Arijit Singh': '459320' },
    };
    const { items, skipped } = mapJioSaavnItems([flat]);
    expect(skipped).toEqual([]);
    expect(items[0]).toEqual({
      source: 'jiosaavn',
      externalId: '5WXAlMNt',
      title: 'Kesariya (From "Brahmastra")',
      artists: ['Pritam', 'Arijit Singh', 'Amitabh Bhattacharya'],
      album: { externalId: '35886089', name: 'Kesariya (From "Brahmastra")' },
      language: 'hindi',
      releaseDate: '2022-07-17',
      imageUrl: 'https://c.saavncdn.com/191/Kesariya-From-Brahmastra-Hindi-2022-20220717092820-500x500.jpg',
      url: 'https://www.jiosaavn.com/song/kesariya-from-brahmastra/KBIGSD9DRns',
      durationSeconds: 268,
      year: 2022,
      playCount: 183404848,
      explicit: false,
      label: 'Sony Music Entertainment India Pvt. Ltd.',
      kind: 'song',
      songCount: null,
      raw: flat,
    });
  });

  it('falls back to music for a flat song without primary_artists', () => {
    const flat: JioSaavnFlatSong = { id: '1', song: 'X', primary_artists: '', music: 'A &amp; B' };
    expect(mapOne(flat).artists).toEqual(['A & B']);
  });
});

describe('normalizers', () => {
  it.each([
    ['Baby John (From &quot;Baby John&quot;)', 'Baby John (From "Baby John")'],
    ['  Rock &amp;   Roll \n', 'Rock & Roll'],
    ['Don&#039;t', "Don't"],
    [undefined, ''],
    [42, ''],
  ])('cleanText(%j) = %j', (input, expected) => {
    expect(cleanText(input)).toBe(expected);
  });

  it.each([
    ['257', 257],
    [' 12 ', 12],
    ['', null],
    ['abc', null],
    ['-3', null],
    [7, 7],
    [Number.NaN, null],
    [null, null],
  ])('toNumber(%j) = %j', (input, expected) => {
    expect(toNumber(input)).toBe(expected);
  });

  it.each([
    ['https://c.saavncdn.com/180/X-2024-150x150.jpg', 'https://c.saavncdn.com/180/X-2024-500x500.jpg'],
    ['https://c.saavncdn.com/180/X-2024-50x50.jpg', 'https://c.saavncdn.com/180/X-2024-500x500.jpg'],
    ['https://c.saavncdn.com/artists/A_150x150.jpg', 'https://c.saavncdn.com/artists/A_500x500.jpg'],
    ['https://c.saavncdn.com/180/X-500x500.jpg', 'https://c.saavncdn.com/180/X-500x500.jpg'],
    ['', null],
    [undefined, null],
  ])('largeImage(%j) = %j', (input, expected) => {
    expect(largeImage(input)).toBe(expected);
  });

  it.each([
    ['2024-12-20', { date: '2024-12-20', year: 2024 }],
    [' 2024-02-29 ', { date: '2024-02-29', year: 2024 }],
    ['2023-02-29', { date: null, year: null }],
    ['2024', { date: null, year: 2024 }],
    ['20-12-2024', { date: null, year: null }],
    ['', { date: null, year: null }],
    [null, { date: null, year: null }],
  ])('parseReleaseDate(%j) = %j', (input, expected) => {
    expect(parseReleaseDate(input)).toEqual(expected);
  });
});

describe('upstream links: only absolute https/http URLs are kept', () => {
  it.each([
    ['https://www.jiosaavn.com/song/x/AbC', 'https://www.jiosaavn.com/song/x/AbC', undefined],
    ['  http://example.com/a.jpg ', 'http://example.com/a.jpg', undefined],
    ['javascript:alert(1)', null, 'scheme javascript: is not http(s)'],
    ['JavaScript:alert(1)', null, 'scheme javascript: is not http(s)'],
    ['data:text/html,<script>alert(1)</script>', null, 'scheme data: is not http(s)'],
    ['vbscript:msgbox', null, 'scheme vbscript: is not http(s)'],
    ['file:///etc/passwd', null, 'scheme file: is not http(s)'],
    ['/song/relative', null, 'not an absolute URL'],
    ['//evil.example/x', null, 'not an absolute URL'],
    ['java\tscript:alert(1)', null, 'contains whitespace or control characters'],
    ['https://user:pw@example.com/', null, 'carries credentials'],
    ['', null, undefined],
    [42, null, undefined],
  ])('checkUrl(%j) → %j (%s)', (input, url, refused) => {
    expect(checkUrl(input)).toEqual(refused === undefined ? { url } : { url, refused });
  });

  it.each([
    ['perma_url', 'javascript:alert(document.cookie)', 'url'],
    ['perma_url', '/relative/link', 'url'],
    ['image', 'data:image/svg+xml,<svg onload=alert(1)>', 'imageUrl'],
    ['image', 'javascript:alert(1)//150x150.jpg', 'imageUrl'],
  ] as const)('an item whose %s is %j keeps its place, without that link, and reports it', (key, value, field) => {
    const song = { ...firstSong(), [key]: value };
    const result = mapJioSaavnItems([firstSong(), song]);
    expect(result.items).toHaveLength(2);
    expect(result.items[1]![field]).toBeNull();
    expect(result.items[0]![field]).toMatch(/^https:\/\//);
    expect(result.dropped).toEqual([{ index: 1, field, reason: expect.any(String) as unknown, value }]);
    expect(result.skipped).toEqual([]);
  });

  it('a flat song with a javascript: permalink is kept without it', () => {
    const result = mapJioSaavnItem({
      id: '1',
      song: 'T',
      perma_url: 'javascript:alert(1)',
      image: 'https://x/150x150.jpg',
    });
    expect(result).toMatchObject({
      ok: true,
      release: { url: null, imageUrl: 'https://x/500x500.jpg' },
      dropped: [{ field: 'url', reason: 'scheme javascript: is not http(s)' }],
    });
  });

  it('control characters (NUL included) never reach stored text', () => {
    expect(cleanText('Bad\u0000Title\u0007 x')).toBe('Bad Title x');
    const song = { ...firstSong(), title: 'A\u0000B', extra: { 'k\u0000': ['v\u0000'] } };
    const mapped = mapOne(song);
    expect(mapped.title).toBe('A B');
    expect(JSON.stringify(mapped.raw)).not.toContain('\\u0000');
    expect((mapped.raw as { extra: unknown }).extra).toEqual({ k: ['v'] });
    const clean = firstSong();
    expect(mapOne(clean).raw).toBe(clean);
    expect(mapJioSaavnItem({ ...firstSong(), id: '12\u00003' })).toEqual({ ok: false, reason: 'missing id' });
  });
});
