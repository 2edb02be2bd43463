import { describe, expect, it, vi } from 'vitest';
import {
  CHART_CATALOG_SIZE,
  CHART_TRAPS,
  CHART_TRAP_COUNTS,
  chartAt,
  chartCatalog,
  chartTick,
  chartTruth,
  type CatalogAlbum,
  type MbReleaseGroup,
} from './chart-catalog.ts';

const SEED = 20_241_220;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SPOTIFY_ID = /^[0-9A-Za-z]{22}$/;

function groupsOf(album: CatalogAlbum, seed = SEED): MbReleaseGroup[] {
  return chartCatalog(seed).releaseGroups.filter((group) => group.albumId === album.id);
}

function truthOf(album: CatalogAlbum, seed = SEED): MbReleaseGroup {
  const group = groupsOf(album, seed).find((candidate) => candidate.role === 'truth');
  if (group === undefined) throw new Error(`${album.name} has no true group`);
  return group;
}

function albumsWith(trap: CatalogAlbum['trap'], seed = SEED): CatalogAlbum[] {
  return chartCatalog(seed).albums.filter((album) => album.trap === trap);
}

describe(chartCatalog.name, () => {
  it('is the same for the same seed, built anew, and different for another seed', async () => {
    const before = JSON.stringify(chartCatalog(SEED));
    vi.resetModules();
    const fresh = await import('./chart-catalog.ts');
    expect(fresh.chartCatalog).not.toBe(chartCatalog);
    expect(JSON.stringify(fresh.chartCatalog(SEED))).toBe(before);
    expect(JSON.stringify(fresh.chartAt(SEED, 17))).toBe(JSON.stringify(chartAt(SEED, 17)));
    const other = chartTruth(SEED + 1);
    expect(other.map((row) => row.spotifyId)).not.toEqual(chartTruth(SEED).map((row) => row.spotifyId));
  });

  it.each([SEED, 1, 42])('has %i: about 120 albums with each trap on several of them, 15% absent', (seed) => {
    const { albums } = chartCatalog(seed);
    expect(albums).toHaveLength(CHART_CATALOG_SIZE);
    expect(CHART_CATALOG_SIZE).toBe(120);
    const counts = Object.fromEntries(CHART_TRAPS.map((trap) => [trap, 0]));
    for (const album of albums) counts[album.trap] = (counts[album.trap] ?? 0) + 1;
    expect(counts).toEqual(CHART_TRAP_COUNTS);
    for (const trap of CHART_TRAPS) expect(counts[trap]).toBeGreaterThanOrEqual(10);
    const absent = albums.filter((album) => album.releaseGroupId === null).length;
    expect(absent / albums.length).toBeCloseTo(0.15, 2);
  });

  it('gives Spotify-style and MusicBrainz-style ids, all distinct', () => {
    const { albums, releaseGroups } = chartCatalog(SEED);
    const spotifyIds = albums.flatMap((album) => [album.id, ...album.artists.map((artist) => artist.id)]);
    for (const id of spotifyIds) expect(id).toMatch(SPOTIFY_ID);
    expect(new Set(albums.map((album) => album.id)).size).toBe(albums.length);
    const mbids = releaseGroups.flatMap((group) => [group.id, ...group.releases.map((release) => release.id)]);
    for (const id of mbids) expect(id).toMatch(UUID);
    expect(new Set(mbids).size).toBe(mbids.length);
    for (const album of albums) {
      expect(album.releaseDate).toMatch(
        album.releaseDatePrecision === 'day'
          ? /^\d{4}-\d{2}-\d{2}$/
          : album.releaseDatePrecision === 'month'
            ? /^\d{4}-\d{2}$/
            : /^\d{4}$/,
      );
      expect(album.totalTracks).toBeGreaterThan(0);
    }
    // Catalog order is release order.
    const days = albums.map((album) => album.releaseDate.slice(0, 4));
    expect([...days].sort()).toEqual(days);
  });

  it('points each present album at its true group and the first release that group lists', () => {
    const { albums, releaseGroups } = chartCatalog(SEED);
    for (const album of albums) {
      const truths = releaseGroups.filter((group) => group.role === 'truth' && group.albumId === album.id);
      if (album.trap === 'absent') {
        expect(album).toMatchObject({ releaseGroupId: null, releaseId: null });
        expect(truths).toEqual([]);
        continue;
      }
      expect(truths).toHaveLength(1);
      expect(album.releaseGroupId).toBe(truths[0]?.id);
      expect(album.releaseId).toBe(truths[0]?.releases[0]?.id);
    }
  });

  it('chartTruth lists every album with its trap and ids', () => {
    const truth = chartTruth(SEED);
    const albums = chartCatalog(SEED).albums;
    expect(truth).toHaveLength(albums.length);
    expect(truth[0]).toEqual({
      spotifyId: albums[0]?.id,
      name: albums[0]?.name,
      artists: albums[0]?.artists.map((artist) => artist.name),
      trap: albums[0]?.trap,
      releaseGroupId: albums[0]?.releaseGroupId,
      releaseId: albums[0]?.releaseId,
    });
  });
});

