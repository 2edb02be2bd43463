/**
 * Matches scaled out: two `backbeat serve` processes on one PostgreSQL and one Redis, against the sandbox's Discogs,
 * YouTube and SoundCloud emulations.
 *
 * - 200 concurrent first lookups of one release (100 per process) cost one search per platform for each track its
 *   curated videos do not settle (none for those), one `track_matches` row written once per track, at most one
 *   Discogs release lookup per process, and every answer agrees. There is no single-track lookup route: the release route looks up every track, so each track of a small
 *   release is a stampede of its own.
 *
 * Redis going away under running processes is not exercised here (the service treats the cache as optional and
 * answers from the database; stopping the shared Redis server is not practical in a shared test environment).
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
import { openDatabase } from '../../src/infra/db.ts';
import type { ReleaseMatches } from '../../src/matches/contract.ts';
import { SANDBOX_DISCOGS_USER_TOKEN } from '../../src/providers/discogs/sandbox.ts';
import { createSandbox, type Sandbox } from '../../src/providers/sandboxes.ts';
import {
  SANDBOX_SOUNDCLOUD_CLIENT_ID,
  SANDBOX_SOUNDCLOUD_CLIENT_SECRET,
} from '../../src/providers/soundcloud/sandbox.ts';
import { SANDBOX_YOUTUBE_API_KEY } from '../../src/providers/youtube/sandbox.ts';
import { audioCatalog } from '../../src/sandbox/audio-catalog.ts';
import { killHard, spawnBackbeat, started, type Child } from '../support/processes.ts';
import {
  createTestDatabase,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueName,
  type TestDatabase,
} from '../support/services.ts';
import { ADMIN_TOKEN, JWT_SECRET } from '../support/stack.ts';

const enabled = Boolean(TEST_DATABASE_URL && TEST_REDIS_URL);

const SEED = 7;
const PER_PROCESS = 100;
/** A small release with curated videos: a few tracks, some of them settled without a search. */
const RELEASE = audioCatalog(SEED).releases.find((r) => r.videos.length > 0 && r.tracks.length <= 4)!;

