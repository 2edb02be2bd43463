import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { strictInput } from '../../src/http/contract.ts';
import { queryRows } from '../../src/infra/db.ts';
import { LIKE_RATE_LIMIT } from '../../src/releases/routes.ts';
import { MODES } from '../support/services.ts';
import { JWT_SECRET, adminHeaders, type Stack, type TestDb, useTestStack } from '../support/stack.ts';

interface ErrorAnswer {
  error: { code: string; message: string };
}

const json = { ...adminHeaders, 'content-type': 'application/json' };

describe('strictInput: the Ajv plugin every route validates through', () => {
  /** A compiler whose own validation accepts everything, so only the plugin decides. */
  function compile(schema: object) {
    const accepting = Object.assign((_data: unknown) => true, { errors: null as unknown[] | null });
    const ajv = strictInput({ compile: (_schema: object) => accepting });
    const validate = ajv.compile(schema);
    return (data: unknown) => (validate(data) === true ? 'ok' : validate.errors?.[0]);
  }
  const schema = {
    type: 'object',
    properties: {
      text: { type: 'string' },
      count: { type: 'integer' },
      maybe: { anyOf: [{ type: 'number' }, { type: 'null' }] },
      list: { type: 'array', items: { type: 'object', properties: { 'a/b': { type: 'number' } } } },
      either: { anyOf: [{ type: 'number' }, { type: 'string' }] },
    },
  };
  const check = compile(schema);

  it.each<[unknown, unknown]>([
    [{ text: 'ok', count: 5, maybe: null, list: [{ 'a/b': 1.5 }], either: '0x10' }, 'ok'],
    [{ count: '12' }, 'ok'],
    [{ count: '1e2' }, 'ok'],
    [{ count: 'many' }, 'ok'], // not coercible: Ajv's own type error applies
    [{ text: 'a\u0000b' }, { instancePath: '/text', message: 'must not contain NUL characters' }],
    [{ count: 'Infinity' }, { instancePath: '/count', message: 'must be a finite number' }],
    [{ count: Number.POSITIVE_INFINITY }, { instancePath: '/count', message: 'must be a finite number' }],
    [{ count: ' 7' }, { instancePath: '/count', message: 'must be a finite number' }],
    [{ count: null }, { instancePath: '/count', message: 'must be a finite number' }],
    [{ count: false }, { instancePath: '/count', message: 'must be a finite number' }],
    [{ maybe: '0b11' }, { instancePath: '/maybe', message: 'must be a finite number' }],
    [
      { list: [{ 'a/b': 1 }, { 'a/b': Number.NaN }] },
      { instancePath: '/list/1/a~1b', message: 'must be a finite number' },
    ],
  ])('%j → %j', (data, expected) => {
    expect(check(data)).toEqual(expected === 'ok' ? 'ok' : expect.objectContaining(expected));
  });
});

