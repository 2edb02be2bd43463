/**
 * A child process for test/rate-limiter-processes.test.ts: opens its own PostgreSQL pool, prints `ready`, waits for
 * `go` on stdin (so every process starts taking at the same moment), fires `attempts` concurrent takes on one bucket
 * and prints `{"granted":n,"refused":m}`.
 *
 * Usage: node --import tsx test/support/take-tokens-worker.ts <database-url> <service> <attempts>
 */
import { createInterface } from 'node:readline';
import { openDatabase } from '../../src/infra/db.ts';
import { SqlRateLimiter } from '../../src/ports/sql-rate-limiter.ts';

const [url, service, attemptsArg] = process.argv.slice(2);
const attempts = Number(attemptsArg);
if (!url || !service || !Number.isInteger(attempts) || attempts < 1) {
  console.error('usage: take-tokens-worker.ts <database-url> <service> <attempts>');
  process.exit(2);
}

const handle = await openDatabase({ url, poolSize: 10 });
try {
  const limiter = new SqlRateLimiter({ db: handle.db });
  await handle.ping();
  const lines = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) => lines.on('line', (line) => line.trim() === 'go' && resolve()));
  process.stdout.write('ready\n');
  await go;
  lines.close();
  const results = await Promise.all(Array.from({ length: attempts }, () => limiter.take(service)));
  const granted = results.filter((r) => r.granted).length;
  process.stdout.write(`${JSON.stringify({ granted, refused: results.length - granted })}\n`);
} finally {
  await handle.close();
}
