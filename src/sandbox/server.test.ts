import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSandboxServer, type SandboxServer } from './server.ts';
import { fileStateStore, memoryStateStore } from './state.ts';
import { fakeEmulation } from './test-emulation.ts';
import { objectContaining } from './test-matchers.ts';

const open: SandboxServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function setup(options: Partial<Parameters<typeof createSandboxServer>[0]> = {}): SandboxServer {
  const sandbox = createSandboxServer({ emulations: [fakeEmulation()], ...options });
  open.push(sandbox);
  return sandbox;
}

async function linkOf(sandbox: SandboxServer): Promise<string> {
  return (await sandbox.app.inject({ url: '/__sandbox/fake/link' })).json<{ url: string }>().url;
}

/** Holds a port until `close()`, so a sandbox finds it taken. */
async function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  return { port: address.port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe(createSandboxServer.name, () => {
  it('listens on a free port and answers at the emulations’ paths', async () => {
    const sandbox = setup();
    const base = await sandbox.listen(0);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.url).toBe(base);
    const response = await fetch(`${base}/fake/v1/one`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { count: number }).count).toBe(3);
    expect(sandbox.stats()).toEqual({ requests: { 'fake:one': 1 }, total: 1 });
  });

  it('describes its emulations and controls at GET /__sandbox', async () => {
    const sandbox = createSandboxServer({ emulations: [fakeEmulation('first'), fakeEmulation('second')] });
    open.push(sandbox);
    const response = await sandbox.app.inject({ url: '/__sandbox' });
    expect(response.statusCode).toBe(200);
    const index = response.json<{
      faultKinds: string[];
      emulations: { name: string; endpoints: string[]; quirkKinds: { kind: string }[]; controls: { path: string }[] }[];
      controls: { path: string; exampleBody?: unknown }[];
    }>();
    expect(index.faultKinds).toEqual(['status', 'rate_limit', 'delay', 'malformed_json', 'html', 'empty_body']);
    expect(index.emulations.map((emulation) => emulation.name)).toEqual(['first', 'second']);
    expect(index.emulations[0]).toMatchObject({
      endpoints: ['first:one', 'first:two'],
      quirkKinds: [objectContaining({ kind: 'odd' })],
      controls: [objectContaining({ path: '/__sandbox/first/link' })],
    });
    const faults = index.controls.find((control) => control.path === '/__sandbox/faults' && control.exampleBody);
    expect(faults?.exampleBody).toMatchObject({ target: 'first', endpoint: 'one' });
  });

  it('refuses two emulations with one name', () => {
    expect(() => createSandboxServer({ emulations: [fakeEmulation(), fakeEmulation()] })).toThrow(/registered twice/);
  });

  it('answers unknown routes with 404 JSON', async () => {
    const sandbox = setup();
    const response = await sandbox.app.inject({ url: '/v1/nothing' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'SANDBOX_NOT_FOUND' } });
  });

  it('gives emulations the public URL: the configured one, else the bound address once listening', async () => {
    const plain = setup();
    expect(await linkOf(plain)).toBe('https://fake.test/fake/v1/two');
    const base = await plain.listen(0);
    expect(await linkOf(plain)).toBe(`${base}/fake/v1/two`);

    const configured = setup({ publicUrl: 'http://sandbox.local:4010/' });
    await configured.listen(0);
    expect(configured.publicUrl).toBe('http://sandbox.local:4010');
    expect(await linkOf(configured)).toBe('http://sandbox.local:4010/fake/v1/two');
  });

  it('with a state store, listens again on the port it had, so its links survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbeat-sandbox-'));
    dirs.push(dir);
    const first = setup({ state: fileStateStore(dir) });
    // Port 0 here so the test never depends on the default port being free; the port it gets is remembered.
    const url = await first.listen(0);
    const link = await linkOf(first);
    await first.close();
    expect(JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8'))).toEqual({ port: Number(new URL(url).port) });

    const second = setup({ state: fileStateStore(dir) });
    expect(await second.listen()).toBe(url);
    expect(await linkOf(second)).toBe(link);
  });

  it('falls back to a free port when the remembered one is taken, and remembers that one', async () => {
    const taken = await occupy();
    try {
      const state = memoryStateStore();
      state.slot('server').write({ port: taken.port });
      const sandbox = setup({ state });
      const url = await sandbox.listen();
      const port = Number(new URL(url).port);
      expect(port).not.toBe(taken.port);
      expect(sandbox.movedFrom).toBe(taken.port);
      expect(state.slot('server').read()).toEqual({ port });
    } finally {
      await taken.close();
    }
  });

  it('an explicit port is used as given: a taken one fails', async () => {
    const taken = await occupy();
    try {
      await expect(setup({ state: memoryStateStore() }).listen(taken.port)).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      await taken.close();
    }
  });
});

describe(fileStateStore.name, () => {
  it('keeps one JSON document per slot and reads nothing for a missing or damaged one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'backbeat-state-'));
    dirs.push(dir);
    const store = fileStateStore(join(dir, 'nested'));
    expect(store.slot('jiosaavn').read()).toBeUndefined();
    store.slot('jiosaavn').write({ epoch: 1, log: [] });
    expect(fileStateStore(join(dir, 'nested')).slot('jiosaavn').read()).toEqual({ epoch: 1, log: [] });
    writeFileSync(join(dir, 'nested', 'broken.json'), '{"epoch":');
    expect(store.slot('broken').read()).toBeUndefined();
    expect(() => store.slot('../escape')).toThrow(/Invalid/);
  });
});
