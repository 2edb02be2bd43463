/**
 * Trending scaled out: `backbeat serve` and `backbeat worker` processes on one PostgreSQL and one Redis, against the
 * sandbox's Spotify and MusicBrainz emulations.
 *
 * - Many concurrent stale reads on two serve processes answer at once with the old document and cost one Spotify
 *   refresh between them (the `cache_refreshes` lease).
 * - Two workers enriching together keep MusicBrainz' 1 request/second (the shared `musicbrainz` bucket) without a
 *   single 503, search each album once, and still reach close to that rate.
 * - A worker killed with SIGKILL mid-enrichment leaves nothing behind: the next worker searches every album not yet
 *   decided, once, and none twice.
 *
 * Real child processes, so this needs PostgreSQL and Redis (TEST_DATABASE_URL and TEST_REDIS_URL); without them it is
 * skipped (REQUIRE_SERVICES=1 makes their absence a failure in services.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Album } from '../../src/domain/album.ts';
import { openDatabase } from '../../src/infra/db.ts';
import { releaseGroupQuery } from '../../src/providers/musicbrainz/query.ts';
import { createSandbox, type Sandbox } from '../../src/providers/sandboxes.ts';
import { SANDBOX_SPOTIFY_CLIENT_ID, SANDBOX_SPOTIFY_CLIENT_SECRET } from '../../src/providers/spotify/sandbox.ts';
import type { ForcedSyncResult, SyncResult, TrendingDocument } from '../../src/trending/contract.ts';
import { searchTitle } from '../../src/trending/mb-match.ts';
import {
  createTestDatabase,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueName,
  type TestDatabase,
} from '../support/services.ts';
import { killHard, spawnBackbeat, started, terminate, until, type Child } from '../support/processes.ts';
import { ADMIN_TOKEN, JWT_SECRET } from '../support/stack.ts';

const enabled = Boolean(TEST_DATABASE_URL && TEST_REDIS_URL);

/** How long each Spotify new-releases page of the stale-read refresh is held: every read must answer well before. */
const SPOTIFY_DELAY_MS = 1500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each value with how many times it occurs, sorted: two lists are the same multiset when these are equal. */
function tally(values: readonly (string | null)[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe.skipIf(!enabled)('trending scaled out: serve and worker processes on one PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let sandbox: Sandbox;
  let sandboxUrl: string;
  let dataDir: string;
  const prefixes: string[] = [];
  const children: Child[] = [];
  const serves: Child[] = [];
  const urls: string[] = [];

  function env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_PREFIX: prefixes[0]!,
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_TOKEN,
      JWT_SECRET,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      JIOSAAVN_BASE_URL: sandboxUrl,
      SPOTIFY_API_URL: sandboxUrl,
      SPOTIFY_ACCOUNTS_URL: sandboxUrl,
      MUSICBRAINZ_BASE_URL: sandboxUrl,
      SPOTIFY_CLIENT_ID: SANDBOX_SPOTIFY_CLIENT_ID,
      SPOTIFY_CLIENT_SECRET: SANDBOX_SPOTIFY_CLIENT_SECRET,
      // Only what a test asks for runs: no release fetches, no scheduled trending sync.
      FETCH_ON_START: 'false',
      FETCH_CRON: '0 0 1 1 *',
      ENABLE_BACKGROUND_SYNC: 'false',
      ENABLE_MUSICBRAINZ_ENRICHMENT: 'false',
      SHUTDOWN_TIMEOUT_MS: '8000',
      ...overrides,
    };
  }

  function start(name: string, command: string, overrides: Record<string, string> = {}): Child {
    const child = spawnBackbeat(name, command, env(overrides));
    children.push(child);
    return child;
  }

  /** Workers that enrich, on a Redis prefix of their own (a queue no earlier test's jobs are left in). */
  function workerEnv(prefix: string): Record<string, string> {
    return { REDIS_PREFIX: prefix, ENABLE_MUSICBRAINZ_ENRICHMENT: 'true' };
  }

  async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
    const res = await fetch(url, init);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    return JSON.parse(text) as T;
  }

  async function refreshCount(): Promise<number> {
    const { rows } = await pool.query<{ refreshes: string }>(
      `SELECT refreshes FROM cache_refreshes WHERE key = 'spotify_trending'`,
    );
    return Number(rows[0]?.refreshes ?? 0);
  }

  /** Album ids still waiting for their MusicBrainz search, in the order workers queue them (newest first). */
  async function pendingAlbums(): Promise<string[]> {
    const { rows } = await pool.query<{ album_id: string }>(
      `SELECT m.album_id FROM musicbrainz_matches m JOIN trending_albums a ON a.id = m.album_id
       WHERE m.status = 'queued'
       ORDER BY a.album->>'releaseDate' DESC NULLS LAST, a.first_seen_at DESC, m.album_id`,
    );
    return rows.map((r) => r.album_id);
  }

  async function statuses(ids: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await pool.query<{ album_id: string; status: string }>(
      'SELECT album_id, status FROM musicbrainz_matches WHERE album_id = ANY($1)',
      [ids],
    );
    return new Map(rows.map((r) => [r.album_id, r.status]));
  }

  async function decidedCount(ids: readonly string[]): Promise<number> {
    return [...(await statuses(ids)).values()].filter((s) => s !== 'queued').length;
  }

  /** The Lucene query enrichment sends for each album (release-group search on its title and artists). */
  async function expectedQueries(ids: readonly string[]): Promise<string[]> {
    const { rows } = await pool.query<{ album: Album }>('SELECT album FROM trending_albums WHERE id = ANY($1)', [ids]);
    expect(rows).toHaveLength(ids.length);
    return rows.map(({ album }) =>
      releaseGroupQuery({ title: searchTitle(album.name), artists: album.artists.map((a) => a.name) }),
    );
  }

  const decisionsOf = (child: Child) => child.logs.filter((l) => l.event === 'musicbrainz_decided');

  beforeAll(async () => {
    database = await createTestDatabase('trending_scale');
    // What `backbeat migrate` does before a deployment starts its processes.
    const handle = await openDatabase({ url: database.url });
    await handle.migrate();
    await handle.close();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    sandbox = createSandbox({ seed: 7 });
    sandboxUrl = await sandbox.listen(0);
    dataDir = mkdtempSync(join(tmpdir(), 'backbeat-trending-scale-'));
    prefixes.push(uniqueName('trending_serve'));
    serves.push(start('serve#1', 'serve'), start('serve#2', 'serve'));
    urls.push(...(await Promise.all(serves.map((s) => started(s)))));
  });

  afterAll(async () => {
    for (const child of children) killHard(child);
    await Promise.all(children.map((c) => c.exited));
    await pool?.end();
    await sandbox?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (TEST_REDIS_URL && prefixes.length > 0) {
      const redis = new Redis(TEST_REDIS_URL);
      try {
        for (const prefix of prefixes) {
          const keys: string[] = [];
          let cursor = '0';
          do {
            const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
            cursor = next;
            keys.push(...found);
          } while (cursor !== '0');
          if (keys.length > 0) await redis.del(...keys);
        }
      } finally {
        redis.disconnect();
      }
    }
  });

  it('50 concurrent stale reads on two processes answer the old document at once and cost one Spotify refresh', async () => {
    const first = await getJson<SyncResult>(`${urls[0]}/api/spotify/sync`);
    expect(first.source).toBe('fresh');
    const oldAsOf = first.data.asOf;
    expect(oldAsOf).not.toBeNull();

    // Spotify's chart moves on, the document goes stale, and each process's one-second memo of it lapses.
    sandbox.spotify.advance(3);
    await pool.query(`UPDATE cache_data SET expires = now() - interval '1 second'`);
    await sleep(1100);
    const refreshesBefore = await refreshCount();
    const logsBefore = serves.map((s) => s.logs.length);
    sandbox.resetStats();
    // Spotify is slow to answer: the refresh is still running while every read below is answered.
    sandbox.faults.add({ target: 'spotify', endpoint: 'new-releases', kind: 'delay', delayMs: SPOTIFY_DELAY_MS });

    const reads = await Promise.all(
      urls.flatMap((url) =>
        Array.from({ length: 25 }, async () => {
          const sent = performance.now();
          const res = await fetch(`${url}/api/cache/trending`);
          const body = (await res.json()) as TrendingDocument;
          return { status: res.status, body, ms: performance.now() - sent };
        }),
      ),
    );
    for (const read of reads) {
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ stale: true, refreshing: true, asOf: oldAsOf });
    }
    const slowest = Math.max(...reads.map((r) => r.ms));
    // Stale-while-revalidate: no read waited for the refresh it started.
    expect(slowest).toBeLessThan(SPOTIFY_DELAY_MS);

    const fresh = await until(
      'the refreshed document on both processes',
      async () => {
        const docs = await Promise.all(urls.map((url) => getJson<TrendingDocument>(`${url}/api/cache/trending`)));
        return docs.every((d) => !d.stale && d.asOf !== oldAsOf) ? docs : undefined;
      },
      20_000,
    );
    sandbox.faults.clear();
    const chart = sandbox.spotify.currentChart();
    for (const doc of fresh) expect(doc.newReleases.map((a) => a.id)).toEqual(chart.ids);

    const pages = Math.ceil(chart.ids.length / 50);
    const spotifyRequests = sandbox.stats().requests['spotify:new-releases'] ?? 0;
    // One refresh across both processes: the whole chart read once.
    expect(spotifyRequests).toBe(pages);
    const refreshed = serves.flatMap((s, i) =>
      s.logs.slice(logsBefore[i]).filter((l) => l.event === 'trending_refreshed'),
    );
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatchObject({ reason: 'stale_read', albums: chart.ids.length });
    // `refreshes` counts every lease released: the refresh, plus a process that took the lease only after it ended
    // and found the document fresh (a skipped refresh, no upstream request).
    const leases = (await refreshCount()) - refreshesBefore;
    expect(leases).toBeGreaterThanOrEqual(1);
    expect(leases).toBeLessThanOrEqual(2);
    console.log(
      `stale reads: 50 answered in ≤ ${Math.round(slowest)} ms; ${spotifyRequests} new-releases requests ` +
        `(${chart.ids.length} albums, ${pages} pages); cache_refreshes.refreshes +${leases}`,
    );
  });

  it('two workers enrich 30 albums at MusicBrainz pace: no 503, each album searched once', async () => {
    // The chart is already stored (previous test), every album queued. Thirty newest are left to search; the rest
    // count as decided, so the run is 30 searches long.
    const pending = await pendingAlbums();
    expect(pending.length).toBeGreaterThanOrEqual(30);
    const albums = pending.slice(0, 30);
    await pool.query(
      `UPDATE musicbrainz_matches SET status = 'no_match', reason = 'outside this test', decided_at = now()
       WHERE status = 'queued' AND NOT (album_id = ANY($1))`,
      [albums],
    );
    const expected = await expectedQueries(albums);
    sandbox.resetStats();

    const prefix = uniqueName('trending_pace');
    prefixes.push(prefix);
    const workers = [start('worker#1', 'worker', workerEnv(prefix)), start('worker#2', 'worker', workerEnv(prefix))];
    await Promise.all(workers.map((w) => started(w)));
    await until(
      'all 30 albums decided',
      async () => ((await decidedCount(albums)) === albums.length ? true : undefined),
      90_000,
    );
    const codes = await Promise.all(workers.map((w) => terminate(w)));
    expect(codes, workers.map((w) => w.stderr).join('\n')).toEqual([0, 0]);

    const stats = sandbox.musicbrainz.stats();
    const queries = sandbox.musicbrainz.queries();
    expect(stats.minIntervalMs).toBe(1000);
    expect(stats.throttled).toBe(0);
    expect(stats.blocked).toBe(0);
    expect(stats.requests).toBe(30);
    expect(stats.minGapMs).toBeGreaterThanOrEqual(1000);
    expect(queries.every((q) => q.status === 200)).toBe(true);
    // One search per album, each album's own.
    expect(tally(queries.map((q) => q.query))).toEqual(tally(expected));
    expect(new Set(queries.map((q) => q.query)).size).toBe(new Set(expected).size);

    const statusByAlbum = await statuses(albums);
    expect([...statusByAlbum.values()].every((s) => s === 'matched' || s === 'no_match')).toBe(true);

    // The span from the first arrival to the last, on the sandbox's monotonic clock.
    const spanMs = queries.slice(1).reduce((sum, q) => sum + (q.gapMs ?? 0), 0);
    const rate = (queries.length / spanMs) * 1000;
    const intervalRate = ((queries.length - 1) / spanMs) * 1000;
    const perWorker = workers.map((w) => new Set(decisionsOf(w).map((l) => l.albumId)).size);
    console.log(
      `MusicBrainz, 2 workers: ${stats.requests} requests, ${(spanMs / 1000).toFixed(2)} s from first to last ` +
        `arrival: ${intervalRate.toFixed(3)} req/s (requests/span ${rate.toFixed(3)}), min gap ` +
        `${stats.minGapMs?.toFixed(1)} ms, throttled ${stats.throttled}; decisions per worker ${perWorker.join(' + ')}`,
    );
    // Requests per second between the first arrival and the last (30 requests make 29 intervals).
    expect(intervalRate).toBeGreaterThanOrEqual(0.9);
    // Every decision is logged by the worker that made it, once, and both workers took albums from the queue.
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(30);
    expect(Math.min(...perWorker)).toBeGreaterThan(0);
  }, 120_000);

  it('a worker killed mid-enrichment: the next one searches every remaining album once, none twice', async () => {
    // Ten chart ticks bring twenty albums never seen before, queued by a forced sync on a serve process.
    const seen = new Set((await pool.query<{ id: string }>('SELECT id FROM trending_albums')).rows.map((r) => r.id));
    sandbox.spotify.advance(10);
    const forced = await getJson<ForcedSyncResult>(`${urls[0]}/api/admin/trending/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(forced.outcome).toBe('refreshed');
    const albums = await pendingAlbums();
    expect(albums.every((id) => !seen.has(id))).toBe(true);
    expect(albums.length).toBeGreaterThanOrEqual(15);
    const expected = await expectedQueries(albums);
    sandbox.resetStats();

    const prefix = uniqueName('trending_crash');
    prefixes.push(prefix);
    const first = start('worker#3', 'worker', workerEnv(prefix));
    await started(first);
    // Killed right after a decision was logged, with every request sent answered and stored: the next token is a
    // whole MusicBrainz interval away, so no search is in flight when the signal lands.
    const killedAt = await until(
      'five decisions with nothing in flight',
      () => {
        const decided = decisionsOf(first).length;
        return decided >= 5 && sandbox.musicbrainz.stats().requests === decided ? decided : undefined;
      },
      60_000,
      first,
    );
    killHard(first);
    expect(await first.exited).toBe('SIGKILL');
    const requestsAtKill = sandbox.musicbrainz.stats().requests;
    expect(requestsAtKill).toBe(killedAt);
    expect(await decidedCount(albums)).toBe(killedAt);

    const second = start('worker#4', 'worker', workerEnv(prefix));
    await started(second);
    // It queues every album still without a decision as it starts (jobs left in Redis are not added twice).
    const requeued = second.logs.find((l) => l.event === 'musicbrainz_requeued');
    expect(requeued).toMatchObject({ albums: albums.length - killedAt });
    // A job the killed worker held as active comes back once BullMQ finds it stalled (its lock lapses after ~30 s).
    await until(
      'every album decided',
      async () => ((await decidedCount(albums)) === albums.length ? true : undefined),
      100_000,
      second,
    );
    expect(await terminate(second), second.stderr).toBe(0);

    const stats = sandbox.musicbrainz.stats();
    const queries = sandbox.musicbrainz.queries();
    expect(stats.throttled).toBe(0);
    expect(queries.every((q) => q.status === 200)).toBe(true);
    expect(stats.requests).toBe(albums.length);
    expect(tally(queries.map((q) => q.query))).toEqual(tally(expected));
    const statusByAlbum = await statuses(albums);
    expect([...statusByAlbum.values()].every((s) => s === 'matched' || s === 'no_match')).toBe(true);
    const resumed = decisionsOf(second).length;
    expect(killedAt + resumed).toBe(albums.length);
    console.log(
      `killed worker: ${killedAt} of ${albums.length} albums decided before SIGKILL, ${resumed} after ` +
        `(${Number(requeued?.albums)} re-queued at start); ${stats.requests} MusicBrainz requests, ` +
        `min gap ${stats.minGapMs?.toFixed(1)} ms, throttled ${stats.throttled}`,
    );
  }, 150_000);
});
