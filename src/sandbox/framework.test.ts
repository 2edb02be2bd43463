import { afterEach, describe, expect, it } from 'vitest';
import { FaultStore, RequestCounters, SandboxInputError, truncateJson, type Emulation } from './framework.ts';
import { anyArray, anyNumber, anyString, objectContaining } from './test-matchers.ts';
import { createSandboxServer, type SandboxServer } from './server.ts';
import { fakeEmulation } from './test-emulation.ts';

/** The fake upstream's two endpoints. */
const ONE = '/fake/v1/one?page=1';
const TWO = '/fake/v1/two';

const open: SandboxServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

function setup(): SandboxServer {
  const sandbox = createSandboxServer({ emulations: [fakeEmulation()] });
  open.push(sandbox);
  return sandbox;
}

async function addFault(sandbox: SandboxServer, body: unknown) {
  const response = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/faults', payload: body as object });
  return response;
}

describe('fault injection', () => {
  it('rate_limit answers 429 with Retry-After', async () => {
    const sandbox = setup();
    const created = await addFault(sandbox, { target: 'fake', kind: 'rate_limit', retryAfterSeconds: 7 });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      id: anyString(),
      kind: 'rate_limit',
      retryAfterSeconds: 7,
      remaining: null,
    });
    const response = await sandbox.app.inject({ url: ONE });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json()).toMatchObject({ error: { status: 429 } });
  });

  it.each([500, 502, 503])('status answers %i', async (status) => {
    const sandbox = setup();
    await addFault(sandbox, { target: 'fake', kind: 'status', status, retryAfterSeconds: 3 });
    const response = await sandbox.app.inject({ url: ONE });
    expect(response.statusCode).toBe(status);
    expect(response.headers['retry-after']).toBe('3');
  });

  it('status defaults to 503', async () => {
    const sandbox = setup();
    expect((await addFault(sandbox, { target: '*', kind: 'status' })).json()).toMatchObject({ status: 503 });
    expect((await sandbox.app.inject({ url: ONE })).statusCode).toBe(503);
  });

  it('delay holds the answer, then answers normally', async () => {
    const sandbox = setup();
    await addFault(sandbox, { target: 'fake', kind: 'delay', delayMs: 150 });
    const started = performance.now();
    const response = await sandbox.app.inject({ url: ONE });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ count: anyNumber(), data: anyArray() });
  });

  it('malformed_json answers a truncated, unparseable JSON body', async () => {
    const sandbox = setup();
    const good = (await sandbox.app.inject({ url: ONE })).body;
    await addFault(sandbox, { target: 'fake', kind: 'malformed_json' });
    const response = await sandbox.app.inject({ url: ONE });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/json');
    expect(good.startsWith(response.body)).toBe(true);
    expect(response.body.length).toBeLessThan(good.length);
    expect(() => JSON.parse(response.body) as unknown).toThrow(SyntaxError);
  });

  it('html answers a WAF page with status 200', async () => {
    const sandbox = setup();
    await addFault(sandbox, { target: 'fake', kind: 'html' });
    const response = await sandbox.app.inject({ url: ONE });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toMatch(/^<!DOCTYPE html>/);
  });

  it('empty_body answers 200 with no body', async () => {
    const sandbox = setup();
    await addFault(sandbox, { target: 'fake', kind: 'empty_body' });
    const response = await sandbox.app.inject({ url: ONE });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
  });

  it.each([
    [undefined, ONE, 'plain:one'],
    ['loud', TWO, 'loud:two'],
  ])('a quirk kind (variant %s) answers what the emulation makes of it', async (variant, url, expected) => {
    const sandbox = setup();
    const created = await addFault(sandbox, { target: 'fake', kind: 'odd', ...(variant ? { variant } : {}) });
    expect(created.statusCode).toBe(201);
    const response = await sandbox.app.inject({ url });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(expected);
  });

  it('times limits how many requests a fault hits', async () => {
    const sandbox = setup();
    const fault = sandbox.faults.add({ target: 'fake', kind: 'rate_limit', times: 2 });
    expect(fault.remaining).toBe(2);
    expect((await sandbox.app.inject({ url: ONE })).statusCode).toBe(429);
    expect(sandbox.faults.list()).toEqual([objectContaining({ id: fault.id, remaining: 1, hits: 1 })]);
    expect((await sandbox.app.inject({ url: ONE })).statusCode).toBe(429);
    expect((await sandbox.app.inject({ url: ONE })).statusCode).toBe(200);
    expect(sandbox.faults.list()).toEqual([]);
  });

  it('applies a delay and an answering fault together, oldest answer first', async () => {
    const sandbox = setup();
    sandbox.faults.add({ target: 'fake', kind: 'delay', delayMs: 50, times: 1 });
    sandbox.faults.add({ target: 'fake', kind: 'status', status: 500, times: 1 });
    sandbox.faults.add({ target: 'fake', kind: 'html', times: 1 });
    const started = performance.now();
    expect((await sandbox.app.inject({ url: ONE })).statusCode).toBe(500);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect((await sandbox.app.inject({ url: ONE })).headers['content-type']).toContain('text/html');
    expect((await sandbox.app.inject({ url: ONE })).statusCode).toBe(200);
  });

  it('scopes a fault to one endpoint (bare or prefixed name)', async () => {
    const sandbox = setup();
    await addFault(sandbox, { target: 'fake', endpoint: 'fake:two', kind: 'status', status: 500 });
    expect((await sandbox.app.inject({ url: ONE })).statusCode).toBe(200);
    expect((await sandbox.app.inject({ url: TWO })).statusCode).toBe(500);
    expect(sandbox.faults.list()[0]?.endpoint).toBe('two');
  });

  it('never touches the control routes', async () => {
    const sandbox = setup();
    await addFault(sandbox, { target: '*', kind: 'status', status: 500 });
    expect((await sandbox.app.inject({ url: '/__sandbox/stats' })).statusCode).toBe(200);
    expect((await sandbox.app.inject({ url: '/__sandbox/faults' })).statusCode).toBe(200);
  });

  it('lists, deletes one and clears faults over HTTP', async () => {
    const sandbox = setup();
    const a = (await addFault(sandbox, { target: 'fake', kind: 'html' })).json<{ id: string }>();
    await addFault(sandbox, { target: 'fake', kind: 'empty_body' });
    await addFault(sandbox, { target: 'fake', kind: 'delay' });
    const listed = (await sandbox.app.inject({ url: '/__sandbox/faults' })).json<{ faults: { id: string }[] }>();
    expect(listed.faults).toHaveLength(3);
    expect((await sandbox.app.inject({ method: 'DELETE', url: `/__sandbox/faults/${a.id}` })).statusCode).toBe(204);
    const missing = await sandbox.app.inject({ method: 'DELETE', url: `/__sandbox/faults/${a.id}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'SANDBOX_NOT_FOUND' } });
    expect((await sandbox.app.inject({ method: 'DELETE', url: '/__sandbox/faults' })).json()).toEqual({ cleared: 2 });
    expect((await sandbox.app.inject({ url: ONE })).statusCode).toBe(200);
  });

  it.each([
    ['not an object', []],
    ['unknown target', { target: 'napster', kind: 'html' }],
    ['missing kind', { target: 'fake' }],
    ['unknown kind', { target: 'fake', kind: 'explode' }],
    ['unknown endpoint', { target: 'fake', endpoint: 'three', kind: 'html' }],
    ['status out of range', { target: 'fake', kind: 'status', status: 200 }],
    ['status not an integer', { target: 'fake', kind: 'status', status: '503' }],
    ['negative retryAfterSeconds', { target: 'fake', kind: 'rate_limit', retryAfterSeconds: -1 }],
    ['delayMs on another kind', { target: 'fake', kind: 'html', delayMs: 5 }],
    ['delay too long', { target: 'fake', kind: 'delay', delayMs: 10_000_000 }],
    ['times zero', { target: 'fake', kind: 'html', times: 0 }],
    ['unknown variant', { target: 'fake', kind: 'odd', variant: 'null' }],
    ['unknown property', { target: 'fake', kind: 'html', colour: 'red' }],
  ])('rejects a bad fault body (%s) with 400 JSON', async (_case, body) => {
    const sandbox = setup();
    const response = await addFault(sandbox, body);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.json()).toEqual({ error: { code: 'SANDBOX_BAD_REQUEST', message: anyString() } });
    expect(sandbox.faults.list()).toEqual([]);
  });

  it('rejects a body that is not JSON with 400 JSON', async () => {
    const sandbox = setup();
    const response = await sandbox.app.inject({
      method: 'POST',
      url: '/__sandbox/faults',
      headers: { 'content-type': 'application/json' },
      payload: '{"target": "fake",',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'SANDBOX_BAD_REQUEST' } });
  });

  it('close() releases requests held by a delay', async () => {
    const sandbox = createSandboxServer({ emulations: [fakeEmulation()] });
    sandbox.faults.add({ target: 'fake', kind: 'delay', delayMs: 60_000 });
    const pending = sandbox.app.inject({ url: ONE });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    await sandbox.close();
    await pending.catch(() => undefined);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('request counters', () => {
  it('count every upstream request per endpoint, faulted ones included', async () => {
    const sandbox = setup();
    await sandbox.app.inject({ url: ONE });
    await sandbox.app.inject({ url: ONE });
    await sandbox.app.inject({ url: TWO });
    sandbox.faults.add({ target: 'fake', kind: 'rate_limit', times: 1 });
    await sandbox.app.inject({ url: ONE });
    await sandbox.app.inject({ url: '/__sandbox' });
    const expected = { requests: { 'fake:one': 3, 'fake:two': 1 }, total: 4 };
    expect(sandbox.stats()).toEqual(expected);
    expect((await sandbox.app.inject({ url: '/__sandbox/stats' })).json()).toEqual(expected);
  });

  it('reset to zero over HTTP and programmatically', async () => {
    const sandbox = setup();
    await sandbox.app.inject({ url: ONE });
    const reset = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/stats/reset' });
    expect(reset.json()).toEqual({ requests: {}, total: 0 });
    await sandbox.app.inject({ url: TWO });
    sandbox.resetStats();
    expect(sandbox.stats()).toEqual({ requests: {}, total: 0 });
  });

  it("serves emulations' own figures under `emulations` and zeroes them with the counters", async () => {
    const figures = { served: 0, resets: 0 };
    const keeper: Emulation = {
      ...fakeEmulation('keeper'),
      stats: () => ({ ...figures }),
      resetStats: () => {
        figures.served = 0;
        figures.resets++;
      },
    };
    const sandbox = createSandboxServer({ emulations: [fakeEmulation(), keeper] });
    open.push(sandbox);
    await sandbox.app.inject({ url: '/keeper/v1/one' });
    figures.served = 7;
    expect((await sandbox.app.inject({ url: '/__sandbox/stats' })).json()).toEqual({
      requests: { 'keeper:one': 1 },
      total: 1,
      // Only emulations that keep figures are listed.
      emulations: { keeper: { served: 7, resets: 0 } },
    });
    const reset = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/stats/reset' });
    expect(reset.json()).toEqual({ requests: {}, total: 0, emulations: { keeper: { served: 0, resets: 1 } } });
  });

  it('RequestCounters sorts keys and totals', () => {
    const counters = new RequestCounters();
    counters.increment('b:x');
    counters.increment('a:y');
    counters.increment('b:x');
    expect(counters.get('b:x')).toBe(2);
    expect(Object.keys(counters.snapshot().requests)).toEqual(['a:y', 'b:x']);
    expect(counters.snapshot().total).toBe(3);
  });
});

describe(FaultStore.name, () => {
  const emulation = (name: string, quirks: string[] = []): Emulation => ({
    name,
    description: name,
    endpoints: ['one', 'two'],
    quirks: Object.fromEntries(
      quirks.map((kind) => [
        kind,
        { description: kind, respond: () => ({ status: 200, contentType: 'text/plain', body: kind }) },
      ]),
    ),
    register: () => undefined,
    reset: () => undefined,
  });

  it('applies a "*" quirk fault only to emulations that define the quirk', () => {
    const store = new FaultStore(() => [emulation('a', ['weird']), emulation('b')]);
    store.add({ target: '*', kind: 'weird' });
    expect(store.take('b', 'one').answer).toBeUndefined();
    expect(store.take('a', 'one').answer?.kind).toBe('weird');
  });

  it('refuses a quirk kind on a target that lacks it', () => {
    const store = new FaultStore(() => [emulation('a', ['weird']), emulation('b')]);
    expect(() => store.add({ target: 'b', kind: 'weird' })).toThrow(SandboxInputError);
  });
});

describe(truncateJson.name, () => {
  it.each(['{"a":1}', '[]', '{}', '{"count":0,"last_page":true,"data":[]}'])('makes %s unparseable', (text) => {
    expect(() => JSON.parse(truncateJson(text)) as unknown).toThrow(SyntaxError);
  });
});
