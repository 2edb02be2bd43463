/**
 * Releases job benchmark, the entry point of `npm run bench:releases`:
 *   1. ingest: set-based `ingestPage` vs a row-by-row baseline, first run and idempotent re-run, PGlite and
 *      PostgreSQL (bench/ingest.ts);
 *   2. HTTP: `GET /api/new-releases` vs a bare Fastify hello-world, PGlite and PostgreSQL (bench/http.ts);
 *   3. the SSE fan-out bench (bench/sse.ts, another engineer's) as a child process with `--connections 1000,10000`
 *      (1000 with --quick; about a minute), its output passed through; --no-sse skips it;
 * then a summary table with the machine, each figure, its baseline, the ratio, the target and whether it is met.
 *
 *   npm run bench:releases -- [--quick] [--no-sse] [--no-pg] [--pg-url URL] [--only ingest|http]
 *                             [--songs 20000] [--page-size 50]                       (ingest)
 *                             [--duration 8] [--connections 50] [--releases 2000]
 *                             [--rounds 2] [--client http|raw] [--no-cached]        (HTTP)
 *                             [--sse-connections 1000,10000]                         (SSE)
 *
 * PostgreSQL: BENCH_DATABASE_URL or --pg-url (default postgres://postgres@127.0.0.1:5432/test); the bench creates
 * and drops its own database `bench_<pid>`, and skips PostgreSQL with a message when it cannot connect.
 * Prints figures and ratios; never fails on speed. Exits by itself.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { HTTP_OPTIONS, httpArgs, runHttpBench } from './http.ts';
import { ingestArgs, runIngestBench } from './ingest.ts';
import {
  DEFAULT_PG_URL,
  describeMachine,
  hasGc,
  heading,
  loadNow,
  machineInfo,
  onExit,
  summaryTable,
  type SummaryRow,
} from './lib.ts';

const { values } = parseArgs({
  options: {
    ...HTTP_OPTIONS,
    quick: { type: 'boolean', default: false },
    'no-sse': { type: 'boolean', default: false },
    'sse-connections': { type: 'string' },
    'no-pg': { type: 'boolean', default: false },
    'pg-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? DEFAULT_PG_URL },
    only: { type: 'string' },
    songs: { type: 'string' },
    'page-size': { type: 'string' },
  },
});

const only = values.only;
if (only !== undefined && only !== 'ingest' && only !== 'http') {
  throw new Error(`--only must be ingest or http, got ${only}`);
}
const pgUrl = values['no-pg'] ? undefined : values['pg-url'];

async function postgresVersion(url: string | undefined): Promise<string | undefined> {
  if (!url) return 'skipped (--no-pg)';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const rows = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const sync = await client.query<{ v: string }>(`SELECT current_setting('synchronous_commit') AS v`);
    return `${rows.rows[0]?.v ?? '?'} at ${new URL(url).host} (synchronous_commit=${sync.rows[0]?.v ?? '?'})`;
  } catch (err) {
    return `unreachable at ${url} (${(err as Error).message}): PostgreSQL runs will be skipped`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs bench/sse.ts as a child (it is a script with top-level await), output passed through. */
async function runSse(connections: string): Promise<{ code: number | null; ms: number }> {
  const script = fileURLToPath(new URL('./sse.ts', import.meta.url));
  const started = Date.now();
  const child = spawn(process.execPath, [...process.execArgv, script, '--connections', connections], {
    stdio: 'inherit',
  });
  onExit(async () => {
    child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, ms: Date.now() - started };
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = machineInfo();
  const postgres = await postgresVersion(pgUrl);
  heading(`Backbeat releases bench${values.quick ? ' (--quick)' : ''}`);
  console.log(describeMachine(machine, postgres));
  console.log(`${loadNow()} at start; GC between phases: ${hasGc() ? 'yes' : 'no (run with --expose-gc)'}`);

  const summary: SummaryRow[] = [];
  if (only !== 'http') {
    const ingest = await runIngestBench({ ...ingestArgs(values.quick, values), pgUrl });
    summary.push(...ingest.summary);
  }
  if (only !== 'ingest') {
    const http = await runHttpBench({ ...httpArgs(values.quick, values), pgUrl });
    summary.push(...http.summary);
  }

  let sseNote: string;
  const sseScript = new URL('./sse.ts', import.meta.url);
  if (values['no-sse']) {
    sseNote = 'SSE fan-out: skipped (--no-sse); run it alone with node --expose-gc --import tsx bench/sse.ts';
  } else if (!existsSync(sseScript)) {
    sseNote = 'SSE fan-out: bench/sse.ts not found, skipped';
  } else {
    const connections = values['sse-connections'] ?? (values.quick ? '1000' : '1000,10000');
    heading(`SSE fan-out: node bench/sse.ts --connections ${connections} (child process, output passed through)`);
    const sse = await runSse(connections);
    sseNote =
      sse.code === 0
        ? `SSE fan-out (bench/sse.ts --connections ${connections}): ran in ${(sse.ms / 1000).toFixed(0)} s, ` +
          'figures in its tables above'
        : `SSE fan-out: bench/sse.ts exited with code ${sse.code}`;
  }

  heading('Summary');
  console.log(describeMachine(machine, postgres));
  console.log(`${loadNow()} at the end; total run ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(summaryTable(summary, [0, 1, 2]));
  console.log(
    'Ratios are measured within this run (baseline and subject alternate on the same machine). Rows marked ' +
      '(prototype) are bench-only changes, not what src/ does. "CPU µs per request" divides the CPU the server ' +
      'process (and PostgreSQL backends) spent by the requests served: it does not depend on how busy the machine ' +
      'was, unlike req/s.',
  );
  console.log(sseNote);
}

await main();
// Nothing should be left running; exit explicitly in case a library left a handle open.
process.exit(0);
