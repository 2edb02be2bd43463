import { afterEach, describe, expect, it } from 'vitest';
import { FaultStore, RequestCounters, SandboxInputError, truncateJson, type Emulation } from './framework.ts';
import { anyArray, anyNumber, anyString, objectContaining } from './test-matchers.ts';
import { createSandbox, type Sandbox } from './server.ts';

const T0 = Date.parse('2026-11-21T12:00:00Z');
const ALBUMS =
  '/api.php?__call=content.getAlbums&_format=json&_marker=0&ctx=web6dot0&api_version=4&n=5&p=1&languages=hindi';
const DETAILS = '/api.php?__call=song.getDetails&_format=json&pids=abc';

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

function setup(): Sandbox {
  const sandbox = createSandbox({ now: () => T0, initialAlbumsPerLanguage: 5 });
  open.push(sandbox);
  return sandbox;
}

async function addFault(sandbox: Sandbox, body: unknown) {
  const response = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/faults', payload: body as object });
  return response;
}

describe('fault injection', () => {
  it('rate_limit answers 429 with Retry-After', async () => {
    const sandbox = setup();
    const created = await addFault(sandbox, { target: 'jiosaavn', kind: 'rate_limit', retryAfterSeconds: 7 });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      id: anyString(),
      kind: 'rate_limit',
      retryAfterSeconds: 7,
      remaining: null,
    });
    const response = await sandbox.app.inject({ url: ALBUMS });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json()).toMatchObject({ error: { status: 429 } });
  });

  it.each([500, 502, 503])('status answers %i', async (status) => {
    const sandbox = setup();
    await addFault(sandbox, { target: 'jiosaavn', kind: 'status', status, retryAfterSeconds: 3 });
    const response = await sandbox.app.inject({ url: ALBUMS });
    expect(response.statusCode).toBe(status);
    expect(response.headers['retry-after']).toBe('3');
  });

  it('status defaults to 503', async () => {
    const sandbox = setup();
    expect((await addFault(sandbox, { target: '*', kind: 'status' })).json()).toMatchObject({ status: 503 });
    expect((await sandbox.app.inject({ url: ALBUMS })).statusCode).toBe(503);
  });

  it('delay holds the answer, then answers normally', async () => {
    const sandbox = setup();
    await addFault(sandbox, { target: 'jiosaavn', kind: 'delay', delayMs: 150 });
    const started = performance.now();
    const response = await sandbox.app.inject({ url: ALBUMS });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ count: anyNumber(), data: anyArray() });
  });

  it('malformed_json answers a truncated, unparseable JSON body', async () => {
    const sandbox = setup();
    const good = (await sandbox.app.inject({ url: ALBUMS })).body;
    await addFault(sandbox, { target: 'jiosaavn', kind: 'malformed_json' });
    const response = await sandbox.app.inject({ url: ALBUMS });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/json');
    expect(good.startsWith(response.body)).toBe(true);
    expect(response.body.length).toBeLessThan(good.length);
    expect(() => JSON.parse(response.body) as unknown).toThrow(SyntaxError);
  });

  it('html answers a WAF page with status 200', async () => {
    const sandbox = setup();
    await addFault(sandbox, { target: 'jiosaavn', kind: 'html' });
    const response = await sandbox.app.inject({ url: ALBUMS });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toMatch(/^<!DOCTYPE html>/);
  });

  it('empty_body answers 200 with no body', async () => {
    const sandbox = setup();
    await addFault(sandbox, { target: 'jiosaavn', kind: 'empty_body' });
    const response = await sandbox.app.inject({ url: ALBUMS });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
  });

  it.each([
    [undefined, ALBUMS, { count: 0, last_page: true, data: [] }],
    ['no_results', DETAILS, []],
    ['object', ALBUMS, {}],
    ['array', ALBUMS, []],
  ])('empty_json (variant %s) answers 200 with empty JSON', async (variant, url, expected) => {
    const sandbox = setup();
    const created = await addFault(sandbox, {
      target: 'jiosaavn',
      kind: 'empty_json',
      ...(variant ? { variant } : {}),
    });
    expect(created.statusCode).toBe(201);
    const response = await sandbox.app.inject({ url });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(expected);
  });

  it('times limits how many requests a fault hits', async () => {
    const sandbox = setup();
    const fault = sandbox.faults.add({ target: 'jiosaavn', kind: 'rate_limit', times: 2 });
    expect(fault.remaining).toBe(2);
    expect((await sandbox.app.inject({ url: ALBUMS })).statusCode).toBe(429);
    expect(sandbox.faults.list()).toEqual([objectContaining({ id: fault.id, remaining: 1, hits: 1 })]);
    expect((await sandbox.app.inject({ url: ALBUMS })).statusCode).toBe(429);
    expect((await sandbox.app.inject({ url: ALBUMS })).statusCode).toBe(200);
    expect(sandbox.faults.list()).toEqual([]);
  });

  it('applies a delay and an answering fault together, oldest answer first', async () => {
    const sandbox = setup();
    sandbox.faults.add({ target: 'jiosaavn', kind: 'delay', delayMs: 50, times: 1 });
    sandbox.faults.add({ target: 'jiosaavn', kind: 'status', status: 500, times: 1 });
    sandbox.faults.add({ target: 'jiosaavn', kind: 'html', times: 1 });
    const started = performance.now();
    expect((await sandbox.app.inject({ url: ALBUMS })).statusCode).toBe(500);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect((await sandbox.app.inject({ url: ALBUMS })).headers['content-type']).toContain('text/html');
    expect((await sandbox.app.inject({ url: ALBUMS })).statusCode).toBe(200);
  });

  it('scopes a fault to one endpoint (bare or prefixed name)', async () => {
    const sandbox = setup();
    await addFault(sandbox, { target: 'jiosaavn', endpoint: 'jiosaavn:song.getDetails', kind: 'status', status: 500 });
    expect((await sandbox.app.inject({ url: ALBUMS })).statusCode).toBe(200);
    expect((await sandbox.app.inject({ url: DETAILS })).statusCode).toBe(500);
    expect(sandbox.faults.list()[0]?.endpoint).toBe('song.getDetails');
  });

  it('never touches the control routes', async () => {
    const sandbox = setup();
    await addFault(sandbox, { target: '*', kind: 'status', status: 500 });
    expect((await sandbox.app.inject({ url: '/__sandbox/stats' })).statusCode).toBe(200);
    expect((await sandbox.app.inject({ url: '/__sandbox/faults' })).statusCode).toBe(200);
  });

  it('lists, deletes one and clears faults over HTTP', async () => {
    const sandbox = setup();
    const a = (await addFault(sandbox, { target: 'jiosaavn', kind: 'html' })).json<{ id: string }>();
    await addFault(sandbox, { target: 'jiosaavn', kind: 'empty_body' });
    await addFault(sandbox, { target: 'jiosaavn', kind: 'delay' });
    const listed = (await sandbox.app.inject({ url: '/__sandbox/faults' })).json<{ faults: { id: string }[] }>();
    expect(listed.faults).toHaveLength(3);
    expect((await sandbox.app.inject({ method: 'DELETE', url: `/__sandbox/faults/${a.id}` })).statusCode).toBe(204);
    const missing = await sandbox.app.inject({ method: 'DELETE', url: `/__sandbox/faults/${a.id}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'SANDBOX_NOT_FOUND' } });
    expect((await sandbox.app.inject({ method: 'DELETE', url: '/__sandbox/faults' })).json()).toEqual({ cleared: 2 });
    expect((await sandbox.app.inject({ url: ALBUMS })).statusCode).toBe(200);
  });

  it.each([
    ['not an object', []],
    ['unknown target', { target: 'napster', kind: 'html' }],
    ['missing kind', { target: 'jiosaavn' }],
    ['unknown kind', { target: 'jiosaavn', kind: 'explode' }],
    ['unknown endpoint', { target: 'jiosaavn', endpoint: 'content.getEverything', kind: 'html' }],
    ['status out of range', { target: 'jiosaavn', kind: 'status', status: 200 }],
    ['status not an integer', { target: 'jiosaavn', kind: 'status', status: '503' }],
    ['negative retryAfterSeconds', { target: 'jiosaavn', kind: 'rate_limit', retryAfterSeconds: -1 }],
    ['delayMs on another kind', { target: 'jiosaavn', kind: 'html', delayMs: 5 }],
    ['delay too long', { target: 'jiosaavn', kind: 'delay', delayMs: 10_000_000 }],
    ['times zero', { target: 'jiosaavn', kind: 'html', times: 0 }],
    ['unknown variant', { target: 'jiosaavn', kind: 'empty_json', variant: 'null' }],
    ['unknown property', { target: 'jiosaavn', kind: 'html', colour: 'red' }],
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
      payload: '{"target": "jiosaavn",',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'SANDBOX_BAD_REQUEST' } });
  });

  it('close() releases requests held by a delay', async () => {
    const sandbox = createSandbox({ now: () => T0, initialAlbumsPerLanguage: 1 });
    sandbox.faults.add({ target: 'jiosaavn', kind: 'delay', delayMs: 60_000 });
    const pending = sandbox.app.inject({ url: ALBUMS });
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
    await sandbox.app.inject({ url: ALBUMS });
    await sandbox.app.inject({ url: ALBUMS });
    await sandbox.app.inject({ url: DETAILS });
    sandbox.faults.add({ target: 'jiosaavn', kind: 'rate_limit', times: 1 });
    await sandbox.app.inject({ url: ALBUMS });
    await sandbox.app.inject({ url: '/__sandbox' });
    const expected = { requests: { 'jiosaavn:content.getAlbums': 3, 'jiosaavn:song.getDetails': 1 }, total: 4 };
    expect(sandbox.stats()).toEqual(expected);
    expect((await sandbox.app.inject({ url: '/__sandbox/stats' })).json()).toEqual(expected);
  });

  it('reset to zero over HTTP and programmatically', async () => {
    const sandbox = setup();
    await sandbox.app.inject({ url: ALBUMS });
    const reset = await sandbox.app.inject({ method: 'POST', url: '/__sandbox/stats/reset' });
    expect(reset.json()).toEqual({ requests: {}, total: 0 });
    await sandbox.app.inject({ url: DETAILS });
    sandbox.resetStats();
    expect(sandbox.stats()).toEqual({ requests: {}, total: 0 });
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
