import { describe, expect, it } from 'vitest';
import {
  albumHistorySummary,
  chartStats,
  rankPopularAlbums,
  rankTrendingArtists,
  RANKING_RULE,
  type AlbumInfo,
  type Appearance,
} from './ranking.ts';

const at = (iso: string): Date => new Date(`2026-03-${iso}Z`);

/** Rows of one refresh: album ids in chart order (1-based positions), `null` entries given as `[id, null]`. */
const refresh = (source: string, seenAt: Date, chart: Array<string | [string, number | null]>): Appearance[] =>
  chart.map((entry, i) =>
    typeof entry === 'string'
      ? { albumId: entry, source, position: i + 1, seenAt }
      : { albumId: entry[0], source, position: entry[1], seenAt },
  );

const info = (id: string, ...artists: Array<[string, string]>): AlbumInfo => ({
  id,
  name: `Album ${id}`,
  artists: artists.map(([artistId, name]) => ({ id: artistId, name })),
});

const mapOf = (...albums: AlbumInfo[]): ReadonlyMap<string, AlbumInfo> => new Map(albums.map((a) => [a.id, a]));

// The scripted chart: one refresh before the window and four in it, four albums each.
//   T0 (history): d a
//   T1: a b c d      T2: b a c e      T3: b e a c      T4: e b c a
// Points per refresh of four: #1 1, #2 0.75, #3 0.5, #4 0.25.
const T0 = at('01T00:00:00.000');
const T1 = at('02T00:00:00.000');
const T2 = at('02T06:00:00.000');
const T3 = at('02T12:00:00.000');
const T4 = at('02T18:00:00.000');
const history = refresh('spotify', T0, ['d', 'a']);
const week = [
  ...refresh('spotify', T1, ['a', 'b', 'c', 'd']),
  ...refresh('spotify', T2, ['b', 'a', 'c', 'e']),
  ...refresh('spotify', T3, ['b', 'e', 'a', 'c']),
  ...refresh('spotify', T4, ['e', 'b', 'c', 'a']),
];
const albums = mapOf(
  info('a', ['ar1', 'Artist One']),
  info('b', ['ar1', 'Artist One'], ['ar2', 'Artist Two']),
  info('c', ['ar2', 'Artist Two']),
  info('d', ['ar3', 'Artist Three']),
  info('e', ['ar4', 'Artist Four']),
);

describe('RANKING_RULE', () => {
  it('states the formula, the window, the ties and the artist rule', () => {
    expect(RANKING_RULE).toContain('(N + 1 − p) / N');
    expect(RANKING_RULE).toContain('no recency weighting');
    expect(RANKING_RULE).toContain('best position, then the more recent appearance, then the id');
    expect(RANKING_RULE).toContain('no split');
  });
});

