import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, uniqueName } from '../../../test/support/services.ts';
import { runQueueContract } from '../contracts/queue.contract.ts';
import { waitFor } from '../contracts/support.ts';
import { closeRedis, createRedis, whenReady } from './connection.ts';
import { BullMqQueue } from './queue.ts';

const prefix = uniqueName('queue');

describe.skipIf(!TEST_REDIS_URL)('BullMqQueue', () => {
  const url = TEST_REDIS_URL as string;

  afterAll(async () => {
    const redis = createRedis(url, { role: 'command' });
    await whenReady(redis);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    await closeRedis(redis);
  });

  runQueueContract({ name: 'BullMqQueue', create: async () => new BullMqQueue({ url, prefix }) });

  it('keeps its jobs under the BullMQ prefix', async () => {
    const queue = new BullMqQueue({ url, prefix });
    const redis = createRedis(url, { role: 'command' });
    try {
      await whenReady(redis);
      let ran = false;
      queue.define('prefixed', async () => {
        ran = true;
      });
      await queue.start();
      await queue.add('prefixed', {});
      await waitFor(() => ran, 'the job');
      const [, keys] = await redis.scan('0', 'MATCH', `${prefix}:prefixed:*`, 'COUNT', 1000);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      await queue.close();
      await closeRedis(redis);
    }
  });

  it('rejects fast instead of hanging when Redis cannot be reached', async () => {
    const queue = new BullMqQueue({ url: 'redis://127.0.0.1:1', prefix });
    try {
      queue.define('unreachable', async () => {});
      const started = Date.now();
      await expect(queue.ping()).rejects.toThrow();
      await expect(queue.add('unreachable', {})).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(6000);
    } finally {
      await queue.close();
    }
  });
});
