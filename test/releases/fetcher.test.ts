/**
 * The fetcher job end to end against the sandbox upstream, in both modes: what a run stores, what it publishes, what
 * it asks the upstream (sandbox request counters), and how it behaves when the bucket, the upstream or the WAF says no.
 *
 * Stack settings: languages hindi + tamil, 2 pages of 10. The seeded sandbox (seed 7, 12 albums per language) lists
 * 11–20 items per language, so a clean run makes exactly 4 requests (2 pages × 2 languages) and sees everything.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../../src/infra/db.ts';
import type { FaultSpec } from '../../src/sandbox/framework.ts';
import type { Bus } from '../../src/ports/bus.ts';
import type { EventMap } from '../../src/ports/events.ts';
import type { ReleaseEvent } from '../../src/releases/contract.ts';
import type { RunSummary } from '../../src/releases/fetcher.ts';
import { MODES } from '../support/services.ts';
import { openTestDb, resetDatabase, startStack, type Stack, type TestDb } from '../support/stack.ts';

const ENDPOINT = 'jiosaavn:content.getAlbums';
const LANGUAGES = ['hindi', 'tamil'];
/** Requests of a clean run: 2 pages for each of the 2 languages. */
const FULL_RUN_REQUESTS = 4;
/** The HTTP client's default: 1 attempt + 3 retries for a 5xx (`retries = 3` in src/infra/http-client.ts). */
const ATTEMPTS_PER_5XX = 4;

interface SongSnapshot {
  id: number;
  xmin: string;
  external_id: string;
  album_key: string;
  title: string;
  fingerprint: string;
  featured: boolean;
  updated_at: string;
}

interface EventRowSnapshot {
  id: number;
  song_id: number;
  type: string;
  notified: boolean;
  title: string;
}

interface ListBody {
  items: { id: number; title: string }[];
  sources: { name: string; status: string; lastSuccessAt: string | null; lastError: string | null }[];
}

/** The container's bus, typed with one more channel the tests use as a delivery barrier. */
type BarrierBus = Bus<EventMap & { test_barrier: [{ id: string }] }>;

