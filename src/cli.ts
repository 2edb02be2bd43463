import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createContainer, type Container, type Role } from './container.ts';
import { openDatabase } from './infra/db.ts';
import { createLogger } from './infra/logger.ts';
import { join } from 'node:path';

/**
 * Reads the configuration; on a bad one prints one line naming every bad variable and exits with EX_CONFIG, instead
 * of a stack trace. `defaults` are the command's own defaults, used where neither the environment nor `.env` sets a
 * variable.
 */
function configOrExit(overrides: Record<string, string> = {}, defaults: Record<string, string> = {}): Config {
  try {
    return loadConfig(process.env, process.cwd(), overrides, defaults);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`backbeat: configuration error: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

function announceSecrets(container: Container): void {
  const { adminToken } = container;
  if (adminToken.generated) {
    // Printed once, when generated; later starts read it from the same place without printing it.
    process.stdout.write(
      `\nBackbeat generated an admin token (stored in ${adminToken.location}):\n\n  ADMIN_TOKEN=${adminToken.value}\n\n` +
        `Use it as "Authorization: Bearer <token>" on admin routes. Set ADMIN_TOKEN to choose your own.\n\n`,
    );
  }
}

/**
 * Starts a long-running process for `role` and wires graceful shutdown: on SIGTERM/SIGINT the server stops accepting
 * connections, in-flight requests and runs finish (bounded by SHUTDOWN_TIMEOUT_MS), then every connection closes.
 */
export async function runProcess(
  role: Exclude<Role, 'cli'>,
  config: Config,
): Promise<{ url?: string; stop: () => Promise<void> }> {
  const logger = createLogger(config.logLevel);
  const container = await createContainer(config, { role, logger });
  announceSecrets(container);
  const app = role === 'worker' ? undefined : await container.buildApp();
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
        if (app) await app.close();
        await container.close();
        logger.info({ event: 'stopped', role });
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  return { ...(url ? { url } : {}), stop };
}

function printSummary(summary: object): void {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
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

  program
    .command('sandbox')
    .description('Run the offline upstream emulation (JioSaavn, …) for development and tests')
    .option('-p, --port <port>', 'port to listen on', '5099')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--seed <seed>', 'catalog seed (same seed, same catalog)', '1')
    .option('--release-interval <ms>', 'release a new album every N ms (0: never)', '20000')
    .action(async (opts: { port: string; host: string; seed: string; releaseInterval: string }) => {
      const { createSandbox } = await import('./providers/sandboxes.ts');
      const sandbox = createSandbox({ seed: Number(opts.seed), releaseIntervalMs: Number(opts.releaseInterval) });
      const url = await sandbox.listen(Number(opts.port), opts.host);
      process.stdout.write(`Sandbox upstream listening on ${url} (stats: ${url}/__sandbox/stats)\n`);
      const stop = () => void sandbox.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  withPort(program.command('demo'))
    .description('Start the sandbox upstream and the app on embedded storage, pointed at it, fully offline')
    .option('--data-dir <dir>', 'where the demo keeps its database', './data/demo')
    .option('--release-interval <ms>', 'the sandbox releases a new album every N ms', '15000')
    .action(async (opts: { port?: string; dataDir: string; releaseInterval: string }) => {
      const { createSandbox } = await import('./providers/sandboxes.ts');
      const sandbox = createSandbox({ seed: 1, releaseIntervalMs: Number(opts.releaseInterval) });
      const sandboxUrl = await sandbox.listen(0, '127.0.0.1');
      const config = configOrExit(
        {
          ...portOverride(opts),
          DATA_DIR: opts.dataDir,
          DATABASE_URL: '',
          REDIS_URL: '',
          JIOSAAVN_BASE_URL: sandboxUrl,
          FETCH_CRON: '*/20 * * * * *',
        },
        { HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      );
      const { url, stop } = await runProcess('all', config);
      process.once('exit', () => void sandbox.close());
      const open = url?.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
      process.stdout.write(
        `\n  Backbeat demo is running: open ${open}\n\n` +
          `  Sandbox upstream: ${sandboxUrl} (a new album every ${Number(opts.releaseInterval) / 1000} s; fetch every 20 s)\n` +
          `  Health: ${open}/api/health   Press Ctrl+C to stop.\n\n`,
      );
      void stop;
    });

  return program;
}

const invokedDirectly = process.argv[1]?.endsWith('backbeat.mjs') || process.argv[1]?.endsWith('cli.ts');
if (invokedDirectly) {
  await createProgram().parseAsync(process.argv);
}
