import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MusicBrainzReleaseGroup, MusicBrainzReleaseGroupSearch, MusicBrainzReleaseSearch } from './api-types.ts';
import { mapReleaseGroupSearch, mapReleaseSearch, parseScore, readArtistCredit } from './map.ts';

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/musicbrainz/${name}`, import.meta.url), 'utf8')) as T;
}

/** Recorded `/ws/2/release-group?query=…` (2021): one album, one Official release. */
const hexndeifl = () => fixture<MusicBrainzReleaseGroupSearch>('release-group-search-hexndeifl-2021-05-18.json');
/** Recorded search without a match (2021). */
const noResults = () => fixture<MusicBrainzReleaseGroupSearch>('release-group-search-no-results-2021-01-17.json');
/** Recorded `/ws/2/release?query=release:Rumours AND artist:"Fleetwood Mac"` (2026), first item of 90. */
const rumours = () => fixture<MusicBrainzReleaseSearch>('release-search-rumours-fleetwood-mac-2026-05-26.json');

function withGroups(...groups: unknown[]): MusicBrainzReleaseGroupSearch {
  return { ...hexndeifl(), count: groups.length, 'release-groups': groups as MusicBrainzReleaseGroup[] };
}

function hexGroup(): MusicBrainzReleaseGroup {
  return hexndeifl()['release-groups'][0]!;
}

describe('mapReleaseGroupSearch', () => {
  it('maps the recorded release-group search to a candidate', () => {
    expect(mapReleaseGroupSearch(hexndeifl())).toEqual({
      candidates: [
        {
          releaseGroupId: '4a9421e6-9def-4616-82bf-674d5a5c7a29',
          releaseId: 'cb36e0ab-6634-4d85-a84e-8be89924811f',
          title: 'Hexndeifl',
          artistCredit: 'Gråinheim',
          artists: [{ id: 'c46ed989-cb1c-48fb-848d-0078784fc3f4', name: 'Gråinheim' }],
          score: 100,
          primaryType: 'Album',
          secondaryTypes: [],
          firstReleaseDate: '2021-02-15',
          disambiguation: null,
        },
      ],
      count: 1,
      skipped: 0,
    });
  });

  it('maps the recorded empty answer to no candidates', () => {
    expect(mapReleaseGroupSearch(noResults())).toEqual({ candidates: [], count: 0, skipped: 0 });
  });

  it('keeps MusicBrainz’ total count, which exceeds the page', () => {
    const raw = { ...hexndeifl(), count: 57 };
    expect(mapReleaseGroupSearch(raw)).toMatchObject({ count: 57, skipped: 0 });
  });

  it.each([
    [100, 100],
    ['100', 100],
    [' 87 ', 87],
    ['87.5', 87.5],
    [150, 100],
    [-3, 0],
    ['high', 0],
    ['', 0],
    [null, 0],
    [undefined, 0],
    [Number.NaN, 0],
  ])('reads the score %j as %j', (score, expected) => {
    expect(parseScore(score)).toBe(expected);
    const mapped = mapReleaseGroupSearch(withGroups({ ...hexGroup(), score }));
    expect(mapped.candidates[0]!.score).toBe(expected);
  });

  it('prints a credit with its join phrases and lists each artist', () => {
    const group = {
      ...hexGroup(),
      'artist-credit': [
        { name: 'Lady Gaga', joinphrase: ' & ', artist: { id: 'a1', name: 'Lady Gaga', 'sort-name': 'Gaga, Lady' } },
        { name: 'Bruno Mars', joinphrase: '', artist: { id: 'a2', name: 'Bruno Mars' } },
      ],
    };
    expect(mapReleaseGroupSearch(withGroups(group)).candidates[0]).toMatchObject({
      artistCredit: 'Lady Gaga & Bruno Mars',
      artists: [
        { id: 'a1', name: 'Lady Gaga' },
        { id: 'a2', name: 'Bruno Mars' },
      ],
    });
  });

  it.each([
    [
      'three names with comma and "feat."',
      [
        { name: 'A', joinphrase: ', ', artist: { id: '1', name: 'A' } },
        { name: 'B', joinphrase: ' feat. ', artist: { id: '2', name: 'B' } },
        { name: 'C', artist: { id: '3', name: 'C' } },
      ],
      'A, B feat. C',
      ['1', '2', '3'],
    ],
    [
      'a credited name that differs from the artist name',
      [{ name: 'Prince & The Revolution', artist: { id: 'p', name: 'Prince' } }],
      'Prince & The Revolution',
      ['p'],
    ],
    [
      'a credit without its own name',
      [
        { joinphrase: ' x ', artist: { id: '1', name: 'Ｙ' } },
        { name: '米津玄師', artist: { id: '2', name: '米津玄師' } },
      ],
      'Ｙ x 米津玄師',
      ['1', '2'],
    ],
    [
      'an artist without an id (printed, not listed)',
      [
        { name: 'Anon', joinphrase: ' / ', artist: { name: 'Anon' } },
        { name: 'Кино', artist: { id: 'k', name: 'Кино' } },
      ],
      'Anon / Кино',
      ['k'],
    ],
    ['no credit at all', undefined, '', []],
    ['a credit that is not a list', 'Somebody', '', []],
  ])('artist credit: %s', (_label, credit, printed, ids) => {
    const { artistCredit, artists } = readArtistCredit(credit);
    expect(artistCredit).toBe(printed);
    expect(artists.map((a) => a.id)).toEqual(ids);
  });

  it.each([
    [
      'the first Official release, even when not listed first',
      [
        { id: 'promo', title: 'T', status: 'Promotion' },
        { id: 'official', title: 'T', status: 'Official' },
        { id: 'official-2', title: 'T', status: 'Official' },
      ],
      'official',
    ],
    [
      'the first release when none is Official',
      [
        { id: 'bootleg', title: 'T', status: 'Bootleg' },
        { id: 'promo', title: 'T', status: 'Promotion' },
      ],
      'bootleg',
    ],
    [
      'the first release when none has a status',
      [
        { id: 'r1', title: 'T' },
        { id: 'r2', title: 'T' },
      ],
      'r1',
    ],
    ['null for an empty list', [], null],
    ['null without a list', undefined, null],
    ['null when no release has an id', [{ title: 'T', status: 'Official' }], null],
  ])('release: %s', (_label, releases, expected) => {
    const mapped = mapReleaseGroupSearch(withGroups({ ...hexGroup(), releases }));
    expect(mapped.candidates[0]!.releaseId).toBe(expected);
  });

  it('reads secondary types, a disambiguation and partial dates; unknown dates become null', () => {
    const mapped = mapReleaseGroupSearch(
      withGroups(
        {
          ...hexGroup(),
          'secondary-types': ['Compilation', 'Live'],
          disambiguation: 'Japanese edition',
          'first-release-date': '2021',
        },
        { ...hexGroup(), 'first-release-date': '2021-02' },
        { ...hexGroup(), 'first-release-date': '' },
        { ...hexGroup(), 'first-release-date': 'soon', 'primary-type': '', disambiguation: '' },
      ),
    );
    expect(mapped.candidates.map((c) => c.firstReleaseDate)).toEqual(['2021', '2021-02', null, null]);
    expect(mapped.candidates[0]).toMatchObject({
      secondaryTypes: ['Compilation', 'Live'],
      disambiguation: 'Japanese edition',
    });
    expect(mapped.candidates[3]).toMatchObject({ primaryType: null, disambiguation: null, secondaryTypes: [] });
  });

  it('skips and counts items without id or title, keeping the order of the rest', () => {
    const mapped = mapReleaseGroupSearch(
      withGroups(
        { ...hexGroup(), id: 'first' },
        { ...hexGroup(), id: '' },
        { ...hexGroup(), id: undefined },
        { ...hexGroup(), title: ' \n ' },
        null,
        'junk',
        { ...hexGroup(), id: 'last', title: 'Second\u0000 Title' },
      ),
    );
    expect(mapped.candidates.map((c) => [c.releaseGroupId, c.title])).toEqual([
      ['first', 'Hexndeifl'],
      ['last', 'Second Title'],
    ]);
    expect(mapped.skipped).toBe(5);
    expect(mapped.count).toBe(7);
  });

  it('reads an envelope without a count or a list as what it holds', () => {
    const raw = { created: 'x', offset: 0 } as unknown as MusicBrainzReleaseGroupSearch;
    expect(mapReleaseGroupSearch(raw)).toEqual({ candidates: [], count: 0, skipped: 0 });
    const noCount = { ...hexndeifl(), count: undefined } as unknown as MusicBrainzReleaseGroupSearch;
    expect(mapReleaseGroupSearch(noCount).count).toBe(1);
  });
});

describe('mapReleaseSearch', () => {
  it('maps the recorded release search: the release group with the release itself', () => {
    expect(mapReleaseSearch(rumours())).toEqual({
      candidates: [
        {
          releaseGroupId: '416bb5e5-c7d1-3977-8fd7-7c9daf6c2be6',
          releaseId: '7ec069c0-4424-3169-8ed0-d5e2473e0e84',
          title: 'Rumours',
          artistCredit: 'Fleetwood Mac',
          artists: [{ id: 'bd13909f-1c29-4c27-a874-d4aaf27c5b1a', name: 'Fleetwood Mac' }],
          score: 100,
          primaryType: 'Album',
          secondaryTypes: [],
          // The group's first-release date is not in release search answers: the release's own date.
          firstReleaseDate: '1977',
          disambiguation: null,
        },
      ],
      count: 90,
      skipped: 0,
    });
  });

  it('takes a string score, the group’s first-release date and secondary types when present', () => {
    const raw = rumours();
    const release = raw.releases[0]!;
    raw.releases = [
      {
        ...release,
        score: '98',
        'release-group': {
          ...release['release-group'],
          'secondary-types': ['Live'],
          'first-release-date': '1977-02-04',
        },
      },
    ];
    expect(mapReleaseSearch(raw).candidates[0]).toMatchObject({
      score: 98,
      secondaryTypes: ['Live'],
      firstReleaseDate: '1977-02-04',
    });
  });

  it('skips and counts releases without an id, a release group or a title', () => {
    const raw = rumours();
    const release = raw.releases[0]!;
    raw.releases = [
      { ...release, id: '' },
      { ...release, 'release-group': undefined as never },
      { ...release, 'release-group': { ...release['release-group'], id: '' } },
      { ...release, title: '', 'release-group': { ...release['release-group'], title: '' } },
      // The release title stands in for a group without one.
      { ...release, title: 'Rumours (Deluxe)', 'release-group': { ...release['release-group'], title: '' } },
    ];
    const mapped = mapReleaseSearch(raw);
    expect(mapped.candidates.map((c) => c.title)).toEqual(['Rumours (Deluxe)']);
    expect(mapped.skipped).toBe(4);
  });
});
