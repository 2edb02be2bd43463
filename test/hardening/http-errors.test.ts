/**
 * Every error a client can provoke below the routes (the HTTP parser, URL decoding, a missing Host) has the
 * documented shape `{ error: { code, message } }` with a catalog code. Checked over a raw TCP socket, since these
 * requests are exactly the ones an HTTP client library will not send.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { GuestAuth } from '../../src/http/auth.ts';
import { HealthRegistry } from '../../src/http/health.ts';
import type { HttpModule } from '../../src/http/module.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { Metrics } from '../../src/infra/metrics.ts';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connect to the socket's close. */
  ms: number;
}

/** Writes `text` on a fresh connection (then nothing) and collects everything until the server closes it. */
function raw(port: number, text: string | Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got ${Buffer.concat(chunks).toString('latin1')}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('utf8');
      const end = all.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = all.slice(0, end === -1 ? all.length : end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(statusLine.split(' ')[1] ?? 0),
        headers,
        body: end === -1 ? '' : all.slice(end + 4),
        ms: Date.now() - started,
      });
    });
    socket.write(text);
  });
}

function expectError(answer: RawAnswer, status: number, code: string): { code: string; message: string } {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

const probe: HttpModule = {
  name: 'probe',
  plugin: async (app) => {
    app.get('/api/probe/:name', async (request) => ({ name: (request.params as { name: string }).name }));
  },
};

describe('errors below the routes, over a raw socket', () => {
  let app: App;
  let port: number;

  beforeAll(async () => {
    app = await buildApp({
      config: parseConfig({ REQUEST_TIMEOUT_MS: '400' }),
      logger: createLogger('silent'),
      metrics: new Metrics({ defaultMetrics: false }),
      health: new HealthRegistry(),
      adminToken: 'admin-token-for-error-tests',
      guestAuth: new GuestAuth('a-secret-of-enough-length'),
      modules: [probe],
      webRoot: '/nonexistent',
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers a well-formed request normally (the harness works)', async () => {
    const ok = await raw(port, 'GET /api/probe/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ name: 'abc' });
  });

  it('431 for headers over the limit', async () => {
    const answer = await raw(port, `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectError(answer, 431, 'BACKBEAT_ERR_HEADERS_TOO_LARGE');
  });

  it('400 for a request the parser cannot read', async () => {
    expectError(await raw(port, 'THIS IS NOT HTTP\r\n\r\n'), 400, 'BACKBEAT_ERR_VALIDATION');
    expectError(
      await raw(port, 'GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'),
      400,
      'BACKBEAT_ERR_VALIDATION',
    );
  });

  it('408 for a request head that never ends (REQUEST_TIMEOUT_MS)', async () => {
    const answer = await raw(port, 'GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expectError(answer, 408, 'BACKBEAT_ERR_TIMEOUT');
    expect(answer.ms).toBeGreaterThanOrEqual(300);
    expect(answer.ms).toBeLessThan(5_000);
  });

  it('400 for a URL whose percent-encoding does not decode', async () => {
    const answer = await raw(port, 'GET /api/probe/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const error = expectError(answer, 400, 'BACKBEAT_ERR_VALIDATION');
    expect(error.message).toBe('The URL is not validly percent-encoded');
  });

  it('400 for an HTTP/1.1 request without Host, in the same shape (HTTP/1.0 needs none)', async () => {
    const answer = await raw(port, 'GET /api/health HTTP/1.1\r\n\r\n');
    expect(expectError(answer, 400, 'BACKBEAT_ERR_VALIDATION').message).toBe('headers/host is required');
    const old = await raw(port, 'GET /api/health HTTP/1.0\r\n\r\n');
    expect(old.status).toBe(200);
  });
});
