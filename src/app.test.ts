import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildApp, type AppDeps, type Feature } from './app.ts';
import { parseConfig } from './config.ts';
import { AppError, ERRORS } from './errors.ts';
import { GuestAuth, safeEqual } from './http/auth.ts';
import { HealthRegistry } from './http/health.ts';
import { createLogger } from './infra/logger.ts';
import { Metrics } from './infra/metrics.ts';

const ADMIN = 'admin-token-for-app-tests';

async function appWith(options: { health?: HealthRegistry; features?: Feature[] } = {}) {
  const deps: AppDeps = {
    config: parseConfig({}),
    logger: createLogger('silent'),
    metrics: new Metrics({ defaultMetrics: false }),
    health: options.health ?? new HealthRegistry(),
    adminToken: ADMIN,
    guestAuth: new GuestAuth('a-secret-of-enough-length'),
    features: options.features ?? [],
    webRoot: '/nonexistent',
  };
  return buildApp(deps);
}

const probe: Feature = {
  name: 'probe',
  routes: async (app, { requireAdmin }) => {
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
    const app = await appWith({ features: [probe] });
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
    const app = await appWith({ features: [probe] });
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

  it('serves Prometheus metrics', async () => {
    const app = await appWith();
    await app.inject({ url: '/api/health' });
    const res = await app.inject({ url: '/metrics' });
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('backbeat_http_requests_total{method="GET",route="/api/health",status="200"} 1');
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
