/**
 * A `backbeat all` process in embedded mode (PGlite on disk, in-memory queue) killed with SIGKILL while it enriches
 * albums with MusicBrainz. Its queue dies with it; the next process on the same data directory queues every album
 * still without a decision when it starts, so each album is searched exactly once across both: none twice, none
 * skipped, and never faster than MusicBrainz allows.
 *
 * The process syncs at start (ENABLE_BACKGROUND_SYNC fires the sync job once when it is registered) from a Spotify
 * whose chart is short, so the whole enrichment takes seconds rather than minutes: a front for the sandbox that
 * answers new releases with the chart's first {@link CHART_LENGTH} albums.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseGroupQuery } from '../../src/providers/musicbrainz/query.ts';
import { createSandbox, type Sandbox } from '../../src/providers/sandboxes.ts';
import { SANDBOX_SPOTIFY_CLIENT_ID, SANDBOX_SPOTIFY_CLIENT_SECRET } from '../../src/providers/spotify/sandbox.ts';
import type { TrendingDocument } from '../../src/trending/contract.ts';
import { searchTitle } from '../../src/trending/mb-match.ts';
import { killHard, spawnBackbeat, started, terminate, until, type Child } from '../support/processes.ts';
import { ADMIN_TOKEN, JWT_SECRET } from '../support/stack.ts';

/** Albums on the short chart. */
const CHART_LENGTH = 20;
/** Decisions the first process makes before it is killed. */
const DECIDED_BEFORE_KILL = 5;

