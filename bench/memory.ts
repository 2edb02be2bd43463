/**
 * Memory under distinct-cursor load: the app (embedded, PGlite) over a few thousand stored releases answers
 * `GET /api/new-releases?cursor=…` with N distinct valid cursors, and, as the baseline in the same process, the same N
 * requests repeating one cursor. Prints RSS (before, after, peak, sampled every 20 ms) and heap per phase and the
 * ratios to the baseline; nothing is asserted. "after GC" is measured 1.5 s after the phase (past the page memo's
 * lifetime), so it is what the process keeps.
 *
 *   node --expose-gc --import tsx bench/memory.ts [--releases 3000] [--requests 8300] [--limit 24] [--concurrency 16]
 *                                                 [--phases baseline,distinct]  (any order, repeats allowed)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { parseConfig } from '../src/config.ts';
import { createContainer } from '../src/container.ts';
import { openDatabase, queryRows, type DatabaseHandle } from '../src/infra/db.ts';
import { createLogger } from '../src/infra/logger.ts';
import { encodeCursor } from '../src/releases/service.ts';
import { seedReleases } from './ingest.ts';
import { collectGarbage, describeMachine, fixed, hasGc, heading, int, machineInfo, sleep, table } from './lib.ts';

const { values: args } = parseArgs({
  options: {
    releases: { type: 'string', default: '3000' },
    requests: { type: 'string', default: '8300' },
    limit: { type: 'string', default: '24' },
    concurrency: { type: 'string', default: '16' },
    phases: { type: 'string', default: 'baseline,distinct' },
  },
});
const RELEASES = Number(args.releases);
const REQUESTS = Number(args.requests);
const LIMIT = Number(args.limit);
const CONCURRENCY = Number(args.concurrency);

const MiB = 1024 * 1024;
const mib = (bytes: number): string => fixed(bytes / MiB, 1);

/**
 * `count` distinct cursors the API accepts: first the (date, id) of every stored featured release (what a client
 * paging through the list sends), then the same dates with other ids.
 */
async function distinctCursors(database: DatabaseHandle, count: number): Promise<string[]> {
  const rows = await queryRows<{ sort_date: string; id: number | string }>(
    database.db,
    sql`SELECT to_char(sort_date, 'YYYY-MM-DD') AS sort_date, id FROM songs WHERE featured ORDER BY id`,
  );
  const dates = rows.map((r) => r.sort_date);
  const out = new Set<string>();
  for (const [i, row] of rows.entries()) out.add(encodeCursor({ sortDate: dates[i]!, id: Number(row.id) }));
  for (let n = 1; out.size < count; n++) {
    out.add(encodeCursor({ sortDate: dates[n % dates.length] ?? '2026-01-01', id: 1_000_000 + n }));
  }
  return [...out].slice(0, count);
}

interface PhaseResult {
  name: string;
  requests: number;
  ok: number;
  ms: number;
  rssBefore: number;
  rssAfter: number;
  rssPeak: number;
  heapBefore: number;
  heapAfter: number;
  heapPeak: number;
  rssAfterGc: number;
  heapAfterGc: number;
  /** Memory outside the JS heap (buffers; PGlite's WebAssembly memory shows in RSS only). */
  externalAfterGc: number;
}

async function phase(name: string, send: (i: number) => Promise<number>, requests: number): Promise<PhaseResult> {
  collectGarbage();
  await sleep(200);
  const before = process.memoryUsage();
  let rssPeak = before.rss;
  let heapPeak = before.heapUsed;
  const sample = (): void => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  const started = performance.now();
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests) {
        const i = next++;
        if ((await send(i)) === 200) ok += 1;
        if (i % 100 === 0) sample();
      }
    }),
  );
  const ms = performance.now() - started;
  clearInterval(timer);
  sample();
  const after = process.memoryUsage();
  // Past the in-process page memo's lifetime (1 s), so what is left after GC is what stays.
  await sleep(1500);
  collectGarbage();
  await sleep(200);
  const afterGc = process.memoryUsage();
  return {
    name,
    requests,
    ok,
    ms,
    rssBefore: before.rss,
    rssAfter: after.rss,
    rssPeak,
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    heapPeak,
    rssAfterGc: afterGc.rss,
    heapAfterGc: afterGc.heapUsed,
    externalAfterGc: afterGc.external,
  };
}