describe('rankPopularAlbums', () => {
  it('sums the points of every refresh', () => {
    expect(rankPopularAlbums(week, albums, { limit: 10 })).toEqual([
      { albumId: 'b', points: 3.5, appearances: 4, bestPosition: 1, lastPosition: 2 },
      { albumId: 'a', points: 2.5, appearances: 4, bestPosition: 1, lastPosition: 4 },
      { albumId: 'e', points: 2, appearances: 3, bestPosition: 1, lastPosition: 1 },
      { albumId: 'c', points: 1.75, appearances: 4, bestPosition: 3, lastPosition: 3 },
      { albumId: 'd', points: 0.25, appearances: 1, bestPosition: 4, lastPosition: 4 },
    ]);
  });

  it('includes the earlier refresh when it is given (the caller chooses the window)', () => {
    // T0 is a chart of two: d earns 1, a earns 0.5.
    const ranked = rankPopularAlbums([...history, ...week], albums, { limit: 10 });
    expect(ranked.map((r) => [r.albumId, r.points])).toEqual([
      ['b', 3.5],
      ['a', 3],
      ['e', 2],
      ['c', 1.75],
      ['d', 1.25],
    ]);
  });

  it.each<[number, string[]]>([
    [0, []],
    [2, ['b', 'a']],
    [99, ['b', 'a', 'e', 'c', 'd']],
  ])('limit %d', (limit, ids) => {
    expect(rankPopularAlbums(week, albums, { limit }).map((r) => r.albumId)).toEqual(ids);
  });

  it.each([-1, 1.5, Number.NaN])('rejects limit %d', (limit) => {
    expect(() => rankPopularAlbums(week, albums, { limit })).toThrow(RangeError);
  });

  it('answers an empty list for no appearances', () => {
    expect(rankPopularAlbums([], albums, { limit: 5 })).toEqual([]);
  });

  it('breaks a tie in points by the better best position, even against a more recent appearance', () => {
    const rows = [
      ...refresh('s', T1, ['p', 'q', 'x', 'y']), // p 1, q 0.75
      ...refresh('s', T2, ['x', 'y', 'z', 'q']), // q 0.25
    ];
    const ranked = rankPopularAlbums(rows, mapOf(info('p'), info('q')), { limit: 10 });
    expect(ranked.map((r) => [r.albumId, r.points, r.bestPosition])).toEqual([
      ['p', 1, 1],
      ['q', 1, 2],
    ]);
  });

  it('then by the more recent appearance, then by id', () => {
    const rows = [
      ...refresh('one', T1, ['m']),
      ...refresh('two', T2, ['n']),
      ...refresh('three', T1, ['o']),
      ...refresh('four', T1, ['k']),
    ];
    const ranked = rankPopularAlbums(rows, mapOf(info('m'), info('n'), info('o'), info('k')), { limit: 10 });
    expect(ranked.map((r) => r.albumId)).toEqual(['n', 'k', 'm', 'o']);
    expect(ranked.every((r) => r.points === 1)).toBe(true);
  });

  it('counts an unknown position, or one beyond the chart, as last place', () => {
    const rows = refresh('s', T1, ['a', ['b', null], ['c', null], ['d', 50]]);
    const ranked = rankPopularAlbums(rows, albums, { limit: 10 });
    expect(ranked).toEqual([
      { albumId: 'a', points: 1, appearances: 1, bestPosition: 1, lastPosition: 1 },
      { albumId: 'd', points: 0.25, appearances: 1, bestPosition: 50, lastPosition: 50 },
      { albumId: 'b', points: 0.25, appearances: 1, bestPosition: null, lastPosition: null },
      { albumId: 'c', points: 0.25, appearances: 1, bestPosition: null, lastPosition: null },
    ]);
  });

  it('sizes each chart by its own source: two sources at the same instant are two refreshes', () => {
    const rows = [...refresh('spotify', T1, ['a', 'b', 'c', 'd']), ...refresh('deezer', T1, ['c', 'a'])];
    const ranked = rankPopularAlbums(rows, albums, { limit: 10 });
    expect(ranked).toEqual([
      // 1 (spotify #1) + 0.5 (deezer #2 of 2)
      { albumId: 'a', points: 1.5, appearances: 2, bestPosition: 1, lastPosition: 1 },
      // 0.5 (spotify #3) + 1 (deezer #1 of 2)
      { albumId: 'c', points: 1.5, appearances: 2, bestPosition: 1, lastPosition: 1 },
      { albumId: 'b', points: 0.75, appearances: 1, bestPosition: 2, lastPosition: 2 },
      { albumId: 'd', points: 0.25, appearances: 1, bestPosition: 4, lastPosition: 4 },
    ]);
  });

  it('rounds points so that equal sums compare equal', () => {
    const rows = [...refresh('s', T1, ['x', 'y', 'z']), ...refresh('s', T2, ['z', 'y', 'x'])];
    const ranked = rankPopularAlbums(rows, mapOf(info('x'), info('y'), info('z')), { limit: 10 });
    // All three score 4/3; x and z share the best position 1 and the last refresh, so the id decides.
    expect(ranked.map((r) => [r.albumId, r.points])).toEqual([
      ['x', 1.333333],
      ['z', 1.333333],
      ['y', 1.333333],
    ]);
  });

  it('leaves out albums it has no information for, without changing the chart sizes', () => {
    const ranked = rankPopularAlbums(week, mapOf(info('c'), info('d')), { limit: 10 });
    expect(ranked.map((r) => [r.albumId, r.points])).toEqual([
      ['c', 1.75],
      ['d', 0.25],
    ]);
  });

  it('counts an album listed twice in one refresh once, at its better position', () => {
    const rows = [...refresh('s', T1, ['a', 'b']), { albumId: 'b', source: 's', position: 1, seenAt: T1 }];
    expect(rankPopularAlbums(rows, albums, { limit: 10 })).toEqual([
      { albumId: 'a', points: 1, appearances: 1, bestPosition: 1, lastPosition: 1 },
      { albumId: 'b', points: 1, appearances: 1, bestPosition: 1, lastPosition: 1 },
    ]);
  });
});

