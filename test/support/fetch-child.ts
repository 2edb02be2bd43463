/**
 * A child process for test/releases/crash.test.ts: builds a `cli` container from its environment exactly as
 * `backbeat fetch` does (DATABASE_URL + REDIS_URL for scaled mode; otherwise PGlite on disk under DATA_DIR), runs one
 * new-releases fetch and prints `{"event":"child_summary","summary":…}` when it ends. With LOG_LEVEL=info the pino
 * JSON lines go to stdout as well; `fetch_success` is logged after each page's transaction committed, which is how the
 * test knows when to kill it.
 *
 * Usage: node --import tsx test/support/fetch-child.ts   (all configuration in the environment)
 */
import { parseConfig } from '../../src/config.ts';
import { createContainer } from '../../src/container.ts';

const config = parseConfig(process.env);
const container = await createContainer(config, { role: 'cli' });
try {
  const { done } = await container.releases.fetcher.trigger('cli');
  const summary = await done;
  process.stdout.write(`${JSON.stringify({ event: 'child_summary', summary })}\n`);
} finally {
  await container.close();
}