describe.skipIf(!enabled)('matches scaled out: two serve processes on one PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let sandbox: Sandbox;
  let sandboxUrl: string;
  let dataDir: string;
  let prefix: string;
  const serves: Child[] = [];
  const urls: string[] = [];

  function env(): Record<string, string> {
    return {
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_PREFIX: prefix,
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
      DISCOGS_API_URL: sandboxUrl,
      YOUTUBE_API_URL: sandboxUrl,
      SOUNDCLOUD_API_URL: sandboxUrl,
      SOUNDCLOUD_AUTH_URL: sandboxUrl,
      DISCOGS_USER_TOKEN: SANDBOX_DISCOGS_USER_TOKEN,
      YOUTUBE_API_KEY: SANDBOX_YOUTUBE_API_KEY,
      SOUNDCLOUD_CLIENT_ID: SANDBOX_SOUNDCLOUD_CLIENT_ID,
      SOUNDCLOUD_CLIENT_SECRET: SANDBOX_SOUNDCLOUD_CLIENT_SECRET,
      // Only what the test asks for runs.
      FETCH_ON_START: 'false',
      FETCH_CRON: '0 0 1 1 *',
      ENABLE_BACKGROUND_SYNC: 'false',
      ENABLE_MUSICBRAINZ_ENRICHMENT: 'false',
      SHUTDOWN_TIMEOUT_MS: '8000',
    };
  }

  beforeAll(async () => {
    database = await createTestDatabase('matches_scale');
    // What `backbeat migrate` does before a deployment starts its processes.
    const handle = await openDatabase({ url: database.url });
    await handle.migrate();
    await handle.close();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    sandbox = createSandbox({ seed: SEED });
    sandboxUrl = await sandbox.listen(0);
    dataDir = mkdtempSync(join(tmpdir(), 'backbeat-matches-scale-'));
    prefix = uniqueName('matches_serve');
    serves.push(spawnBackbeat('serve#1', 'serve', env()), spawnBackbeat('serve#2', 'serve', env()));
    urls.push(...(await Promise.all(serves.map((s) => started(s)))));
  });

  afterAll(async () => {
    for (const child of serves) killHard(child);
    await Promise.all(serves.map((c) => c.exited));
    await pool?.end();
    await sandbox?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (TEST_REDIS_URL && prefix) {
      const redis = new Redis(TEST_REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    }
  });

  it('200 concurrent first lookups of a release on two processes: one search per platform per searched track', async () => {
    expect(RELEASE).toBeDefined();
    sandbox.resetStats();
    const answers = await Promise.all(
      urls.flatMap((url, process) =>
        Array.from({ length: PER_PROCESS }, async () => {
          const res = await fetch(`${url}/api/admin/releases/${RELEASE.id}/audio-match`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          });
          const text = await res.text();
          const body = res.status === 200 ? (JSON.parse(text) as ReleaseMatches) : null;
          return { process, status: res.status, text, body };
        }),
      ),
    );
    const failures = answers.filter((a) => a.status !== 200);
    expect(failures.map((f) => `${f.status} ${f.text.slice(0, 200)}`)).toEqual([]);
    const bodies = answers.map((a) => a.body!);

    // Every answer agrees, track for track.
    const [first] = bodies;
    expect(first!.tracks).toHaveLength(RELEASE.tracks.length);
    for (const body of bodies) {
      expect(body.tracks.map((t) => [t.status, t.match?.matchUrl ?? null, t.error])).toEqual(
        first!.tracks.map((t) => [t.status, t.match?.matchUrl ?? null, null]),
      );
    }
    // What settled each track, from its stored details (an answer from the cache carries the match only).
    const settled = await pool.query<{ settled_by: string | null }>(
      'SELECT settled_by FROM track_match_details WHERE release_id = $1',
      [RELEASE.id],
    );
    expect(settled.rows).toHaveLength(RELEASE.tracks.length);
    const searched = settled.rows.filter((r) => r.settled_by !== 'release_videos').length;
    const byVideos = RELEASE.tracks.length - searched;
    expect(byVideos).toBeGreaterThan(0);

    // One search per platform for each track the videos did not settle, across both processes; the release itself
    // is asked of Discogs at most once per process.
    const requests = sandbox.stats().requests;
    expect(requests['discogs:release'] ?? 0).toBeGreaterThanOrEqual(1);
    expect(requests['discogs:release'] ?? 0).toBeLessThanOrEqual(2);
    expect(requests['youtube:search'] ?? 0).toBe(searched);
    expect(requests['soundcloud:tracks'] ?? 0).toBe(searched);

    // One row per track with a match, written once (an upsert of the same row would move updated_at).
    const { rows } = await pool.query<{ track_index: number; writes_agree: boolean }>(
      `SELECT track_index, created_at = updated_at AS writes_agree FROM track_matches WHERE release_id = $1
       ORDER BY track_index`,
      [RELEASE.id],
    );
    const withMatch = first!.tracks.filter((t) => t.match !== null).map((t) => t.trackIndex);
    expect(rows.map((r) => r.track_index)).toEqual(withMatch);
    expect(rows.every((r) => r.writes_agree)).toBe(true);

    // The tiers that answered: each track computed by one process; everyone else waited for it or read it back.
    const sources = new Map<string, number>();
    for (const body of bodies) {
      for (const t of body.tracks) sources.set(String(t.source), (sources.get(String(t.source)) ?? 0) + 1);
    }
    // Each track was computed in one process only (its lease); the other process waited and read it back.
    for (const track of first!.tracks) {
      const computedIn = new Set(
        answers.filter((a) => a.body!.tracks[track.trackIndex]!.source === 'computed').map((a) => a.process),
      );
      expect(computedIn.size, `track ${track.trackIndex}`).toBe(1);
    }
    console.log(
      `release ${RELEASE.id} (${RELEASE.tracks.length} tracks, ${byVideos} settled by its curated videos): ` +
        `${answers.length} concurrent lookups on 2 processes → ${requests['youtube:search'] ?? 0} YouTube and ` +
        `${requests['soundcloud:tracks'] ?? 0} SoundCloud searches, ${requests['discogs:release'] ?? 0} Discogs ` +
        `release lookups, ${rows.length} track_matches rows; answers by tier: ` +
        [...sources].map(([s, n]) => `${s} ${n}`).join(', '),
    );
  }, 120_000);
});
