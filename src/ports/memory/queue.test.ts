import { describe, expect, it } from 'vitest';
import { ManualClock } from '../contracts/manual-clock.ts';
import { runQueueContract } from '../contracts/queue.contract.ts';
import { MemoryQueue, MemoryQueueBackend } from './queue.ts';

// One backend for the file: queues from this factory share jobs and schedules, as BullMQ queues on one Redis do.
const clock = new ManualClock();
const backend = new MemoryQueueBackend({ clock });
runQueueContract({ name: 'MemoryQueue', create: async () => new MemoryQueue({ backend }), clock });

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
    const manual = new ManualClock();
    const shared = new MemoryQueueBackend({ clock: manual });
    const queue = new MemoryQueue({ backend: shared });
    let runs = 0;
    queue.define('tick', async () => {
      runs++;
    });
    await queue.schedule('tick', { everyMs: 20 }, {});
    await queue.add('tick', {}, { delayMs: 10 });
    expect(manual.pending).toBe(2);
    await queue.close();
    expect(manual.pending).toBe(0);
    const next = new MemoryQueue({ backend: shared });
    next.define('tick', async () => {
      runs++;
    });
    await next.start();
    await manual.advance(100);
    expect(runs).toBe(0);
    expect(await next.counts('tick')).toEqual({ waiting: 0, active: 0, failed: 0, completed: 0 });
    await next.close();
  });

  it('fires an interval schedule on a fixed grid and skips the ticks a stalled process missed', async () => {
    const manual = new ManualClock();
    const queue = new MemoryQueue({ clock: manual });
    const ticks: number[] = [];
    const start = manual.now();
    queue.define('grid', async () => {
      ticks.push(manual.now() - start);
    });
    await queue.start();
    await queue.schedule('grid', { everyMs: 100 }, {});
    await manual.advance(250);
    expect(ticks).toEqual([0, 100, 200]);
    manual.jump(1000);
    await manual.advance(100);
    // The tick due at 300 fires late, at 1250; the next one is back on the grid, with no burst in between.
    expect(ticks).toEqual([0, 100, 200, 1250, 1300]);
    await queue.close();
  });

  it('fires a cron schedule at each matching time of its clock', async () => {
    const manual = new ManualClock(Date.parse('2026-01-01T00:00:59.500Z'));
    const queue = new MemoryQueue({ clock: manual });
    const ticks: string[] = [];
    queue.define('cron', async () => {
      ticks.push(new Date(manual.now()).toISOString());
    });
    await queue.start();
    await queue.schedule('cron', { cron: '*/30 * * * * *' }, {});
    await manual.advance(61_000);
    expect(ticks).toEqual(['2026-01-01T00:01:00.000Z', '2026-01-01T00:01:30.000Z', '2026-01-01T00:02:00.000Z']);
    await queue.close();
  });
});
