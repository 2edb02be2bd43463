/**
 * Child `backbeat` processes for multi-process tests (scale-out, trending pacing and crashes): spawn one with its JSON
 * log lines collected, wait for a condition or its `started` line, and stop it with SIGTERM or SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'backbeat.mjs');

/** A `node bin/backbeat.mjs <command>` child with its JSON log lines collected. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly logs: Record<string, unknown>[];
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or the signal name) when the process exits. */
  readonly exited: Promise<number | string>;
  exitCode(): number | string | undefined;
}

export function spawnBackbeat(name: string, command: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [BIN, command], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let code: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (c, signal) => {
      code = c ?? signal ?? 'unknown';
      resolve(code);
    });
  });
  const out: Child = {
    name,
    process: child,
    logs: [],
    stdout: '',
    stderr: '',
    exited,
    exitCode: () => code,
  };
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out.stdout += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{"')) continue;
      try {
        out.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out.stderr += chunk));
  return out;
}

export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  child?: Child,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (child?.exitCode() !== undefined) {
      throw new Error(
        `${child.name} exited (${child.exitCode()}) while waiting for ${what}:\n${child.stderr}\n${child.stdout}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${child ? `:\n${child.stderr}\n${child.stdout.slice(-4000)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for the `started` log line; for HTTP roles returns the URL it listens on (PORT=0 picks a free port). */
export async function started(child: Child): Promise<string> {
  const line = await until(
    `${child.name} to start`,
    () => child.logs.find((l) => l.event === 'started'),
    30_000,
    child,
  );
  return typeof line.url === 'string' ? line.url : '';
}

/** SIGTERM, then the exit code within `timeoutMs` ('timeout' when it did not exit). */
export async function terminate(child: Child, timeoutMs = 10_000): Promise<number | string> {
  if (child.exitCode() !== undefined) return child.exitCode()!;
  child.process.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const code = await Promise.race([child.exited, timeout]);
  clearTimeout(timer);
  return code;
}

export function killHard(child: Child | undefined): void {
  if (child && child.exitCode() === undefined) child.process.kill('SIGKILL');
}
