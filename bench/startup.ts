/**
 * Start-up benchmark: cold start of `backbeat all` in embedded mode, from process spawn to the first
 * `GET /api/health` that answers 200, and the server's resident memory (VmRSS) and CPU time at that moment.
 *
 *   node bench/startup.ts [--runs 5] [--variants source,dist,bin] [--data fresh|reused] [--one VARIANT]
 *
 * With `--data fresh` (the default) each run gets a new temporary DATA_DIR, so PGlite creates its database and
 * applies the migrations: a first start. With `--data reused` each variant first starts once on its own DATA_DIR
 * (not counted), and every run then starts on that existing database: a restart.
 *
 * Variants:
 *   source  node --import tsx src/cli.ts all      the TypeScript sources compiled by tsx at load time
 *   dist    node dist/cli.js all                  the compiled build (`npm run build`)
 *   bin     node bin/backbeat.mjs all             the `backbeat` command / `npm start` (runs dist/)
 * Variants take turns (source, dist, bin, source, ...) so a change in the machine's load touches each alike.
 * `--one VARIANT` starts one server, waits for health, kills it and exits: a whole-process timer can wrap that.
 *
 * The server gets FETCH_ON_START=false, JIOSAAVN_BASE_URL=http://127.0.0.1:9 (nothing reaches the network),
 * ADMIN_TOKEN set, HOST=127.0.0.1 and a free port; it runs in the data folder, so no .env is read. Prints figures;
 * never fails on speed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fixed, heading, machineInfo, procCpuMs, quantile, sleep, table } from './lib.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TIMEOUT_MS = 120_000;

type Variant = 'source' | 'dist' | 'bin';
const VARIANTS: Record<Variant, { label: string; args: () => string[] }> = {
  source: {
    label: 'node --import tsx src/cli.ts all',
    args: () => ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli.ts'), 'all'],
  },
  dist: {
    label: 'node dist/cli.js all',
    // A cli.js that does not start itself when run as the script is loaded and run by a one-line module instead.
    args: () =>
      readFileSync(join(ROOT, 'dist', 'cli.js'), 'utf8').includes('import.meta.main')
        ? [join(ROOT, 'dist', 'cli.js'), 'all']
        : [
            '--input-type=module',
            '--eval',
            `const { createProgram } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'cli.js')).href)});` +
              `await createProgram().parseAsync(['node', 'cli.js', 'all']);`,
          ],
  },
  bin: { label: 'node bin/backbeat.mjs all', args: () => [join(ROOT, 'bin', 'backbeat.mjs'), 'all'] },
};

interface Sample {
  ms: number;
  rssMb: number;
  cpuMs: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function vmRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : Number.NaN;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Spawns one server, waits for a healthy /api/health, samples it, then stops it (SIGKILL; SIGTERM when its data
 * folder is kept for later runs) and removes its data folder unless `dataDir` was given.
 */
async function runOnce(variant: Variant, dataDir?: string): Promise<Sample> {
  const keepData = dataDir !== undefined;
  dataDir ??= mkdtempSync(join(tmpdir(), 'backbeat-startup-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'NODE_OPTIONS', 'PORT', 'HOST']) delete env[name];
  Object.assign(env, {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_TOKEN: 'startup-bench-admin-token-0123456789',
    FETCH_ON_START: 'false',
    JIOSAAVN_BASE_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'warn',
  });
  const started = performance.now();
  const child = spawn(process.execPath, VARIANTS[variant].args(), { cwd: dataDir, env, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  try {
    const url = `http://127.0.0.1:${port}/api/health`;
    for (;;) {
      if (exited) throw new Error(`${variant}: the server exited before it was healthy:\n${output}`);
      if (performance.now() - started > TIMEOUT_MS) throw new Error(`${variant}: not healthy in time:\n${output}`);
      if (await healthy(url)) break;
      await sleep(20);
    }
    const ms = performance.now() - started;
    const pid = child.pid!;
    return { ms, rssMb: vmRssMb(pid), cpuMs: procCpuMs(pid) ?? Number.NaN };
  } finally {
    child.kill(keepData ? 'SIGTERM' : 'SIGKILL');
    await exit;
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** {@link runOnce}, again (up to twice more) when another process took the free port before the server bound it. */
async function runWithRetry(variant: Variant, dataDir?: string): Promise<Sample> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(variant, dataDir);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('EADDRINUSE')) throw err;
    }
  }
}

function summary(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] ?? Number.NaN, median: quantile(sorted, 0.5), max: sorted.at(-1) ?? Number.NaN };
}

