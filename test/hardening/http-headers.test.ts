/**
 * Security headers and exposure: every answer carries a Content-Security-Policy (the API reference alone may run
 * inline scripts and styles), no framing, nosniff and a referrer policy; source maps are never served; `/metrics`
 * can require a token.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { GuestAuth } from '../../src/http/auth.ts';
import { HealthRegistry } from '../../src/http/health.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { Metrics } from '../../src/infra/metrics.ts';

const METRICS_TOKEN = 'metrics-token-0123456789';

async function appWith(env: Record<string, string>, webRoot: string): Promise<App> {
  return buildApp({
    config: parseConfig(env),
    logger: createLogger('silent'),
    metrics: new Metrics({ defaultMetrics: false }),
    health: new HealthRegistry(),
    adminToken: 'admin-token-for-header-tests',
    guestAuth: new GuestAuth('a-secret-of-enough-length'),
    modules: [],
    webRoot,
  });
}

/** The CSP as a map of directive to its sources. */
function csp(header: unknown): Map<string, string[]> {
  expect(typeof header).toBe('string');
  return new Map(
    String(header)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name = '', ...sources]) => [name, sources]),
  );
}

describe('security headers and exposure', () => {
  let root: string;
  let app: App;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'backbeat-web-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>shell</title>');
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)\n//# sourceMappingURL=app.js.map');
    writeFileSync(join(root, 'assets', 'app.js.map'), '{"version":3,"sources":["../src/secret.ts"]}');
    app = await appWith({}, root);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it.each(['/', '/admin', '/assets/app.js', '/api/health', '/api/nothing', '/api/openapi.json'])(
    'sends the strict policy and the other headers on %s',
    async (url) => {
      const res = await app.inject({ url });
      expect(res.statusCode).toBeLessThan(500);
      const policy = csp(res.headers['content-security-policy']);
      expect(policy.get('default-src')).toEqual(["'self'"]);
      expect(policy.get('script-src')).toEqual(["'self'"]);
      expect(policy.get('style-src')).toEqual(["'self'"]);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
      expect(policy.get('object-src')).toEqual(["'none'"]);
      expect(policy.has('upgrade-insecure-requests')).toBe(false);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    },
  );

  it('lets only the API reference run inline scripts and styles', async () => {
    for (const url of ['/api/docs/', '/api/docs/js/scalar.js']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      const policy = csp(res.headers['content-security-policy']);
      expect(policy.get('script-src'), url).toEqual(["'self'", "'unsafe-inline'"]);
      expect(policy.get('style-src'), url).toEqual(["'self'", "'unsafe-inline'"]);
      expect(policy.get('frame-ancestors'), url).toEqual(["'none'"]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('never serves source maps', async () => {
    const map = await app.inject({ url: '/assets/app.js.map' });
    expect(map.statusCode).toBe(404);
    expect(map.json<{ error: { code: string } }>().error.code).toBe('BACKBEAT_ERR_ROUTE_NOT_FOUND');
    expect(map.body).not.toContain('secret.ts');
    expect((await app.inject({ url: '/assets/missing.js.map' })).statusCode).toBe(404);
  });

  it('leaves /metrics open without METRICS_TOKEN', async () => {
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('requires METRICS_TOKEN for /metrics when it is set', async () => {
    const guarded = await appWith({ METRICS_TOKEN }, root);
    try {
      const none = await guarded.inject({ url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(none.json<{ error: { code: string } }>().error.code).toBe('BACKBEAT_ERR_UNAUTHORIZED');
      const wrong = await guarded.inject({
        url: '/metrics',
        headers: { authorization: 'Bearer not-the-token-at-all' },
      });
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json<{ error: { code: string } }>().error.code).toBe('BACKBEAT_ERR_FORBIDDEN');
      const ok = await guarded.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('backbeat_http_requests_total');
      const doc = await guarded.inject({ url: '/api/openapi.json' });
      const metrics = doc.json<{ paths: Record<string, { get: { security?: unknown } }> }>().paths['/metrics'];
      expect(metrics?.get.security).toEqual([{ metricsToken: [] }]);
    } finally {
      await guarded.close();
    }
  });
});
