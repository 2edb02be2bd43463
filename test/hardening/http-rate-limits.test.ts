/**
 * Request rate limits under abuse: a client cannot escape the telemetry limit by forging `X-Forwarded-For` (only
 * proxies named by TRUST_PROXY may say who the client is), guest tokens are limited per client, and in scaled mode
 * the counters live in Redis, so two processes share one budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { GuestAuth } from '../../src/http/auth.ts';
import { HealthRegistry } from '../../src/http/health.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { Metrics } from '../../src/infra/metrics.ts';
import { closeRedis, createRedis } from '../../src/ports/redis/connection.ts';
import { MODES, uniqueName } from '../support/services.ts';
import { openTestDb, startStack, type Stack, type TestDb } from '../support/stack.ts';

interface ErrorAnswer {
  error: { code: string; message: string };
}

const TELEMETRY = { event: 'client_new_release_received', songId: 1, eventId: 1, latencyMs: 5 };

function telemetry(stack: Stack, headers: Record<string, string> = {}, remoteAddress?: string) {
  return stack.app.inject({
    method: 'POST',
    url: '/api/telemetry',
    payload: TELEMETRY,
    headers,
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

function countStatuses(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

function expectRateLimited(res: { statusCode: number; headers: Record<string, unknown>; json: <T>() => T }): void {
  expect(res.statusCode).toBe(429);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  const body = res.json<ErrorAnswer>();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe('BACKBEAT_ERR_RATE_LIMITED');
  expect(body.error.message).toMatch(/^Too many requests/);
}

describe.each(MODES)('request rate limits (%s)', (mode) => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDb(mode, 'http_rate_limits');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('ignores X-Forwarded-For by default: 300 posts with distinct addresses still stop at 120', async () => {
    const stack = await startStack({ db, role: 'serve' });
    try {
      const answers = [];
      for (let i = 0; i < 300; i++) {
        answers.push(await telemetry(stack, { 'x-forwarded-for': `203.0.${i >> 8}.${i & 255}` }));
      }
      expect(countStatuses(answers.map((res) => res.statusCode))).toEqual({ 202: 120, 429: 180 });
      expectRateLimited(answers[120]!);
      // Another client (another peer address) has its own budget.
      expect((await telemetry(stack, {}, '198.51.100.7')).statusCode).toBe(202);
    } finally {
      await stack.close();
    }
  });

  it('uses X-Forwarded-For when TRUST_PROXY trusts the hop it came through', async () => {
    const stack = await startStack({ db, role: 'serve', env: { TRUST_PROXY: '1' } });
    try {
      const distinct = [];
      for (let i = 0; i < 130; i++)
        distinct.push((await telemetry(stack, { 'x-forwarded-for': `203.0.113.${i}` })).statusCode);
      expect(countStatuses(distinct)).toEqual({ 202: 130 });
      // The client is the address the trusted proxy saw, not whatever the client put in front of it.
      const same = [];
      for (let i = 0; i < 121; i++) {
        same.push((await telemetry(stack, { 'x-forwarded-for': `10.9.${i}.1, 192.0.2.1` })).statusCode);
      }
      expect(countStatuses(same)).toEqual({ 202: 120, 429: 1 });
    } finally {
      await stack.close();
    }
  });

  it('trusts only the listed proxies', async () => {
    const stack = await startStack({ db, role: 'serve', env: { TRUST_PROXY: '10.0.0.0/8' } });
    try {
      const viaProxy = [];
      for (let i = 0; i < 125; i++) {
        viaProxy.push((await telemetry(stack, { 'x-forwarded-for': `203.0.113.${i}` }, '10.1.2.3')).statusCode);
      }
      expect(countStatuses(viaProxy)).toEqual({ 202: 125 });
      const direct = [];
      for (let i = 0; i < 125; i++) {
        direct.push((await telemetry(stack, { 'x-forwarded-for': `203.0.113.${i}` }, '198.51.100.9')).statusCode);
      }
      expect(countStatuses(direct)).toEqual({ 202: 120, 429: 5 });
    } finally {
      await stack.close();
    }
  });

  it('limits guest tokens per client: the 21st in an hour is a 429 with Retry-After', async () => {
    const stack = await startStack({ db, role: 'serve' });
    try {
      for (let i = 0; i < 20; i++) {
        const res = await stack.app.inject({ method: 'POST', url: '/api/auth/guest', remoteAddress: '192.0.2.10' });
        expect(res.statusCode, `token ${i + 1}`).toBe(201);
      }
      const refused = await stack.app.inject({ method: 'POST', url: '/api/auth/guest', remoteAddress: '192.0.2.10' });
      expectRateLimited(refused);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
      const other = await stack.app.inject({ method: 'POST', url: '/api/auth/guest', remoteAddress: '192.0.2.11' });
      expect(other.statusCode).toBe(201);
    } finally {
      await stack.close();
    }
  });

  it('takes the guest token budget from GUEST_TOKENS_PER_HOUR', async () => {
    const stack = await startStack({ db, role: 'serve', env: { GUEST_TOKENS_PER_HOUR: '2' } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await stack.app.inject({ method: 'POST', url: '/api/auth/guest' })).statusCode);
      expect(statuses).toEqual([201, 201, 429]);
    } finally {
      await stack.close();
    }
  });

  // Only scaled mode has a counter store shared between processes.
  if (mode === 'scaled') {
    it('shares the counters between two processes on one Redis prefix', async () => {
      const prefix = uniqueName('shared_limits');
      const a = await startStack({ db, role: 'serve', env: { REDIS_PREFIX: prefix } });
      const b = await startStack({ db, role: 'serve', env: { REDIS_PREFIX: prefix } });
      try {
        const statuses = [];
        for (let i = 0; i < 120; i++) statuses.push((await telemetry(i % 2 === 0 ? a : b)).statusCode);
        expect(countStatuses(statuses)).toEqual({ 202: 120 });
        expectRateLimited(await telemetry(a));
        expectRateLimited(await telemetry(b));
        // A third process on another prefix (another deployment) counts on its own.
        const other = await startStack({ db, role: 'serve' });
        try {
          expect((await telemetry(other)).statusCode).toBe(202);
        } finally {
          await other.close();
        }
      } finally {
        await a.close();
        await b.close();
      }
    });
  }
});

describe('request rate limits with their Redis away', () => {
  it('lets requests through rather than failing them', async () => {
    const redis = createRedis('redis://127.0.0.1:1', { role: 'command', connectTimeoutMs: 200 });
    const app = await buildApp({
      config: parseConfig({ GUEST_TOKENS_PER_HOUR: '1' }),
      logger: createLogger('silent'),
      metrics: new Metrics({ defaultMetrics: false }),
      health: new HealthRegistry(),
      adminToken: 'admin-token-for-limit-tests',
      guestAuth: new GuestAuth('a-secret-of-enough-length'),
      modules: [],
      webRoot: '/nonexistent',
      rateLimitRedis: redis,
    });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await app.inject({ method: 'POST', url: '/api/auth/guest' })).statusCode);
      expect(statuses).toEqual([201, 201, 201]);
    } finally {
      await app.close();
      await closeRedis(redis);
    }
  });
});
