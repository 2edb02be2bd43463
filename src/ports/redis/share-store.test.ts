import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, uniqueName } from '../../../test/support/services.ts';
import { runShareStoreContract } from '../contracts/share-store.contract.ts';
import { closeRedis, createRedis, whenReady } from './connection.ts';
import { RedisShareStore } from './share-store.ts';

const prefix = uniqueName('share');

describe.skipIf(!TEST_REDIS_URL)('RedisShareStore', () => {
  const url = TEST_REDIS_URL as string;

  /** Deletes every key of this run's prefix, so each contract test starts with no session. */
  const deleteKeys = async () => {
    const raw = createRedis(url, { role: 'command' });
    try {
      await whenReady(raw);
      let cursor = '0';
      do {
        const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await raw.unlink(...keys);
      } while (cursor !== '0');
    } finally {
      await closeRedis(raw);
    }
  };

  afterAll(deleteKeys);

  runShareStoreContract({
    name: 'RedisShareStore',
    create: async (settings) => new RedisShareStore({ url, prefix, ...(settings ? { settings } : {}) }),
    cleanup: deleteKeys,
  });

  it("keeps seed 004's key schema under the prefix, with the lifetimes as TTLs", async () => {
    const store = new RedisShareStore({
      url,
      prefix,
      settings: { sessionMs: 60_000, metadataMs: 20_000, audioMs: 10_000, graceMs: 30_000 },
    });
    const other = new RedisShareStore({ url, prefix: `${prefix}-other` });
    const raw = createRedis(url, { role: 'command' });
    try {
      await whenReady(raw);
      const start = await store.start('654321', { listenerToken: 'tok', maxSessions: 5 });
      expect(start.status).toBe('started');
      await store.putMetadata('654321', { title: 'T', artist: 'A' });
      const json = JSON.stringify({ sequenceNumber: 7, data: 'AAAA' });
      await store.putChunk('654321', { sequenceNumber: 7, json, bytes: 3 });
      await store.seeListeners('654321', [{ key: 'l1', untilMs: Date.now() + 5000 }]);

      const session = `${prefix}:session:654321`;
      const hash = await raw.hgetall(session);
      expect(hash).toMatchObject({ active: 'true', listenerCount: '1', bytesTransferred: '3', listenerToken: 'tok' });
      expect(Number(hash.startTime)).toBeGreaterThan(0);
      expect(Number(hash.lastActivity)).toBeGreaterThanOrEqual(Number(hash.startTime));
      expect(await raw.hgetall(`${session}:metadata`)).toEqual({ title: 'T', artist: 'A' });
      expect(await raw.zrange(`${session}:audio`, 0, -1, 'WITHSCORES')).toEqual([json, '7']);
      expect(await raw.zrange(`${session}:listeners`, 0, -1)).toEqual(['l1']);
      expect(await raw.zrange(`${prefix}:share:active`, 0, -1)).toEqual(['654321']);
      const ttl = async (key: string) => raw.pttl(key);
      expect(await ttl(session)).toBeGreaterThan(59_000);
      expect(await ttl(`${session}:metadata`)).toBeGreaterThan(19_000);
      expect(await ttl(`${session}:metadata`)).toBeLessThanOrEqual(20_000);
      expect(await ttl(`${session}:audio`)).toBeGreaterThan(9000);
      expect(await ttl(`${session}:audio`)).toBeLessThanOrEqual(10_000);
      expect(await ttl(`${session}:listeners`)).toBeGreaterThan(4000);
      expect(await ttl(`${session}:listeners`)).toBeLessThanOrEqual(5000);
      expect(await ttl(`${prefix}:share:active`)).toBeGreaterThan(59_000);

      await store.stop('654321');
      expect(await raw.hget(session, 'active')).toBe('false');
      expect(Number(await raw.hget(session, 'stoppedAt'))).toBeGreaterThan(0);
      expect(await ttl(session)).toBeLessThanOrEqual(30_000);
      expect(await raw.exists(`${prefix}:share:active`)).toBe(0);

      // Another deployment's prefix sees none of it.
      expect(await other.session('654321')).toBeUndefined();
      expect(await other.activeSessions()).toBe(0);
    } finally {
      await Promise.all([store.close(), other.close(), closeRedis(raw)]);
      await deleteKeys();
    }
  });

  it('reads a session hash the seed wrote, without the fields it did not have', async () => {
    const store = new RedisShareStore({ url, prefix });
    const raw = createRedis(url, { role: 'command' });
    try {
      await whenReady(raw);
      await raw.hset(`${prefix}:session:111111`, {
        active: 'true',
        startTime: '1700000000000',
        lastActivity: '1700000001000',
        listenerCount: '2',
      });
      expect(await store.session('111111')).toEqual({
        active: true,
        startTime: 1_700_000_000_000,
        lastActivity: 1_700_000_001_000,
        listenerCount: 2,
        bytesTransferred: 0,
        stoppedAt: undefined,
        listenerToken: '',
      });
    } finally {
      await Promise.all([store.close(), closeRedis(raw)]);
      await deleteKeys();
    }
  });

  it('rejects fast instead of hanging when Redis cannot be reached', async () => {
    // Port 1 refuses connections; the first call gives the connection its start-up grace, bounded.
    const store = new RedisShareStore({ url: 'redis://127.0.0.1:1', prefix });
    try {
      const started = Date.now();
      await expect(store.ping()).rejects.toThrow();
      await expect(store.start('100001', { listenerToken: 't', maxSessions: 1 })).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(12_000);
    } finally {
      await store.close();
    }
  });
});