function preflight(variants: Variant[]): void {
  const compiled = join(ROOT, 'dist', 'cli.js');
  if (!variants.some((v) => v !== 'source')) return;
  if (!existsSync(compiled)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  // bin/backbeat.mjs runs the sources through tsx when dist/ is older than them; the figures would then be wrong.
  const newest = readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.test.ts'))
    .reduce((max, entry) => Math.max(max, statSync(join(entry.parentPath, entry.name)).mtimeMs), 0);
  if (newest > statSync(compiled).mtimeMs) throw new Error('dist/ is older than src/: run `npm run build` first');
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    variants: { type: 'string', default: 'source,dist,bin' },
    data: { type: 'string', default: 'fresh' },
    one: { type: 'string' },
  },
});
if (values.data !== 'fresh' && values.data !== 'reused') throw new Error('--data is fresh or reused');
const reuse = values.data === 'reused';
const parseVariant = (name: string): Variant => {
  if (!(name in VARIANTS)) throw new Error(`unknown variant ${name}: one of ${Object.keys(VARIANTS).join(', ')}`);
  return name as Variant;
};

if (values.one) {
  const variant = parseVariant(values.one);
  preflight([variant]);
  await runWithRetry(variant);
} else {
  const variants = values.variants.split(',').map((name) => parseVariant(name.trim()));
  const runs = Number(values.runs);
  preflight(variants);
  const info = machineInfo();
  heading(
    `Start-up: spawn to first healthy GET /api/health (embedded PGlite, ` +
      `${reuse ? 'an existing DATA_DIR: a restart' : 'a fresh DATA_DIR each run: a first start'})`,
  );
  console.log(
    `CPU: ${info.cpu}, ${info.cores} logical cores; RAM ${info.ramGb.toFixed(1)} GB; Node ${info.node}; ` +
      `PGlite ${info.pglite}; load average at start ${info.load}; ${runs} runs per variant, taking turns`,
  );
  const samples = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
  const dataDirs = new Map<Variant, string>();
  if (reuse) {
    for (const variant of variants) {
      const dir = mkdtempSync(join(tmpdir(), 'backbeat-startup-'));
      dataDirs.set(variant, dir);
      await runWithRetry(variant, dir);
    }
  }
  for (let i = 0; i < runs; i++) {
    for (const variant of variants) {
      const sample = await runWithRetry(variant, dataDirs.get(variant));
      samples.get(variant)!.push(sample);
      console.log(
        `  run ${i + 1} ${variant.padEnd(6)} ${fixed(sample.ms, 0)} ms  RSS ${fixed(sample.rssMb)} MB  ` +
          `CPU ${fixed(sample.cpuMs, 0)} ms`,
      );
    }
  }
  const rows = variants.map((variant) => {
    const list = samples.get(variant)!;
    const ms = summary(list.map((s) => s.ms));
    const rss = summary(list.map((s) => s.rssMb));
    const cpu = summary(list.map((s) => s.cpuMs));
    const span = (s: { min: number; median: number; max: number }, digits: number) =>
      `${fixed(s.median, digits)} (${fixed(s.min, digits)}–${fixed(s.max, digits)})`;
    return [VARIANTS[variant].label, span(ms, 0), span(rss, 1), span(cpu, 0)];
  });
  console.log();
  console.log(table(['variant', 'ms to healthy: median (min–max)', 'RSS MB', 'CPU ms'], rows));
  const base = samples.get('source');
  if (base) {
    const median = (list: Sample[], key: keyof Sample) => summary(list.map((s) => s[key])).median;
    for (const variant of variants.filter((v) => v !== 'source')) {
      const list = samples.get(variant)!;
      console.log(
        `${variant} vs source (median): start-up ×${fixed(median(list, 'ms') / median(base, 'ms'), 2)}, ` +
          `RSS ×${fixed(median(list, 'rssMb') / median(base, 'rssMb'), 2)}, ` +
          `CPU ×${fixed(median(list, 'cpuMs') / median(base, 'cpuMs'), 2)}`,
      );
    }
  }
  for (const dir of dataDirs.values()) rmSync(dir, { recursive: true, force: true });
}
