import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SoundCloudTrack, SoundCloudTrackPage } from './api-types.ts';
import { mapSoundCloudTrack, mapSoundCloudTracks, soundCloudTracksOf } from './map.ts';

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/soundcloud/${name}`, import.meta.url), 'utf8')) as T;
}

/** Recorded searches (see /work/shared/fixtures/README.md for their origin): legacy v1 list, api-v2 page. */
const v1 = fixture<SoundCloudTrack[]>('search-v1-tracks-the-great-descent-2018.json');
const v2 = fixture<SoundCloudTrackPage>('search-v2-tracks-come-and-see-2022.json');

function mapOne(raw: unknown) {
  const candidate = mapSoundCloudTrack(raw);
  if (candidate === null) throw new Error('expected a candidate');
  return candidate;
}

describe('mapSoundCloudTracks on recorded searches', () => {
  it('maps the legacy v1 list (a bare array): ten tracks in order', () => {
    const candidates = mapSoundCloudTracks(v1);

    expect(candidates).toHaveLength(10);
    expect(candidates[0]).toEqual({
      platform: 'soundcloud',
      id: '395433357',
      url: 'https://soundcloud.com/thegreatdescent/turn-around-mix1',
      title: 'Turn Around (Mix1)',
      uploader: 'The Great Descent',
      durationSeconds: 196,
      origin: 'soundcloud_search',
      plays: 0,
      thumbnailUrl: 'https://i1.sndcdn.com/artworks-000298268220-5fu543-large.jpg',
    });
    expect(candidates.map((c) => [c.id, c.uploader, c.durationSeconds])).toEqual([
      ['395433357', 'The Great Descent', 196],
      ['395433336', 'The Great Descent', 209],
      ['395433366', 'The Great Descent', 216],
      ['395433369', 'The Great Descent', 245],
      ['69267307', 'When Dawn Approaches', 60],
      ['23724879', 'undergroundcities', 312],
      ['132821205', 'Kyriakos Koursaris', 135],
      ['36451751', 'Gerry Dunne', 186],
      ['157153772', 'OrosKhaos', 56],
      ['157152940', 'OrosKhaos', 79],
    ]);
    // The two OrosKhaos previews have no artwork.
    expect(candidates.slice(8).map((c) => c.thumbnailUrl)).toEqual([null, null]);
  });

  it('maps the api-v2 page (collection, next_href, query_urn)', () => {
    expect(mapSoundCloudTracks(v2)).toEqual([
      {
        platform: 'soundcloud',
        id: '1229209234',
        url: 'https://soundcloud.com/xxcassyb/come-and-see',
        title: 'COME AND SEE w/NORTH POSSE',
        uploader: 'cassyb',
        durationSeconds: 165,
        origin: 'soundcloud_search',
        plays: 17588,
        thumbnailUrl: 'https://i1.sndcdn.com/artworks-tOmHVP9GnI66ky4d-8ZWV8w-large.jpg',
      },
    ]);
  });

  it('reads the tracks of either shape', () => {
    expect(soundCloudTracksOf(v1)).toHaveLength(10);
    expect(soundCloudTracksOf(v2)).toHaveLength(1);
    expect(soundCloudTracksOf({ collection: 'x' })).toEqual([]);
    expect(soundCloudTracksOf(null)).toEqual([]);
  });

  it('lists each track once across merged pages', () => {
    const merged = [...v1, ...v1.slice(0, 3)];
    expect(mapSoundCloudTracks(merged).map((c) => c.id)).toEqual(v1.map((t) => String(t.id)));
  });
});

describe('mapSoundCloudTrack on variations', () => {
  const base = () => structuredClone(v2.collection[0]!);

  it("prefers v2's full_duration to a preview's duration", () => {
    expect(mapOne({ ...base(), duration: 30_000, full_duration: 200_400 }).durationSeconds).toBe(200);
    expect(mapOne({ ...base(), duration: 30_000, full_duration: undefined }).durationSeconds).toBe(30);
    expect(mapOne({ ...base(), duration: 0, full_duration: 0 }).durationSeconds).toBeNull();
  });

  it('takes the id from a numeric string or the urn', () => {
    expect(mapOne({ ...base(), id: '42' }).id).toBe('42');
    expect(mapOne({ ...base(), id: undefined, urn: 'soundcloud:tracks:77' }).id).toBe('77');
  });

  it.each([
    ['a playlist', { kind: 'playlist' }],
    ['no id', { id: undefined, urn: undefined }],
    ['an id that is not a positive integer', { id: -3, urn: 'soundcloud:playlists:1' }],
    ['no permalink', { permalink_url: undefined }],
    ['a permalink that is not http(s)', { permalink_url: 'javascript:alert(1)' }],
    ['a track not streamable', { streamable: false }],
    ['a blocked track', { policy: 'BLOCK' }],
    ['a preview-only track', { policy: 'SNIP' }],
  ])('leaves out %s', (_label, patch) => {
    expect(mapSoundCloudTrack({ ...base(), ...patch })).toBeNull();
  });

  it('falls back to empty or null for missing details', () => {
    expect(
      mapOne({ id: 5, permalink_url: 'https://soundcloud.com/a/b', title: ' A\u0000B ', user: null, artwork_url: 'x' }),
    ).toEqual({
      platform: 'soundcloud',
      id: '5',
      url: 'https://soundcloud.com/a/b',
      title: 'A B',
      uploader: '',
      durationSeconds: null,
      origin: 'soundcloud_search',
      plays: null,
      thumbnailUrl: null,
    });
  });

  it('skips what is not an object', () => {
    expect(mapSoundCloudTracks([null, 'x', 3, v1[0]]).map((c) => c.id)).toEqual(['395433357']);
  });
});
