import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { MODES } from '../support/services.ts';
import { adminHeaders, type Stack, type TestDb, useTestStack } from '../support/stack.ts';

describe.each(MODES)('releases HTTP API (%s)', (mode) => {
  let db: TestDb;
  let stack: Stack;
  useTestStack(mode, 'api', (opened) => {
    ({ db, stack } = opened);
  });
  beforeEach(() => {
    stack.sandbox.reset();
  });

  async function fetchAll() {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/api/new-releases/fetch?wait=true',
      headers: adminHeaders,
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ runId: string; status: string; fetched: number; newSongs: number; newAlbums: number }>();
  }

  it('lists featured releases newest first, one per album, with the documented fields', async () => {
    const run = await fetchAll();
    expect(run.status).toBe('succeeded');
    expect(run.newAlbums).toBeGreaterThan(0);
    const res = await stack.app.inject({ url: '/api/new-releases?limit=100' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      items: Record<string, unknown>[];
      nextCursor: string | null;
      asOf: string;
      sources: unknown[];
    }>();
    expect(body.items.length).toBe(run.newAlbums);
    const albums = body.items.map((i) => (i.album as { id: string }).id);
    expect(new Set(albums).size).toBe(albums.length);
    for (const key of [
      'id',
      'title',
      'artists',
      'album',
      'language',
      'releaseDate',
      'imageUrl',
      'url',
      'durationSeconds',
      'isNew',
      'likes',
      'source',
      'detectedAt',
    ]) {
      expect(body.items[0]).toHaveProperty(key);
    }
    const dates = body.items.map((i) => String(i.releaseDate));
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(body.sources).toEqual([expect.objectContaining({ name: 'jiosaavn', status: 'ok', lastError: null })]);
    expect(Date.parse(body.asOf)).not.toBeNaN();
  });

  it('serves a list page from the cache until a fetch or a like changes it', async () => {
    await fetchAll();
    const before = (await stack.app.inject({ url: '/api/new-releases?limit=5' })).json<{ items: { id: number }[] }>();
    const album = stack.sandbox.jiosaavn.release({ language: 'hindi', songs: 1 });
    const again = (await stack.app.inject({ url: '/api/new-releases?limit=5' })).json<{ items: { id: number }[] }>();
    expect(again).toEqual(before);
    await fetchAll();
    const after = (await stack.app.inject({ url: '/api/new-releases?limit=5' })).json<{
      items: { id: number; album: { id: string }; likes: number }[];
    }>();
    expect(after.items[0]!.album.id).toBe(album.albumId);
    const { token } = (await stack.app.inject({ method: 'POST', url: '/api/auth/guest' })).json<{ token: string }>();
    await stack.app.inject({
      method: 'POST',
      url: `/api/new-releases/songs/${after.items[0]!.id}/like`,
      headers: { authorization: `Bearer ${token}` },
    });
    const liked = (await stack.app.inject({ url: '/api/new-releases?limit=5' })).json<{ items: { likes: number }[] }>();
    expect(liked.items[0]!.likes).toBe(1);
  });

  it('pages with a cursor without gaps or repeats', async () => {
    await fetchAll();
    const all = (await stack.app.inject({ url: '/api/new-releases?limit=100' })).json<{ items: { id: number }[] }>()
      .items;
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/new-releases?limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await stack.app.inject({ url })).json<{ items: { id: number }[]; nextCursor: string | null }>();
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((i) => i.id));
  });

  it('filters by language, accepting two-letter codes', async () => {
    await fetchAll();
    const res = await stack.app.inject({ url: '/api/new-releases?language=ta' });
    const items = res.json<{ items: { language: string }[] }>().items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.language === 'tamil')).toBe(true);
  });

  it.each([
    ['/api/new-releases?limit=0', 400],
    ['/api/new-releases?limit=101', 400],
    ['/api/new-releases?limit=abc', 400],
    ['/api/new-releases?language=klingon', 400],
    ['/api/new-releases?cursor=bm9wZQ', 400],
    ['/api/new-releases?bogus=1', 400],
    ['/api/new-releases/songs/abc', 400],
    ['/api/new-releases/songs/0', 400],
    ['/api/new-releases/songs/999999', 404],
    ['/api/new-releases/albums/No%20Such%20Album', 404],
    ['/api/new-releases/runs/not-a-uuid', 400],
    ['/api/nope', 404],
  ])('GET %s answers %i with a JSON error', async (url, status) => {
    const res = await stack.app.inject({ url });
    expect(res.statusCode).toBe(status);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toMatch(/^BACKBEAT_ERR_/);
    expect(body.error.message.length).toBeGreaterThan(0);
  });

  it('returns one song with its metadata, and every song of an album by name', async () => {
    await fetchAll();
    const [first] = (await stack.app.inject({ url: '/api/new-releases?limit=1' })).json<{
      items: { id: number; album: { name: string } }[];
    }>().items;
    const song = await stack.app.inject({ url: `/api/new-releases/songs/${first!.id}` });
    expect(song.statusCode).toBe(200);
    const detail = song.json<{ id: number; featured: boolean; metadata: unknown }>();
    expect(detail).toMatchObject({ id: first!.id, featured: true });
    expect(typeof detail.metadata).toBe('object');
    const album = await stack.app.inject({
      url: `/api/new-releases/albums/${encodeURIComponent(first!.album.name.toUpperCase())}`,
    });
    expect(album.statusCode).toBe(200);
    const albumBody = album.json<{ items: { featured: boolean }[] }>();
    expect(albumBody.items.filter((i) => i.featured).length).toBeGreaterThanOrEqual(1);
  });

  it('refuses the fetch trigger without or with a wrong admin token, and changes nothing', async () => {
    const none = await stack.app.inject({ method: 'POST', url: '/api/new-releases/fetch' });
    expect(none.statusCode).toBe(401);
    const wrong = await stack.app.inject({
      method: 'POST',
      url: '/api/new-releases/fetch',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(stack.sandbox.stats().total).toBe(0);
    const list = (await stack.app.inject({ url: '/api/new-releases' })).json<{ items: unknown[] }>();
    expect(list.items).toEqual([]);
  });

  it('starts an asynchronous run (202) whose summary the runs endpoint returns', async () => {
    const res = await stack.app.inject({ method: 'POST', url: '/api/new-releases/fetch', headers: adminHeaders });
    expect(res.statusCode).toBe(202);
    const { runId } = res.json<{ runId: string }>();
    expect(res.headers.location).toBe(`/api/new-releases/runs/${runId}`);
    const run = await stack.container.releases.fetcher.waitFor(runId);
    expect(run.status).toBe('succeeded');
    const got = await stack.app.inject({ url: `/api/new-releases/runs/${runId}`, headers: adminHeaders });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({
      runId,
      status: 'succeeded',
      fetched: run.fetched,
      newSongs: run.newSongs,
      newAlbums: run.newAlbums,
      updated: 0,
      rateLimited: false,
      errors: [],
    });
    const unknown = await stack.app.inject({
      url: '/api/new-releases/runs/00000000-0000-4000-8000-000000000000',
      headers: adminHeaders,
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('a trigger during a run returns that run instead of starting another', async () => {
    // Every page answer is slow, so the run is certainly still in flight when the third trigger arrives.
    stack.sandbox.faults.add({ target: 'jiosaavn', kind: 'delay', delayMs: 400, times: 3 });
    const [a, b] = await Promise.all([
      stack.app.inject({ method: 'POST', url: '/api/new-releases/fetch', headers: adminHeaders }),
      stack.app.inject({ method: 'POST', url: '/api/new-releases/fetch', headers: adminHeaders }),
    ]);
    const first = a.json<{ runId: string; started: boolean }>();
    const second = b.json<{ runId: string; started: boolean }>();
    expect(second.runId).toBe(first.runId);
    expect([first.started, second.started].sort()).toEqual([false, true]);
    const joined = await stack.app.inject({
      method: 'POST',
      url: '/api/new-releases/fetch?wait=true',
      headers: adminHeaders,
    });
    expect(joined.statusCode).toBe(200);
    expect(joined.json()).toMatchObject({ runId: first.runId, joined: true, status: 'succeeded' });

    // With no run in flight, the next trigger starts a new one.
    const fresh = await stack.app.inject({
      method: 'POST',
      url: '/api/new-releases/fetch?wait=true',
      headers: adminHeaders,
    });
    expect(fresh.json()).toMatchObject({ joined: false, status: 'succeeded' });
    expect(fresh.json<{ runId: string }>().runId).not.toBe(first.runId);

    const runs = await stack.app.inject({ url: '/api/new-releases/runs?limit=5', headers: adminHeaders });
    expect(runs.statusCode).toBe(200);
    const items = runs.json<{ items: { runId: string; status: string; trigger: string }[] }>().items;
    expect(items.map((r) => r.runId)).toEqual([fresh.json<{ runId: string }>().runId, first.runId]);
    expect(items.every((r) => r.trigger === 'manual' && r.status === 'succeeded')).toBe(true);
    expect((await stack.app.inject({ url: '/api/new-releases/runs' })).statusCode).toBe(401);
    expect((await stack.app.inject({ url: '/api/new-releases/runs?limit=0', headers: adminHeaders })).json()).toEqual({
      error: { code: 'BACKBEAT_ERR_VALIDATION', message: 'querystring/limit must be >= 1' },
    });
  });

  it('likes and unlikes with a guest token; counts come back on the release', async () => {
    await fetchAll();
    const first = (await stack.app.inject({ url: '/api/new-releases?limit=1' })).json<{ items: { id: number }[] }>()
      .items[0];
    const url = `/api/new-releases/songs/${first!.id}/like`;
    expect((await stack.app.inject({ method: 'POST', url })).statusCode).toBe(401);
    expect(
      (await stack.app.inject({ method: 'POST', url, headers: { authorization: 'Bearer forged.jwt.token' } }))
        .statusCode,
    ).toBe(401);

    const guest = await stack.app.inject({ method: 'POST', url: '/api/auth/guest' });
    expect(guest.statusCode).toBe(201);
    const { token } = guest.json<{ token: string }>();
    const auth = { authorization: `Bearer ${token}` };
    const liked = await stack.app.inject({ method: 'POST', url, headers: auth });
    expect(liked.json()).toEqual({ id: first!.id, likes: 1, liked: true });
    const again = await stack.app.inject({ method: 'POST', url, headers: auth });
    expect(again.json()).toEqual({ id: first!.id, likes: 1, liked: true });

    const list = (await stack.app.inject({ url: '/api/new-releases?limit=1', headers: auth })).json<{
      items: { likes: number; liked: boolean }[];
    }>();
    expect(list.items[0]).toMatchObject({ likes: 1, liked: true });

    const unliked = await stack.app.inject({ method: 'DELETE', url, headers: auth });
    expect(unliked.json()).toEqual({ id: first!.id, likes: 0, liked: false });
    const missing = await stack.app.inject({
      method: 'POST',
      url: '/api/new-releases/songs/999999/like',
      headers: auth,
    });
    expect(missing.statusCode).toBe(404);
  });

  it('accepts client telemetry and rejects unknown events', async () => {
    const ok = await stack.app.inject({
      method: 'POST',
      url: '/api/telemetry',
      payload: { event: 'client_new_release_received', songId: 1, eventId: 1, latencyMs: 12 },
    });
    expect(ok.statusCode).toBe(202);
    const bad = await stack.app.inject({ method: 'POST', url: '/api/telemetry', payload: { event: 'rm -rf' } });
    expect(bad.statusCode).toBe(400);
    const notJson = await stack.app.inject({
      method: 'POST',
      url: '/api/telemetry',
      headers: { 'content-type': 'application/json' },
      payload: '{"event":',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json<{ error: { code: string } }>().error.code).toBe('BACKBEAT_ERR_BAD_JSON');
  });

  it('reads and changes a token bucket through the admin API; reading never creates one', async () => {
    expect((await stack.app.inject({ url: '/api/admin/rate-limits/jiosaavn' })).statusCode).toBe(401);
    const unknown = await stack.app.inject({ url: '/api/admin/rate-limits/no-such-service', headers: adminHeaders });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ error: { code: string } }>().error.code).toBe('BACKBEAT_ERR_NOT_FOUND');
    const empty = await stack.app.inject({ url: '/api/admin/rate-limits', headers: adminHeaders });
    expect(empty.json()).toEqual({ items: [] });

    const put = await stack.app.inject({
      method: 'PUT',
      url: '/api/admin/rate-limits/jiosaavn',
      headers: adminHeaders,
      payload: { maxTokens: 5, refillRate: 5 },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ service: 'jiosaavn', maxTokens: 5, refillRate: 5 });
    const one = await stack.app.inject({ url: '/api/admin/rate-limits/jiosaavn', headers: adminHeaders });
    expect(one.json()).toMatchObject({ service: 'jiosaavn', maxTokens: 5 });
    const all = await stack.app.inject({ url: '/api/admin/rate-limits', headers: adminHeaders });
    expect(all.json<{ items: { service: string }[] }>().items.map((b) => b.service)).toEqual(['jiosaavn']);

    const bad = await stack.app.inject({
      method: 'PUT',
      url: '/api/admin/rate-limits/jiosaavn',
      headers: adminHeaders,
      payload: { maxTokens: -1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: { code: 'BACKBEAT_ERR_VALIDATION', message: 'body/maxTokens must be >= 0' },
    });
    const text = await stack.app.inject({
      method: 'PUT',
      url: '/api/admin/rate-limits/jiosaavn',
      headers: { ...adminHeaders, 'content-type': 'text/plain' },
      payload: '{"maxTokens":7}',
    });
    expect(text.statusCode).toBe(415);
    expect(
      (await stack.app.inject({ url: '/api/admin/rate-limits/jiosaavn', headers: adminHeaders })).json(),
    ).toMatchObject({ maxTokens: 5 });
  });

  it('looks up an album by a name longer than 100 characters', async () => {
    await fetchAll();
    const name = `${'Long Album Name '.repeat(8)}(Deluxe)`;
    expect(name.length).toBeGreaterThan(120);
    await db.handle.db.execute(sql`UPDATE songs SET album = ${name} WHERE id = (SELECT min(id) FROM songs)`);
    const res = await stack.app.inject({ url: `/api/new-releases/albums/${encodeURIComponent(name)}` });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ name: string; items: unknown[] }>()).toMatchObject({ name });
    const tooLong = await stack.app.inject({ url: `/api/new-releases/albums/${'x'.repeat(301)}` });
    expect(tooLong.statusCode).toBe(400);
  });

  it('reports health with the source state, and metrics in Prometheus format', async () => {
    await fetchAll();
    const health = await stack.app.inject({ url: '/api/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'ok',
      checks: {
        database: { status: 'ok' },
        redis: { status: mode === 'scaled' ? 'ok' : 'disabled' },
        jiosaavn: { status: 'ok', state: 'ok' },
      },
    });
    const metrics = await stack.app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/backbeat_fetch_runs_total{status="succeeded"} [1-9]/);
    expect(metrics.body).toContain('backbeat_http_requests_total');
  });
});
