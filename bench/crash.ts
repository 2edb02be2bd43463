/**
 * Crash benchmark, the entry point of `npm run bench:crash`: the crash suite (test/support/crash-trials.ts) with 100
 * trials per mode instead of the 20 of `npm test`. Each trial kills a fetch child with SIGKILL at a random point of
 * its run, runs a clean follow-up and checks for duplicate songs and events, the outbox and event delivery; the counts
 * are printed per mode.
 *
 *   npm run bench:crash -- [--trials 100] [--seed N] [--mode embedded|scaled|both] [--verbose]
 *
 * Scaled mode needs TEST_DATABASE_URL and TEST_REDIS_URL (as the tests do); `both` (the default) skips it without
 * them. The seed is printed: the same seed replays the same kill points. Exits 1 when a check failed.
 */
import { parseArgs } from 'node:util';
import { formatCrashReport, runCrashTrials } from '../test/support/crash-trials.ts';
import { MODES } from '../test/support/services.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '100' },
    seed: { type: 'string' },
    mode: { type: 'string', default: 'both' },
    verbose: { type: 'boolean', default: false },
  },
});

const trials = Number(values.trials);
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const modes = values.mode === 'both' ? MODES : ([values.mode] as ('embedded' | 'scaled')[]);
if (!Number.isInteger(trials) || trials < 1 || !Number.isInteger(seed)) {
  process.stderr.write('--trials and --seed take whole numbers\n');
  process.exit(2);
}
if (values.mode === 'both' && !MODES.includes('scaled')) {
  process.stdout.write('scaled mode skipped: set TEST_DATABASE_URL and TEST_REDIS_URL to run it\n');
}

let failed = false;
for (const mode of modes) {
  process.stdout.write(`crash bench (${mode}): ${trials} trials, seed ${seed} (replay with --seed ${seed})\n`);
  const report = await runCrashTrials({
    mode,
    trials,
    seed,
    ...(values.verbose ? { log: (line: string) => process.stdout.write(`${line}\n`) } : {}),
  });
  process.stdout.write(`${formatCrashReport(report)}\n`);
  if (report.failures.length > 0) failed = true;
}
process.exit(failed ? 1 : 0);
