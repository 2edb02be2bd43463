import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../src/http/openapi.ts';
import { openTestDb, startStack, type Stack, type TestDb } from './support/stack.ts';

/** Routes that are infrastructure, not API: the document itself, its reference page, and the web app's files. */
const UNDOCUMENTED = [/^\/api\/openapi\.json$/, /^\/api\/docs(\/.*)?$/, /^\/\*$/, /^\/$/];

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
}

describe('OpenAPI document', () => {
  let db: TestDb;
  let stack: Stack;

  beforeAll(async () => {
    db = await openTestDb('embedded', 'openapi');
    stack = await startStack({ db });
  });
  afterAll(async () => {
    await stack?.close();
    await db?.close();
  });

  async function document(): Promise<OpenApiDocument> {
    const res = await stack.app.inject({ url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    return res.json<OpenApiDocument>();
  }

  it('describes every registered route with its method', async () => {
    const doc = await document();
    expect(doc.openapi).toBe('3.1.0');
    const routes = registeredRoutes(stack.app).filter((r) => r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const route of routes) {
      if (UNDOCUMENTED.some((pattern) => pattern.test(route.url))) continue;
      expect(route.hidden, `${route.method} ${route.url} is hidden from the document`).toBe(false);
      const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      if (!doc.paths[path]?.[route.method.toLowerCase()]) missing.push(`${route.method} ${route.url}`);
    }
    expect(missing).toEqual([]);
  });

  it('names the security of admin and guest routes and the error shape of every route', async () => {
    const doc = await document();
    expect(doc.paths['/api/new-releases/fetch']?.post?.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/api/admin/rate-limits/{service}']?.put?.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/api/new-releases/songs/{id}/like']?.post?.security).toEqual([{ guestToken: [] }]);
    expect(doc.paths['/api/new-releases']?.get?.security).toBeUndefined();
    const list = JSON.stringify(doc.paths['/api/new-releases']?.get?.responses);
    expect(list).toContain('nextCursor');
    expect(JSON.stringify(doc.paths['/api/new-releases/songs/{id}']?.get?.responses['404'])).toContain('code');
  });
});
