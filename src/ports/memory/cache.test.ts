import { describe, expect, it } from 'vitest';
import { runCacheContract } from '../contracts/cache.contract.ts';
import { MemoryCache } from './cache.ts';

runCacheContract({ name: 'MemoryCache', create: async () => new MemoryCache() });

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

  it('follows an injected clock for expiry', async () => {
    let now = 1_000;
    const cache = new MemoryCache({ now: () => now });
    await cache.set('k', 'v', 500);
    now += 499;
    expect(await cache.get('k')).toBe('v');
    now += 1;
    expect(await cache.get('k')).toBeUndefined();
  });

  it('rejects every call after close', async () => {
    const cache = new MemoryCache();
    await cache.close();
    await expect(cache.get('k')).rejects.toThrow('closed');
    await expect(cache.ping()).rejects.toThrow('closed');
  });
});
