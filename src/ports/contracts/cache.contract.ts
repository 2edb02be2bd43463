import { describe, expect } from 'vitest';
import type { Cache } from '../cache.ts';
import { contractTests, instances, realTime, type ContractOptions } from './support.ts';

/**
 * The written semantics of {@link Cache}, run against every adapter. `create` returns a cache on the shared backend;
 * each test starts by emptying its namespace (`deleteByPrefix('')`). TTLs run on `options.clock`: a manual clock for
 * adapters built on one (the steps are instant), real time for Redis, which expires keys itself; the TTLs are short
 * with margins of 100 ms or more either side of each expiry, for a loaded machine.
 */
export function runCacheContract(options: ContractOptions<Cache>): void {
  describe(`Cache contract: ${options.name}`, () => {
    const { test, done } = contractTests(options.skip);
    const clock = options.clock ?? realTime;
    const openRaw = instances(options.create, options.cleanup);
    const open = async () => {
      const cache = await openRaw();
      await cache.deleteByPrefix('');
      return cache;
    };

    test('returns undefined for a missing key', async () => {
      const cache = await open();
      expect(await cache.get('missing')).toBeUndefined();
    });

    test('returns what set stored, as a copy', async () => {
      const cache = await open();
      const value = { title: 'Jeans', tags: ['a', 'b'], nested: { n: 1 } };
      await cache.set('k', value, 10_000);
      value.tags.push('mutated after set');
      const first = await cache.get<typeof value>('k');
      expect(first).toEqual({ title: 'Jeans', tags: ['a', 'b'], nested: { n: 1 } });
      first!.nested.n = 99;
      expect(await cache.get('k')).toEqual({ title: 'Jeans', tags: ['a', 'b'], nested: { n: 1 } });
    });

    test('stores every JSON type faithfully', async () => {
      const cache = await open();
      const values: [string, unknown][] = [
        ['null', null],
        ['zero', 0],
        ['float', -12.5],
        ['false', false],
        ['empty string', ''],
        ['unicode', 'Ñandú — 東京 🎵'],
        ['array', [1, 'two', null, { three: 3 }]],
        ['empty object', {}],
      ];
      for (const [key, value] of values) await cache.set(key, value, 10_000);
      for (const [key, value] of values) expect(await cache.get(key)).toEqual(value);
    });

    test('overwrites a key and restarts its TTL', async () => {
      const cache = await open();
      await cache.set('k', 'first', 400);
      await clock.advance(250);
      await cache.set('k', 'second', 400);
      await clock.advance(250);
      // 500 ms after the first set, 250 ms after the second.
      expect(await cache.get('k')).toBe('second');
      await clock.advance(250);
      expect(await cache.get('k')).toBeUndefined();
    });

    test('expires an entry after its TTL', async () => {
      const cache = await open();
      await cache.set('short', 1, 300);
      await cache.set('long', 2, 10_000);
      expect(await cache.get('short')).toBe(1);
      await clock.advance(400);
      expect(await cache.get('short')).toBeUndefined();
      expect(await cache.get('long')).toBe(2);
    });

    test('rejects a TTL that is not a positive number', async () => {
      const cache = await open();
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(cache.set('k', 1, ttl)).rejects.toThrow(RangeError);
      }
      expect(await cache.get('k')).toBeUndefined();
    });

    test('rejects values that are not JSON-serialisable', async () => {
      const cache = await open();
      await expect(cache.set('k', undefined, 1000)).rejects.toThrow(TypeError);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(cache.set('k', cyclic, 1000)).rejects.toThrow(TypeError);
      expect(await cache.get('k')).toBeUndefined();
    });

    test('delete returns how many live entries it removed', async () => {
      const cache = await open();
      await cache.set('k', 1, 10_000);
      await cache.set('expiring', 1, 50);
      expect(await cache.delete('k')).toBe(1);
      expect(await cache.delete('k')).toBe(0);
      expect(await cache.get('k')).toBeUndefined();
      await clock.advance(120);
      expect(await cache.delete('expiring')).toBe(0);
    });

    test('deleteByPrefix removes only the keys with that literal prefix', async () => {
      const cache = await open();
      await cache.set('album:1', 1, 10_000);
      await cache.set('album:2', 2, 10_000);
      await cache.set('albums', 3, 10_000);
      await cache.set('artist:1', 4, 10_000);
      await cache.set('a*1', 5, 10_000);
      await cache.set('a?[x]\\1', 6, 10_000);
      expect(await cache.deleteByPrefix('album:')).toBe(2);
      expect(await cache.get('album:1')).toBeUndefined();
      expect(await cache.get('albums')).toBe(3);
      // Glob characters in a prefix are literal.
      expect(await cache.deleteByPrefix('a*')).toBe(1);
      expect(await cache.get('artist:1')).toBe(4);
      expect(await cache.deleteByPrefix('a?[x]\\')).toBe(1);
      expect(await cache.get('albums')).toBe(3);
      expect(await cache.deleteByPrefix('nothing:')).toBe(0);
    });

    test('deleteByPrefix removes more keys than one scan page', async () => {
      const cache = await open();
      await Promise.all(Array.from({ length: 1200 }, (_, i) => cache.set(`bulk:${i}`, i, 10_000)));
      await cache.set('other', 1, 10_000);
      expect(await cache.deleteByPrefix('bulk:')).toBe(1200);
      expect((await cache.stats()).keys).toBe(1);
    });

    test('stats count hits, misses and live keys', async () => {
      const cache = await open();
      const before = await cache.stats();
      await cache.set('a', 1, 10_000);
      await cache.set('b', 2, 10_000);
      await cache.set('gone', 3, 50);
      await cache.get('a');
      await cache.get('a');
      await cache.get('b');
      await cache.get('missing');
      await clock.advance(120);
      await cache.get('gone');
      const after = await cache.stats();
      expect(after.hits - before.hits).toBe(3);
      expect(after.misses - before.misses).toBe(2);
      expect(after.keys).toBe(2);
    });

    test('ping resolves while the backend is up', async () => {
      const cache = await open();
      await expect(cache.ping()).resolves.toBeUndefined();
    });

    done();
  });
}
