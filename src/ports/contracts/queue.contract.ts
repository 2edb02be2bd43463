import { describe, expect } from 'vitest';
import { UpstreamError, UpstreamRateLimitedError } from '../../infra/upstream-errors.ts';
import { QueueConfigurationError, UnrecoverableJobError, type Queue } from '../queue.ts';
import { contractTests, instances, realTime, sleep, unique, waitFor, type ContractOptions } from './support.ts';

/**
 * The written semantics of {@link Queue}, run against every adapter. Queues from one `create` share a backend (one
 * Redis; one in-process backend), like several processes would. Each test uses fresh job names, so jobs and
 * schedules of one test never reach another.
 *
 * Delays, backoff and schedules run on `options.clock`: the memory adapter's manual clock makes every step instant;
 * BullMQ keeps that time in Redis and in its workers' timers, so there each step is a real wait, kept as short as the
 * assertions allow on a loaded machine (100-300 ms; the cron test needs whole seconds).
 */
export function runQueueContract(options: ContractOptions<Queue>): void {
  describe(`Queue contract: ${options.name}`, () => {
    const { test, done } = contractTests(options.skip);
    const open = instances(options.create, options.cleanup);
    const jobName = () => unique('job').replace(/[^A-Za-z0-9_.-]/g, '_');
    const clock = options.clock ?? realTime;
    /** A gate a handler can wait on, opened by the test. */
    const gate = () => {
      let open: () => void = () => {};
      const opened = new Promise<void>((resolve) => (open = resolve));
      return { opened, open };
    };

    test('runs a job with a copy of its data after start', async () => {
      const queue = await open();
      const name = jobName();
      const runs: { data: unknown; job: { id: string; attempt: number; name: string } }[] = [];
      queue.define<{ n: number; tags: string[] }>(name, async (data, job) => {
        runs.push({ data, job });
      });
      await queue.start();
      const data = { n: 1, tags: ['a'] };
      const id = await queue.add(name, data);
      data.tags.push('mutated after add');
      await waitFor(() => runs.length === 1, 'the job to run');
      expect(runs[0]).toEqual({ data: { n: 1, tags: ['a'] }, job: { id, attempt: 1, name } });
    });

    test('runs handlers only in queues that were started', async () => {
      // An API process defines its jobs to enqueue them but never starts; a worker process starts.
      const [api, worker] = [await open(), await open()];
      const name = jobName();
      const ranIn: string[] = [];
      api.define(name, async () => {
        ranIn.push('api');
      });
      worker.define(name, async () => {
        ranIn.push('worker');
      });
      await api.add(name, { n: 1 });
      await clock.advance(300);
      expect(ranIn).toEqual([]);
      await worker.start();
      await waitFor(() => ranIn.length === 1, 'the started queue to run the job');
      await clock.advance(100);
      expect(ranIn).toEqual(['worker']);
    });

    test('refuses a second handler for a name, and jobs of unknown names', async () => {
      const queue = await open();
      const name = jobName();
      queue.define(name, async () => {});
      expect(() => queue.define(name, async () => {})).toThrow();
      await expect(queue.add(jobName(), {})).rejects.toThrow();
      await expect(queue.schedule(jobName(), { everyMs: 1000 }, {})).rejects.toThrow();
      expect(() => queue.define('has:colon', async () => {})).toThrow(TypeError);
    });

    test('dedupes a jobId while the job is waiting or running, and not after', async () => {
      const queue = await open();
      const name = jobName();
      const runs: string[] = [];
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      queue.define<{ label: string }>(name, async ({ label }) => {
        runs.push(label);
        if (label === 'first') await gate;
      });
      const first = await queue.add(name, { label: 'first' }, { jobId: 'album:42:match' });
      const duplicate = await queue.add(name, { label: 'duplicate' }, { jobId: 'album:42:match' });
      const other = await queue.add(name, { label: 'other' }, { jobId: 'album:43:match' });
      expect(duplicate).toBe(first);
      expect(other).not.toBe(first);
      await queue.start();
      await waitFor(() => runs.includes('first'), 'the first job to start');
      expect(await queue.add(name, { label: 'while running' }, { jobId: 'album:42:match' })).toBe(first);
      release();
      await expectCounts(queue, name, { completed: 2, active: 0, waiting: 0 });
      const again = await queue.add(name, { label: 'after completion' }, { jobId: 'album:42:match' });
      expect(again).not.toBe(first);
      await waitFor(() => runs.includes('after completion'), 'the re-enqueued job to run');
      expect(runs.sort()).toEqual(['after completion', 'first', 'other']);
    });

    test('retries a failing job with exponential backoff', async () => {
      const queue = await open();
      const name = jobName();
      const attempts: { attempt: number; at: number }[] = [];
      queue.define(
        name,
        async (_data, job) => {
          attempts.push({ attempt: job.attempt, at: clock.now() });
          if (job.attempt < 3) throw new Error(`transient failure ${job.attempt}`);
        },
        { attempts: 3, backoffMs: 100 },
      );
      await queue.start();
      await queue.add(name, {});
      // Half of each backoff passes with no new attempt; the timestamps below check the whole of it.
      await waitFor(() => attempts.length === 1, 'the first attempt');
      await clock.advance(50);
      expect(attempts).toHaveLength(1);
      await clock.advance(50);
      await waitFor(() => attempts.length === 2, 'the second attempt');
      await clock.advance(100);
      expect(attempts).toHaveLength(2);
      await clock.advance(100);
      await waitFor(() => attempts.length === 3, 'the third attempt');
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      const [a1, a2, a3] = attempts.map((a) => a.at) as [number, number, number];
      expect(a2 - a1).toBeGreaterThanOrEqual(95);
      expect(a3 - a2).toBeGreaterThanOrEqual(195);
      await expectCounts(queue, name, { completed: 1, failed: 0 });
    });

    test('fails a job for good after its last attempt', async () => {
      const queue = await open();
      const name = jobName();
      let runs = 0;
      queue.define(
        name,
        async () => {
          runs++;
          throw new Error('always fails');
        },
        { attempts: 2, backoffMs: 50 },
      );
      await queue.start();
      await queue.add(name, {});
      await waitFor(() => runs === 1, 'the first attempt');
      await clock.advance(50);
      await expectCounts(queue, name, { failed: 1, completed: 0 });
      await clock.advance(300);
      expect(runs).toBe(2);
    });

    test('ends a job at once on UnrecoverableJobError', async () => {
      const queue = await open();
      const name = jobName();
      let runs = 0;
      queue.define(
        name,
        async () => {
          runs++;
          throw new UnrecoverableJobError('upstream said 404');
        },
        { attempts: 5, backoffMs: 50 },
      );
      await queue.start();
      await queue.add(name, {});
      await expectCounts(queue, name, { failed: 1, completed: 0 });
      await clock.advance(400);
      expect(runs).toBe(1);
    });

    test('refuses to start when a job name is defined twice, or added or scheduled without a handler', async () => {
      const twice = await open();
      const name = jobName();
      twice.define(name, async () => {});
      expect(() => twice.define(name, async () => {})).toThrow('defined twice');
      const refused = await twice.start().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(QueueConfigurationError);
      expect((refused as Error).message).toContain(`job "${name}" is defined twice`);

      const orphan = await open();
      const [added, scheduled] = [jobName(), jobName()];
      orphan.define(jobName(), async () => {});
      await expect(orphan.add(added, {})).rejects.toThrow('no handler');
      await expect(orphan.schedule(scheduled, { everyMs: 1000 }, {})).rejects.toThrow('no handler');
      const error = await orphan.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueConfigurationError);
      expect((error as QueueConfigurationError).problems).toEqual([
        `job "${added}" is added but has no handler (define it first)`,
        `job "${scheduled}" is scheduled but has no handler (define it first)`,
      ]);

      const wired = await open();
      wired.define(jobName(), async () => {});
      await expect(wired.start()).resolves.toBeUndefined();
    });

    test('waits out an upstream 429 without using an attempt, holding back the job name meanwhile', async () => {
      const queue = await open();
      const name = jobName();
      const runs: { label: string; attempt: number; at: number }[] = [];
      let limited = false;
      queue.define<{ label: string }>(
        name,
        async ({ label }, job) => {
          runs.push({ label, attempt: job.attempt, at: clock.now() });
          if (label === 'first' && !limited) {
            limited = true;
            throw new UpstreamRateLimitedError('svc', { retryAfterMs: 400, attempts: 1 });
          }
        },
        // One attempt, and a retry would wait a minute: only the rate-limit path runs the job again in time.
        { attempts: 1, backoffMs: 60_000 },
      );
      await queue.start();
      await queue.add(name, { label: 'first' });
      await waitFor(() => runs.length === 1, 'the first run');
      await queue.add(name, { label: 'second' });
      await clock.advance(200);
      expect(runs.map((run) => run.label)).toEqual(['first']);
      await expectCounts(queue, name, { waiting: 2, active: 0, failed: 0 });
      await clock.advance(200);
      await waitFor(() => runs.length === 3, 'both jobs once the limit is over');
      expect(runs.map((run) => [run.label, run.attempt])).toEqual([
        ['first', 1],
        ['first', 1],
        ['second', 1],
      ]);
      const [limitedRun, rerun] = runs as [(typeof runs)[0], (typeof runs)[0]];
      expect(rerun.at - limitedRun.at).toBeGreaterThanOrEqual(390);
      await expectCounts(queue, name, { completed: 2, failed: 0 });
    });

    test('fails a job at once on a permanent upstream error (a 4xx)', async () => {
      const queue = await open();
      const name = jobName();
      let runs = 0;
      queue.define(
        name,
        async () => {
          runs++;
          throw new UpstreamError('svc', 'svc: upstream answered 404', { kind: 'client', status: 404, attempts: 1 });
        },
        { attempts: 5, backoffMs: 50 },
      );
      await queue.start();
      await queue.add(name, {});
      await expectCounts(queue, name, { failed: 1, completed: 0 });
      await clock.advance(300);
      expect(runs).toBe(1);
    });

    test('retries a transient upstream error (a 5xx) after its backoff', async () => {
      const queue = await open();
      const name = jobName();
      const attempts: number[] = [];
      queue.define(
        name,
        async (_data, job) => {
          attempts.push(job.attempt);
          if (job.attempt === 1) {
            throw new UpstreamError('svc', 'svc: upstream answered 503', { kind: 'server', status: 503, attempts: 4 });
          }
        },
        { attempts: 2, backoffMs: 50 },
      );
      await queue.start();
      await queue.add(name, {});
      await waitFor(() => attempts.length === 1, 'the first attempt');
      await clock.advance(50);
      await expectCounts(queue, name, { completed: 1, failed: 0 });
      expect(attempts).toEqual([1, 2]);
    });

    test('runs a delayed job no earlier than its delay', async () => {
      const queue = await open();
      const name = jobName();
      let ranAt = 0;
      queue.define(name, async () => {
        ranAt = clock.now();
      });
      await queue.start();
      const addedAt = clock.now();
      await queue.add(name, {}, { delayMs: 300 });
      await expectCounts(queue, name, { waiting: 1, active: 0 });
      await clock.advance(150);
      expect(ranAt).toBe(0);
      await clock.advance(150);
      await waitFor(() => ranAt > 0, 'the delayed job');
      expect(ranAt - addedAt).toBeGreaterThanOrEqual(290);
    });

    test('runs up to concurrency jobs of a name at once in one queue', async () => {
      const queue = await open();
      const name = jobName();
      let running = 0;
      let peak = 0;
      let finished = 0;
      const held = gate();
      queue.define(
        name,
        async () => {
          running++;
          peak = Math.max(peak, running);
          await held.opened;
          running--;
          finished++;
        },
        { concurrency: 2 },
      );
      await Promise.all([1, 2, 3, 4, 5].map((n) => queue.add(name, { n })));
      await queue.start();
      await waitFor(() => running === 2, 'two jobs to run');
      await clock.advance(200);
      expect(running).toBe(2);
      held.open();
      await waitFor(() => finished === 5, 'all five jobs');
      expect(peak).toBe(2);
    });

    test('fires a schedule once per tick however many queues are started', async () => {
      const [a, b] = [await open(), await open()];
      const name = jobName();
      const runs: string[] = [];
      a.define(name, async () => {
        runs.push('a');
      });
      b.define(name, async () => {
        runs.push('b');
      });
      await Promise.all([a.start(), b.start()]);
      // Both processes register the same schedule at start-up, as every worker process would.
      await a.schedule(name, { everyMs: 300 }, { source: 'schedule' });
      await b.schedule(name, { everyMs: 300 }, { source: 'schedule' });
      await clock.advance(1500);
      const count = runs.length;
      // 1500 ms / 300 ms is 5 ticks (6 with a tick at registration); two workers each running every tick make 10+.
      expect(count).toBeGreaterThanOrEqual(2);
      expect(count).toBeLessThanOrEqual(6);
      await a.unschedule(name);
      await clock.advance(100);
      const afterUnschedule = runs.length;
      await clock.advance(450);
      expect(runs.length).toBe(afterUnschedule);
    });

    test('replaces a schedule registered again under the same name', async () => {
      const queue = await open();
      const name = jobName();
      const seen: number[] = [];
      queue.define<{ version: number }>(name, async ({ version }) => {
        seen.push(version);
      });
      await queue.start();
      await queue.schedule(name, { everyMs: 150 }, { version: 1 });
      await waitFor(() => seen.length >= 1, 'the first schedule to fire');
      await queue.schedule(name, { everyMs: 60_000 }, { version: 2 });
      await clock.advance(100);
      const before = seen.length;
      await clock.advance(450);
      // The 150 ms schedule would have fired 3 more times; the new one fires at most once at registration.
      expect(seen.length - before).toBeLessThanOrEqual(1);
      expect(seen.filter((v) => v === 1).length).toBeLessThanOrEqual(before);
      await queue.unschedule(name);
    });

    test('fires a cron schedule', async () => {
      const [a, b] = [await open(), await open()];
      const name = jobName();
      const runs: number[] = [];
      for (const queue of [a, b]) {
        queue.define(name, async () => {
          runs.push(clock.now());
        });
        await queue.start();
        await queue.schedule(name, { cron: '* * * * * *' }, {});
      }
      await clock.advance(2500);
      await a.unschedule(name);
      // Every second, for 2.5 s: 2 or 3 ticks, once each (4 to 6 if both queues ran each tick).
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(runs.length).toBeLessThanOrEqual(3);
    }, 10_000);

    test('close waits for running handlers to finish', async () => {
      const queue = await open();
      const name = jobName();
      let started = false;
      let finished = false;
      const held = gate();
      queue.define(name, async () => {
        started = true;
        await held.opened;
        finished = true;
      });
      await queue.start();
      await queue.add(name, {});
      await waitFor(() => started, 'the handler to start');
      let closed = false;
      const closing = queue.close().then(() => (closed = true));
      await clock.advance(100);
      expect(closed).toBe(false);
      held.open();
      await closing;
      expect(finished).toBe(true);
      await expect(queue.add(name, {})).rejects.toThrow();
    });

    test('counts jobs by state', async () => {
      const [producer, worker] = [await open(), await open()];
      const name = jobName();
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      for (const queue of [producer, worker]) {
        queue.define(name, async () => gate, { attempts: 1 });
      }
      await producer.add(name, { n: 1 });
      await producer.add(name, { n: 2 });
      await expectCounts(producer, name, { waiting: 2, active: 0, completed: 0, failed: 0 });
      await worker.start();
      await expectCounts(producer, name, { waiting: 1, active: 1 });
      release();
      await expectCounts(producer, name, { waiting: 0, active: 0, completed: 2, failed: 0 });
    });

    test('ping resolves while the backend is up', async () => {
      const queue = await open();
      await expect(queue.ping()).resolves.toBeUndefined();
    });

    done();
  });
}

/** Waits until `counts(name)` matches `expected` (the listed states only). */
async function expectCounts(
  queue: Queue,
  name: string,
  expected: Partial<Awaited<ReturnType<Queue['counts']>>>,
): Promise<void> {
  let last: unknown;
  const deadline = Date.now() + 5000;
  for (;;) {
    const counts = await queue.counts(name);
    last = counts;
    if (Object.entries(expected).every(([state, n]) => counts[state as keyof typeof counts] === n)) return;
    if (Date.now() > deadline) break;
    await sleep(20); // polling Redis or the backend, not waiting for the adapter's time
  }
  expect(last).toMatchObject(expected);
}