async function main(): Promise<void> {
  heading('Memory under distinct-cursor load (embedded, PGlite)');
  console.log(describeMachine(machineInfo(), undefined));
  if (!hasGc()) console.log('(run with --expose-gc for GC between phases: npm run bench:memory)');
  const dataDir = mkdtempSync(join(tmpdir(), 'backbeat-bench-memory-'));
  const database = await openDatabase({});
  try {
    await database.migrate();
    process.stdout.write(`storing ${int(RELEASES)} releases ... `);
    const seeded = await seedReleases(database, RELEASES, { prefix: 'm', seed: 41, runId: 'bench-memory-seed' });
    console.log(`${int(seeded.songs)} songs, ${int(seeded.featured)} featured`);
    const config = parseConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN: 'bench-admin-token-0123456789',
      JWT_SECRET: 'bench-jwt-secret-0123456789abcdef',
      FETCH_ON_START: 'false',
      FETCH_CRON: '0 0 1 1 *',
      DATA_DIR: dataDir,
      JIOSAAVN_BASE_URL: 'http://127.0.0.1:9',
    });
    const container = await createContainer(config, { role: 'serve', database, logger: createLogger('silent') });
    const app = await container.buildApp();
    await container.start();
    try {
      const cursors = await distinctCursors(database, REQUESTS);
      const one = cursors[Math.floor(cursors.length / 2)]!;
      const get = async (cursor: string): Promise<number> =>
        (await app.inject({ url: `/api/new-releases?limit=${LIMIT}&cursor=${cursor}` })).statusCode;
      // Warm-up: code paths, statement caches and the first pages, so neither phase pays for them.
      for (let i = 0; i < 200; i++) await get(cursors[(i * 37) % cursors.length]!);
      const baseline = (): Promise<PhaseResult> => phase('baseline: one cursor repeated', () => get(one), REQUESTS);
      const distinct = (): Promise<PhaseResult> =>
        phase(`distinct cursors (${int(cursors.length)})`, (i) => get(cursors[i]!), REQUESTS);
      const results: PhaseResult[] = [];
      for (const name of args.phases.split(',')) results.push(await (name === 'distinct' ? distinct() : baseline()));
      const base = results.find((r) => r.name.startsWith('baseline'))!;
      const dist = results.find((r) => r.name.startsWith('distinct'))!;
      console.log(
        `\n${int(REQUESTS)} requests per phase, limit=${LIMIT}, ${CONCURRENCY} in flight, in-process (app.inject); MiB\n`,
      );
      console.log(
        table(
          [
            'Phase',
            'OK',
            'req/s',
            'RSS before',
            'RSS after',
            'RSS peak',
            'RSS after GC',
            'heap before',
            'heap peak',
            'heap after GC',
            'external after GC',
          ],
          results.map((r) => [
            r.name,
            int(r.ok),
            int((r.requests / r.ms) * 1000),
            mib(r.rssBefore),
            mib(r.rssAfter),
            mib(r.rssPeak),
            mib(r.rssAfterGc),
            mib(r.heapBefore),
            mib(r.heapPeak),
            mib(r.heapAfterGc),
            mib(r.externalAfterGc),
          ]),
        ),
      );
      const growth = (r: PhaseResult): number => r.rssPeak - r.rssBefore;
      console.log(
        `\nRSS peak, distinct / baseline: ${fixed(dist.rssPeak / base.rssPeak, 2)}× ` +
          `(${mib(dist.rssPeak)} vs ${mib(base.rssPeak)} MiB); RSS growth during the phase: ` +
          `${mib(growth(dist))} vs ${mib(growth(base))} MiB; heap after GC: ${mib(dist.heapAfterGc)} vs ` +
          `${mib(base.heapAfterGc)} MiB (${fixed(dist.heapAfterGc / base.heapAfterGc, 2)}×)`,
      );
      // Past the list cache's lifetime (10 s): what the process keeps at rest.
      await sleep(11_000);
      collectGarbage();
      await sleep(200);
      const rest = process.memoryUsage();
      console.log(
        `at rest 11 s later: RSS ${mib(rest.rss)} MiB, heap ${mib(rest.heapUsed)} MiB, external ${mib(rest.external)} MiB`,
      );
    } finally {
      await app.close();
      await container.close();
    }
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
