/**
 * The Trending HTTP API end to end, against the sandbox's Spotify and MusicBrainz emulations, in both modes: first
 * sync, stale-while-revalidate with one upstream fetch for many concurrent stale reads, Spotify 403/429/500 with the
 * cached document kept, chart history per refresh, analytics, the guest collection, admin sync and bad input.
 */
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type {
  AppearanceHistory,
  CollectionAdded,
  CollectionList,
  ForcedSyncResult,
  SyncResult,
  TrendingDocument,
  TrendingStats,
} from '../../src/trending/contract.ts';
import { MODES } from '../support/services.ts';
import { adminHeaders, SPOTIFY_ENV, type Stack, type TestDb, useTestStack } from '../support/stack.ts';

describe.each(MODES)('trending HTTP API (%s)', (mode) => {
  let db: TestDb;
  let stack: Stack;
  useTestStack(
    mode,
    'trending_api',
    (opened) => {
      ({ db, stack } = opened);
    },
    { env: { ...SPOTIFY_ENV, ENABLE_MUSICBRAINZ_ENRICHMENT: 'false' } },
  );
  beforeEach(() => {
    stack.sandbox.reset();
    stack.sandbox.resetStats();
    stack.container.trending.service.invalidate();
  });

  const service = () => stack.container.trending.service;
  const newReleasesFetches = () => stack.sandbox.stats().requests['spotify:new-releases'] ?? 0;
  /** Pages one refresh reads: the whole chart, 50 a page. */
  const chartPages = () => Math.ceil(stack.sandbox.spotify.currentChart().ids.length / 50);

  async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
    const res = await stack.app.inject({ url, headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<T>();
  }

  async function sync(): Promise<SyncResult> {
    return getJson<SyncResult>('/api/spotify/sync');
  }

  async function expire(): Promise<void> {
    await db.handle.db.execute(sql`UPDATE cache_data SET expires = now() - interval '1 second'`);
    service().invalidate();
  }

  it('answers an empty, stale document before the first sync, then the first sync fills it from Spotify', async () => {
    const before = await getJson<TrendingDocument>('/api/cache/trending');
    expect(before).toMatchObject({ newReleases: [], asOf: null, expires: null, stale: true, ageSeconds: null });
    await service().drain(); // that stale read started a refresh in the background

    const chart = stack.sandbox.spotify.currentChart();
    const doc = await getJson<TrendingDocument>('/api/cache/trending');
    expect(doc.stale).toBe(false);
    expect(doc.newReleases.map((a) => a.id)).toEqual(chart.ids);
    expect(doc.newReleases.map((a) => a.position)).toEqual(chart.ids.map((_, i) => i + 1));
    expect(doc.sources).toEqual([expect.objectContaining({ name: 'spotify_new_releases', status: 'ok' })]);
    expect(doc.metadata.enrichment.queued).toBe(chart.ids.length);
    const first = doc.newReleases[0]!;
    expect(first.imageUrl).toMatch(/^https?:\/\//);
    expect(first.spotifyUrl).toMatch(/^https?:\/\//);
    expect(typeof first.artists[0]?.id).toBe('string');
    expect(typeof first.artists[0]?.name).toBe('string');
    expect(first.musicbrainz).toMatchObject({ status: 'queued', releaseGroupId: null });
    expect(Date.parse(doc.expires!) - Date.parse(doc.asOf!)).toBe(6 * 3_600_000);
    expect(doc.popularAlbums.length).toBeGreaterThan(0);
    expect(doc.trendingArtists.length).toBeGreaterThan(0);

    const again = await sync();
    expect(again.source).toBe('cache');
  });

  it('GET /api/spotify/sync refreshes when stale and says so', async () => {
    const first = await sync();
    expect(first.source).toBe('fresh');
    expect(first.data.newReleases.length).toBeGreaterThan(0);
    const pages = newReleasesFetches();
    expect(pages).toBeGreaterThanOrEqual(chartPages());
    expect((await sync()).source).toBe('cache');
    expect(newReleasesFetches()).toBe(pages);
    await expire();
    expect((await sync()).source).toBe('fresh');
    expect(newReleasesFetches()).toBe(pages + chartPages());
  });

  it('a stale read answers at once with the old data and starts exactly one refresh, however many read', async () => {
    await sync();
    const old = await getJson<TrendingDocument>('/api/cache/trending');
    stack.sandbox.spotify.advance(3);
    await expire();
    const pages = newReleasesFetches();

    const reads = await Promise.all(Array.from({ length: 50 }, () => stack.app.inject({ url: '/api/cache/trending' })));
    for (const res of reads) {
      expect(res.statusCode).toBe(200);
      const body = res.json<TrendingDocument>();
      expect(body.stale).toBe(true);
      expect(body.refreshing).toBe(true);
      expect(body.asOf).toBe(old.asOf);
    }
    await service().drain();
    expect(newReleasesFetches()).toBe(pages + chartPages());
    const fresh = await getJson<TrendingDocument>('/api/cache/trending');
    expect(fresh.stale).toBe(false);
    expect(fresh.newReleases.map((a) => a.id)).toEqual(stack.sandbox.spotify.currentChart().ids);
  });

  for (const [name, fault, status, code] of [
    ['403 (endpoint removed)', { kind: 'endpoint_removed' }, 'unavailable', 'upstream_unavailable'],
    ['429', { kind: 'rate_limit', retryAfterSeconds: 30 }, 'error', 'upstream_rate_limited'],
    ['500', { kind: 'status', status: 500 }, 'error', 'upstream_server'],
  ] as const) {
    it(`Spotify ${name}: the cached document keeps being served with its age and the error`, async () => {
      const first = await sync();
      await expire();
      stack.sandbox.faults.add({ target: 'spotify', endpoint: 'new-releases', ...fault });
      const forced = await stack.app.inject({ method: 'POST', url: '/api/admin/trending/sync', headers: adminHeaders });
      expect(forced.statusCode).toBe(200);
      const result = forced.json<ForcedSyncResult>();
      expect(result).toMatchObject({ outcome: 'failed', errorCode: code });
      expect(result.data.newReleases.map((a) => a.id)).toEqual(first.data.newReleases.map((a) => a.id));

      const doc = await getJson<TrendingDocument>('/api/cache/trending');
      expect(doc.asOf).toBe(first.data.asOf);
      expect(doc.stale).toBe(true);
      expect(doc.ageSeconds).toEqual(expect.any(Number));
      expect(doc.newReleases.length).toBe(first.data.newReleases.length);
      expect(doc.sources[0]).toMatchObject({ status, lastErrorCode: code, lastSuccessAt: first.data.asOf });
      expect(doc.sources[0]!.lastError).toEqual(expect.any(String));

      const health = await stack.app.inject({ url: '/api/health' });
      const spotify = health.json<{ checks: Record<string, { status: string; state: string }> }>().checks.spotify;
      expect(spotify).toMatchObject({ status: 'degraded', state: status });

      // A failed refresh holds stale reads back (no hammering), and a stale sync answers from the cache.
      stack.sandbox.faults.clear();
      const fetches = newReleasesFetches();
      expect((await sync()).source).toBe('cache');
      await getJson('/api/cache/trending');
      await service().drain();
      expect(newReleasesFetches()).toBe(fetches);
      // The admin can always force one (once a 429's pause is over); it clears the error.
      await db.handle.db.execute(sql`UPDATE rate_limit_tokens SET paused_until = NULL`);
      const recovered = await stack.app.inject({
        method: 'POST',
        url: '/api/admin/trending/sync',
        headers: adminHeaders,
      });
      expect(recovered.json<ForcedSyncResult>()).toMatchObject({ outcome: 'refreshed', error: null });
      expect((await getJson<TrendingDocument>('/api/cache/trending')).sources[0]).toMatchObject({
        status: 'ok',
        lastError: null,
      });
    });
  }

  it('keeps one appearance per album per refresh and answers its history', async () => {
    await sync();
    const firstChart = stack.sandbox.spotify.currentChart().ids;
    stack.sandbox.spotify.advance(2);
    await stack.app.inject({ method: 'POST', url: '/api/admin/trending/sync', headers: adminHeaders });
    const secondChart = stack.sandbox.spotify.currentChart().ids;
    const rows = await db.handle.db.execute(sql`SELECT count(*)::int AS n FROM album_appearances`);
    expect((rows as { rows: { n: number }[] }).rows[0]!.n).toBe(firstChart.length + secondChart.length);

    const both = firstChart.find((id) => secondChart.includes(id))!;
    const history = await getJson<AppearanceHistory>(`/api/albums/appearances/${both}`);
    expect(history.history).toHaveLength(2);
    expect(history.history.map((h) => h.position)).toEqual([
      firstChart.indexOf(both) + 1,
      secondChart.indexOf(both) + 1,
    ]);
    expect(history.summary).toMatchObject({
      count: 2,
      peakPosition: Math.min(firstChart.indexOf(both), secondChart.indexOf(both)) + 1,
      sources: ['spotify_new_releases'],
    });
    expect(history.summary.firstSeenAt! < history.summary.lastSeenAt!).toBe(true);
    expect(history.album.id).toBe(both);

    const stats = await getJson<TrendingStats>('/api/stats/trending?days=7&limit=5');
    expect(stats.refreshes).toBe(2);
    expect(stats.perSource).toEqual([expect.objectContaining({ source: 'spotify_new_releases', refreshes: 2 })]);
    expect(stats.newEntries.length).toBeGreaterThan(0);
    expect(stats.rankingRule).toMatch(/points/);
    expect(stats.climbers.every((m) => m.change > 0)).toBe(true);
    expect(stats.fallers.every((m) => m.change < 0)).toBe(true);
  });

  it('keeps a guest collection, idempotently', async () => {
    const doc = (await sync()).data;
    const albumId = doc.newReleases[0]!.id;
    const guest = await stack.app.inject({ method: 'POST', url: '/api/auth/guest' });
    const auth = { authorization: `Bearer ${guest.json<{ token: string }>().token}` };

    const add = () =>
      stack.app.inject({ method: 'POST', url: '/api/albums/add-from-trending', headers: auth, payload: { albumId } });
    const first = await add();
    expect(first.statusCode).toBe(201);
    expect(first.json<CollectionAdded>()).toMatchObject({ added: true, item: { album: { id: albumId } } });
    const second = await add();
    expect(second.statusCode).toBe(200);
    expect(second.json<CollectionAdded>().added).toBe(false);

    const list = await getJson<CollectionList>('/api/collection', auth);
    expect(list.items.map((i) => i.album.id)).toEqual([albumId]);

    const remove = () => stack.app.inject({ method: 'DELETE', url: `/api/collection/${albumId}`, headers: auth });
    expect((await remove()).json()).toEqual({ removed: true });
    expect((await remove()).json()).toEqual({ removed: false });
    expect((await getJson<CollectionList>('/api/collection', auth)).items).toEqual([]);

    // Another guest sees nothing of it; no token is a 401.
    expect((await stack.app.inject({ url: '/api/collection' })).statusCode).toBe(401);
  });

  it('answers bad ids, parameters and tokens with a 4xx JSON error and changes nothing', async () => {
    await sync();
    const guest = await stack.app.inject({ method: 'POST', url: '/api/auth/guest' });
    const auth = { authorization: `Bearer ${guest.json<{ token: string }>().token}` };
    const cases: [string, string, Record<string, string>, unknown, number][] = [
      ['GET', '/api/albums/appearances/not!an!id', {}, undefined, 400],
      ['GET', '/api/albums/appearances/0000000000000000000000', {}, undefined, 404],
      ['GET', '/api/stats/trending?days=0', {}, undefined, 400],
      ['GET', '/api/stats/trending?days=91', {}, undefined, 400],
      ['GET', '/api/stats/trending?limit=51', {}, undefined, 400],
      ['GET', '/api/stats/trending?window=7', {}, undefined, 400],
      ['GET', '/api/spotify/trending?limit=0', {}, undefined, 400],
      ['GET', '/api/spotify/trending?limit=51', {}, undefined, 400],
      ['GET', '/api/spotify/trending?offset=-1', {}, undefined, 400],
      ['POST', '/api/albums/add-from-trending', auth, { albumId: 'x' }, 400],
      ['POST', '/api/albums/add-from-trending', auth, {}, 400],
      ['POST', '/api/albums/add-from-trending', auth, { albumId: '0000000000000000000000' }, 404],
      ['POST', '/api/albums/add-from-trending', {}, { albumId: '0000000000000000000000' }, 401],
      ['POST', '/api/albums/add-from-trending', { authorization: 'Bearer nope' }, { albumId: 'x1234567890' }, 401],
      ['DELETE', '/api/collection/bad id', auth, undefined, 400],
      ['POST', '/api/admin/trending/sync', {}, undefined, 401],
      ['POST', '/api/admin/trending/sync', { authorization: 'Bearer wrong-token-0123456789' }, undefined, 403],
      ['GET', '/api/admin/trending/enrichment', {}, undefined, 401],
    ];
    for (const [method, url, headers, payload, status] of cases) {
      const res = await stack.app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
      expect(res.json<{ error: { code: string; message: string } }>().error.code).toMatch(/^BACKBEAT_ERR_/);
    }
    const counts = await db.handle.db.execute(sql`SELECT count(*)::int AS n FROM collection_items`);
    expect((counts as { rows: { n: number }[] }).rows[0]!.n).toBe(0);
  });

  it('GET /api/spotify/trending passes one raw page through, rate limited per client', async () => {
    const res = await stack.app.inject({ url: '/api/spotify/trending?limit=5&offset=2' });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<{ albums: { items: { id: string }[]; limit: number; offset: number; total: number } }>();
    expect(page.albums).toMatchObject({ limit: 5, offset: 2 });
    expect(page.albums.items.map((i) => i.id)).toEqual(stack.sandbox.spotify.currentChart().ids.slice(2, 7));
    expect(res.headers['x-ratelimit-limit']).toBe('30');

    stack.sandbox.faults.add({ target: 'spotify', endpoint: 'new-releases', kind: 'endpoint_removed', times: 1 });
    const refused = await stack.app.inject({ url: '/api/spotify/trending' });
    expect(refused.statusCode).toBe(502);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('BACKBEAT_ERR_UPSTREAM');
  });

  it('admin: a forced sync refreshes whatever the age; enrichment progress counts the queue', async () => {
    await sync();
    const pages = newReleasesFetches();
    const res = await stack.app.inject({ method: 'POST', url: '/api/admin/trending/sync', headers: adminHeaders });
    expect(res.json<ForcedSyncResult>().outcome).toBe('refreshed');
    expect(newReleasesFetches()).toBe(pages + chartPages());
    const progress = await getJson<{ counts: Record<string, number>; total: number; ratePerSecond: number }>(
      '/api/admin/trending/enrichment',
      adminHeaders,
    );
    expect(progress.counts.queued).toBe(progress.total);
    expect(progress.total).toBeGreaterThan(0);
    expect(progress.ratePerSecond).toBe(0);
  });
});

describe.each(MODES)('trending without Spotify credentials (%s)', (mode) => {
  let stack: Stack;
  useTestStack(mode, 'trending_disabled', (opened) => {
    ({ stack } = opened);
  });

  it('is disabled and says so: health, the document, sync and admin sync', async () => {
    const doc = (await stack.app.inject({ url: '/api/cache/trending' })).json<TrendingDocument>();
    expect(doc.sources[0]).toMatchObject({ status: 'disabled', lastErrorCode: 'disabled' });
    expect(doc.refreshing).toBe(false);
    const health = await stack.app.inject({ url: '/api/health' });
    expect(health.json<{ checks: Record<string, { status: string }> }>().checks.spotify?.status).toBe('disabled');
    expect((await stack.app.inject({ url: '/api/spotify/sync' })).json<SyncResult>().source).toBe('cache');
    const forced = await stack.app.inject({ method: 'POST', url: '/api/admin/trending/sync', headers: adminHeaders });
    expect(forced.statusCode).toBe(503);
    expect(stack.sandbox.stats().requests['spotify:token'] ?? 0).toBe(0);
  });
});
