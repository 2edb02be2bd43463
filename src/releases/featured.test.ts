import { describe, expect, it } from 'vitest';
import { chooseFeatured, decideFeatured, planFeatured, type FeaturedCandidate } from './featured.ts';

const at = (iso: string) => new Date(iso);
const RUN1 = at('2024-12-20T10:00:00Z');
const RUN2 = at('2024-12-20T10:10:00Z');

const c = (externalId: string, firstSeenAt: Date, position?: number | null): FeaturedCandidate => ({
  externalId,
  firstSeenAt,
  position,
});

describe('chooseFeatured', () => {
  it.each<[string, FeaturedCandidate[], string | null]>([
    ['nothing to choose from', [], null],
    ['the only candidate', [c('a', RUN1, 0)], 'a'],
    ['the earliest-detected song wins over an earlier position', [c('a', RUN2, 0), c('b', RUN1, 9)], 'b'],
    ['same run: the earlier upstream position wins', [c('z', RUN1, 1), c('a', RUN1, 4)], 'z'],
    ['same run, same position: the lowest external id wins', [c('b', RUN1, 3), c('a', RUN1, 3)], 'a'],
    ['a known position beats a missing one', [c('a', RUN1), c('b', RUN1, 7)], 'b'],
    ['no positions: the lowest external id', [c('b', RUN1, null), c('a', RUN1)], 'a'],
    ['ids compare by code unit, not locale', [c('b', RUN1), c('B', RUN1)], 'B'],
  ])('%s', (_label, candidates, expected) => {
    expect(chooseFeatured(candidates)).toBe(expected);
    expect(chooseFeatured([...candidates].reverse())).toBe(expected);
  });

  it('ignores play counts, release dates and kind, which move between runs', () => {
    const popular = { ...c('late', RUN2, 0), playCount: 9_000_000, releaseDate: '2024-12-25', kind: 'song' };
    const quiet = { ...c('early', RUN1, 5), playCount: 1, releaseDate: '2024-12-01', kind: 'album' };
    expect(chooseFeatured([popular, quiet])).toBe('early');
  });
});

describe('decideFeatured', () => {
  it.each<[string, string | null, FeaturedCandidate[], { featured: string | null; changed: boolean }]>([
    [
      'a new album features its first song',
      null,
      [c('s2', RUN1, 2), c('s1', RUN1, 1)],
      { featured: 's1', changed: true },
    ],
    ['an album with nothing yet and no candidates', null, [], { featured: null, changed: false }],
    [
      'a later run seeing an earlier-positioned song keeps the current one',
      's5',
      [c('s0', RUN2, 0)],
      { featured: 's5', changed: false },
    ],
    [
      'even a candidate detected before the current one does not take over',
      's5',
      [c('s0', at('2024-01-01T00:00:00Z'), 0)],
      { featured: 's5', changed: false },
    ],
    ['the current song re-seen stays', 's5', [c('s5', RUN1, 0)], { featured: 's5', changed: false }],
  ])('%s', (_label, current, candidates, expected) => {
    expect(decideFeatured(current, candidates)).toEqual(expected);
  });

  it('does not flap over many runs that see the album songs in shifting order', () => {
    let current: string | null = null;
    const history: (string | null)[] = [];
    const firstSeen = new Map<string, FeaturedCandidate>();
    const runs = [['t3', 't1'], ['t1', 't2'], ['t2', 't0', 't1'], ['t0']];
    runs.forEach((ids, run) => {
      const seenAt = new Date(RUN1.getTime() + run * 600_000);
      // Each run only offers what its page listed (an earlier-detected t1 keeps its first-seen facts).
      const page = ids.map((id, index) => {
        const known = firstSeen.get(id) ?? c(id, seenAt, run * 100 + index);
        firstSeen.set(id, known);
        return known;
      });
      current = decideFeatured(current, page).featured;
      history.push(current);
    });
    expect(history).toEqual(['t3', 't3', 't3', 't3']);
  });
});

describe('planFeatured', () => {
  it('features one song for each album that has none, and leaves featured albums alone', () => {
    const current = new Map([['jiosaavn:1', 'old']]);
    const plan = planFeatured(current, [
      { ...c('x', RUN1, 0), albumKey: 'jiosaavn:1' },
      { ...c('b', RUN1, 2), albumKey: 'jiosaavn:2' },
      { ...c('a', RUN1, 1), albumKey: 'jiosaavn:2' },
      { ...c('solo', RUN1, 3), albumKey: 'jiosaavn:name:single|artist' },
    ]);
    expect(Object.fromEntries(plan)).toEqual({ 'jiosaavn:2': 'a', 'jiosaavn:name:single|artist': 'solo' });
  });
});
