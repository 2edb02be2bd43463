import { describe, expect, it } from 'vitest';
import {
  appendPage,
  applyLikeResult,
  collectLanguages,
  dedupeById,
  filterByLanguage,
  languageLabel,
  newIds,
  replaceRelease,
  setLiked,
  sourceLabel,
  upsertRelease,
} from '../../web/src/lib/releases.ts';
import {
  isRelease,
  parseErrorBody,
  parseFetchAccepted,
  parseHealthReport,
  parseNewReleasesResponse,
  parseRateLimitList,
  parseReleaseEvent,
  parseResetEvent,
  parseRunList,
} from '../../web/src/lib/types.ts';
import { release } from './fixtures.ts';

const ids = (items: { id: number }[]) => items.map((r) => r.id);

describe('dedupeById', () => {
  it('keeps the first occurrence of each id, in order', () => {
    expect(ids(dedupeById([release(1), release(2), release(1, { title: 'dup' }), release(3), release(2)]))).toEqual([
      1, 2, 3,
    ]);
  });
});

describe('appendPage', () => {
  it('appends unseen items and refreshes overlapping ones in place', () => {
    const existing = [release(5), release(4, { liked: true }), release(3)];
    const page = [release(3, { title: 'Song 3 (new art)' }), release(4, { likes: 9 }), release(2), release(1)];
    const merged = appendPage(existing, page);
    expect(ids(merged)).toEqual([5, 4, 3, 2, 1]);
    expect(merged[2]?.title).toBe('Song 3 (new art)');
    expect(merged[1]).toMatchObject({ likes: 9, liked: true });
  });
});

describe('upsertRelease', () => {
  it('puts a new release on top', () => {
    const { items, inserted } = upsertRelease([release(1), release(2)], release(3));
    expect(inserted).toBe(true);
    expect(ids(items)).toEqual([3, 1, 2]);
  });

  it('replaces a known release in place (replayed event) without duplicating it', () => {
    const before = [release(1), release(2, { liked: true })];
    const { items, inserted } = upsertRelease(before, release(2, { title: 'Again' }));
    expect(inserted).toBe(false);
    expect(ids(items)).toEqual([1, 2]);
    expect(items[1]).toMatchObject({ title: 'Again', liked: true });
  });
});

describe('replaceRelease', () => {
  it('updates in place and keeps the local liked flag', () => {
    const before = [release(1), release(2, { liked: true }), release(3)];
    const after = replaceRelease(before, release(2, { title: 'Renamed', likes: 10 }));
    expect(ids(after)).toEqual([1, 2, 3]);
    expect(after[1]).toMatchObject({ title: 'Renamed', likes: 10, liked: true });
  });

  it('returns the same list when the release is not loaded', () => {
    const before = [release(1)];
    expect(replaceRelease(before, release(9))).toBe(before);
  });
});

describe('likes', () => {
  it('setLiked toggles and adjusts the count, never below zero, and is idempotent', () => {
    const items = [release(1, { likes: 0 }), release(2, { likes: 4, liked: true })];
    expect(setLiked(items, 1, true)[0]).toMatchObject({ liked: true, likes: 1 });
    expect(setLiked(items, 2, false)[1]).toMatchObject({ liked: false, likes: 3 });
    expect(setLiked(items, 2, true)[1]).toBe(items[1]);
    expect(setLiked([release(3, { likes: 0, liked: true })], 3, false)[0]).toMatchObject({ likes: 0 });
  });

  it('applyLikeResult takes the server values', () => {
    const items = applyLikeResult([release(1, { likes: 1, liked: true })], { id: 1, likes: 42, liked: true });
    expect(items[0]).toMatchObject({ likes: 42, liked: true });
  });
});

describe('languages', () => {
  const items = [
    release(1, { language: 'hindi' }),
    release(2, { language: 'Tamil' }),
    release(3, { language: 'hindi' }),
  ];

  it('filters case-insensitively; null means all', () => {
    expect(ids(filterByLanguage(items, 'tamil'))).toEqual([2]);
    expect(ids(filterByLanguage(items, null))).toEqual([1, 2, 3]);
  });

  it('collects distinct lower-cased languages, merged with known ones, sorted', () => {
    expect(collectLanguages(['punjabi'], items, [release(4, { language: ' ' })])).toEqual([
      'hindi',
      'punjabi',
      'tamil',
    ]);
  });

  it('labels languages and sources for display', () => {
    expect(languageLabel('malayalam')).toBe('Malayalam');
    expect(sourceLabel('jiosaavn')).toBe('JioSaavn');
    expect(sourceLabel('newsource')).toBe('Newsource');
  });

  it('newIds lists ids that were not there before', () => {
    expect(newIds([release(1), release(2)], [release(3), release(1), release(4)])).toEqual([3, 4]);
  });
});