describe('rankTrendingArtists', () => {
  it('sums the full points of every credited album', () => {
    expect(rankTrendingArtists(week, albums, { limit: 10 })).toEqual([
      // a 2.5 + b 3.5
      { artistId: 'ar1', name: 'Artist One', points: 6, albums: 2, appearances: 8 },
      // b 3.5 + c 1.75
      { artistId: 'ar2', name: 'Artist Two', points: 5.25, albums: 2, appearances: 8 },
      { artistId: 'ar4', name: 'Artist Four', points: 2, albums: 1, appearances: 3 },
      { artistId: 'ar3', name: 'Artist Three', points: 0.25, albums: 1, appearances: 1 },
    ]);
  });

  it('applies the limit and the same tie rule (best position, recency, id)', () => {
    const rows = [...refresh('one', T1, ['m']), ...refresh('two', T2, ['n']), ...refresh('three', T1, ['o'])];
    const ranked = rankTrendingArtists(
      rows,
      mapOf(info('m', ['zz', 'Zed']), info('n', ['yy', 'Why']), info('o', ['aa', 'Aye'])),
      { limit: 2 },
    );
    expect(ranked.map((r) => r.artistId)).toEqual(['yy', 'aa']);
  });

  it('credits an artist listed twice on one album once, and names it as its highest-ranked album does', () => {
    const rows = refresh('s', T1, ['x', 'y']);
    const ranked = rankTrendingArtists(
      rows,
      mapOf(info('x', ['ar', 'New Name'], ['ar', 'New Name']), info('y', ['ar', 'Old Name'])),
      { limit: 10 },
    );
    expect(ranked).toEqual([{ artistId: 'ar', name: 'New Name', points: 1.5, albums: 2, appearances: 2 }]);
  });
});

