/**
 * The crash suite: 20 times per mode, a fetch child is killed with SIGKILL at a random point of its run, then a
 * clean follow-up run must start at once and converge, with no duplicate song or event and every committed event
 * published (see test/support/crash-trials.ts). The kill delays come from a seed printed here: replay a failure with
 * `CRASH_SEED=<seed> npx vitest run test/releases/crash-trials.test.ts`. `npm run bench:crash` runs 100 trials.
 */
import { describe, expect, it } from 'vitest';
import { formatCrashReport, runCrashTrials } from '../support/crash-trials.ts';
import { MODES } from '../support/services.ts';

const TRIALS = Number(process.env.CRASH_TRIALS ?? 20);
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe.each(MODES)('kill -9 at random points of fetch runs (%s)', (mode) => {
  it(`${TRIALS} kills: no duplicates, every committed event published, the next trigger starts at once`, async () => {
    process.stdout.write(`crash suite (${mode}): seed ${SEED}, replay with CRASH_SEED=${SEED}\n`);
    const log = process.env.CRASH_VERBOSE ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
    const report = await runCrashTrials({ mode, trials: TRIALS, seed: SEED, ...(log ? { log } : {}) });
    process.stdout.write(`${formatCrashReport(report)}\n`);
    expect(report.failures).toEqual([]);
    expect(report.trials).toBe(TRIALS);
    expect(report.duplicateSongs + report.duplicateEvents + report.albumsOff + report.neverPublished).toBe(0);
    expect(report.kills['in a request'] + report.kills['in a page write']).toBeGreaterThan(0);
  }, 300_000);
});