describe('traps', () => {
  it('plain: MusicBrainz has the same title by the same artist', () => {
    for (const album of albumsWith('plain')) {
      const group = truthOf(album);
      expect(group.title).toBe(album.name);
      expect(group.credits.map((credit) => credit.name)).toEqual(album.artists.map((artist) => artist.name));
    }
  });

  it('same_title_other_artist: another artist entity has an older group with the exact title', () => {
    for (const album of albumsWith('same_title_other_artist')) {
      const truth = truthOf(album);
      const decoys = groupsOf(album).filter((group) => group.role === 'same_title');
      expect(decoys.length).toBeGreaterThanOrEqual(2);
      for (const decoy of decoys) {
        expect(decoy.title).toBe(album.name);
        expect(decoy.credits[0]?.artist.id).not.toBe(truth.credits[0]?.artist.id);
        expect(decoy.firstReleaseDate < truth.firstReleaseDate).toBe(true);
      }
      // One of them is credited with a name that contains the true artist's name (the same name, or a longer one).
      expect(decoys.some((decoy) => decoy.credits[0]?.name.startsWith(truth.credits[0]?.name ?? '?'))).toBe(true);
    }
  });

  it('editions: a suffixed Spotify name, the plain-titled group with several releases, live and compilation decoys', () => {
    const albums = albumsWith('editions');
    for (const album of albums) {
      const truth = truthOf(album);
      expect(album.name).toMatch(
        / \((Deluxe|Expanded|Anniversary) Edition\)$| \(Deluxe\)$| - Remastered \d{4}$| \[Bonus Track Version\]$/,
      );
      expect(album.name.startsWith(truth.title)).toBe(true);
      expect(album.name).not.toBe(truth.title);
      expect(truth.releases.map((release) => release.title)).toEqual([truth.title, album.name]);
      expect(truth.firstReleaseDate < album.releaseDate).toBe(true);
      const live = groupsOf(album).find((group) => group.role === 'live');
      expect(live).toMatchObject({ title: `${truth.title} (Live)`, secondaryTypes: ['Live'] });
      expect(live?.credits[0]?.artist.id).toBe(truth.credits[0]?.artist.id);
    }
    const compilations = albums.flatMap((album) => groupsOf(album).filter((group) => group.role === 'compilation'));
    expect(compilations.length).toBeGreaterThan(0);
    for (const group of compilations) expect(group.secondaryTypes).toEqual(['Compilation']);
  });

  it('non_latin: Japanese, Korean, Cyrillic or Arabic names, in the same script on both sides', () => {
    const albums = albumsWith('non_latin');
    const scripts = new Set<string>();
    for (const album of albums) {
      const truth = truthOf(album);
      expect(truth.title).toBe(album.name);
      expect(truth.credits[0]?.name).toBe(album.artists[0]?.name);
      expect(album.name).not.toMatch(/[A-Za-z]/);
      for (const [script, pattern] of [
        ['Jpan', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u],
        ['Kore', /\p{Script=Hangul}/u],
        ['Cyrl', /\p{Script=Cyrillic}/u],
        ['Arab', /\p{Script=Arabic}/u],
      ] as const) {
        if (pattern.test(album.name)) {
          scripts.add(script);
          expect(truth.releases[0]?.script).toBe(script);
        }
      }
    }
    expect(scripts).toEqual(new Set(['Jpan', 'Kore', 'Cyrl', 'Arab']));
  });

  it('absent: no true group, but the artist has another album and other artists share a title word', () => {
    for (const album of albumsWith('absent')) {
      const decoys = groupsOf(album);
      const other = decoys.find((group) => group.role === 'artist_other_album');
      expect(other?.credits[0]?.name).toBe(album.artists[0]?.name);
      expect(other?.title).not.toBe(album.name);
      const shared = decoys.find((group) => group.role === 'shared_word');
      const words = new Set(album.name.toLowerCase().split(' '));
      expect(
        shared?.title
          .toLowerCase()
          .split(' ')
          .some((word) => words.has(word)),
      ).toBe(true);
      expect(shared?.title).not.toBe(album.name);
    }
  });

  it('featuring: two Spotify artists, credited "A feat. B" or "A & B"', () => {
    const joins = new Set<string>();
    for (const album of albumsWith('featuring')) {
      const truth = truthOf(album);
      expect(album.artists).toHaveLength(2);
      expect(truth.credits.map((credit) => credit.name)).toEqual(album.artists.map((artist) => artist.name));
      joins.add(truth.credits[0]?.joinphrase ?? '');
    }
    expect(joins).toEqual(new Set([' feat. ', ' & ']));
  });

  it('punctuation: Lucene special characters in titles or artists, kept as they are on both sides', () => {
    for (const album of albumsWith('punctuation')) {
      const truth = truthOf(album);
      expect(truth.title).toBe(album.name);
      expect(`${album.name} ${album.artists[0]?.name}`).toMatch(/[/"':&!?()[\]+~-]/);
    }
  });
});

describe(chartAt.name, () => {
  const ids = (tick: number) => chartAt(SEED, tick).map((album) => album.id);

  it('lists 60–80 distinct albums at every tick, the same for the same tick', () => {
    for (let tick = 0; tick <= 150; tick++) {
      const chart = ids(tick);
      expect(chart.length, `tick ${tick}`).toBeGreaterThanOrEqual(60);
      expect(chart.length, `tick ${tick}`).toBeLessThanOrEqual(80);
      expect(new Set(chart).size).toBe(chart.length);
    }
    expect(ids(12)).toEqual(ids(12));
    expect(ids(12)).not.toEqual(ids(13));
  });

  it('moves between ticks: entries climb, fall and leave; new albums arrive near the top with the newest dates', () => {
    let climbed = 0;
    let fell = 0;
    let left = 0;
    const arrivals: number[] = [];
    for (let tick = 0; tick < 60; tick++) {
      const before = chartAt(SEED, tick);
      const after = chartAt(SEED, tick + 1);
      const was = new Map(before.map((album, index) => [album.id, index]));
      const newest =
        before
          .map((album) => album.releaseDate)
          .sort()
          .at(-1) ?? '';
      after.forEach((album, index) => {
        const previous = was.get(album.id);
        if (previous === undefined) {
          arrivals.push(index);
          // Release dates lag their arrival by up to two days.
          if (album.releaseDatePrecision === 'day') {
            expect(Date.parse(album.releaseDate)).toBeGreaterThanOrEqual(Date.parse(newest) - 3 * 86_400_000);
          }
        } else if (index < previous) climbed++;
        else if (index > previous) fell++;
      });
      left += before.filter((album) => !after.some((other) => other.id === album.id)).length;
    }
    expect(climbed).toBeGreaterThan(100);
    expect(fell).toBeGreaterThan(100);
    expect(left).toBeGreaterThan(60);
    expect(arrivals).toHaveLength(120);
    arrivals.sort((a, b) => a - b);
    expect(arrivals[arrivals.length >> 1]).toBeLessThanOrEqual(10);
    expect(arrivals.at(-1)).toBeLessThan(30);
  });

  it('keeps moving after every album has arrived: the catalog comes round again with later dates', () => {
    const first = new Map(chartAt(SEED, 0).map((album) => [album.id, album.releaseDate]));
    const later = chartAt(SEED, 120).filter((album) => first.has(album.id));
    expect(later.length).toBeGreaterThan(0);
    for (const album of later) expect(album.releaseDate > (first.get(album.id) ?? '')).toBe(true);
  });
});

describe(chartTick.name, () => {
  it('counts manual ticks, plus whole intervals since the start when an interval is set', () => {
    expect(chartTick({ manualTicks: 3, startedAt: 1000, now: 99_999, intervalMs: 0 })).toBe(3);
    expect(chartTick({ manualTicks: 3, startedAt: 1000, now: 1000 + 2 * 500 + 499, intervalMs: 500 })).toBe(5);
    // A clock that went backwards never takes ticks away.
    expect(chartTick({ manualTicks: 1, startedAt: 1000, now: 0, intervalMs: 500 })).toBe(1);
  });
});
