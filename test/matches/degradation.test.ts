/**
 * Seed 003's degradation, in both modes: with the cache failing (Redis down) the database and the computation still
 * answer; with the database failing, cached matches are still served (the release comes from Discogs), and a track
 * only the database knew answers an error of its own instead of failing the release.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseMatches } from '../../src/matches/contract.ts';
import { SANDBOX_DISCOGS_USER_TOKEN } from '../../src/providers/discogs/sandbox.ts';
import {
  SANDBOX_SOUNDCLOUD_CLIENT_ID,
  SANDBOX_SOUNDCLOUD_CLIENT_SECRET,
} from '../../src/providers/soundcloud/sandbox.ts';
import { SANDBOX_YOUTUBE_API_KEY } from '../../src/providers/youtube/sandbox.ts';
import { audioCatalog } from '../../src/sandbox/audio-catalog.ts';
import { MODES } from '../support/services.ts';
import { adminHeaders, type Stack, useTestStack } from '../support/stack.ts';

const SEED = 7;
const release = audioCatalog(SEED).releases.find((r) => r.videos.length === 0)!;

describe.each(MODES)('matches degradation (%s)', (mode) => {
  let stack: Stack;
  useTestStack(
    mode,
    'matches_degraded',
    (opened) => {
      ({ stack } = opened);
    },
    {
      env: {
        DISCOGS_USER_TOKEN: SANDBOX_DISCOGS_USER_TOKEN,
        YOUTUBE_API_KEY: SANDBOX_YOUTUBE_API_KEY,
        SOUNDCLOUD_CLIENT_ID: SANDBOX_SOUNDCLOUD_CLIENT_ID,
        SOUNDCLOUD_CLIENT_SECRET: SANDBOX_SOUNDCLOUD_CLIENT_SECRET,
      },
      sandboxOptions: { seed: SEED },
    },
  );
  const restore: (() => void)[] = [];
  afterEach(() => {
    for (const undo of restore.splice(0)) undo();
  });

  /** Makes `method` of `target` reject until the test ends. */
  function fail<T extends object>(target: T, method: keyof T & string): void {
    const original = target[method];
    (target as Record<string, unknown>)[method] = () => Promise.reject(new Error(`${method}: backend is down`));
    restore.push(() => {
      (target as Record<string, unknown>)[method] = original;
    });
  }

  async function open(): Promise<ReleaseMatches> {
    const res = await stack.app.inject({ url: `/api/admin/releases/${release.id}/audio-match`, headers: adminHeaders });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ReleaseMatches>();
  }

  it('answers from the database and the computation while the cache fails', async () => {
    const first = await open();
    expect(first.tracks.every((t) => t.source === 'computed')).toBe(true);
    fail(stack.container.cache, 'get');
    fail(stack.container.cache, 'set');
    const again = await open();
    expect(again.tracks.map((t) => t.status)).toEqual(first.tracks.map((t) => t.status));
    expect(again.tracks.every((t) => t.source === 'database' && t.error === null)).toBe(true);
    // A track never matched is computed (and stored) without the cache.
    await stack.container.matches.service.clearMatch(release.id, 0);
    const recomputed = await open();
    expect(recomputed.tracks[0]).toMatchObject({ source: 'computed', error: null });
  });

  it('serves cached matches while the database fails', async () => {
    const first = await open();
    const cached = first.tracks.filter((t) => t.match !== null);
    expect(cached.length).toBeGreaterThan(0);
    const repo = stack.container.matches.repository;
    for (const method of ['getRelease', 'getMatch', 'getDetails', 'detailsOf', 'saveRelease'] as const) {
      fail(repo, method);
    }
    const degraded = await open();
    for (const track of degraded.tracks) {
      const before = first.tracks[track.trackIndex]!;
      if (before.match !== null) {
        expect(track).toMatchObject({ source: 'cache', error: null, match: { matchUrl: before.match.matchUrl } });
      } else {
        // Only the database knew this answer (no match): an error of its own, the release still answered.
        expect(track.error?.code).toBe('BACKBEAT_ERR_UNAVAILABLE');
      }
    }
    const seed = await stack.container.matches.service.getOrComputeMatch(
      release.id,
      cached[0]!.trackIndex,
      'admin',
      '',
      '',
      {
        position: '',
        title: cached[0]!.title,
        duration: '',
        artists: [],
      },
    );
    expect(seed).toMatchObject({ source: 'cache', match_url: cached[0]!.match!.matchUrl });
  });
});