/** Each value with how many times it occurs, sorted: two lists are the same multiset when these are equal. */
function tally(values: readonly (string | null)[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

interface NewReleasesPage {
  albums: { items: unknown[]; total: number; offset: number; next: string | null };
}

/**
 * A Spotify in front of `upstream` whose new-releases chart ends after `length` albums (the token endpoint and the
 * rest pass through unchanged).
 */
async function shortChartSpotify(upstream: string, length: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
        }
        const answer = await fetch(new URL(req.url ?? '/', upstream), {
          method: req.method ?? 'GET',
          headers,
          ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
        });
        let body = Buffer.from(await answer.arrayBuffer());
        if (answer.status === 200 && req.url?.startsWith('/v1/browse/new-releases')) {
          const page = JSON.parse(body.toString('utf8')) as NewReleasesPage;
          page.albums.items = page.albums.items.slice(0, Math.max(0, length - page.albums.offset));
          page.albums.total = length;
          if (page.albums.offset + page.albums.items.length >= length) page.albums.next = null;
          body = Buffer.from(JSON.stringify(page));
        }
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(body);
      })().catch((err: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('trending enrichment killed mid-run (embedded)', () => {
  let sandbox: Sandbox;
  let spotify: { url: string; close(): Promise<void> };
  let dataDir: string;
  const children: Child[] = [];

  beforeAll(async () => {
    sandbox = createSandbox({ seed: 7 });
    const sandboxUrl = await sandbox.listen(0);
    spotify = await shortChartSpotify(sandboxUrl, CHART_LENGTH);
    dataDir = mkdtempSync(join(tmpdir(), 'backbeat-trending-crash-'));
  });

  afterAll(async () => {
    for (const child of children) killHard(child);
    await Promise.all(children.map((c) => c.exited));
    await spotify?.close();
    await sandbox?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** `backbeat all` on the on-disk PGlite: no DATABASE_URL, no REDIS_URL. */
  function start(name: string): Child {
    const child = spawnBackbeat(name, 'all', {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      ADMIN_TOKEN,
      JWT_SECRET,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      JIOSAAVN_BASE_URL: sandbox.url!,
      FETCH_ON_START: 'false',
      FETCH_CRON: '0 0 1 1 *',
      SPOTIFY_API_URL: spotify.url,
      SPOTIFY_ACCOUNTS_URL: spotify.url,
      SPOTIFY_CLIENT_ID: SANDBOX_SPOTIFY_CLIENT_ID,
      SPOTIFY_CLIENT_SECRET: SANDBOX_SPOTIFY_CLIENT_SECRET,
      MUSICBRAINZ_BASE_URL: sandbox.url!,
      ENABLE_BACKGROUND_SYNC: 'true',
      ENABLE_MUSICBRAINZ_ENRICHMENT: 'true',
      SHUTDOWN_TIMEOUT_MS: '8000',
    });
    children.push(child);
    return child;
  }

  const decisionsOf = (child: Child) => child.logs.filter((l) => l.event === 'musicbrainz_decided');

  it('the next process searches every album left, once: none twice, none skipped, no 503', async () => {
    const began = performance.now();
    const first = start('all#1');
    await started(first);
    const refreshed = await until(
      'the sync at start',
      () => first.logs.find((l) => l.event === 'trending_refreshed'),
      30_000,
      first,
    );
    expect(refreshed).toMatchObject({ reason: 'schedule', albums: CHART_LENGTH, queued: CHART_LENGTH });

    // Killed right after a decision was logged, with every request sent answered and stored: the next token is a
    // whole MusicBrainz interval away, so no search is in flight when the signal lands.
    const killedAt = await until(
      `${DECIDED_BEFORE_KILL} decisions with nothing in flight`,
      () => {
        const decided = decisionsOf(first).length;
        return decided >= DECIDED_BEFORE_KILL && sandbox.musicbrainz.stats().requests === decided ? decided : undefined;
      },
      40_000,
      first,
    );
    killHard(first);
    // PGlite's directory belongs to one process at a time: the next one opens it only once this one is gone.
    expect(await first.exited).toBe('SIGKILL');
    expect(sandbox.musicbrainz.stats().requests).toBe(killedAt);

    const second = start('all#2');
    const url = await started(second);
    const requeued = second.logs.find((l) => l.event === 'musicbrainz_requeued');
    expect(requeued).toMatchObject({ albums: CHART_LENGTH - killedAt });
    const doc = await until(
      'every album decided',
      async () => {
        const res = await fetch(`${url}/api/cache/trending`);
        const body = (await res.json()) as TrendingDocument;
        return body.metadata.enrichment.queued === 0 ? body : undefined;
      },
      40_000,
      second,
    );
    expect(await terminate(second), second.stderr).toBe(0);

    // The document is the short chart, every album decided by one search (attempts counts searches answered).
    expect(doc.newReleases).toHaveLength(CHART_LENGTH);
    expect(doc.newReleases.map((a) => a.id)).toEqual(sandbox.spotify.currentChart().ids.slice(0, CHART_LENGTH));
    for (const album of doc.newReleases) {
      expect(album.musicbrainz?.status, album.name).toMatch(/^(matched|no_match)$/);
      expect(album.musicbrainz?.attempts, album.name).toBe(1);
    }
    const counts = doc.metadata.enrichment;
    expect({ queued: counts.queued, failed: counts.failed, decided: counts.matched + counts.no_match }).toEqual({
      queued: 0,
      failed: 0,
      decided: CHART_LENGTH,
    });
    // The second process found the document fresh: Spotify was read once, by the first.
    expect(sandbox.stats().requests['spotify:new-releases']).toBe(1);
    expect(second.logs.some((l) => l.event === 'trending_refreshed')).toBe(false);

    const stats = sandbox.musicbrainz.stats();
    const queries = sandbox.musicbrainz.queries();
    const expected = doc.newReleases.map((a) =>
      releaseGroupQuery({ title: searchTitle(a.name), artists: a.artists.map((x) => x.name) }),
    );
    expect(stats.throttled).toBe(0);
    expect(stats.requests).toBe(CHART_LENGTH);
    expect(queries.every((q) => q.status === 200)).toBe(true);
    expect(tally(queries.map((q) => q.query))).toEqual(tally(expected));
    expect(stats.minGapMs).toBeGreaterThanOrEqual(1000);
    expect(killedAt + decisionsOf(second).length).toBe(CHART_LENGTH);
    console.log(
      `embedded kill: ${killedAt} of ${CHART_LENGTH} decided before SIGKILL, ${decisionsOf(second).length} after ` +
        `(${Number(requeued?.albums)} re-queued at start); ${stats.requests} MusicBrainz requests, min gap ` +
        `${stats.minGapMs?.toFixed(1)} ms, throttled ${stats.throttled}; ${((performance.now() - began) / 1000).toFixed(1)} s`,
    );
  }, 120_000);
});
