import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../src/releases/contract.ts';
import { FETCH_JOB } from '../../src/releases/module.ts';
import { MODES } from '../support/services.ts';
import { openTestDb, startStack, type Stack, type TestDb } from '../support/stack.ts';

/**
 * The scheduled fetch as a queue job (the in-process queue embedded, BullMQ on Redis scaled): a run stopped by an
 * upstream 429 fails its job as rate limited, so the queue runs it again once the Retry-After has passed, without
 * waiting for the next tick of the schedule.
 */
describe.each(MODES)('scheduled fetch job (%s)', (mode) => {
  let db: TestDb;
  let stack: Stack;

  beforeAll(async () => {
    db = await openTestDb(mode, 'jobs');
    // A schedule far away: the only jobs are the ones the test adds.
    stack = await startStack({ db, role: 'all', env: { FETCH_CRON: '0 0 1 1 *', RELEASE_PAGES: '1' } });
  });
  afterAll(async () => {
    await stack?.close();
    await db?.close();
  });

  it('is run again after the Retry-After of a 429 that stopped it', async () => {
    stack.sandbox.faults.add({ target: 'jiosaavn', kind: 'rate_limit', retryAfterSeconds: 1, times: 1 });
    const queuedAt = Date.now();
    await stack.container.queue.add(FETCH_JOB, { trigger: 'schedule' }, { jobId: `jobs-test-${mode}` });
    let runs: RunSummary[] = [];
    await vi.waitFor(
      async () => {
        runs = await stack.container.releases.fetcher.recent(5);
        if (runs.length < 2 || runs[0]!.status === 'running') throw new Error(`${runs.length} run(s) so far`);
      },
      { timeout: 20_000, interval: 100 },
    );
    const [second, first] = runs;
    expect(first).toMatchObject({ trigger: 'schedule', status: 'failed', rateLimited: true, fetched: 0 });
    expect(first!.errors[0]).toMatchObject({ code: 'rate_limited', source: 'jiosaavn' });
    expect(first!.errors[0]!.retryAfterMs).toBeGreaterThanOrEqual(900);
    expect(second).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
    expect(second!.fetched).toBeGreaterThan(0);
    // The second run waited out the Retry-After instead of hammering the upstream.
    expect(Date.parse(second!.startedAt) - Date.parse(first!.startedAt)).toBeGreaterThanOrEqual(900);
    expect(Date.parse(second!.startedAt) - queuedAt).toBeLessThan(15_000);
  });
});