describe.each(MODES)('release fetcher against the sandbox (%s)', (mode) => {
  const barrierBus = () => stack.container.bus as unknown as BarrierBus;
  let db: TestDb;
  let stack: Stack;
  const received: ReleaseEvent[] = [];
  const barriers = new Set<string>();
  let barrierSeq = 0;

  beforeAll(async () => {
    db = await openTestDb(mode, 'fetcher');
    // `serve`: no scheduled fetch can start behind a test's back.
    stack = await startStack({ db, role: 'serve', env: { RELEASE_PAGES: '2', RELEASE_PAGE_SIZE: '10' } });
    const bus = barrierBus();
    await bus.subscribe('new_release', (payload) => received.push(payload));
    await bus.subscribe('release_updated', (payload) => received.push(payload));
    await bus.subscribe('test_barrier', (payload) => barriers.add(payload.id));
  });
  afterAll(async () => {
    await stack?.close();
    await db?.close();
  });
  beforeEach(async () => {
    await settleBus();
    await resetDatabase(db.handle);
    stack.sandbox.reset();
    received.length = 0;
  });

  /**
   * Waits until everything published so far was delivered: publishes a marker on the same bus and waits for it.
   * One publisher, one subscriber connection: Redis (and the memory hub) deliver in publish order.
   */
  async function settleBus(): Promise<void> {
    const id = `barrier-${++barrierSeq}`;
    await barrierBus().publish('test_barrier', { id });
    await vi.waitFor(
      () => {
        if (!barriers.has(id)) throw new Error('bus marker not delivered yet');
      },
      { timeout: 5000, interval: 5 },
    );
  }

  /** One run to completion, then the bus drained so `received` holds everything it published. */
  async function run(): Promise<RunSummary> {
    const { started, done } = await stack.container.releases.fetcher.trigger('manual');
    expect(started).toBe(true);
    const summary = await done;
    await settleBus();
    return summary;
  }

  /** Runs with the sandbox counters zeroed first; returns the summary and the requests the run sent. */
  async function runCounted(): Promise<{ summary: RunSummary; requests: number }> {
    stack.sandbox.resetStats();
    const summary = await run();
    return { summary, requests: stack.sandbox.stats().requests[ENDPOINT] ?? 0 };
  }

  function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
    return queryRows<T>(db.handle.db, query);
  }

  async function songs(): Promise<SongSnapshot[]> {
    const list = await rows<SongSnapshot>(
      sql`SELECT id::int AS id, xmin::text AS xmin, external_id, album_key, title, fingerprint, featured,
            updated_at::text AS updated_at
          FROM songs ORDER BY id`,
    );
    return list.map((r) => ({ ...r, id: Number(r.id) }));
  }

  async function events(): Promise<EventRowSnapshot[]> {
    const list = await rows<EventRowSnapshot>(
      sql`SELECT id::int AS id, song_id::int AS song_id, type, notified, payload->>'title' AS title
          FROM new_release_events ORDER BY id`,
    );
    return list.map((r) => ({ ...r, id: Number(r.id), song_id: Number(r.song_id) }));
  }

  /** Songs and featured songs per album. */
  async function albums(): Promise<{ album_key: string; songs: number; featured: number }[]> {
    return rows(
      sql`SELECT album_key, count(*)::int AS songs, (count(*) FILTER (WHERE featured))::int AS featured
          FROM songs GROUP BY album_key ORDER BY album_key`,
    );
  }

  async function list(): Promise<ListBody> {
    const res = await stack.app.inject({ url: '/api/new-releases?limit=100' });
    expect(res.statusCode).toBe(200);
    return res.json<ListBody>();
  }

  async function health(): Promise<{ status: string; checks: Record<string, Record<string, unknown>> }> {
    const res = await stack.app.inject({ url: '/api/health' });
    return res.json();
  }

  async function bucket(): Promise<{ tokens: number; paused_until_ms: number | null; now_ms: number }> {
    const [row] = await rows<{ tokens: number; paused_until_ms: number | null; now_ms: number }>(
      sql`SELECT tokens::float8 AS tokens, (EXTRACT(EPOCH FROM paused_until) * 1000)::float8 AS paused_until_ms,
            (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::float8 AS now_ms
          FROM rate_limit_tokens WHERE service_name = 'jiosaavn'`,
    );
    if (!row) throw new Error('no jiosaavn bucket');
    return { tokens: Number(row.tokens), paused_until_ms: row.paused_until_ms, now_ms: Number(row.now_ms) };
  }

  it('first run: summary matches the database, one featured song per album, one new_release event each, published once in id order', async () => {
    const { summary, requests } = await runCounted();
    expect(summary).toMatchObject({ status: 'succeeded', updated: 0, rateLimited: false, errors: [] });
    expect(requests).toBe(FULL_RUN_REQUESTS);
    // One token per request sent (the bucket starts full at 1000; its refill over a second is ~0.01 token).
    expect(1000 - (await bucket()).tokens).toBeCloseTo(requests, 0);

    const stored = await songs();
    const byAlbum = await albums();
    expect(stored.length).toBeGreaterThan(0);
    expect(summary.fetched).toBe(stored.length);
    expect(summary.newSongs).toBe(stored.length);
    expect(summary.newAlbums).toBe(byAlbum.length);
    expect(stored.filter((s) => s.featured).length).toBe(byAlbum.length);
    expect(byAlbum.every((a) => a.featured === 1)).toBe(true);
    // The catalog has albums listed with several songs: each of them still has exactly one featured song.
    const multi = byAlbum.filter((a) => a.songs > 1);
    expect(multi.length).toBeGreaterThan(0);
    for (const album of multi) {
      expect(stored.filter((s) => s.album_key === album.album_key && s.featured)).toHaveLength(1);
    }

    const stored_events = await events();
    const featuredIds = stored.filter((s) => s.featured).map((s) => s.id);
    expect(stored_events.map((e) => e.type)).toEqual(featuredIds.map(() => 'new_release'));
    expect(stored_events.map((e) => e.song_id).sort((a, b) => a - b)).toEqual(featuredIds);
    expect(stored_events.every((e) => e.notified)).toBe(true);

    expect(received.map((e) => e.eventId)).toEqual(stored_events.map((e) => e.id));
    expect(received.every((e) => e.type === 'new_release')).toBe(true);
    expect(received.map((e) => e.release.id)).toEqual(stored_events.map((e) => e.song_id));
  });

  it('an unchanged upstream: a second run writes nothing, records no event and publishes nothing', async () => {
    const first = await run();
    expect(first.status).toBe('succeeded');
    const before = await songs();
    expect(before.every((s) => /^\d+$/.test(s.xmin))).toBe(true);
    const eventsBefore = await events();
    const likesBefore = await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM song_likes`);
    received.length = 0;

    const { summary, requests } = await runCounted();
    expect(summary).toMatchObject({
      status: 'succeeded',
      fetched: first.fetched,
      newSongs: 0,
      newAlbums: 0,
      updated: 0,
      rateLimited: false,
      errors: [],
    });
    expect(requests).toBe(FULL_RUN_REQUESTS);
    // Same rows, same row versions (xmin changes on any UPDATE of a row), same timestamps and fingerprints.
    expect(await songs()).toEqual(before);
    expect(await events()).toEqual(eventsBefore);
    expect(await rows(sql`SELECT count(*)::int AS n FROM song_likes`)).toEqual(likesBefore);
    expect(received).toEqual([]);
  });

  it('an upstream correction of a featured song: updated 1, one release_updated event with the new title, featured flag unmoved', async () => {
    await run();
    const before = await songs();
    // A featured song of an album listed with several songs, so "the flag did not move" means something.
    const [multi] = (await albums()).filter((a) => a.songs > 1);
    expect(multi).toBeDefined();
    const target = before.find((s) => s.album_key === multi!.album_key && s.featured)!;
    const correction = stack.sandbox.jiosaavn.correct({ songId: target.external_id, field: 'title' });
    expect(correction.before).toBe(target.title);
    const eventsBefore = await events();
    received.length = 0;

    const summary = await run();
    expect(summary).toMatchObject({ status: 'succeeded', newSongs: 0, newAlbums: 0, updated: 1, errors: [] });

    const after = await songs();
    const changed = after.find((s) => s.id === target.id)!;
    expect(changed.title).toBe(correction.after);
    expect(changed.fingerprint).not.toBe(target.fingerprint);
    expect(changed.featured).toBe(true);
    // Every other row untouched; every album keeps its featured song.
    expect(after.filter((s) => s.id !== target.id)).toEqual(before.filter((s) => s.id !== target.id));
    expect(after.filter((s) => s.featured).map((s) => s.id)).toEqual(before.filter((s) => s.featured).map((s) => s.id));

    const newEvents = (await events()).slice(eventsBefore.length);
    expect(newEvents).toEqual([
      expect.objectContaining({ song_id: target.id, type: 'release_updated', title: correction.after, notified: true }),
    ]);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      eventId: newEvents[0]!.id,
      type: 'release_updated',
      release: { id: target.id, title: correction.after, featured: true },
    });
  });

  it.each([
    ['image', 'image_url'],
    ['duration', 'duration_seconds'],
  ] as const)(
    'a %s correction of a featured song is one update and one release_updated event',
    async (field, column) => {
      await run();
      const [target] = await rows<{ id: number; external_id: string; value: string | number }>(
        sql`SELECT id::int AS id, external_id, ${sql.raw(column)} AS value FROM songs
          WHERE featured AND kind = 'song' ORDER BY id LIMIT 1`,
      );
      const correction = stack.sandbox.jiosaavn.correct({ songId: target!.external_id, field });
      const eventsBefore = await events();
      received.length = 0;

      const summary = await run();
      expect(summary).toMatchObject({ status: 'succeeded', newSongs: 0, newAlbums: 0, updated: 1 });
      const [after] = await rows<{ value: string | number; featured: boolean }>(
        sql`SELECT ${sql.raw(column)} AS value, featured FROM songs WHERE id = ${target!.id}`,
      );
      // Stored covers are the 500x500 variant of what the upstream lists.
      const expected = field === 'image' ? String(correction.after).replace('150x150', '500x500') : correction.after;
      expect(after).toEqual({ value: expected, featured: true });
      expect(after!.value).not.toEqual(target!.value);
      const newEvents = (await events()).slice(eventsBefore.length);
      expect(newEvents.map((e) => [e.song_id, e.type])).toEqual([[target!.id, 'release_updated']]);
      expect(received.map((e) => [e.eventId, e.type])).toEqual([[newEvents[0]!.id, 'release_updated']]);
    },
  );

  it('a correction of a song that is not featured is stored but announces nothing', async () => {
    await run();
    const before = await songs();
    const target = before.find((s) => !s.featured);
    expect(target).toBeDefined();
    const correction = stack.sandbox.jiosaavn.correct({ songId: target!.external_id, field: 'title' });
    const eventsBefore = await events();
    received.length = 0;

    const summary = await run();
    expect(summary).toMatchObject({ status: 'succeeded', newSongs: 0, newAlbums: 0, updated: 1 });
    const after = await songs();
    expect(after.find((s) => s.id === target!.id)).toMatchObject({ title: correction.after, featured: false });
    expect(after.filter((s) => s.featured).map((s) => s.id)).toEqual(before.filter((s) => s.featured).map((s) => s.id));
    expect(await events()).toEqual(eventsBefore);
    expect(received).toEqual([]);
  });

  it('a newly released album: its listed songs are new, exactly one is featured, one new_release event', async () => {
    await run();
    const before = await songs();
    const eventsBefore = await events();
    received.length = 0;
    // All three songs listed on New Releases (the sandbox otherwise lists the lead, sometimes a second song).
    const released = stack.sandbox.jiosaavn.release({ language: 'hindi', songs: 3, type: 'song', listedSongs: 3 });
    expect(released.songs.every((s) => s.listedAt !== null)).toBe(true);

    const summary = await run();
    expect(summary).toMatchObject({ status: 'succeeded', newSongs: 3, newAlbums: 1, updated: 0, errors: [] });

    const after = await songs();
    const added = after.slice(before.length);
    expect(added.map((s) => s.external_id).sort()).toEqual(released.songs.map((s) => s.id).sort());
    expect(new Set(added.map((s) => s.album_key)).size).toBe(1);
    const featured = added.filter((s) => s.featured);
    expect(featured).toHaveLength(1);
    // The documented rule: first seen wins, ties by upstream position; the lead song is listed first.
    expect(featured[0]!.external_id).toBe(released.songs[0]!.id);
    expect((await albums()).every((a) => a.featured === 1)).toBe(true);

    const newEvents = (await events()).slice(eventsBefore.length);
    expect(newEvents).toEqual([
      expect.objectContaining({ song_id: featured[0]!.id, type: 'new_release', notified: true }),
    ]);
    expect(received.map((e) => [e.eventId, e.type, e.release.id])).toEqual([
      [newEvents[0]!.id, 'new_release', featured[0]!.id],
    ]);
  });

  it('an empty bucket sends nothing upstream; 3 tokens allow exactly 3 requests', async () => {
    await stack.container.rateLimiter.update('jiosaavn', { refillRate: 0 });
    await db.handle.db.execute(
      sql`UPDATE rate_limit_tokens SET tokens = 0, refill_rate = 0 WHERE service_name = 'jiosaavn'`,
    );

    const empty = await runCounted();
    expect(empty.requests).toBe(0);
    expect(empty.summary).toMatchObject({ status: 'failed', rateLimited: true, fetched: 0, newSongs: 0 });
    expect(empty.summary.errors).toEqual([expect.objectContaining({ source: 'jiosaavn', code: 'rate_limited' })]);
    expect(await songs()).toEqual([]);
    expect((await list()).sources[0]).toMatchObject({ status: 'degraded' });

    await db.handle.db.execute(sql`UPDATE rate_limit_tokens SET tokens = 3 WHERE service_name = 'jiosaavn'`);
    const three = await runCounted();
    expect(three.requests).toBe(3);
    expect(three.summary).toMatchObject({ status: 'partial', rateLimited: true });
    expect(three.summary.errors).toEqual([expect.objectContaining({ code: 'rate_limited' })]);
    expect(three.summary.newSongs).toBeGreaterThan(0);
    expect((await bucket()).tokens).toBeLessThan(1);
  });

  it('an upstream 429 pauses the service for Retry-After: no request until the pause is over', async () => {
    stack.sandbox.faults.add({ target: 'jiosaavn', kind: 'rate_limit', retryAfterSeconds: 30, times: 1 });
    const limited = await runCounted();
    expect(limited.requests).toBe(1);
    expect(limited.summary).toMatchObject({ status: 'failed', rateLimited: true });
    expect(limited.summary.errors).toEqual([expect.objectContaining({ code: 'rate_limited', language: 'hindi' })]);
    const paused = await bucket();
    expect(paused.paused_until_ms).not.toBeNull();
    const ahead = paused.paused_until_ms! - paused.now_ms;
    expect(ahead).toBeGreaterThan(25_000);
    expect(ahead).toBeLessThanOrEqual(30_000);

    const again = await runCounted();
    expect(again.requests).toBe(0);
    expect(again.summary).toMatchObject({ status: 'failed', rateLimited: true });

    await db.handle.db.execute(
      sql`UPDATE rate_limit_tokens SET paused_until = now() - interval '1 second' WHERE service_name = 'jiosaavn'`,
    );
    const resumed = await runCounted();
    expect(resumed.requests).toBe(FULL_RUN_REQUESTS);
    expect(resumed.summary).toMatchObject({ status: 'succeeded', rateLimited: false, errors: [] });
    expect(resumed.summary.newAlbums).toBeGreaterThan(0);
  });

  it('a lasting 5xx is retried, then reported per language; stored releases are still served and the source is degraded', async () => {
    await run();
    const before = await songs();
    const listed = await list();
    expect(listed.items.length).toBeGreaterThan(0);

    stack.sandbox.faults.add({ target: 'jiosaavn', kind: 'status', status: 503 });
    const tokensBefore = (await bucket()).tokens;
    const failed = await runCounted();
    expect(failed.requests).toBe(ATTEMPTS_PER_5XX * LANGUAGES.length);
    // Every attempt, retries included, took a token.
    expect(tokensBefore - (await bucket()).tokens).toBeCloseTo(failed.requests, 0);
    expect(failed.summary).toMatchObject({ status: 'failed', rateLimited: false, fetched: 0 });
    expect(failed.summary.errors.map((e) => [e.source, e.language, e.page, e.code])).toEqual(
      LANGUAGES.map((language) => ['jiosaavn', language, 1, 'server']),
    );

    expect(await songs()).toEqual(before);
    const after = await list();
    expect(after.items).toEqual(listed.items);
    expect(after.sources[0]).toMatchObject({ name: 'jiosaavn', status: 'degraded' });
    expect(after.sources[0]!.lastError).toMatch(/503/);
    expect(after.sources[0]!.lastSuccessAt).toBe(listed.sources[0]!.lastSuccessAt);
    const report = await health();
    expect(report.status).toBe('degraded');
    expect(report.checks.jiosaavn).toMatchObject({ status: 'degraded', state: 'degraded' });
    expect(report.checks.jiosaavn!.lastError).toMatch(/503/);
  });

  it('a 5xx is retried exactly 3 times: four failures sink one language, the next language is unaffected', async () => {
    stack.sandbox.faults.add({ target: 'jiosaavn', kind: 'status', status: 503, times: ATTEMPTS_PER_5XX });
    const { summary, requests } = await runCounted();
    // hindi: 4 failed attempts; tamil: its 2 pages.
    expect(requests).toBe(ATTEMPTS_PER_5XX + 2);
    expect(summary).toMatchObject({ status: 'partial' });
    expect(summary.errors).toEqual([expect.objectContaining({ language: 'hindi', code: 'server' })]);
    const languages = await rows<{ language: string }>(sql`SELECT DISTINCT language FROM songs`);
    expect(languages).toEqual([{ language: 'tamil' }]);
    // One language failed: the source is degraded, though it did succeed in this run.
    const [source] = (await list()).sources;
    expect(source).toMatchObject({ status: 'degraded', lastSuccessAt: expect.any(String) as unknown });
  });

  it('a transient 503 is retried and the run succeeds', async () => {
    stack.sandbox.faults.add({ target: 'jiosaavn', kind: 'status', status: 503, times: 1 });
    const { summary, requests } = await runCounted();
    expect(requests).toBe(FULL_RUN_REQUESTS + 1);
    expect(summary).toMatchObject({ status: 'succeeded', errors: [], rateLimited: false });
    expect(summary.newAlbums).toBe((await albums()).length);
    expect((await list()).sources[0]).toMatchObject({ status: 'ok', lastError: null });
  });

  it.each<[string, string, Omit<FaultSpec, 'target'>]>([
    ['WAF empty JSON (no results)', 'blocked', { kind: 'empty_json' }],
    ['WAF empty JSON ({})', 'blocked', { kind: 'empty_json', variant: 'object' }],
    ['WAF empty JSON ([])', 'blocked', { kind: 'empty_json', variant: 'array' }],
    ['an HTML page', 'malformed', { kind: 'html' }],
    ['truncated JSON', 'malformed', { kind: 'malformed_json' }],
    ['an empty body', 'malformed', { kind: 'empty_body' }],
  ])('%s is an error (%s), not "no releases": stored releases stay, the source is degraded', async (_, code, fault) => {
    await run();
    const before = await songs();
    const listed = await list();

    stack.sandbox.faults.add({ target: 'jiosaavn', ...fault });
    const { summary, requests } = await runCounted();
    // A 200 answer is not retried by the client: one request per language.
    expect(requests).toBe(LANGUAGES.length);
    expect(summary).toMatchObject({ status: 'failed', fetched: 0, newSongs: 0, newAlbums: 0, updated: 0 });
    expect(summary.errors.map((e) => [e.source, e.language, e.page, e.code])).toEqual(
      LANGUAGES.map((language) => ['jiosaavn', language, 1, code]),
    );

    expect(await songs()).toEqual(before);
    const after = await list();
    expect(after.items).toEqual(listed.items);
    expect(after.sources[0]).toMatchObject({ status: 'degraded' });
    expect(after.sources[0]!.lastError).toMatch(code === 'blocked' ? /blocked/ : /JSON/);
    expect((await health()).checks.jiosaavn).toMatchObject({ status: 'degraded' });
  });

  it('source freshness recovers: a good run after a failing one sets the source back to ok', async () => {
    await run();
    const good = (await list()).sources[0]!;
    expect(good).toMatchObject({ status: 'ok', lastError: null });

    const fault = stack.sandbox.faults.add({ target: 'jiosaavn', kind: 'html' });
    expect((await run()).status).toBe('failed');
    const degraded = (await list()).sources[0]!;
    expect(degraded).toMatchObject({ status: 'degraded', lastSuccessAt: good.lastSuccessAt });
    expect(degraded.lastError).toMatch(/HTML/);
    expect((await health()).checks.jiosaavn).toMatchObject({ status: 'degraded' });

    stack.sandbox.faults.remove(fault.id);
    expect((await run()).status).toBe('succeeded');
    const recovered = (await list()).sources[0]!;
    expect(recovered).toMatchObject({ name: 'jiosaavn', status: 'ok', lastError: null });
    expect(Date.parse(recovered.lastSuccessAt!)).toBeGreaterThan(Date.parse(good.lastSuccessAt!));
    const report = await health();
    expect(report.status).toBe('ok');
    expect(report.checks.jiosaavn).toMatchObject({ status: 'ok', state: 'ok', lastError: null });
  });
});