describe('chartStats', () => {
  const all = [...history, ...week];
  const stats = chartStats(all, albums, { from: T1, to: T4, limit: 10 });

  it('reports the window and counts refreshes per source', () => {
    expect(stats.window).toEqual({ from: T1, to: T4 });
    expect(stats.refreshes).toBe(4);
    expect(stats.perSource).toEqual([{ source: 'spotify', refreshes: 4, albums: 5, appearances: 16 }]);
  });

  it('ranks persistence by appearances, then share of possible appearances, then id', () => {
    expect(stats.mostPersistent).toEqual([
      { albumId: 'a', appearances: 4, refreshesInWindow: 4 },
      { albumId: 'b', appearances: 4, refreshesInWindow: 4 },
      { albumId: 'c', appearances: 4, refreshesInWindow: 4 },
      { albumId: 'e', appearances: 3, refreshesInWindow: 4 },
      { albumId: 'd', appearances: 1, refreshesInWindow: 4 },
    ]);
  });

  it('lists as new only albums first seen inside the window (a and d were seen before it)', () => {
    expect(stats.newEntries).toEqual([
      { albumId: 'b', firstSeenAt: T1, position: 2, source: 'spotify' },
      { albumId: 'c', firstSeenAt: T1, position: 3, source: 'spotify' },
      { albumId: 'e', firstSeenAt: T2, position: 4, source: 'spotify' },
    ]);
  });

  it('measures climbers and fallers from the first to the last refresh where each album appears', () => {
    expect(stats.climbers).toEqual([{ albumId: 'e', source: 'spotify', from: 4, to: 1, change: 3 }]);
    expect(stats.fallers).toEqual([{ albumId: 'a', source: 'spotify', from: 1, to: 4, change: -3 }]);
  });

  it('includes both ends of the window and nothing outside it', () => {
    const inner = chartStats(all, albums, { from: T2, to: T3, limit: 10 });
    expect(inner.refreshes).toBe(2);
    expect(inner.perSource).toEqual([{ source: 'spotify', refreshes: 2, albums: 4, appearances: 8 }]);
    // e debuted at T2 (the first instant of the window); b and c debuted at T1, before it.
    expect(inner.newEntries.map((e) => e.albumId)).toEqual(['e']);
    // T2 → T3: a 2 → 3, e 4 → 2, c 3 → 4, b 1 → 1.
    expect(inner.climbers).toEqual([{ albumId: 'e', source: 'spotify', from: 4, to: 2, change: 2 }]);
    expect(inner.fallers).toEqual([
      { albumId: 'a', source: 'spotify', from: 2, to: 3, change: -1 },
      { albumId: 'c', source: 'spotify', from: 3, to: 4, change: -1 },
    ]);

    const oneMs = 1;
    const open = chartStats(all, albums, {
      from: new Date(T2.getTime() + oneMs),
      to: new Date(T3.getTime() - oneMs),
      limit: 10,
    });
    expect(open.refreshes).toBe(0);
    expect(open.perSource).toEqual([]);
    expect(open.mostPersistent).toEqual([]);
    expect(open.newEntries).toEqual([]);
    expect(open.climbers).toEqual([]);
  });

  it('a single instant is a window of one refresh, with no moves', () => {
    const instant = chartStats(all, albums, { from: T3, to: T3, limit: 10 });
    expect(instant.refreshes).toBe(1);
    expect(instant.climbers).toEqual([]);
    expect(instant.fallers).toEqual([]);
  });

  it('ignores rows after `to`, so a later debut does not hide an earlier one', () => {
    const later = [...all, ...refresh('spotify', at('09T00:00:00.000'), ['f'])];
    const s = chartStats(later, mapOf(...albums.values(), info('f')), { from: T1, to: T4, limit: 10 });
    expect(s.refreshes).toBe(4);
    expect(s.newEntries.map((e) => e.albumId)).toEqual(['b', 'c', 'e']);
  });

  it('applies the limit to every list', () => {
    const s = chartStats(all, albums, { from: T1, to: T4, limit: 1 });
    expect(s.mostPersistent).toHaveLength(1);
    expect(s.newEntries).toHaveLength(1);
    expect(s.climbers).toHaveLength(1);
    expect(s.fallers).toHaveLength(1);
  });

  it('rejects a reversed or invalid window', () => {
    expect(() => chartStats(all, albums, { from: T4, to: T1, limit: 5 })).toThrow(RangeError);
    expect(() => chartStats(all, albums, { from: new Date(Number.NaN), to: T1, limit: 5 })).toThrow(RangeError);
    expect(() => chartStats(all, albums, { from: T1, to: T4, limit: -1 })).toThrow(RangeError);
  });

  describe('two sources and unknown positions', () => {
    // deezer refreshes twice: T2 (c #1, f unknown) and T4 (f #1, c #2); spotify as in the script.
    const deezer = [...refresh('deezer', T2, ['c', ['f', null]]), ...refresh('deezer', T4, ['f', 'c'])];
    const rows = [...all, ...deezer];
    const both = mapOf(...albums.values(), info('f', ['ar5', 'Artist Five']));
    const s = chartStats(rows, both, { from: T1, to: T4, limit: 10 });

    it('counts each source separately', () => {
      expect(s.refreshes).toBe(6);
      expect(s.perSource).toEqual([
        { source: 'deezer', refreshes: 2, albums: 2, appearances: 4 },
        { source: 'spotify', refreshes: 4, albums: 5, appearances: 16 },
      ]);
    });

    it('measures possible appearances over the sources an album is on', () => {
      expect(s.mostPersistent.slice(0, 2)).toEqual([
        { albumId: 'c', appearances: 6, refreshesInWindow: 6 },
        { albumId: 'a', appearances: 4, refreshesInWindow: 4 },
      ]);
      expect(s.mostPersistent).toContainEqual({ albumId: 'f', appearances: 2, refreshesInWindow: 2 });
    });

    it('measures moves within one source and skips unknown positions', () => {
      // c: spotify 3 → 3 (no move), deezer 1 → 2; f: deezer unknown → 1 is not a move.
      expect(s.fallers).toEqual([
        { albumId: 'a', source: 'spotify', from: 1, to: 4, change: -3 },
        { albumId: 'c', source: 'deezer', from: 1, to: 2, change: -1 },
      ]);
      expect(s.climbers).toEqual([{ albumId: 'e', source: 'spotify', from: 4, to: 1, change: 3 }]);
    });

    it('a new entry with an unknown debut position sorts after known ones', () => {
      expect(s.newEntries).toEqual([
        { albumId: 'b', firstSeenAt: T1, position: 2, source: 'spotify' },
        { albumId: 'c', firstSeenAt: T1, position: 3, source: 'spotify' },
        { albumId: 'e', firstSeenAt: T2, position: 4, source: 'spotify' },
        { albumId: 'f', firstSeenAt: T2, position: null, source: 'deezer' },
      ]);
    });

    it('a debut on two sources at once reports the better position', () => {
      const both2 = [...refresh('spotify', T1, ['x', 'y', 'g']), ...refresh('deezer', T1, ['g'])];
      const g = chartStats(both2, mapOf(info('g')), { from: T1, to: T1, limit: 10 });
      expect(g.newEntries).toEqual([{ albumId: 'g', firstSeenAt: T1, position: 1, source: 'deezer' }]);
    });

    it('ranks the two-source chart by the same rule', () => {
      // c: spotify 1.75 + deezer 1 + 0.5; f: deezer 0.5 (unknown of 2) + 1.
      const ranked = rankPopularAlbums(
        rows.filter((r) => r.seenAt >= T1),
        both,
        { limit: 10 },
      );
      expect(ranked.map((r) => [r.albumId, r.points])).toEqual([
        ['b', 3.5],
        ['c', 3.25],
        ['a', 2.5],
        ['e', 2],
        ['f', 1.5],
        ['d', 0.25],
      ]);
    });
  });

  it('leaves albums without information out of the lists but not out of the counts', () => {
    const s = chartStats(all, mapOf(info('a')), { from: T1, to: T4, limit: 10 });
    expect(s.perSource).toEqual([{ source: 'spotify', refreshes: 4, albums: 5, appearances: 16 }]);
    expect(s.mostPersistent.map((p) => p.albumId)).toEqual(['a']);
    expect(s.newEntries).toEqual([]);
    expect(s.climbers).toEqual([]);
    expect(s.fallers.map((f) => f.albumId)).toEqual(['a']);
  });
});