describe.each(MODES)('hostile input is refused with 400, never a 500 (%s)', (mode) => {
  let db: TestDb;
  let stack: Stack;
  useTestStack(mode, 'data_input', (opened) => {
    ({ db, stack } = opened);
  });

  async function get(url: string, headers: Record<string, string> = {}) {
    return stack.app.inject({ url, headers });
  }

  function expectValidation(res: { statusCode: number; json: <T>() => T }, message?: RegExp) {
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorAnswer>();
    expect(body.error.code).toBe('BACKBEAT_ERR_VALIDATION');
    if (message) expect(body.error.message).toMatch(message);
  }

  describe('numbers are finite and written as JSON numbers', () => {
    it.each(['Infinity', '-Infinity', '1e309', '-1e309', 'NaN', '0x10', '%205', '5%20', '1_0', '', '+5'])(
      'GET /api/new-releases?limit=%s → 400',
      async (limit) => {
        expectValidation(await get(`/api/new-releases?limit=${limit}`), /^querystring\/limit /);
      },
    );

    it.each(['Infinity', '1e309', '0x10'])('GET /api/new-releases/runs?limit=%s → 400', async (limit) => {
      expectValidation(await get(`/api/new-releases/runs?limit=${limit}`, adminHeaders), /^querystring\/limit /);
    });

    it('plain numbers still work (and 1e1 is ten)', async () => {
      for (const limit of ['5', '1e1', '100']) {
        expect((await get(`/api/new-releases?limit=${limit}`)).statusCode).toBe(200);
      }
    });

    it.each([
      ['{"refillRate":1e309}', /^body\/refillRate must be a finite number/],
      ['{"refillRate":-1e309}', /^body\/refillRate must be a finite number/],
      ['{"maxTokens":null}', /^body\/maxTokens must be a finite number/],
      ['{"maxTokens":true}', /^body\/maxTokens must be a finite number/],
      ['{"maxTokens":"0x10"}', /^body\/maxTokens must be a finite number/],
      ['{"refillIntervalMs":1e400}', /^body\/refillIntervalMs must be a finite number/],
    ])('PUT a bucket with %s → 400, nothing saved', async (payload, message) => {
      expectValidation(
        await stack.app.inject({ method: 'PUT', url: '/api/admin/rate-limits/jiosaavn', headers: json, payload }),
        message,
      );
      expect(await buckets()).toEqual([]);
    });

    it('a telemetry body with latencyMs 1e309 → 400', async () => {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/api/telemetry',
        headers: { 'content-type': 'application/json' },
        payload: '{"event":"client_new_release_received","latencyMs":1e309}',
      });
      expectValidation(res, /^body\/latencyMs /);
    });
  });

  describe('cursors are validated in full', () => {
    const cursor = (text: string) => Buffer.from(text).toString('base64url');
    it.each([
      ['a date that does not exist', '2026-02-30|1'],
      ['month 13', '2026-13-01|1'],
      ['id 0', '2026-01-01|0'],
      ['an id above 2^53', '2026-01-01|9999999999999999'],
      ['a year before 1000', '0999-01-01|1'],
      ['trailing text', '2026-01-01|1|x'],
    ])('%s → 400', async (_, text) => {
      expectValidation(await get(`/api/new-releases?cursor=${cursor(text)}`), /cursor/);
    });

    it('text that is not base64url → 400', async () => {
      expectValidation(await get(`/api/new-releases?cursor=${encodeURIComponent('MjAyNi0wMS0wMXwx==')}`), /cursor/);
      expectValidation(await get(`/api/new-releases?cursor=${encodeURIComponent('a b')}`), /cursor/);
    });

    it('a real cursor still pages', async () => {
      expect((await get(`/api/new-releases?cursor=${cursor('2026-02-28|1')}`)).statusCode).toBe(200);
    });
  });

  describe('NUL and other control characters never reach SQL', () => {
    it.each(['%00', 'a%00b', 'x%01', 'x%1F', 'x%7F', 'x%0A'])('GET /api/new-releases/albums/%s → 400', async (name) => {
      expectValidation(await get(`/api/new-releases/albums/${name}`), /^params\/name /);
    });

    it('a NUL in the language filter → 400', async () => {
      expectValidation(await get('/api/new-releases?language=m%00l'), /^querystring\/language /);
    });

    it('an album name with ordinary punctuation and non-ASCII text is looked up (404 when unknown)', async () => {
      const res = await get(`/api/new-releases/albums/${encodeURIComponent('Bapu & Gabru (ಕನ್ನಡ) "OST"')}`);
      expect(res.statusCode).toBe(404);
    });
  });

  async function buckets() {
    return queryRows<{ service_name: string; refill_rate: number; max_tokens: number }>(
      db.handle.db,
      sql`SELECT service_name, refill_rate, max_tokens FROM rate_limit_tokens ORDER BY service_name`,
    );
  }

  describe('token bucket settings stay in range', () => {
    it.each([
      ['refillRate 1e-320', { refillRate: 1e-320 }, /^body\/refillRate must be 0 or >= 0.001/],
      ['refillRate 0.0005', { refillRate: 0.0005 }, /^body\/refillRate must be 0 or >= 0.001/],
      ['refillRate above 1e8', { refillRate: 1e9 }, /^body\/refillRate must be <= 100000000/],
      ['maxTokens above 1e8', { maxTokens: 100_000_001 }, /^body\/maxTokens must be <= 100000000/],
      ['maxTokens 1.5', { maxTokens: 1.5 }, /^body\/maxTokens must be integer/],
      ['refillIntervalMs 999', { refillIntervalMs: 999 }, /^body\/refillIntervalMs must be >= 1000/],
      ['refillIntervalMs over 366 days', { refillIntervalMs: 366 * 86_400_000 + 1 }, /must be <= 31622400000/],
    ])('PUT %s → 400 and nothing saved', async (_, payload, message) => {
      const res = await stack.app.inject({
        method: 'PUT',
        url: '/api/admin/rate-limits/jiosaavn',
        headers: adminHeaders,
        payload,
      });
      expectValidation(res, message);
      expect(await buckets()).toEqual([]);
    });

    it.each([
      ['max_tokens = -1', 'max_tokens = -1'],
      ['max_tokens = 100000001', 'max_tokens = 100000001'],
      ['refill_rate = 1e-7', 'refill_rate = 0.0000001'],
      ['refill_rate = -1', 'refill_rate = -1'],
      ["refill_rate = 'NaN'", "refill_rate = 'NaN'::float8"],
      ["refill_rate = 'Infinity'", "refill_rate = 'Infinity'::float8"],
      ["refill_interval = '0'", "refill_interval = interval '0 seconds'"],
      ["refill_interval = '400 days'", "refill_interval = interval '400 days'"],
      ["tokens = 'NaN'", "tokens = 'NaN'::float8"],
      ['tokens = -1', 'tokens = -1'],
    ])("an operator's UPDATE … SET %s is refused by a CHECK constraint", async (_, assignment) => {
      await stack.container.rateLimiter.get('jiosaavn');
      const before = await buckets();
      const error = await db.handle.db
        .execute(sql.raw(`UPDATE rate_limit_tokens SET ${assignment} WHERE service_name = 'jiosaavn'`))
        .then(
          () => undefined,
          (err: unknown) => err as Error & { cause?: { code?: string; message?: string } },
        );
      // 23514: check_violation.
      expect(error?.cause?.code).toBe('23514');
      expect(error?.cause?.message).toMatch(/rate_limit_tokens_\w+_range/);
      expect(await buckets()).toEqual(before);
    });

    it('GET and takes keep working at the extremes the table allows', async () => {
      const limiter = stack.container.rateLimiter;
      const extremes = [
        { service: 'fastest', maxTokens: 100_000_000, refillRate: 100_000_000, refillIntervalMs: 1000 },
        { service: 'slowest', maxTokens: 100_000_000, refillRate: 0.001, refillIntervalMs: 366 * 86_400_000 },
        { service: 'never', maxTokens: 0, refillRate: 0, refillIntervalMs: 366 * 86_400_000 },
        { service: 'tiny', maxTokens: 1, refillRate: 0.001, refillIntervalMs: 1000 },
      ];
      for (const { service, ...settings } of extremes) {
        const put = await stack.app.inject({
          method: 'PUT',
          url: `/api/admin/rate-limits/${service}`,
          headers: adminHeaders,
          payload: settings,
        });
        expect(put.statusCode, service).toBe(200);
        expect(put.json()).toMatchObject(settings);
      }
      // Empty the slow buckets, then ask for more than they hold.
      await db.handle.db.execute(
        sql`UPDATE rate_limit_tokens SET tokens = 0 WHERE service_name IN ('slowest', 'tiny')`,
      );
      for (const { service } of extremes) {
        const res = await stack.app.inject({ url: `/api/admin/rate-limits/${service}`, headers: adminHeaders });
        expect(res.statusCode, service).toBe(200);
        const result = await limiter.take(service, 1);
        if (service === 'fastest') {
          expect(result.granted).toBe(true);
          continue;
        }
        expect(result.granted, service).toBe(false);
        if (result.granted) continue;
        expect(Number.isFinite(result.retryAfterMs)).toBe(true);
        expect(result.retryAfterMs).toBeGreaterThan(0);
        expect(result.retryAfterMs).toBeLessThanOrEqual(366 * 86_400_000);
      }
      const list = await stack.app.inject({ url: '/api/admin/rate-limits', headers: adminHeaders });
      expect(list.statusCode).toBe(200);
      for (const item of list.json<{ items: { tokens: number }[] }>().items) {
        expect(Number.isFinite(item.tokens)).toBe(true);
      }
    });
  });

  describe('guest tokens and likes', () => {
    const key = new TextEncoder().encode(JWT_SECRET);

    it('a correctly signed guest token without exp is refused (401)', async () => {
      const token = await new SignJWT({ role: 'guest' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject('guest_forever')
        .setIssuedAt()
        .setIssuer('backbeat')
        .sign(key);
      const res = await stack.app.inject({
        method: 'POST',
        url: '/api/new-releases/songs/1/like',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(401);
      expect(await stack.container.guestAuth.verify(token)).toBeUndefined();
    });

    it.each([
      ['a NUL byte', 'guest_\u0000x'],
      ['10 KB', `guest_${'x'.repeat(10_240)}`],
      ['another form', 'admin'],
    ])('a correctly signed guest token whose sub holds %s is refused (401, no 500)', async (_, sub) => {
      const token = await new SignJWT({ role: 'guest' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime('1h')
        .setIssuer('backbeat')
        .sign(key);
      const headers = { authorization: `Bearer ${token}` };
      const like = await stack.app.inject({ method: 'POST', url: '/api/new-releases/songs/1/like', headers });
      expect(like.statusCode).toBe(401);
      // Routes where a user is optional treat it as no user.
      expect((await stack.app.inject({ url: '/api/new-releases', headers })).statusCode).toBe(200);
    });

    it('a correctly signed token older than the token lifetime is refused, whatever its exp says', async () => {
      const issued = Math.floor(Date.now() / 1000) - 31 * 86_400;
      const token = await new SignJWT({ role: 'guest' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(`guest_${randomUUID()}`)
        .setIssuedAt(issued)
        .setExpirationTime(1e15)
        .setIssuer('backbeat')
        .sign(key);
      expect(await stack.container.guestAuth.verify(token)).toBeUndefined();
    });

    it('a guest token without sub is refused', async () => {
      const token = await new SignJWT({ role: 'guest' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .setIssuer('backbeat')
        .sign(key);
      expect(await stack.container.guestAuth.verify(token)).toBeUndefined();
    });

    it('likes are rate limited per client, however many guest tokens it mints', async () => {
      const tokens = await Promise.all([1, 2, 3].map(() => stack.container.guestAuth.issueGuest()));
      const statuses: number[] = [];
      for (let i = 0; i <= LIKE_RATE_LIMIT.max; i++) {
        const res = await stack.app.inject({
          method: i % 2 === 0 ? 'POST' : 'DELETE',
          url: '/api/new-releases/songs/999999/like',
          headers: { authorization: `Bearer ${tokens[i % tokens.length]!.token}` },
          remoteAddress: '203.0.113.7',
        });
        statuses.push(res.statusCode);
        if (res.statusCode === 429) {
          expect(res.json<ErrorAnswer>().error.code).toBe('BACKBEAT_ERR_RATE_LIMITED');
          expect(res.headers['retry-after']).toBeDefined();
        }
      }
      expect(statuses.slice(0, LIKE_RATE_LIMIT.max).every((s) => s === 404)).toBe(true);
      expect(statuses.at(-1)).toBe(429);
      // Another client is not affected.
      const other = await stack.app.inject({
        method: 'POST',
        url: '/api/new-releases/songs/999999/like',
        headers: { authorization: `Bearer ${tokens[0]!.token}` },
        remoteAddress: '203.0.113.8',
      });
      expect(other.statusCode).toBe(404);
    });

    it('an issued guest token is accepted', async () => {
      const { token, userId } = await stack.container.guestAuth.issueGuest();
      expect(await stack.container.guestAuth.verify(token)).toBe(userId);
    });
  });
});
