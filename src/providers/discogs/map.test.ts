import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DiscogsRelease, DiscogsTrack } from './api-types.ts';
import { discogsArtistName, mapDiscogsRelease, parseDiscogsDuration } from './map.ts';

function fixture(name: string): DiscogsRelease {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/discogs/${name}`, import.meta.url), 'utf8'),
  ) as DiscogsRelease;
}

/** Recorded `GET /releases/{id}` answers (see /work/shared/fixtures/README.md for their origin). */
const clockwork = fixture('release-16004480.json');
const ummagumma = fixture('release-8604223.json');

/** A minimal release around a tracklist, to derive variations from. */
function releaseWith(tracklist: unknown[], extra: Partial<Record<keyof DiscogsRelease, unknown>> = {}): DiscogsRelease {
  return { id: 1, title: 'T', artists: [{ name: 'A' }], tracklist, ...extra } as DiscogsRelease;
}

const track = (position: string, title: string, more: Partial<DiscogsTrack> = {}): DiscogsTrack => ({
  position,
  type_: 'track',
  title,
  duration: '',
  ...more,
});

describe('parseDiscogsDuration', () => {
  it.each([
    ['3:45', 225],
    ['0:59', 59],
    ['12:00', 720],
    ['63:12', 3792],
    ['1:02:03', 3723],
    ['10:00:00', 36000],
    [' 4:03 ', 243],
    ['', null],
    ['0:00', null],
    ['garbage', null],
    ['3:7', null],
    ['3:60', null],
    ['1:60:00', null],
    ['3.45', null],
    ['45', null],
    [':45', null],
    ['3:45:', null],
    ['-3:45', null],
    [null, null],
    [225, null],
  ])('reads %j as %j', (value, expected) => {
    expect(parseDiscogsDuration(value)).toBe(expected);
  });
});

describe('discogsArtistName', () => {
  it.each([
    [{ name: 'Walter Carlos', anv: '' }, 'Walter Carlos'],
    [{ name: 'Gioacchino Rossini', anv: 'Rossini' }, 'Rossini'],
    [{ name: 'Nirvana (2)', anv: '' }, 'Nirvana'],
    [{ name: 'Nirvana (2)' }, 'Nirvana'],
    [{ name: 'Prince (12)', anv: 'Prince*' }, 'Prince'],
    [{ name: 'Dave (2)*', anv: '' }, 'Dave'],
    [{ name: 'Love (1) (2)', anv: '' }, 'Love (1)'],
    [{ name: 'Boney M.', anv: '' }, 'Boney M.'],
    [{ name: '(hed) P.E.', anv: '' }, '(hed) P.E.'],
    [{ name: 'Various', anv: '' }, 'Various'],
    [{ name: '  Spaced  Out  ' }, 'Spaced Out'],
    [{ anv: '' }, ''],
    ['Walter Carlos', ''],
    [null, ''],
  ])('reads %j as %j', (credit, expected) => {
    expect(discogsArtistName(credit)).toBe(expected);
  });
});

describe('mapDiscogsRelease on recorded payloads', () => {
  it('maps the Clockwork Orange soundtrack: 15 tracks with their own artists, name variations and durations', () => {
    const release = mapDiscogsRelease(clockwork);

    expect(release).toMatchObject({
      id: 16004480,
      title: "Stanley Kubrick's A Clockwork Orange (Music From The Soundtrack)",
      artists: ['Various'],
      year: null, // Discogs says 0
      url: 'https://www.discogs.com/release/16004480',
    });
    expect(release.tracks).toHaveLength(15);
    expect(release.tracks.map((t) => t.index)).toEqual([...Array(15).keys()]);
    expect(release.tracks.map((t) => t.position)).toEqual(Array.from({ length: 15 }, (_, i) => String(i + 1)));
    expect(release.tracks[0]).toEqual({
      index: 0,
      position: '1',
      title: 'Title Music From A Clockwork Orange',
      durationSeconds: 146,
      artists: ['Walter Carlos'],
    });
    // `anv` "Rossini" wins over "Gioacchino Rossini".
    expect(release.tracks[1]).toMatchObject({ title: 'The Thieving Magpie (Abridged)', artists: ['Rossini'] });
    expect(release.tracks[11]).toMatchObject({ position: '12', durationSeconds: 182, artists: ['Rossini'] });
    expect(release.tracks[14]).toMatchObject({ title: "Singin' In The Rain", artists: ['Gene Kelly'] });
    expect(release.tracks.map((t) => t.durationSeconds)).toEqual([
      146, 357, 109, 232, 427, 80, 275, 98, 258, 107, 64, 182, 189, 99, 157,
    ]);
  });

  it('keeps the 19 curated videos in order with their durations, 0 read as unknown', () => {
    const { videos } = mapDiscogsRelease(clockwork);

    expect(videos).toHaveLength(19);
    expect(videos[0]).toEqual({
      url: 'https://www.youtube.com/watch?v=mm1L4ZEVkgs',
      title: 'Erika Eigen: I Want To Marry A Lighthouse Keeper',
      durationSeconds: 92,
      description: expect.stringContaining('I Want To Marry A Lighthouse Keeper') as unknown,
    });
    expect(videos.map((v) => v.durationSeconds)).toEqual([
      92,
      204,
      358,
      109,
      231,
      339,
      82,
      276,
      99,
      197,
      108,
      67,
      183,
      99,
      158,
      146,
      null,
      204,
      137,
    ]);
    for (const video of videos) expect(video.url).toMatch(/^https:\/\/www\.youtube\.com\/watch\?v=[\w-]{11}$/);
  });

  it('maps Ummagumma: headings excluded, index rows replaced by their parts, indexes 0-based in that order', () => {
    const release = mapDiscogsRelease(ummagumma);

    expect(release).toMatchObject({ id: 8604223, title: 'Ummagumma', artists: ['Pink Floyd'], year: 2016 });
    expect(release.tracks.map((t) => [t.index, t.position, t.title])).toEqual([
      [0, 'A1', 'Astronomy Domine'],
      [1, 'A2', 'Careful With That Axe Eugene'],
      [2, 'B1', 'Set The Controls For The Heart Of The Sun'],
      [3, 'B2', 'A Saucerful Of Secrets'],
      [4, 'C1.1', 'Sysyphus: Part 1'],
      [5, 'C1.2', 'Sysyphus: Part 2'],
      [6, 'C1.3', 'Sysyphus: Part 3'],
      [7, 'C1.4', 'Sysyphus: Part 4'],
      [8, 'C2', 'Grantchester Meadows'],
      [9, 'C3', 'Several Species Of Small Furry Animals Gathered Together In A Cave And Grooving With A Pict'],
      [10, 'D1.1', 'The Narrow Way: Part 1'],
      [11, 'D1.2', 'The Narrow Way: Part 2'],
      [12, 'D1.3', 'The Narrow Way: Part 3'],
      [13, 'D2.1', "The Grand Vizier's Garden Party: Part 1 - Entrance"],
      [14, 'D2.2', "The Grand Vizier's Garden Party: Part 2 - Entertainment"],
      [15, 'D2.3', "The Grand Vizier's Garden Party: Part 3 - Exit"],
    ]);
    expect(release.tracks.every((t) => t.durationSeconds === null)).toBe(true);
    // Parts without credits of their own take their index row's artists.
    expect(release.tracks[4]?.artists).toEqual(['Richard Wright']);
    expect(release.tracks[13]?.artists).toEqual(['Nick Mason']);
    expect(release.tracks[8]?.artists).toEqual(['Roger Waters']);
    expect(release.videos).toEqual([
      expect.objectContaining({ url: 'https://www.youtube.com/watch?v=ZeIzDstK2n8', durationSeconds: null }),
    ]);
  });
});

describe('mapDiscogsRelease on variations', () => {
  it('counts an index row without sub_tracks as one track', () => {
    const release = mapDiscogsRelease(
      releaseWith([
        { position: '', type_: 'heading', title: 'Side A', duration: '' },
        { position: '1', type_: 'index', title: 'Suite', duration: '12:00', sub_tracks: [] },
        { position: '2', type_: 'index', title: 'Medley', duration: '' },
        track('3', 'After'),
      ]),
    );
    expect(release.tracks.map((t) => [t.index, t.position, t.title, t.durationSeconds])).toEqual([
      [0, '1', 'Suite', 720],
      [1, '2', 'Medley', null],
      [2, '3', 'After', null],
    ]);
  });

  it('keeps sub-track credits of their own and a title that already names the index row', () => {
    const release = mapDiscogsRelease(
      releaseWith([
        {
          position: '',
          type_: 'index',
          title: 'Suite',
          duration: '',
          artists: [{ name: 'Lead (3)' }],
          sub_tracks: [
            track('1a', 'Suite, Part One', { duration: '2:00' }),
            track('1b', 'Interlude', { artists: [{ name: 'Guest', anv: 'G.' }] }),
          ],
        },
      ]),
    );
    expect(release.tracks).toEqual([
      { index: 0, position: '1a', title: 'Suite, Part One', durationSeconds: 120, artists: ['Lead'] },
      { index: 1, position: '1b', title: 'Suite: Interlude', durationSeconds: null, artists: ['G.'] },
    ]);
  });

  it('reads rows without type_ (2012-era) as tracks and skips unknown types and non-objects', () => {
    const release = mapDiscogsRelease(
      releaseWith([
        { position: 'A', title: 'Never Gonna Give You Up', duration: '3:32' },
        { position: 'X', type_: 'chapter', title: 'Unknown kind', duration: '' },
        null,
        'junk',
        { position: 'B', title: 'Together Forever', duration: '3:25' },
      ]),
    );
    expect(release.tracks.map((t) => [t.index, t.title, t.durationSeconds])).toEqual([
      [0, 'Never Gonna Give You Up', 212],
      [1, 'Together Forever', 205],
    ]);
  });

  it('keeps a track without a title so indexes match the release page', () => {
    const release = mapDiscogsRelease(releaseWith([track('1', ''), track('2', 'Second')]));
    expect(release.tracks.map((t) => [t.index, t.title])).toEqual([
      [0, ''],
      [1, 'Second'],
    ]);
  });

  it('lists each track artist once, cleaned, in order', () => {
    const release = mapDiscogsRelease(
      releaseWith([
        track('1', 'Duet', {
          artists: [{ name: 'Aa (2)', join: '&' }, { name: 'Bb', anv: 'B*' }, { name: 'Aa (2)' }, { name: '' }],
        }),
      ]),
    );
    expect(release.tracks[0]?.artists).toEqual(['Aa', 'B']);
  });

  it('keeps only videos with an http(s) URL and reads an unusable duration as unknown', () => {
    const release = mapDiscogsRelease(
      releaseWith([], {
        videos: [
          { uri: 'javascript:alert(1)', title: 'x', description: '', duration: 10, embed: true },
          { uri: 'not a url', title: 'x', description: '', duration: 10, embed: true },
          { uri: 'http://youtu.be/dQw4w9WgXcQ', title: ' Rick ', description: 42, duration: '212', embed: true },
          { uri: 'https://vimeo.com/1', title: 'Vimeo', description: 'd', duration: -5, embed: false },
          null,
        ],
      }),
    );
    expect(release.videos).toEqual([
      { url: 'http://youtu.be/dQw4w9WgXcQ', title: 'Rick', durationSeconds: null, description: '' },
      { url: 'https://vimeo.com/1', title: 'Vimeo', durationSeconds: null, description: 'd' },
    ]);
  });

  it('survives a release with missing optional fields', () => {
    const release = mapDiscogsRelease({ id: 7, title: 42, artists: 'x', tracklist: 'y' } as unknown as DiscogsRelease);
    expect(release).toEqual({
      id: 7,
      title: '',
      artists: [],
      year: null,
      tracks: [],
      videos: [],
      url: 'https://www.discogs.com/release/7',
    });
  });
});
