import { describe, expect, it } from 'vitest';
import { runCacheContract } from '../contracts/cache.contract.ts';
import { ManualClock } from '../contracts/manual-clock.ts';
import { MemoryCache } from './cache.ts';

const clock = new ManualClock();
runCacheContract({ name: 'MemoryCache', create: async () => new MemoryCache({ now: () => clock.now() }), clock });

describe(MemoryCache.name, () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 2 });
    await cache.set('a', 1, 10_000);
    await cache.set('b', 2, 10_000);
    await cache.get('a');
    await cache.set('c', 3, 10_000);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('c')).toBe(3);
    expect((await cache.stats()).keys).toBe(2);
  });

  it('evicts the least recently used entries beyond maxSizeBytes (UTF-8 JSON) and never stores a larger value', async () => {
    const cache = new MemoryCache({ maxSizeBytes: 20 });
    await cache.set('a', 'xxxxxxxx', 10_000); // "xxxxxxxx" is 10 bytes
    await cache.set('b', 'éééé', 10_000); // 4 two-byte characters plus quotes: 10 bytes
    await cache.get('a');
    await cache.set('c', 'x', 10_000); // 3 bytes: 23 in all, so b (least recently used) goes
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe('xxxxxxxx');
    expect(await cache.get('c')).toBe('x');
    await cache.set('c', 'x'.repeat(30), 10_000);
    expect(await cache.get('c')).toBeUndefined(); // too large: not stored, and the old value is gone
    expect(await cache.get('a')).toBe('xxxxxxxx');
  });

  it('expires an entry once more than its TTL has passed on the injected clock', async () => {
    let now = 1_000;
    const cache = new MemoryCache({ now: () => now });
    await cache.set('k', 'v', 500);
    now += 500;
    expect(await cache.get('k')).toBe('v');
    now += 1;
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('fraction', 'v', 0.5); // rounded up to 1 ms, as for Redis
    now += 1;
    expect(await cache.get('fraction')).toBe('v');
    now += 1;
    expect(await cache.get('fraction')).toBeUndefined();
    expect((await cache.stats()).keys).toBe(0);
  });

  it('rejects invalid bounds', () => {
    expect(() => new MemoryCache({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new MemoryCache({ maxSizeBytes: 1.5 })).toThrow(RangeError);
  });

  it('rejects every call after close', async () => {
    const cache = new MemoryCache();
    await cache.close();
    await expect(cache.get('k')).rejects.toThrow('closed');
    await expect(cache.ping()).rejects.toThrow('closed');
  });
});
