import { describe, expect, it } from 'vitest';
import { runQueueContract } from '../contracts/queue.contract.ts';
import { MemoryQueue, MemoryQueueBackend } from './queue.ts';

// One backend for the file: queues from this factory share jobs and schedules, as BullMQ queues on one Redis do.
const backend = new MemoryQueueBackend();
runQueueContract({ name: 'MemoryQueue', create: async () => new MemoryQueue({ backend }) });

describe(MemoryQueue.name, () => {
  it('keeps queues with their own backends apart', async () => {
    const a = new MemoryQueue();
    const b = new MemoryQueue();
    const ran: string[] = [];
    a.define('job', async () => {
      ran.push('a');
    });
    b.define('job', async () => {
      ran.push('b');
    });
    await b.start();
    await a.add('job', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran).toEqual([]);
    await a.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran).toEqual(['a']);
    await Promise.all([a.close(), b.close()]);
  });

  it('drops pending work and stops schedules when its last queue closes', async () => {
    const shared = new MemoryQueueBackend();
    const queue = new MemoryQueue({ backend: shared });
    let runs = 0;
    queue.define('tick', async () => {
      runs++;
    });
    await queue.schedule('tick', { everyMs: 20 }, {});
    await queue.add('tick', {}, { delayMs: 10 });
    await queue.close();
    const next = new MemoryQueue({ backend: shared });
    next.define('tick', async () => {
      runs++;
    });
    await next.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs).toBe(0);
    expect(await next.counts('tick')).toEqual({ waiting: 0, active: 0, failed: 0, completed: 0 });
    await next.close();
  });
});
