/**
 * Requests the fuzz suite found breaking the service (500s, errors outside the documented shape, writes by a refused
 * request), kept as a corpus and replayed first in every run, in every mode, against the same assertions.
 */
import type { AuthPool, FuzzRequest } from './fuzz-arbitraries.ts';

interface CorpusCase {
  op: string;
  method: string;
  /** `{songId}` is replaced by a stored song's id. */
  url: string;
  /** `admin`, `guest` or the name of a hostile credential of the pool. */
  auth?: string;
  payload?: string;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64url');
const json = 'application/json';

const CASES: readonly CorpusCase[] = [
  // Non-finite numbers the validator coerced (500).
  { op: 'GET /api/new-releases', method: 'GET', url: '/api/new-releases?limit=Infinity' },
  { op: 'GET /api/new-releases', method: 'GET', url: '/api/new-releases?limit=-Infinity' },
  { op: 'GET /api/new-releases', method: 'GET', url: '/api/new-releases?limit=%2BInfinity' },
  { op: 'GET /api/new-releases', method: 'GET', url: '/api/new-releases?limit=1e309' },
  { op: 'GET /api/new-releases', method: 'GET', url: `/api/new-releases?limit=${'9'.repeat(400)}` },
  { op: 'GET /api/new-releases/runs', method: 'GET', url: '/api/new-releases/runs?limit=1e309', auth: 'admin' },
  // Cursors of impossible dates (500).
  { op: 'GET /api/new-releases', method: 'GET', url: `/api/new-releases?cursor=${b64('2026-02-30|1')}` },
  { op: 'GET /api/new-releases', method: 'GET', url: `/api/new-releases?limit=53&cursor=${b64('2026-02-31|1')}` },
  // A language name that is a key of every object's prototype (500).
  { op: 'GET /api/new-releases', method: 'GET', url: '/api/new-releases?language=__proto__' },
  // NUL in text that reaches SQL (500).
  { op: 'GET /api/new-releases/albums/{name}', method: 'GET', url: '/api/new-releases/albums/%00' },
  { op: 'GET /api/new-releases/albums/{name}', method: 'GET', url: '/api/new-releases/albums/a%00b' },
  { op: 'GET /api/new-releases/songs/{id}', method: 'GET', url: '/api/new-releases/songs/{songId}', auth: 'nulSub' },
  {
    op: 'POST /api/new-releases/songs/{id}/like',
    method: 'POST',
    url: '/api/new-releases/songs/{songId}/like',
    auth: 'nulSub',
  },
  {
    op: 'DELETE /api/new-releases/songs/{id}/like',
    method: 'DELETE',
    url: '/api/new-releases/songs/{songId}/like',
    auth: 'nulSub',
  },
  // Bad percent-encoding and over-long parameters answered by Fastify's own error shape (400, 414).
  { op: 'GET /api/new-releases/songs/{id}', method: 'GET', url: '/api/new-releases/songs/%FF' },
  { op: 'GET /api/new-releases/albums/{name}', method: 'GET', url: '/api/new-releases/albums/%E0%A4%A' },
  { op: 'stray', method: 'GET', url: '/api/%' },
  { op: 'stray', method: 'PATCH', url: '/api/%%' },
  { op: 'GET /api/new-releases/albums/{name}', method: 'GET', url: `/api/new-releases/albums/${'x'.repeat(10_240)}` },
  { op: 'GET /api/admin/rate-limits/{service}', method: 'GET', url: `/api/admin/rate-limits/${'x'.repeat(10_240)}` },
  // A denormal refill rate: 500, but saved, and the bucket broken for every later read and write.
  {
    op: 'PUT /api/admin/rate-limits/{service}',
    method: 'PUT',
    url: '/api/admin/rate-limits/fuzz-corpus',
    auth: 'admin',
    payload: '{"refillRate":5e-324}',
  },
  {
    op: 'GET /api/admin/rate-limits/{service}',
    method: 'GET',
    url: '/api/admin/rate-limits/fuzz-corpus',
    auth: 'admin',
  },
  {
    op: 'PUT /api/admin/rate-limits/{service}',
    method: 'PUT',
    url: '/api/admin/rate-limits/fuzz-corpus',
    auth: 'admin',
    payload: '{"maxTokens":0,"refillIntervalMs":1000}',
  },
  {
    op: 'PUT /api/admin/rate-limits/{service}',
    method: 'PUT',
    url: '/api/admin/rate-limits/fuzz-corpus',
    auth: 'admin',
    payload: '{"refillRate":1.5e-323,"maxTokens":0}',
  },
];

/** The corpus as requests, credentials resolved from the pool and `{songId}` from a stored song. */
export function corpusRequests(auth: AuthPool, songId: string): FuzzRequest[] {
  return CASES.map((c) => {
    const headers: Record<string, string> = {};
    if (c.auth === 'admin') headers.authorization = `Bearer ${auth.admin}`;
    else if (c.auth === 'guest') headers.authorization = `Bearer ${auth.guest}`;
    else if (c.auth) headers.authorization = auth.hostile[c.auth] ?? 'Bearer missing-credential';
    if (c.payload !== undefined) headers['content-type'] = json;
    return {
      op: c.op,
      method: c.method,
      url: c.url.replace('{songId}', songId),
      headers,
      payload: c.payload,
      valid: false,
      paramsValid: false,
    };
  });
}
