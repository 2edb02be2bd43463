import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'backbeat.mjs');
const cleanEnv = (extra: Record<string, string>) => {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(DATABASE_URL|REDIS_URL|ADMIN_TOKEN|JWT_SECRET|PORT|DATA_DIR)$/.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
};

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv(env), encoding: 'utf8', timeout: 60_000 });
}

/** Starts `backbeat all`, resolves with its stdout once it prints its URL, then stops it with SIGTERM. */
async function startAndStop(
  env: Record<string, string>,
): Promise<{ stdout: string; code: number | null; url: string }> {
  const child = spawn(process.execPath, [BIN, 'all'], { env: cleanEnv(env) });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', () => undefined);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${stdout}`)), 40_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', () => reject(new Error(`exited early:\n${stdout}`)));
  });
  const health = await fetch(`${url}/api/health`);
  expect(health.status).toBe(200);
  expect(((await health.json()) as { status: string }).status).toBe('ok');
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (c) => resolve(c));
    child.kill('SIGTERM');
  });
  return { stdout, code, url };
}

/** Collects a child's stdout and waits for text in it. */
function output(child: ChildProcessWithoutNullStreams) {
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  return {
    get text() {
      return text;
    },
    waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${String(pattern)} never printed:\n${text}`)), timeoutMs);
        const check = () => {
          const match = pattern.exec(text);
          if (match === null) return;
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve(match);
        };
        child.stdout.on('data', check);
        check();
      });
    },
  };
}

/** Resolves once nothing accepts connections at `url` any more. */
async function closed(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`${url} still answers`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('backbeat CLI', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('prints help for every command', async () => {
    const top = run(['--help']);
    expect(top.status).toBe(0);
    const commands = ['serve', 'worker', 'all', 'migrate', 'sandbox', 'fetch', 'demo'];
    for (const command of commands) expect(top.stdout).toContain(command);
    // Each command's own help, in-process (a process per command would only repeat start-up time).
    const { createProgram } = await import('../src/cli.ts');
    for (const command of commands) {
      let out = '';
      const program = createProgram().exitOverride();
      program.configureOutput({ writeOut: (s) => (out += s) });
      for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: (s) => (out += s) });
      await expect(program.parseAsync(['node', 'backbeat', command, '--help'])).rejects.toMatchObject({
        code: 'commander.helpDisplayed',
      });
      expect(out).toContain(`Usage: backbeat ${command}`);
    }
  });

  it('stops at start-up with one line naming every bad variable', () => {
    const result = run(['serve'], { PORT: 'eighty' });
    expect(result.status).toBe(78);
    expect(result.stderr.trim()).toBe('backbeat: configuration error: PORT: expected an integer, got "eighty"');
    const several = run(['serve'], { PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(several.status).toBe(78);
    expect(several.stderr.trim()).toBe(
      'backbeat: configuration error: 2 invalid variables: PORT: expected an integer, got "eighty"; ' +
        'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    );
    const db = run(['migrate'], { DATABASE_URL: 'mysql://localhost/x' });
    expect(db.status).toBe(78);
    expect(db.stderr).toContain('DATABASE_URL');
  });

  it('migrates an embedded database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbeat-cli-'));
    dirs.push(dir);
    const result = run(['migrate'], { DATA_DIR: dir });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Migrations are up to date.');
    expect(existsSync(join(dir, 'pglite'))).toBe(true);
  });

  it('generates an admin token once in embedded mode, prints it once, and shuts down cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbeat-cli-'));
    dirs.push(dir);
    const env = { DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', FETCH_ON_START: 'false', LOG_LEVEL: 'warn' };
    const first = await startAndStop(env);
    expect(first.code).toBe(0);
    const token = readFileSync(join(dir, 'secrets', 'admin-token'), 'utf8').trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(first.stdout).toContain(`ADMIN_TOKEN=${token}`);

    const second = await startAndStop(env);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('ADMIN_TOKEN=');
  });

  it('runs the demo: it stops with the process that started it, and a restart keeps its sandbox and says where the admin token is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbeat-demo-'));
    dirs.push(dir);
    const args = ['demo', '--port', '0', '--data-dir', dir, '--no-build', '--release-interval', '600000'];
    const banner = /open (http:\/\/\S+)\n\n {2}Sandbox upstream: (http:\/\/\S+) /;

    // Started by a shell that does not pass SIGTERM on (as `npm run` through `sh -c` may not): stopping the shell
    // stops the demo.
    const quoted = [process.execPath, BIN, ...args, '--sandbox-port', '0'].map((arg) => `'${arg}'`).join(' ');
    const shell = spawn('/bin/sh', ['-c', `${quoted}; echo shell-done`], { env: cleanEnv({}) });
    const first = output(shell);
    const [, appUrl, sandboxUrl] = await first.waitFor(banner);
    expect(first.text).toContain('ADMIN_TOKEN=');
    expect((await fetch(`${appUrl!}/api/health`)).status).toBe(200);
    expect((await fetch(`${sandboxUrl!}/__sandbox`)).status).toBe(200);
    shell.kill('SIGTERM');
    await first.waitFor(/Backbeat demo stopped\.\n/, 20_000);
    await closed(`${appUrl!}/api/health`);
    await closed(`${sandboxUrl!}/__sandbox`);

    // Started again over the same data: the sandbox is where it was, and the token is not printed but located.
    const demo = spawn(process.execPath, [BIN, ...args], { env: cleanEnv({}) });
    const second = output(demo);
    const [, , sandboxAgain] = await second.waitFor(banner);
    expect(sandboxAgain).toBe(sandboxUrl);
    expect(second.text).not.toContain('ADMIN_TOKEN=');
    expect(second.text).toContain(`Admin token: kept in ${join(dir, 'secrets', 'admin-token')}`);
    const code = new Promise<number | null>((resolve) => demo.once('exit', resolve));
    demo.kill('SIGTERM');
    expect(await code).toBe(0);
    expect(second.text).toContain('Backbeat demo stopped.');
  }, 120_000);
});
