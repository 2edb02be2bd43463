import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { progressReporter } from '../src/cli.ts';
import { openDatabase, queryRows } from '../src/infra/db.ts';
import type { MatchStats } from '../src/matches/contract.ts';
import { DiscogsTokenStore } from '../src/matches/token-store.ts';
import { TokenVault, vaultKeyId } from '../src/matches/vault.ts';
import { createSandbox } from '../src/providers/sandboxes.ts';
import { SANDBOX_SOUNDCLOUD_CLIENT_ID, SANDBOX_SOUNDCLOUD_CLIENT_SECRET } from '../src/providers/soundcloud/sandbox.ts';
import { SANDBOX_YOUTUBE_API_KEY } from '../src/providers/youtube/sandbox.ts';
import { audioCatalog } from '../src/sandbox/audio-catalog.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'backbeat.mjs');
const cleanEnv = (extra: Record<string, string>) => {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      v !== undefined &&
      !/^(DATABASE_URL|REDIS_URL|ADMIN_TOKEN|JWT_SECRET|PORT|DATA_DIR|ENCRYPTION_KEY(_PREVIOUS)?)$/.test(k)
    ) {
      env[k] = v;
    }
  }
  return { ...env, ...extra };
};

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv(env), encoding: 'utf8', timeout: 60_000 });
}

