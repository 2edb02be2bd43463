import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp, type AppDeps } from './app.ts';
import { parseConfig } from './config.ts';
import { AppError, ERRORS } from './errors.ts';
import { GuestAuth, safeEqual } from './http/auth.ts';
import { HealthRegistry } from './http/health.ts';
import type { HttpModule } from './http/module.ts';
import { createLogger } from './infra/logger.ts';
import { Metrics } from './infra/metrics.ts';

const ADMIN = 'admin-token-for-app-tests';

async function appWith(options: { health?: HealthRegistry; modules?: HttpModule[]; webRoot?: string } = {}) {
  const deps: AppDeps = {
    config: parseConfig({}),
    logger: createLogger('silent'),
    metrics: new Metrics({ defaultMetrics: false }),
    health: options.health ?? new HealthRegistry(),
    adminToken: ADMIN,
    guestAuth: new GuestAuth('a-secret-of-enough-length'),
    modules: options.modules ?? [],
    webRoot: options.webRoot ?? '/nonexistent',
  };
  return buildApp(deps);
}

const probe: HttpModule = {
  name: 'probe',
  plugin: async (app, { requireAdmin }) => {
    app.get('/api/probe/boom', async () => {
      throw new Error('secret database detail');
    });
    app.get('/api/probe/teapot', async () => {
      throw new AppError('BACKBEAT_ERR_CONFLICT', 'already there');
    });
    app.get('/api/probe/admin', { preHandler: requireAdmin }, async () => ({ ok: true }));
  },
};

