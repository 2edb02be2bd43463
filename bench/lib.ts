/**
 * Shared helpers of the benchmarks (bench/releases.ts, bench/ingest.ts, bench/http.ts, bench/sse.ts): machine facts,
 * timing, percentiles, tables, and a throw-away PostgreSQL database per run.
 */
import { cpus, totalmem, loadavg } from 'node:os';
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const gcFn = (globalThis as { gc?: () => void }).gc;

/** Full GC twice when the process runs with --expose-gc, so one phase's garbage is not collected in the next. */
export function collectGarbage(): void {
  if (!gcFn) return;
  gcFn();
  gcFn();
}

export const hasGc = (): boolean => gcFn !== undefined;

/** Milliseconds `fn` took, and its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** The `q` quantile (0..1) of ascending-sorted values (nearest rank). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** 12345.6 → "12,346". */
export const int = (value: number): string =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';

export function table(headers: string[], rows: string[][], alignLeft: readonly number[] = [0]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const cell = (value: string, i: number): string =>
    alignLeft.includes(i) ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0);
  const line = (cells: string[]): string => cells.map(cell).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function heading(text: string): void {
  console.log(`\n=== ${text} ${'='.repeat(Math.max(3, 100 - text.length))}`);
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGb: number;
  node: string;
  load: string;
  pglite: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  let pglite = 'unknown';
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'),
    ) as { version?: string };
    pglite = pkg.version ?? 'unknown';
  } catch {
    // not installed where expected: leave unknown
  }
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    ramGb: totalmem() / 1024 ** 3,
    node: process.version,
    load: loadavg()
      .map((value) => value.toFixed(2))
      .join(' '),
    pglite,
  };
}

export function describeMachine(info: MachineInfo, postgres: string | undefined): string {
  return [
    `CPU: ${info.cpu}, ${info.cores} logical cores; RAM ${info.ramGb.toFixed(1)} GB; Node ${info.node}; ` +
      `load average at start ${info.load}`,
    `PGlite ${info.pglite} (in memory, in this process); PostgreSQL: ${postgres ?? 'not used'}`,
  ].join('\n');
}

export interface BenchDatabase {
  url: string;
  name: string;
  version: string;
  drop(): Promise<void>;
}

/**
 * Creates `bench_<pid>` beside `adminUrl`, or returns the reason it could not (PostgreSQL unreachable or refusing).
 * The caller must `drop()` it; {@link onExit} makes a best effort when the run is interrupted.
 */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase | { error: string }> {
  const name = `bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  let version: string;
  try {
    await admin.connect();
    const rows = await admin.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    version = rows.rows[0]?.v ?? 'unknown';
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } catch (err) {
    return { error: (err as Error).message || String(err) };
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  onExit(drop);
  return { url: url.toString(), name, version, drop };
}

const exitHooks: (() => Promise<void>)[] = [];
let exitInstalled = false;

/** Runs `hook` on SIGINT/SIGTERM before exiting (cleanup of databases and child processes on Ctrl-C). */
export function onExit(hook: () => Promise<void>): void {
  exitHooks.push(hook);
  if (exitInstalled) return;
  exitInstalled = true;
  const handler = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: cleaning up ...`);
    void Promise.allSettled(exitHooks.map((h) => h())).then(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/** True when `moduleUrl` is the script node was started with (`node … bench/x.ts`), not an import. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(resolve(entry))).href;
  } catch {
    return false;
  }
}

/** One line of the final summary. */
export interface SummaryRow {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  met: 'yes' | 'NO' | '—' | 'skipped';
}

/** User + system CPU milliseconds a process has used so far (Linux /proc), or undefined when unreadable. */
export function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12; in clock ticks.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

/**
 * CPU time of this process and of some server processes (PostgreSQL backends) over an interval. On a machine
 * shared with other work, wall time says little; CPU time per unit of work does not depend on how busy the box is.
 */
export class CpuMeter {
  readonly #serverPids: () => Promise<number[]>;
  #client = process.cpuUsage();
  #server = new Map<number, number>();

  constructor(serverPids: () => Promise<number[]> = async () => []) {
    this.#serverPids = serverPids;
  }

  async start(): Promise<void> {
    this.#server = new Map();
    for (const pid of await this.#serverPids()) {
      const ms = procCpuMs(pid);
      if (ms !== undefined) this.#server.set(pid, ms);
    }
    this.#client = process.cpuUsage();
  }

  /** CPU ms since start(): this process, and the server processes (those alive at the end). */
  async stop(): Promise<{ clientMs: number; serverMs: number }> {
    const used = process.cpuUsage(this.#client);
    let serverMs = 0;
    for (const pid of await this.#serverPids()) {
      const ms = procCpuMs(pid);
      if (ms !== undefined) serverMs += ms - (this.#server.get(pid) ?? 0);
    }
    return { clientMs: (used.user + used.system) / 1000, serverMs };
  }
}

/** CPU pressure of the machine (Linux PSI, % of time some task waited for a CPU over the last 10 s), if known. */
export function cpuPressure(): string {
  try {
    const line = readFileSync('/proc/pressure/cpu', 'utf8').split('\n')[0] ?? '';
    const avg10 = /avg10=([\d.]+)/.exec(line)?.[1];
    return avg10 === undefined ? 'unknown' : `${avg10}%`;
  } catch {
    return 'unknown';
  }
}

export function loadNow(): string {
  return `load ${loadavg()
    .map((v) => v.toFixed(1))
    .join('/')}, CPU pressure ${cpuPressure()}`;
}

/** The closing table every bench entry point prints: one row per figure, with its baseline, ratio and target. */
export function summaryTable(rows: readonly SummaryRow[], alignLeft: readonly number[] = [0, 1, 2]): string {
  return table(
    ['figure', 'value', 'baseline', 'ratio', 'target', 'met'],
    rows.map((r) => [r.figure, r.value, r.baseline, r.ratio, r.target, r.met]),
    alignLeft,
  );
}