/** As {@link run}, without blocking this process: for commands talking to a sandbox that runs in it. */
function runAsync(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
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
    const commands = ['serve', 'worker', 'all', 'migrate', 'sandbox', 'fetch', 'demo', 'matches', 'keys'];
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

  it('warms releases against the sandbox with progress, then shows statistics and clears a release', async () => {
    const seed = 7;
    const sandbox = createSandbox({ seed });
    const url = await sandbox.listen(0);
    const dir = mkdtempSync(join(tmpdir(), 'backbeat-cli-matches-'));
    dirs.push(dir);
    const env = {
      DATA_DIR: dir,
      DISCOGS_API_URL: url,
      YOUTUBE_API_URL: url,
      YOUTUBE_API_KEY: SANDBOX_YOUTUBE_API_KEY,
      SOUNDCLOUD_API_URL: url,
      SOUNDCLOUD_AUTH_URL: url,
      SOUNDCLOUD_CLIENT_ID: SANDBOX_SOUNDCLOUD_CLIENT_ID,
      SOUNDCLOUD_CLIENT_SECRET: SANDBOX_SOUNDCLOUD_CLIENT_SECRET,
    };
    const [first, second] = audioCatalog(seed).releases;
    try {
      // A release Discogs does not have fails; the others are warmed, with plain progress lines (stderr is no TTY).
      const warm = await runAsync(['matches', 'warm', String(first!.id), '1', String(second!.id)], env);
      expect(warm.status).toBe(1);
      const total = first!.tracks.length;
      expect(warm.stderr).toContain(`release ${first!.id}: 0/${total} ${first!.title}\n`);
      expect(warm.stderr).toMatch(new RegExp(`release ${first!.id}: ${total}/${total} \\S+ (approved|needs_review)`));
      expect(warm.stderr).toContain('release 1: Discogs has no release 1\n');
      expect(warm.stderr).not.toContain('\r');
      expect(warm.stdout).toContain('Warmed 2 of 3 releases:\n');
      expect(warm.stdout).toContain(`  ${first!.id} ${first!.title}: ${total} tracks: `);
      expect(warm.stdout).toContain(`(${total} computed, 0 already known)`);
      expect(warm.stdout).toContain('  1: failed: Discogs has no release 1\n');
      // Only the outcome goes to stdout: no log line.
      expect(warm.stdout).not.toContain('"level"');

      // Warm again: every track is known now.
      const again = await runAsync(['matches', 'warm', String(first!.id)], env);
      expect(again.status).toBe(0);
      expect(again.stdout).toContain(`(0 computed, ${total} already known)`);
      expect(sandbox.discogs.stats().windowUsed).toBe(3);

      const stats = await runAsync(['matches', 'stats'], env);
      expect(stats.status).toBe(0);
      expect(stats.stdout).toMatch(/Matches per platform\n {2}platform +matches +avg confidence +approved\n/);
      expect(stats.stdout).toMatch(/\n {2}youtube +\d+ +0\.\d\d +\d+\n/);
      expect(stats.stdout).toMatch(/Tracks by status\n {2}status +tracks\n {2}approved +\d+\n/);
      expect(stats.stdout).toContain('Cache: in-process (embedded mode)');
      const json = await runAsync(['matches', 'stats', '--json'], env);
      const parsed = JSON.parse(json.stdout) as MatchStats;
      const tracks = first!.tracks.length + second!.tracks.length;
      expect(Object.values(parsed.statuses).reduce((a, b) => a + b, 0)).toBe(tracks);

      const clear = await runAsync(['matches', 'clear', String(first!.id)], env);
      expect(clear.status).toBe(0);
      expect(clear.stdout).toMatch(
        new RegExp(`^Cleared release ${first!.id}: removed \\d+ stored match(es)?, ${total} track outcomes\\.`),
      );
      const after = JSON.parse((await runAsync(['matches', 'stats', '--json'], env)).stdout) as MatchStats;
      expect(Object.values(after.statuses).reduce((a, b) => a + b, 0)).toBe(second!.tracks.length);
      const nothing = await runAsync(['matches', 'clear', String(first!.id)], env);
      expect(nothing.stdout).toBe(`Release ${first!.id} had no matches stored: nothing removed.\n`);

      const bad = await runAsync(['matches', 'warm', 'abc'], env);
      expect(bad.status).toBe(64);
      expect(bad.stderr).toBe('backbeat: "abc" is not a Discogs release id (a positive integer)\n');
    } finally {
      await sandbox.close();
    }
  }, 120_000);

  it('draws a progress bar on a terminal and plain lines elsewhere', () => {
    let tty = '';
    const bar = progressReporter({ isTTY: true, columns: 80, write: (text) => (tty += text) }, 'release 1');
    bar.update(0, 4);
    bar.update(2, 4, 'A2 approved');
    bar.end();
    expect(tty).toBe(
      `\rrelease 1 [------------------------] 0/4\x1b[K` +
        `\rrelease 1 [############------------] 2/4 A2 approved\x1b[K\n`,
    );
    let plain = '';
    const lines = progressReporter({ write: (text) => (plain += text) }, 'Re-sealing', 2);
    for (let done = 0; done <= 10; done++) lines.update(done, 10);
    lines.end();
    expect(plain).toBe('Re-sealing: 0/10\nRe-sealing: 5/10\nRe-sealing: 10/10\n');
  });

  it('rotates the encryption key of stored Discogs tokens, refusing clearly without the keys it needs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbeat-cli-keys-'));
    dirs.push(dir);
    const oldKey = Buffer.alloc(32, 0xa1);
    const newKey = Buffer.alloc(32, 0xb2);
    const hex = (key: Buffer) => key.toString('hex');
    const seeded = await openDatabase({ dataDir: join(dir, 'pglite') });
    try {
      await seeded.migrate();
      const store = new DiscogsTokenStore({ db: seeded.db, vault: new TokenVault({ key: oldKey }) });
      await store.save('alice', { accessToken: 'alice-token', accessSecret: 'alice-secret' });
      await store.saveOAuthRequest('request-token', 'request-secret', 'bob');
    } finally {
      await seeded.close();
    }

    const unset = await runAsync(['keys', 'rotate'], { DATA_DIR: dir });
    expect(unset.status).toBe(78);
    expect(unset.stderr).toMatch(/^backbeat: ENCRYPTION_KEY is not set: /);

    // The new key alone cannot open what the old one sealed: nothing changes, and the message names the old key.
    const missing = await runAsync(['keys', 'rotate'], { DATA_DIR: dir, ENCRYPTION_KEY: hex(newKey) });
    expect(missing.status).toBe(78);
    expect(missing.stderr).toContain(`key ${vaultKeyId(oldKey)} is not configured`);
    expect(missing.stderr).not.toContain('alice-token');

    const rotated = await runAsync(['keys', 'rotate'], {
      DATA_DIR: dir,
      ENCRYPTION_KEY: hex(newKey),
      ENCRYPTION_KEY_PREVIOUS: hex(oldKey),
    });
    expect(rotated.status).toBe(0);
    expect(rotated.stdout).toContain(`Re-sealed 2 values under key ${vaultKeyId(newKey)} (0 already under it).\n`);
    expect(rotated.stdout).toContain('ENCRYPTION_KEY_PREVIOUS can be removed');
    expect(rotated.stderr).toContain('Re-sealing: 2/2\n');

    const after = await openDatabase({ dataDir: join(dir, 'pglite') });
    try {
      const [row] = await queryRows<{ access_token: string }>(after.db, sql`SELECT access_token FROM discogs_tokens`);
      expect(row!.access_token.startsWith(`v1.${vaultKeyId(newKey)}.`)).toBe(true);
      const store = new DiscogsTokenStore({ db: after.db, vault: new TokenVault({ key: newKey }) });
      expect((await store.get('alice'))?.accessToken).toBe('alice-token');
    } finally {
      await after.close();
    }

    const again = await runAsync(['keys', 'rotate'], { DATA_DIR: dir, ENCRYPTION_KEY: hex(newKey) });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`Re-sealed 0 values under key ${vaultKeyId(newKey)} (2 already under it).\n`);
  }, 120_000);

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
