import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, uniqueName } from '../../../test/support/services.ts';
import { runCacheContract } from '../contracts/cache.contract.ts';
import { RedisCache } from './cache.ts';
import { createRedis, whenReady } from './connection.ts';

const prefix = uniqueName('cache');

describe.skipIf(!TEST_REDIS_URL)('RedisCache', () => {
  const url = TEST_REDIS_URL as string;

  afterAll(async () => {
    const cache = new RedisCache({ url, prefix });
    await cache.deleteByPrefix('');
    await cache.close();
  });

  runCacheContract({ name: 'RedisCache', create: async () => new RedisCache({ url, prefix }) });

  it('stores every key under its prefix and never touches another namespace', async () => {
    const mine = new RedisCache({ url, prefix });
    const other = new RedisCache({ url, prefix: `${prefix}-other` });
    const raw = createRedis(url, { role: 'command' });
    try {
      await whenReady(raw);
      await mine.set('k', { v: 1 }, 10_000);
      await other.set('k', { v: 2 }, 10_000);
      expect(await raw.get(`${prefix}:cache:k`)).toBe('{"v":1}');
      const ttl = await raw.pttl(`${prefix}:cache:k`);
      expect(ttl).toBeGreaterThan(9000);
      expect(ttl).toBeLessThanOrEqual(10_000);
      expect(await mine.deleteByPrefix('')).toBe(1);
      expect(await other.get('k')).toEqual({ v: 2 });
      expect((await other.stats()).keys).toBe(1);
    } finally {
      await other.deleteByPrefix('');
      await Promise.all([mine.close(), other.close()]);
      raw.disconnect();
    }
  });

  it('rejects fast instead of hanging when Redis cannot be reached', async () => {
    // Port 1 refuses connections; the first call gives the connection its start-up grace, bounded.
    const cache = new RedisCache({ url: 'redis://127.0.0.1:1', prefix });
    try {
      const started = Date.now();
      await expect(cache.ping()).rejects.toThrow();
      await expect(cache.get('k')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(12_000);
    } finally {
      await cache.close();
    }
  });
});
