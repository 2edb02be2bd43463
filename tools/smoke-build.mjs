// Smoke test of the production build (run after `npm run build`):
//
//   node tools/smoke-build.mjs [--node PATH]...
//
// Packs the project as `npm pack` would publish it (the package.json `files`), unpacks it into a temporary folder
// with the lock file, installs the production dependencies only (`npm ci --omit=dev`, so no tsx, TypeScript or Vite),
// then, under each given node (default: the one running this script), starts `backbeat all` from the bin in
// embedded mode with a fresh DATA_DIR, a free port and ADMIN_TOKEN set, waits for GET /api/health to answer 200,
// checks that the built web app is served, stops it with SIGTERM and expects exit code 0.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { node: { type: 'string', multiple: true }, keep: { type: 'boolean' } } });
const nodes = values.node?.length ? values.node : [process.execPath];
const root = fileURLToPath(new URL('..', import.meta.url));
const STARTUP_TIMEOUT_MS = 60_000;

const say = (line) => process.stdout.write(`smoke: ${line}\n`);
class SmokeFailure extends Error {}
function fail(message) {
  throw new SmokeFailure(message);
}

for (const built of ['dist/cli.js', 'dist/db/migrations/meta/_journal.json', 'web/dist/index.html']) {
  if (!existsSync(join(root, built))) {
    process.stderr.write(`smoke: FAILED: ${built} is missing: run \`npm run build\` first\n`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'backbeat-smoke-'));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

try {
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], root));
  say(`packed ${packed.filename}: ${packed.entryCount} files, ${(packed.unpackedSize / 1e6).toFixed(1)} MB unpacked`);
  const app = join(work, 'app');
  mkdirSync(app);
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', app, '--strip-components=1']);
  if (existsSync(join(app, 'src'))) fail('the package holds src/: the build must not need the TypeScript sources');
  copyFileSync(join(root, 'package-lock.json'), join(app, 'package-lock.json'));
  npm(['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], app);
  for (const devOnly of ['tsx', 'typescript', 'vite', 'vitest']) {
    if (existsSync(join(app, 'node_modules', devOnly))) fail(`${devOnly} was installed by npm ci --omit=dev`);
  }
  say('installed the production dependencies only');
  for (const node of nodes) await startAndStop(node, app);
  say('passed');
} catch (err) {
  process.stderr.write(`smoke: FAILED: ${err instanceof SmokeFailure ? err.message : err?.stack}\n`);
  process.exitCode = 1;
} finally {
  if (values.keep) say(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

async function startAndStop(node, app) {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const dataDir = join(work, `data-${version}`);
  mkdirSync(dataDir);
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'BEARER_TOKEN', 'ENCRYPTION_KEY', 'NODE_OPTIONS']) {
    delete env[name];
  }
  Object.assign(env, {
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN: 'smoke-admin-token-0123456789',
    FETCH_ON_START: 'false',
    JIOSAAVN_BASE_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'warn',
  });
  const started = performance.now();
  // cwd is the data folder, so no .env of the checkout is read.
  const child = spawn(node, [join(app, 'bin', 'backbeat.mjs'), 'all'], { cwd: dataDir, env });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let exit;
  void exited.then((value) => (exit = value));

  try {
    let base;
    while (!base) {
      if (exit) fail(`node ${version}: backbeat exited early (${JSON.stringify(exit)}):\n${output}`);
      if (performance.now() - started > STARTUP_TIMEOUT_MS) fail(`node ${version}: no URL printed:\n${output}`);
      base = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (!base) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    let health;
    while (health?.status !== 200) {
      if (performance.now() - started > STARTUP_TIMEOUT_MS) fail(`node ${version}: /api/health never answered 200`);
      health = await fetch(`${base}/api/health`).catch(() => undefined);
      if (health?.status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const body = await health.json();
    const ms = Math.round(performance.now() - started);
    say(`node ${version}: ${base}/api/health answered 200 (${JSON.stringify(body.status)}) ${ms} ms after spawn`);
    const page = await (await fetch(`${base}/`)).text();
    if (!/<script[^>]+src="\/assets\//.test(page)) fail(`node ${version}: GET / did not serve the built web app`);
    say(`node ${version}: GET / serves the built web app`);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }

  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const { code, signal } = await exited;
  clearTimeout(timer);
  if (code !== 0) fail(`node ${version}: exit ${code ?? signal} after SIGTERM:\n${output}`);
  say(`node ${version}: stopped cleanly on SIGTERM`);
}
