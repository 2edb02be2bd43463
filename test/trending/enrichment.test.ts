/**
 * MusicBrainz enrichment through the queue, in both modes, against the sandbox's labelled catalog: every album of a
 * sync gets one search and one durable outcome; matches are right by the sandbox's truth table; outcomes show in the
 * cache document and are pushed over the SSE stream; a decided album is never searched again; failing searches end
 * as `failed` with their attempts.
 */
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { chartTruth } from '../../src/sandbox/chart-catalog.ts';
import type { MusicBrainzMatchEvent, TrendingDocument } from '../../src/trending/contract.ts';
import { MODES } from '../support/services.ts';
import { connectSse } from '../support/sse-client.ts';
import { adminHeaders, SPOTIFY_ENV, type Stack, type TestDb, useTestStack } from '../support/stack.ts';

const SEED = 7;

describe.each(MODES)('MusicBrainz enrichment (%s)', (mode) => {
  let db: TestDb;
  let stack: Stack;
  useTestStack(
    mode,
    'trending_enrich',
    (opened) => {
      ({ db, stack } = opened);
    },
    { env: SPOTIFY_ENV, listen: true, sandboxOptions: { seed: SEED, musicbrainzMinIntervalMs: 0 } },
  );
  beforeEach(async () => {
    stack.sandbox.reset();
    stack.sandbox.resetStats();
    stack.container.trending.service.invalidate();
    // Fast for the test; the pace itself is checked against the real limit in scale-out.test.ts.
    await stack.container.rateLimiter.update('musicbrainz', { maxTokens: 50, refillRate: 50, refillIntervalMs: 1000 });
  });

  async function document(): Promise<TrendingDocument> {
    stack.container.trending.service.invalidate();
    return (await stack.app.inject({ url: '/api/cache/trending' })).json<TrendingDocument>();
  }

  async function untilDecided(timeoutMs = 60_000): Promise<TrendingDocument> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const doc = await document();
      if (doc.metadata.enrichment.queued === 0) return doc;
      if (Date.now() > deadline) throw new Error(`still queued: ${JSON.stringify(doc.metadata.enrichment)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('searches each album once, stores matches the truth table agrees with, and pushes each outcome', async () => {
    const sse = await connectSse(`${stack.url}/api/new-releases/events`);
    try {
      const res = await stack.app.inject({ url: '/api/spotify/sync' });
      expect(res.json<{ source: string }>().source).toBe('fresh');
      const doc = await untilDecided();
      const albums = doc.newReleases;
      expect(albums.length).toBeGreaterThan(50);

      // One search per album, no 503.
      const mb = stack.sandbox.musicbrainz.stats();
      expect(mb.requests).toBe(albums.length);
      expect(mb.throttled).toBe(0);

      const truth = new Map(chartTruth(SEED).map((t) => [t.spotifyId, t]));
      let matched = 0;
      const wrong: string[] = [];
      for (const album of albums) {
        const expected = truth.get(album.id)!;
        const match = album.musicbrainz!;
        expect(['matched', 'no_match']).toContain(match.status);
        expect(doc.metadata.mbMatches[album.id]).toEqual(match);
        if (match.status === 'matched') {
          matched++;
          expect(match.url).toBe(`https://musicbrainz.org/release-group/${match.releaseGroupId}`);
          expect(match.reason).toEqual(expect.any(String));
          if (match.releaseGroupId !== expected.releaseGroupId) {
            wrong.push(`${album.name} (${expected.trap}): ${match.releaseGroupId} vs ${expected.releaseGroupId}`);
          }
        } else if (expected.releaseGroupId !== null) {
          wrong.push(`${album.name} (${expected.trap}): no_match, but MusicBrainz has it`);
        }
      }
      expect(wrong).toEqual([]);
      expect(matched).toBeGreaterThan(albums.length / 2);

      // The seed's own shape is kept in cache_data.metadata.mbMatches too.
      const rows = await db.handle.db.execute(
        sql`SELECT jsonb_object_keys(metadata->'mbMatches') AS id FROM cache_data WHERE key = 'spotify_trending'`,
      );
      expect((rows as { rows: unknown[] }).rows).toHaveLength(albums.length);

      // Every outcome went out over the stream as it was stored.
      const deadline = Date.now() + 5000;
      while (sse.events.filter((f) => f.event === 'musicbrainz_match').length < albums.length) {
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const pushed = sse.events
        .filter((f) => f.event === 'musicbrainz_match')
        .map((f) => JSON.parse(f.data!) as MusicBrainzMatchEvent);
      expect(new Set(pushed.map((e) => e.albumId))).toEqual(new Set(albums.map((a) => a.id)));
      expect(sse.events.some((f) => f.event === 'trending_refreshed')).toBe(true);
      expect(sse.events.filter((f) => f.event === 'musicbrainz_match').every((f) => f.id === undefined)).toBe(true);

      // Decided albums are never searched again: queuing them all again changes nothing.
      await stack.container.trending.enricher.enqueue(albums.map((a) => a.id));
      for (const album of albums.slice(0, 5)) {
        expect(await stack.container.trending.enricher.enrich(album.id)).toBe('already_decided');
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(stack.sandbox.musicbrainz.stats().requests).toBe(albums.length);

      // A new refresh queues only the albums never seen before.
      stack.sandbox.spotify.advance(2);
      await stack.app.inject({ method: 'POST', url: '/api/admin/trending/sync', headers: adminHeaders });
      const after = await untilDecided();
      const newIds = after.newReleases.filter((a) => !albums.some((b) => b.id === a.id));
      expect(stack.sandbox.musicbrainz.stats().requests).toBe(albums.length + newIds.length);
    } finally {
      sse.close();
    }
  });

  it('an album whose searches keep failing ends as failed with its attempts; a 503 costs no attempt', async () => {
    await stack.container.rateLimiter.pause('musicbrainz', new Date(Date.now() + 60_000));
    await stack.app.inject({ url: '/api/spotify/sync' });
    const [album] = (await document()).newReleases;
    const enricher = stack.container.trending.enricher;

    stack.sandbox.faults.add({ target: 'musicbrainz', kind: 'rate_limit', retryAfterSeconds: 1, times: 1 });
    await db.handle.db.execute(
      sql`UPDATE rate_limit_tokens SET paused_until = NULL WHERE service_name = 'musicbrainz'`,
    );
    // Hold the queue's own runs back while this test drives the album directly.
    await stack.container.rateLimiter.update('musicbrainz', { maxTokens: 50, refillRate: 50, refillIntervalMs: 1000 });

    stack.sandbox.faults.clear();
    stack.sandbox.faults.add({ target: 'musicbrainz', kind: 'status', status: 503, retryAfterSeconds: 1, times: 1 });
    await expect(enricher.enrich(album!.id)).rejects.toMatchObject({ name: 'UpstreamRateLimitedError', status: 503 });
    let match = await stack.container.trending.repository.getMatch(album!.id);
    if (match?.status === 'queued') expect(match.attempts).toBe(0);

    await db.handle.db.execute(
      sql`UPDATE rate_limit_tokens SET paused_until = NULL WHERE service_name = 'musicbrainz'`,
    );
    stack.sandbox.faults.add({ target: 'musicbrainz', kind: 'status', status: 500 });
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      match = await stack.container.trending.repository.getMatch(album!.id);
      if (match?.status !== 'queued') break;
      outcomes.push(await enricher.enrich(album!.id).catch((err: Error) => err.name));
    }
    match = await stack.container.trending.repository.getMatch(album!.id);
    expect(match).toMatchObject({ status: 'failed', attempts: 3, releaseGroupId: null });
    expect(match?.reason).toMatch(/failed 3 times/);
    expect(outcomes.at(-1)).toBe('failed');
    stack.sandbox.faults.clear();
  });
});