describe('buildApp', () => {
  it('answers an unknown route with a 404 JSON error', async () => {
    const app = await appWith();
    const res = await app.inject({ url: '/api/does-not-exist?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: { code: 'BACKBEAT_ERR_ROUTE_NOT_FOUND', message: 'No route for GET /api/does-not-exist' },
    });
    await app.close();
  });

  it('hides 5xx messages and shows 4xx ones, always with a catalog code', async () => {
    const app = await appWith({ modules: [probe] });
    const boom = await app.inject({ url: '/api/probe/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({ error: { code: 'BACKBEAT_ERR_INTERNAL', message: 'Internal server error' } });
    expect(boom.body).not.toContain('secret');
    const conflict = await app.inject({ url: '/api/probe/teapot' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual({ error: { code: 'BACKBEAT_ERR_CONFLICT', message: 'already there' } });
    await app.close();
  });

  it('guards admin routes: 401 without a token, 403 with a wrong one, 200 with the right one', async () => {
    const app = await appWith({ modules: [probe] });
    expect((await app.inject({ url: '/api/probe/admin' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/probe/admin', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(
      403,
    );
    expect(
      (await app.inject({ url: '/api/probe/admin', headers: { authorization: `Basic ${ADMIN}` } })).statusCode,
    ).toBe(401);
    const ok = await app.inject({ url: '/api/probe/admin', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(ok.statusCode).toBe(200);
    await app.close();
  });

  it('reports down with 503 when a critical check fails, degraded when another does', async () => {
    const health = new HealthRegistry(200);
    let databaseUp = true;
    health.add({
      name: 'database',
      critical: true,
      run: async () => {
        if (!databaseUp) throw new Error('connection refused');
        return { status: 'ok' };
      },
    });
    health.add({ name: 'redis', critical: false, run: () => new Promise(() => undefined) });
    const app = await appWith({ health });
    const degraded = await app.inject({ url: '/api/health' });
    expect(degraded.statusCode).toBe(200);
    expect(degraded.json()).toEqual({
      status: 'degraded',
      checks: { database: { status: 'ok' }, redis: { status: 'down', error: 'no answer within 200 ms' } },
    });
    databaseUp = false;
    const down = await app.inject({ url: '/api/health' });
    expect(down.statusCode).toBe(503);
    expect(down.json<{ status: string }>().status).toBe('down');
    await app.close();
  });

  it('issues guest tokens that verify, and rejects forged or expired ones', async () => {
    const app = await appWith();
    const res = await app.inject({ method: 'POST', url: '/api/auth/guest' });
    expect(res.statusCode).toBe(201);
    const { token, userId } = res.json<{ token: string; userId: string }>();
    const auth = new GuestAuth('a-secret-of-enough-length');
    expect(await auth.verify(token)).toBe(userId);
    expect(await new GuestAuth('another-secret-entirely').verify(token)).toBeUndefined();
    const old = await new GuestAuth('a-secret-of-enough-length', 60).issueGuest(new Date(Date.now() - 3_600_000));
    expect(await auth.verify(old.token)).toBeUndefined();
    await app.close();
  });

  it('rate limits any module route that asks for it with config.rateLimit', async () => {
    const limited: HttpModule = {
      name: 'limited',
      plugin: async (app) => {
        app.post('/api/limited', { config: { rateLimit: { max: 2, timeWindow: 60_000 } } }, async () => ({ ok: 1 }));
      },
    };
    const app = await appWith({ modules: [limited] });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await app.inject({ method: 'POST', url: '/api/limited' })).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await app.inject({ method: 'POST', url: '/api/limited' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('BACKBEAT_ERR_RATE_LIMITED');
    await app.close();
  });

  it('serves Prometheus metrics', async () => {
    const app = await appWith();
    await app.inject({ url: '/api/health' });
    const res = await app.inject({ url: '/metrics' });
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('backbeat_http_requests_total{method="GET",route="/api/health",status="200"} 1');
    await app.close();
  });
});

describe('request hygiene', () => {
  const echo: HttpModule = {
    name: 'echo',
    plugin: async (app) => {
      app.put(
        '/api/echo/:name',
        {
          schema: {
            params: { type: 'object', properties: { name: { type: 'string', maxLength: 300 } } },
            querystring: {
              type: 'object',
              properties: { limit: { type: 'integer', maximum: 100 } },
              additionalProperties: false,
            },
            body: {
              type: 'object',
              required: ['value'],
              properties: { value: { type: 'integer' } },
              additionalProperties: false,
            },
          },
        },
        async (request) => ({ params: request.params, body: request.body }),
      );
    },
  };

  it('answers a body over the 1 MiB limit with 413 in the error shape, before the handler runs', async () => {
    let handled = 0;
    const counting: HttpModule = {
      name: 'counting',
      plugin: async (app) => {
        app.post('/api/count', async () => ({ handled: ++handled }));
      },
    };
    const app = await appWith({ modules: [counting] });
    const big = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
    const res = await app.inject({
      method: 'POST',
      url: '/api/count',
      payload: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      error: { code: 'BACKBEAT_ERR_PAYLOAD_TOO_LARGE', message: expect.any(String) as string },
    });
    expect(handled).toBe(0);
    const small = await app.inject({ method: 'POST', url: '/api/count', payload: { pad: 'x' } });
    expect(small.json()).toEqual({ handled: 1 });
    await app.close();
  });

  it('answers a body that is not JSON with 415, not a validation error', async () => {
    const app = await appWith({ modules: [echo] });
    const res = await app.inject({
      method: 'PUT',
      url: '/api/echo/x',
      headers: { 'content-type': 'text/plain' },
      payload: '{"value":1}',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('BACKBEAT_ERR_UNSUPPORTED_MEDIA_TYPE');
    await app.close();
  });

  it.each([
    ['/api/echo/x?limit=101', { value: 1 }, 'querystring/limit must be <= 100'],
    ['/api/echo/x?other=1', { value: 1 }, 'querystring/other is not allowed'],
    ['/api/echo/x', {}, 'body/value is required'],
    ['/api/echo/x', { value: 'many' }, 'body/value must be integer'],
  ])('words every validation error as <location>/<field> <problem>: %s %j', async (url, payload, message) => {
    const app = await appWith({ modules: [echo] });
    const res = await app.inject({ method: 'PUT', url, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'BACKBEAT_ERR_VALIDATION', message } });
    await app.close();
  });

  it('takes route parameters up to the length their schema allows', async () => {
    const app = await appWith({ modules: [echo] });
    const name = 'n'.repeat(300);
    const res = await app.inject({ method: 'PUT', url: `/api/echo/${name}`, payload: { value: 1 } });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ params: { name: string } }>().params.name).toBe(name);
    const tooLong = await app.inject({ method: 'PUT', url: `/api/echo/${name}x`, payload: { value: 1 } });
    expect(tooLong.statusCode).toBe(400);
    await app.close();
  });

  it('answers a very long unknown API URL with a JSON 404', async () => {
    const app = await appWith();
    const res = await app.inject({ url: `/api/${'a'.repeat(6000)}` });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('BACKBEAT_ERR_ROUTE_NOT_FOUND');
    await app.close();
  });
});

describe('web app and API reference', () => {
  it('serves index.html for client-side routes and JSON 404s for unknown API routes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'backbeat-web-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>shell</title>');
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'sw.js'), 'self.addEventListener("fetch", () => {})');
    const app = await appWith({ webRoot: root });
    try {
      for (const url of ['/', '/admin', '/admin/runs', '/anything-else']) {
        const res = await app.inject({ url });
        expect(res.statusCode, url).toBe(200);
        expect(res.body, url).toContain('<title>shell</title>');
        expect(res.headers['cache-control'], url).toBe('no-cache');
      }
      const asset = await app.inject({ url: '/assets/app.js' });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['cache-control']).toContain('max-age=3600');
      expect((await app.inject({ url: '/sw.js' })).headers['cache-control']).toBe('no-cache');
      expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
      const longFile = await app.inject({ url: `/assets/${'a'.repeat(5000)}.js` });
      expect(longFile.statusCode).toBe(404);
      expect(longFile.json<{ error: { code: string } }>().error.code).toBe('BACKBEAT_ERR_ROUTE_NOT_FOUND');
      expect((await app.inject({ url: `/${'a'.repeat(5000)}` })).statusCode).toBe(200);
      expect((await app.inject({ url: '/api/nothing' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'POST', url: '/admin' })).statusCode).toBe(404);
    } finally {
      await app.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('serves the OpenAPI document and a reference page', async () => {
    const app = await appWith();
    const doc = await app.inject({ url: '/api/openapi.json' });
    expect(doc.statusCode).toBe(200);
    const body = doc.json<{
      openapi: string;
      paths: Record<string, unknown>;
      components: { securitySchemes: object };
    }>();
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/health', '/api/auth/guest', '/metrics']));
    expect(Object.keys(body.components.securitySchemes)).toEqual([
      'adminToken',
      'guestToken',
      'metricsToken',
      'shareToken',
      'listenerToken',
    ]);
    expect((await app.inject({ url: '/api/docs' })).headers.location).toBe('/api/docs/');
    const docs = await app.inject({ url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
    expect(docs.body).toContain('/api/openapi.json');
    await app.close();
  });
});

describe('safeEqual', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['', '', true],
  ])('%j vs %j → %s', (a, b, expected) => {
    expect(safeEqual(a, b)).toBe(expected);
  });
});

describe('error catalog', () => {
  it('documents every code in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of Object.keys(ERRORS)) expect(readme, code).toContain(code);
  });
});
