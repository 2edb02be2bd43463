/**
 * A child process for the crash tests (test/releases/crash*.test.ts, bench/crash.ts): builds a `cli` container from
 * its environment exactly as `backbeat fetch` does (DATABASE_URL + REDIS_URL for scaled mode; otherwise PGlite on
 * disk under DATA_DIR), runs one new-releases fetch and prints `{"event":"child_summary","summary":…}` when it ends.
 * With LOG_LEVEL=info the pino JSON lines go to stdout as well; `fetch_success` is logged after each page's
 * transaction committed, which is how a test knows where a kill landed.
 *
 * With CHILD_WAIT_GO=1 it loads everything, prints `{"event":"child_ready"}` and waits for a line on stdin before it
 * opens the database: a test can start the next child while it still holds the PGlite directory. It prints
 * `{"event":"child_trigger","started":…,"runId":…}` as soon as the trigger answered.
 *
 * Usage: node [--import tsx] test/support/fetch-child.ts   (all configuration in the environment)
 */
import { createInterface } from 'node:readline';
import { parseConfig } from '../../src/config.ts';
import { createContainer } from '../../src/container.ts';

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const config = parseConfig(process.env);
if (process.env.CHILD_WAIT_GO === '1') {
  print({ event: 'child_ready' });
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
}
const container = await createContainer(config, { role: 'cli' });
try {
  const { run, started, done } = await container.releases.fetcher.trigger('cli');
  print({ event: 'child_trigger', started, runId: run.runId });
  const summary = await done;
  print({ event: 'child_summary', summary });
} finally {
  await container.close();
}
