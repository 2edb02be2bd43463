import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { ConfigError, loadProcessConfig, type Config } from './config.ts';
import { createContainer, type Container, type Role } from './container.ts';
import { AppError } from './errors.ts';
import { openDatabase } from './infra/db.ts';
import { createLogger } from './infra/logger.ts';
import type { ResolvedSecret } from './infra/secrets.ts';
import type { MatchStats, TrackStatus } from './matches/contract.ts';
import { rotateKeys } from './matches/rotate-keys.ts';
import { VaultError, VaultKeyError } from './matches/vault.ts';

/**
 * Reads the configuration; on a bad one prints one line naming every bad variable and exits with EX_CONFIG, instead
 * of a stack trace. `defaults` are the command's own defaults, used where neither the environment nor `.env` sets a
 * variable.
 */
function configOrExit(overrides: Record<string, string> = {}, defaults: Record<string, string> = {}): Config {
  try {
    return loadProcessConfig(overrides, defaults);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`backbeat: configuration error: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** The demo's live Share session code. */
const DEMO_SHARE_CODE = '424242';

function announceSecrets(container: Container): void {
  const { adminToken } = container;
  if (adminToken.generated) {
    // Printed once, when generated; later starts read it from the same place without printing it.
    process.stdout.write(
      `\nBackbeat generated an admin token (stored in ${adminToken.location}):\n\n  ADMIN_TOKEN=${adminToken.value}\n\n` +
        `Use it as "Authorization: Bearer <token>" on admin routes. Set ADMIN_TOKEN to choose your own.\n\n`,
    );
  }
  const { shareToken } = container;
  if (shareToken.generated) {
    process.stdout.write(
      `\nBackbeat generated a Share bearer token (stored in ${shareToken.location}):\n\n  BEARER_TOKEN=${shareToken.value}\n\n` +
        `Hosts use it as "Authorization: Bearer <token>" on /api/share routes. Set BEARER_TOKEN to choose your own.\n\n`,
    );
  }
}

export interface RunningProcess {
  /** The HTTP base URL (not for workers). */
  url?: string;
  /** Where the admin token comes from, and whether this start generated it. */
  adminToken: Pick<ResolvedSecret, 'generated' | 'location'>;
  /** The Share host secret (BEARER_TOKEN or the generated one) and where it comes from. */
  shareToken: Pick<ResolvedSecret, 'generated' | 'location' | 'value'>;
  /** Stops gracefully (once; later calls return the same promise). */
  stop: () => Promise<void>;
  /** Stops gracefully, then exits the process (0, or 1 when stopping failed). */
  shutdown: () => void;
}

/**
 * Starts a long-running process for `role` and wires graceful shutdown: on SIGTERM/SIGINT the server stops accepting
 * connections, in-flight requests and runs finish (bounded by SHUTDOWN_TIMEOUT_MS), then every connection closes and
 * `afterStop` runs (e.g. the demo closes its sandbox).
 */
export async function runProcess(
  role: Exclude<Role, 'cli'>,
  config: Config,
  options: { beforeStop?: () => Promise<void> | void; afterStop?: () => Promise<void> | void } = {},
): Promise<RunningProcess> {
  const logger = createLogger(config.logLevel);
  const container = await createContainer(config, { role, logger });
  announceSecrets(container);
  // The app owns the container once built: closing it ends streams, drains requests, then closes the container.
  const app = role === 'worker' ? undefined : await container.buildApp({ closeContainer: true });
  let url: string | undefined;
  if (app) {
    app.server.keepAliveTimeout = 65_000;
    app.server.requestTimeout = 30_000;
    url = await app.listen({ port: config.port, host: config.host });
  }
  await container.start();
  logger.info({ event: 'started', role, mode: container.mode, database: container.database.kind, url });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info({ event: 'shutting_down', role });
      const timer = setTimeout(() => {
        logger.error({ event: 'shutdown_timeout', timeoutMs: config.shutdownTimeoutMs });
        process.exit(1);
      }, config.shutdownTimeoutMs);
      timer.unref();
      try {
        await options.beforeStop?.();
        if (app) await app.close();
        else await container.close();
        await options.afterStop?.();
        logger.info({ event: 'stopped', role });
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  const shutdown = () => {
    void stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, shutdown);
  const { generated, location } = container.adminToken;
  const { shareToken } = container;
  return {
    ...(url ? { url } : {}),
    adminToken: { generated, location },
    shareToken: { generated: shareToken.generated, location: shareToken.location, value: shareToken.value },
    stop,
    shutdown,
  };
}

/**
 * Calls `onOrphaned` once when this process's parent exits (it is then adopted by another process). `npm run` and
 * shells do not always pass a SIGTERM on to the process they started; this way a stopped parent still stops it.
 */
function watchParent(onOrphaned: () => void, intervalMs = 1000): void {
  const parent = process.ppid;
  // Adopted by init already: there is no parent to outlive.
  if (parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  timer.unref();
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB_DIR = join(ROOT, 'web');

/** The newest modification time (ms) of a file or of any file under a directory; 0 when it does not exist. */
function newestChange(path: string): number {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/**
 * Builds the web app (`web/dist`) when it is missing or older than its sources, with the project's Vite. Without Vite
 * (an install without dev dependencies) it says so and goes on: the API works without the web app.
 */
async function ensureWebApp(): Promise<void> {
  const built = newestChange(join(WEB_DIR, 'dist', 'index.html'));
  const sources = Math.max(
    ...['src', 'public', 'index.html', 'vite.config.ts'].map((name) => newestChange(join(WEB_DIR, name))),
  );
  if (built > 0 && built >= sources) return;
  if (!existsSync(join(WEB_DIR, 'index.html'))) return;
  let vite: string;
  try {
    vite = join(createRequire(import.meta.url).resolve('vite/package.json'), '..', 'bin', 'vite.js');
  } catch {
    process.stderr.write(
      built > 0
        ? 'backbeat: the web app is older than its sources, and Vite is not installed to rebuild it.\n'
        : 'backbeat: the web app is not built and Vite is not installed: only the API is served.\n',
    );
    return;
  }
  process.stdout.write(built > 0 ? 'Rebuilding the web app…\n' : 'Building the web app…\n');
  const child = spawn(
    process.execPath,
    [vite, 'build', '--config', join(WEB_DIR, 'vite.config.ts'), '--logLevel', 'warn'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  // Stopping the demo while it builds stops the build too.
  const stopBuild = () => child.kill('SIGTERM');
  process.once('exit', stopBuild);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  process.removeListener('exit', stopBuild);
  if (code !== 0) throw new Error(`Building the web app failed (vite exited with ${code})`);
}

/**
 * The demo's `ENCRYPTION_KEY` (unless the environment sets one): 32 random bytes kept in `<dataDir>/secrets`, so a
 * restarted demo still opens the Discogs tokens it sealed.
 */
function demoEncryptionKey(dataDir: string): string {
  const file = join(dataDir, 'secrets', 'encryption-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const key = randomBytes(32).toString('hex');
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    return key;
  }
}

function printSummary(summary: object): void {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

/** Where progress goes: a stream that may be a terminal. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** Progress of one task: `update` after each step, `end` once. */
export interface Progress {
  update(done: number, total: number, note?: string): void;
  end(): void;
}

/**
 * Progress on `stream` (stderr, so stdout keeps only the result): on a terminal one bar redrawn in place; otherwise
 * (a log file, CI) plain lines, at most about `maxLines` of them so a long task does not flood the log.
 */
export function progressReporter(stream: ProgressStream, title: string, maxLines = Infinity): Progress {
  let last = -1;
  let drawn = false;
  return {
    update(done, total, note) {
      if (stream.isTTY) {
        const width = 24;
        const filled = total === 0 ? width : Math.round((done / total) * width);
        const line = `${title} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}${note ? ` ${note}` : ''}`;
        const columns = stream.columns ?? 80;
        stream.write(`\r${line.length >= columns ? line.slice(0, columns - 1) : line}\x1b[K`);
        drawn = true;
        return;
      }
      const step = Number.isFinite(maxLines) ? Math.max(1, Math.ceil(total / maxLines)) : 1;
      if (done !== total && done !== 0 && done - last < step) return;
      if (done === last) return;
      last = done;
      stream.write(`${title}: ${done}/${total}${note ? ` ${note}` : ''}\n`);
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

/**
 * Runs `task` with a one-off container (`cli` role: no HTTP, no job workers), closed afterwards. At the default
 * LOG_LEVEL only errors are logged: the command reports outcomes itself, and log lines would interleave with them.
 */
async function withCliContainer(task: (container: Container) => Promise<void>): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config.logLevel === 'info' ? 'error' : config.logLevel);
  const container = await createContainer(config, { role: 'cli', logger });
  try {
    await task(container);
  } finally {
    await container.close();
  }
}

/** Discogs release ids from the command line; exits with EX_USAGE naming the first that is not one. */
function releaseIdsOrExit(values: readonly string[]): number[] {
  return values.map((value) => {
    if (!/^[1-9][0-9]{0,11}$/.test(value)) {
      process.stderr.write(`backbeat: "${value}" is not a Discogs release id (a positive integer)\n`);
      process.exit(64); // EX_USAGE
    }
    return Number(value);
  });
}

const plural = (count: number, word: string, many = `${word}s`) => `${count} ${count === 1 ? word : many}`;

/** Columns padded to their widest cell: text left-aligned, numbers right-aligned. */
function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          typeof cell === 'number' ? String(cell).padStart(widths[column]!) : cell.padEnd(widths[column]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `  ${line}\n`)
    .join('');
}

function formatMatchStats(stats: MatchStats, mode: Container['mode']): string {
  let out = 'Matches per platform\n';
  if (stats.platforms.length === 0) out += '  (none stored yet)\n';
  else {
    out += table([
      ['platform', 'matches', 'avg confidence', 'approved'],
      ...stats.platforms.map((p) => [
        p.platform,
        p.totalMatches,
        p.avgConfidence === null ? '-' : p.avgConfidence.toFixed(2).padStart('avg confidence'.length),
        p.approvedCount,
      ]),
    ]);
  }
  const statuses: readonly TrackStatus[] = ['approved', 'needs_review', 'no_match', 'deferred'];
  out += '\nTracks by status\n';
  out += table([['status', 'tracks'], ...statuses.map((status) => [status, stats.statuses[status] ?? 0])]);
  const { cache } = stats;
  out +=
    mode === 'scaled'
      ? `\nCache (Redis): ${plural(cache.totalKeys, 'key')}, ${plural(cache.matchKeys, 'match key')}` +
        `${cache.memoryUsage ? `, ${cache.memoryUsage}` : ''}\n`
      : '\nCache: in-process (embedded mode): each server process keeps its own, not visible from this command\n';
  return out;
}

/** A release warmed by `backbeat matches warm`, or why it could not be. */
interface WarmOutcome {
  releaseId: number;
  title?: string;
  tracks?: number;
  statuses?: Record<TrackStatus, number>;
  computed?: number;
  trackErrors?: string[];
  failure?: string;
}

function formatWarmOutcome(outcome: WarmOutcome): string {
  if (outcome.failure !== undefined) return `  ${outcome.releaseId}: failed: ${outcome.failure}\n`;
  const statuses = outcome.statuses!;
  const counts = (Object.keys(statuses) as TrackStatus[])
    .filter((status) => statuses[status] > 0)
    .map((status) => `${statuses[status]} ${status}`)
    .join(', ');
  const known = outcome.tracks! - outcome.computed! - outcome.trackErrors!.length;
  let line =
    `  ${outcome.releaseId} ${outcome.title}: ${plural(outcome.tracks!, 'track')}` +
    `${counts ? `: ${counts}` : ''} (${outcome.computed} computed, ${known} already known)`;
  if (outcome.trackErrors!.length > 0) {
    line += `; ${plural(outcome.trackErrors!.length, 'track')} failed: ${[...new Set(outcome.trackErrors)].join('; ')}`;
  }
  return `${line}\n`;
}

export function createProgram(): Command {
  const program = new Command('backbeat')
    .description('Self-hostable real-time music-data backend: new releases, trending, matches, share.')
    .showHelpAfterError();

  const withPort = (cmd: Command) => cmd.addOption(new Option('-p, --port <port>', 'HTTP port (overrides PORT)'));
  const portOverride = (opts: { port?: string }): Record<string, string> => (opts.port ? { PORT: opts.port } : {});

  withPort(program.command('all', { isDefault: true }))
    .description('HTTP API, SSE and background jobs in one process (the default for npm start)')
    .action(async (opts: { port?: string }) => {
      const { url } = await runProcess('all', configOrExit(portOverride(opts)));
      process.stdout.write(`Backbeat is listening on ${url}\n`);
    });

  withPort(program.command('serve'))
    .description('HTTP API and SSE only; run `backbeat worker` processes for scheduled jobs')
    .action(async (opts: { port?: string }) => {
      await runProcess('serve', configOrExit(portOverride(opts)));
    });

  program
    .command('worker')
    .description('Background jobs only (scheduled fetches); no HTTP')
    .action(async () => {
      await runProcess('worker', configOrExit());
    });

  program
    .command('migrate')
    .description('Apply the database migrations and exit')
    .action(async () => {
      const config = configOrExit();
      const db = await openDatabase({ url: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
      try {
        process.stdout.write(
          `Applying migrations to ${db.kind === 'pglite' ? `PGlite in ${config.dataDir}` : 'PostgreSQL'}…\n`,
        );
        await db.migrate();
        process.stdout.write('Migrations are up to date.\n');
      } finally {
        await db.close();
      }
    });

  program
    .command('fetch')
    .description('Run one new-releases fetch now and print its summary (joins the run in flight, if any)')
    .action(async () => {
      const config = configOrExit();
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
      const container = await createContainer(config, { role: 'cli', logger });
      try {
        const { run, started, done } = await container.releases.fetcher.trigger('cli');
        process.stderr.write(
          started ? `Run ${run.runId} started…\n` : `Run ${run.runId} was already in flight; waiting for it…\n`,
        );
        const summary = await done;
        printSummary(summary);
        process.exitCode = summary.status === 'failed' ? 1 : 0;
      } finally {
        await container.close();
      }
    });

  const matches = program
    .command('matches')
    .description('Audio matches of Discogs release tracks: statistics, clearing a release, warming releases');

  matches
    .command('stats')
    .description('Matches per platform (count, average confidence, approved), tracks per status, and the cache')
    .option('--json', 'print the statistics as JSON (as GET /api/admin/matches/stats answers them)')
    .action(async (opts: { json?: boolean }) => {
      await withCliContainer(async (container) => {
        const stats = await container.matches.stats();
        process.stdout.write(
          opts.json ? `${JSON.stringify(stats, null, 2)}\n` : formatMatchStats(stats, container.mode),
        );
      });
    });

  matches
    .command('clear')
    .description("Forget every track's match of a release, in the database and the cache (rejections are kept)")
    .argument('<releaseId>', 'Discogs release id')
    .action(async (value: string) => {
      const [releaseId] = releaseIdsOrExit([value]);
      await withCliContainer(async (container) => {
        const cleared = await container.matches.clearRelease(releaseId!);
        if (cleared.matches === 0 && cleared.outcomes === 0 && cleared.cacheKeys === 0) {
          process.stdout.write(`Release ${releaseId} had no matches stored: nothing removed.\n`);
          return;
        }
        // In embedded mode the cache lives in each server process, out of this command's reach.
        const cache = container.mode === 'scaled' ? ` and ${plural(cleared.cacheKeys, 'cache key')}` : '';
        process.stdout.write(
          `Cleared release ${releaseId}: removed ${plural(cleared.matches, 'stored match', 'stored matches')}, ` +
            `${plural(cleared.outcomes, 'track outcome')}${cache}. Rejected uploads stay rejected.\n`,
        );
      });
    });

  matches
    .command('warm')
    .description('Look up every track of each release now, so later requests answer from the database and cache')
    .argument('<releaseId...>', 'Discogs release ids')
    .action(async (values: string[]) => {
      const releaseIds = releaseIdsOrExit(values);
      await withCliContainer(async (container) => {
        const { service } = container.matches;
        const outcomes: WarmOutcome[] = [];
        for (const releaseId of releaseIds) {
          let release;
          try {
            release = await service.release(releaseId);
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
            process.stderr.write(`release ${releaseId}: ${err.message}\n`);
            outcomes.push({ releaseId, failure: err.message });
            continue;
          }
          const statuses: Record<TrackStatus, number> = { approved: 0, needs_review: 0, no_match: 0, deferred: 0 };
          const trackErrors: string[] = [];
          let computed = 0;
          const progress = progressReporter(process.stderr, `release ${releaseId}`);
          progress.update(0, release.tracks.length, release.title);
          for (const [index, track] of release.tracks.entries()) {
            let note: string;
            try {
              const lookup = await service.lookup(release, track, null);
              statuses[lookup.status] += 1;
              if (lookup.source === 'computed') computed += 1;
              note = `${track.position || track.index} ${lookup.status}`;
            } catch (err) {
              if (!(err instanceof AppError)) throw err;
              trackErrors.push(err.message);
              note = `${track.position || track.index} failed`;
            }
            progress.update(index + 1, release.tracks.length, note);
          }
          progress.end();
          outcomes.push({
            releaseId,
            title: release.title,
            tracks: release.tracks.length,
            statuses,
            computed,
            trackErrors,
          });
        }
        const failed = outcomes.filter((o) => o.failure !== undefined || (o.trackErrors?.length ?? 0) > 0);
        process.stdout.write(
          `Warmed ${outcomes.length - failed.length} of ${plural(outcomes.length, 'release')}:\n` +
            outcomes.map(formatWarmOutcome).join(''),
        );
        process.exitCode = failed.length > 0 ? 1 : 0;
      });
    });

  program
    .command('keys')
    .description('Encryption keys of stored secrets')
    .command('rotate')
    .description(
      'Re-seal every stored Discogs token and pending connection under ENCRYPTION_KEY, opening old values with ' +
        'ENCRYPTION_KEY_PREVIOUS; each stored connection or pending request counts as one value',
    )
    .action(async () => {
      const config = configOrExit();
      if (!config.encryptionKey) {
        process.stderr.write(
          'backbeat: ENCRYPTION_KEY is not set: there is no key to re-seal the stored Discogs tokens under. Set ' +
            'ENCRYPTION_KEY to the new key (64 hex characters, e.g. `openssl rand -hex 32`) and ' +
            'ENCRYPTION_KEY_PREVIOUS to the key it replaces.\n',
        );
        process.exit(78); // EX_CONFIG
      }
      const db = await openDatabase({ url: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
      try {
        await db.migrate();
        const progress = progressReporter(process.stderr, 'Re-sealing', 20);
        let result;
        try {
          result = await rotateKeys({ db: db.db, config, onProgress: (done, total) => progress.update(done, total) });
        } catch (err) {
          progress.end();
          if (!(err instanceof VaultError)) throw err;
          // Nothing was changed (the rotation is one transaction); the message names the key or row, never a secret.
          process.stderr.write(`backbeat: ${err.message}\n`);
          process.exitCode = err instanceof VaultKeyError ? 78 : 1;
          return;
        }
        progress.end();
        process.stdout.write(
          `Re-sealed ${plural(result.rotated, 'value')} under key ${result.keyId} ` +
            `(${result.alreadyCurrent} already under it).\n`,
        );
        if (config.matches.previousEncryptionKey) {
          process.stdout.write(
            'Every stored value is under ENCRYPTION_KEY now: ENCRYPTION_KEY_PREVIOUS can be removed.\n',
          );
        }
      } finally {
        await db.close();
      }
    });

  program
    .command('sandbox')
    .description('Run the offline upstream emulation (JioSaavn, Spotify, MusicBrainz) for development and tests')
    .option('-p, --port <port>', "port to listen on (default: with --state-dir the last run's port, else 5099)")
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--seed <seed>', 'catalog seed (same seed, same catalog)', '1')
    .option('--release-interval <ms>', 'release a new album every N ms (0: never)', '20000')
    .option('--chart-interval <ms>', "move Spotify's new-releases chart one step every N ms (0: only on request)", '0')
    .option('--state-dir <dir>', 'keep the port and the catalogs here, so a restart goes on where it stopped')
    .action(
      async (opts: {
        port?: string;
        host: string;
        seed: string;
        releaseInterval: string;
        chartInterval: string;
        stateDir?: string;
      }) => {
        const { createSandbox } = await import('./providers/sandboxes.ts');
        const { DEFAULT_SANDBOX_PORT } = await import('./sandbox/server.ts');
        const sandbox = createSandbox({
          seed: Number(opts.seed),
          releaseIntervalMs: Number(opts.releaseInterval),
          spotifyChartIntervalMs: Number(opts.chartInterval),
          ...(opts.stateDir !== undefined ? { stateDir: resolve(opts.stateDir) } : {}),
        });
        const port = opts.port !== undefined ? Number(opts.port) : opts.stateDir ? undefined : DEFAULT_SANDBOX_PORT;
        const url = await sandbox.listen(port, opts.host);
        process.stdout.write(`Sandbox upstream listening on ${url} (index: ${url}/__sandbox)\n`);
        const stop = () => void sandbox.close().then(() => process.exit(0));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        watchParent(stop);
      },
    );

  withPort(program.command('demo'))
    .description('Start the sandbox upstream and the app on embedded storage, pointed at it, fully offline')
    .option('--data-dir <dir>', 'where the demo keeps its database, secrets and sandbox catalog', './data/demo')
    .option('--release-interval <ms>', 'the sandbox releases a new album every N ms', '15000')
    .option('--chart-interval <ms>', "the sandbox's Spotify chart moves one step every N ms", '180000')
    .option('--sandbox-port <port>', "the sandbox's port (default: the last run's, else 5099)")
    .option('--no-build', 'do not build the web app, even when it is missing or older than its sources')
    .action(
      async (opts: {
        port?: string;
        dataDir: string;
        releaseInterval: string;
        chartInterval: string;
        sandboxPort?: string;
        build: boolean;
      }) => {
        // The demo ends with whoever started it, even when that parent cannot pass a signal on (see watchParent).
        let stopDemo: () => void = () => process.exit(0);
        watchParent(() => stopDemo());
        process.stdout.on('error', () => undefined); // a closed terminal must not turn the stop into a crash
        if (opts.build) await ensureWebApp();

        const dataDir = resolve(opts.dataDir);
        const intervalMs = Number(opts.releaseInterval);
        const { createSandbox } = await import('./providers/sandboxes.ts');
        const chartIntervalMs = Number(opts.chartInterval);
        const sandbox = createSandbox({
          seed: 1,
          releaseIntervalMs: intervalMs,
          spotifyChartIntervalMs: chartIntervalMs,
          stateDir: join(dataDir, 'sandbox'),
        });
        const { SANDBOX_SPOTIFY_CLIENT_ID, SANDBOX_SPOTIFY_CLIENT_SECRET } =
          await import('./providers/spotify/sandbox.ts');
        const discogsSandbox = await import('./providers/discogs/sandbox.ts');
        const { SANDBOX_YOUTUBE_API_KEY } = await import('./providers/youtube/sandbox.ts');
        const { SANDBOX_SOUNDCLOUD_CLIENT_ID, SANDBOX_SOUNDCLOUD_CLIENT_SECRET } =
          await import('./providers/soundcloud/sandbox.ts');
        const sandboxUrl = await sandbox.listen(opts.sandboxPort === undefined ? undefined : Number(opts.sandboxPort));
        if (sandbox.movedFrom !== undefined) {
          process.stderr.write(
            `backbeat: port ${sandbox.movedFrom} of the last run is taken, so the sandbox listens on ${sandboxUrl}; ` +
              'covers and links stored by earlier runs are updated by the next fetches.\n',
          );
        }
        const config = configOrExit(
          {
            ...portOverride(opts),
            DATA_DIR: dataDir,
            DATABASE_URL: '',
            REDIS_URL: '',
            JIOSAAVN_BASE_URL: sandboxUrl,
            FETCH_CRON: '*/20 * * * * *',
            SPOTIFY_API_URL: sandboxUrl,
            SPOTIFY_ACCOUNTS_URL: sandboxUrl,
            SPOTIFY_CLIENT_ID: SANDBOX_SPOTIFY_CLIENT_ID,
            SPOTIFY_CLIENT_SECRET: SANDBOX_SPOTIFY_CLIENT_SECRET,
            MUSICBRAINZ_BASE_URL: sandboxUrl,
            DISCOGS_API_URL: sandboxUrl,
            DISCOGS_AUTHORIZE_URL: `${sandboxUrl}${discogsSandbox.DISCOGS_AUTHORIZE_PATH}`,
            DISCOGS_USER_TOKEN: discogsSandbox.SANDBOX_DISCOGS_USER_TOKEN,
            DISCOGS_CONSUMER_KEY: discogsSandbox.SANDBOX_DISCOGS_CONSUMER_KEY,
            DISCOGS_CONSUMER_SECRET: discogsSandbox.SANDBOX_DISCOGS_CONSUMER_SECRET,
            YOUTUBE_API_URL: sandboxUrl,
            YOUTUBE_API_KEY: SANDBOX_YOUTUBE_API_KEY,
            SOUNDCLOUD_API_URL: sandboxUrl,
            SOUNDCLOUD_AUTH_URL: sandboxUrl,
            SOUNDCLOUD_CLIENT_ID: SANDBOX_SOUNDCLOUD_CLIENT_ID,
            SOUNDCLOUD_CLIENT_SECRET: SANDBOX_SOUNDCLOUD_CLIENT_SECRET,
          },
          {
            // Seals the demo's connected Discogs accounts; kept with the demo's data like its other secrets.
            ENCRYPTION_KEY: demoEncryptionKey(dataDir),
            HOST: '127.0.0.1',
            LOG_LEVEL: 'warn',
            ENABLE_BACKGROUND_SYNC: 'true',
            // The demo's chart moves every few minutes; the cache follows it at that pace.
            ...(chartIntervalMs >= 60_000 ? { CACHE_DURATION_HOURS: String(chartIntervalMs / 3_600_000) } : {}),
          },
        );
        const demoHost = new AbortController();
        const demoHostRun: { done?: Promise<void> } = {};
        const { url, adminToken, shareToken, shutdown } = await runProcess('all', config, {
          beforeStop: async () => {
            demoHost.abort();
            await demoHostRun.done;
          },
          afterStop: async () => {
            await sandbox.close();
            process.stdout.write('Backbeat demo stopped.\n');
          },
        });
        stopDemo = shutdown;
        const open = url?.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
        const { audioCatalog } = await import('./sandbox/audio-catalog.ts');
        const demoRelease = audioCatalog(1).releases[0]?.id ?? '';
        // A live Share session from the start: a generated melody with synced lyrics, posted like a real host would.
        const { runDemoHost } = await import('./share/demo-host.ts');
        const demoLogger = createLogger('warn');
        const share = await runDemoHost({
          baseUrl: open ?? `http://127.0.0.1:${config.port}`,
          bearerToken: shareToken.value,
          sessionId: DEMO_SHARE_CODE,
          logger: demoLogger,
          signal: demoHost.signal,
        }).catch((err: unknown) => {
          demoLogger.warn({ event: 'demo_share_failed', err }, 'the demo Share session could not start');
          return undefined;
        });
        if (share) demoHostRun.done = share.done;
        const token = adminToken.generated
          ? ''
          : adminToken.location === 'environment'
            ? '  Admin token: the ADMIN_TOKEN variable\n'
            : `  Admin token: kept in ${adminToken.location}\n`;
        process.stdout.write(
          `\n  Backbeat demo is running: open ${open}\n\n` +
            `  Sandbox upstream: ${sandboxUrl} (a new album every ${intervalMs / 1000} s; fetch every 20 s)\n` +
            `  Browse: ${open}/browse (Spotify chart moves every ${chartIntervalMs / 1000} s; MusicBrainz badges ` +
            'appear at one search a second)\n' +
            `  Matches: ${open}/admin/matches (open a sandbox release, e.g. ${demoRelease}; matches are computed ` +
            'from the sandbox Discogs, YouTube and SoundCloud)\n' +
            (share
              ? `  Share: ${share.shareUrl} (live demo session ${DEMO_SHARE_CODE}: tap to listen); host your own at ` +
                `${open}/share/host with ` +
                (shareToken.location === 'environment' ? 'your BEARER_TOKEN\n' : `BEARER_TOKEN=${shareToken.value}\n`)
              : '') +
            `  Health: ${open}/api/health   Data: ${dataDir}\n${token}  Press Ctrl+C to stop.\n\n`,
        );
      },
    );

  return program;
}

if (import.meta.main) {
  await createProgram().parseAsync(process.argv);
}