describe('albumHistorySummary', () => {
  it.each<[string, Appearance[], ReturnType<typeof albumHistorySummary>]>([
    ['no appearances', [], { firstSeenAt: null, lastSeenAt: null, peakPosition: null, count: 0, sources: [] }],
    [
      'one album over the script (unordered input)',
      [...week, ...history].filter((r) => r.albumId === 'a').reverse(),
      { firstSeenAt: T0, lastSeenAt: T4, peakPosition: 1, count: 5, sources: ['spotify'] },
    ],
    [
      'unknown positions only',
      [
        { albumId: 'f', source: 'deezer', position: null, seenAt: T2 },
        { albumId: 'f', source: 'apple', position: null, seenAt: T1 },
      ],
      { firstSeenAt: T1, lastSeenAt: T2, peakPosition: null, count: 2, sources: ['apple', 'deezer'] },
    ],
    [
      'a known peak among unknown positions',
      [
        { albumId: 'f', source: 'deezer', position: null, seenAt: T2 },
        { albumId: 'f', source: 'deezer', position: 7, seenAt: T3 },
      ],
      { firstSeenAt: T2, lastSeenAt: T3, peakPosition: 7, count: 2, sources: ['deezer'] },
    ],
  ])('%s', (_label, rows, expected) => {
    expect(albumHistorySummary(rows)).toEqual(expected);
  });
});