describe('response validation', () => {
  it('accepts a valid list and drops malformed items', () => {
    const parsed = parseNewReleasesResponse({
      items: [release(1), { id: 'x' }, release(2)],
      nextCursor: 'abc',
      asOf: '2024-03-10T12:00:00.000Z',
      sources: [{ name: 'jiosaavn', status: 'ok', lastSuccessAt: null, lastError: null }, { name: 1 }],
    });
    expect(parsed && ids(parsed.items)).toEqual([1, 2]);
    expect(parsed?.sources).toHaveLength(1);
    expect(parsed?.nextCursor).toBe('abc');
  });

  it('rejects what is not a list response', () => {
    expect(parseNewReleasesResponse(null)).toBeNull();
    expect(parseNewReleasesResponse({ error: { code: 'x', message: 'y' } })).toBeNull();
  });

  it('validates releases and SSE event data', () => {
    expect(isRelease(release(1, { releaseDate: null, imageUrl: null, url: null, durationSeconds: null }))).toBe(true);
    expect(isRelease({ ...release(1), artists: 'A, B' })).toBe(false);
    const event = parseReleaseEvent({ eventId: 7, type: 'new_release', release: release(1), detectedAt: 'x' });
    expect(event).toMatchObject({ eventId: 7, type: 'new_release', detectedAt: 'x' });
    expect(parseReleaseEvent({ eventId: 7, release: { id: 1 } })).toBeNull();
  });
});

describe('contract guards', () => {
  it('requires every field of the contract release', () => {
    expect(isRelease(release(1, { liked: true }))).toBe(true);
    for (const field of ['featured', 'kind', 'updatedAt', 'detectedAt', 'source', 'album'] as const) {
      const { [field]: _dropped, ...rest } = release(1);
      expect(isRelease(rest), field).toBe(false);
    }
    expect(isRelease({ ...release(1), kind: 'playlist' })).toBe(false);
    expect(isRelease({ ...release(1), liked: 'yes' })).toBe(false);
    expect(isRelease({ ...release(1), album: { id: 7, name: 'x' } })).toBe(false);
  });

  it('reads reset events, defaulting to a refetch', () => {
    expect(parseResetEvent({ reason: 'replay_window_exceeded', lastEventId: 41 })).toEqual({
      reason: 'replay_window_exceeded',
      lastEventId: 41,
    });
    expect(parseResetEvent(null)).toEqual({ reason: 'unknown_event_id', lastEventId: 0 });
  });

  it('reads error bodies', () => {
    expect(parseErrorBody({ error: { code: 'BACKBEAT_ERR_FORBIDDEN', message: 'no' } })).toEqual({
      code: 'BACKBEAT_ERR_FORBIDDEN',
      message: 'no',
    });
    expect(parseErrorBody({ error: 'no' })).toBeNull();
    expect(parseErrorBody('<html>')).toBeNull();
  });

  it('reads runs, dropping malformed ones', () => {
    const good = {
      runId: '0b7c5f5e-9f0e-4c1c-9d6a-2d3c4b5a6f70',
      status: 'partial',
      trigger: 'manual',
      startedAt: '2024-03-10T12:00:00.000Z',
      finishedAt: '2024-03-10T12:00:03.000Z',
      fetched: 40,
      newSongs: 3,
      newAlbums: 2,
      updated: 1,
      rateLimited: true,
      errors: [{ source: 'jiosaavn', language: 'hindi', page: 2, code: 'UPSTREAM_503', message: 'down' }, { bad: 1 }],
    };
    const list = parseRunList({ items: [good, { runId: 'x', status: 'weird' }] });
    expect(list?.items).toHaveLength(1);
    expect(list?.items[0]).toEqual({ ...good, errors: [good.errors[0]] });
    expect(parseRunList({})).toBeNull();
    expect(parseFetchAccepted({ runId: good.runId, status: 'running', started: false })).toEqual({
      runId: good.runId,
      status: 'running',
      started: false,
      statusUrl: `/api/new-releases/runs/${good.runId}`,
    });
  });

  it('reads token buckets and health reports', () => {
    const bucket = {
      service: 'jiosaavn',
      maxTokens: 10,
      refillRate: 1,
      refillIntervalMs: 1000,
      tokens: 9.5,
      lastRefill: '2024-03-10T12:00:00.000Z',
      pausedUntil: null,
    };
    expect(parseRateLimitList({ items: [bucket, { service: 'x' }] })?.items).toEqual([bucket]);
    const report = parseHealthReport({
      status: 'degraded',
      checks: { database: { status: 'ok', latencyMs: 1 }, jiosaavn: { status: 'degraded' }, odd: { status: 'meh' } },
    });
    expect(report).toEqual({
      status: 'degraded',
      checks: { database: { status: 'ok', latencyMs: 1 }, jiosaavn: { status: 'degraded' } },
    });
    expect(parseHealthReport({ status: 'fine', checks: {} })).toBeNull();
  });
});
