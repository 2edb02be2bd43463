import { describe, expect, it } from 'vitest';
import {
  cacheableList,
  feedReducer,
  initialFeedState,
  MAX_FRESH_AFTER_REFETCH,
  type FeedAction,
  type FeedState,
} from '../../web/src/lib/feed.ts';
import type { Release, ReleaseList } from '../../web/src/lib/types.ts';
import { release } from './fixtures.ts';

const AT = '2024-03-10T12:00:00.000Z';
const ids = (items: Release[]) => items.map((r) => r.id);

function response(items: Release[], nextCursor: string | null = null): ReleaseList {
  return { items, nextCursor, asOf: AT, sources: [] };
}

function run(actions: FeedAction[], state: FeedState = initialFeedState): FeedState {
  return actions.reduce(feedReducer, state);
}

const loaded = run([
  { type: 'fetchStart', mode: 'replace' },
  {
    type: 'fetchSuccess',
    mode: 'replace',
    language: null,
    response: response([release(3), release(2, { language: 'tamil' }), release(1)], 'c1'),
    at: AT,
  },
]);

describe('feedReducer', () => {
  it('shows the offline copy until the first fetch answers', () => {
    const state = feedReducer(initialFeedState, {
      type: 'cacheLoaded',
      cache: { savedAt: '2024-03-10T11:00:00.000Z', data: response([release(1)]) },
    });
    expect(state).toMatchObject({ status: 'ready', origin: 'cache', syncedAt: '2024-03-10T11:00:00.000Z' });
    expect(state.languages).toEqual(['hindi']);
  });

  it('loads the first page and collects languages', () => {
    expect(loaded).toMatchObject({
      status: 'ready',
      origin: 'network',
      nextCursor: 'c1',
      syncedAt: AT,
      refreshing: false,
    });
    expect(loaded.languages).toEqual(['hindi', 'tamil']);
    expect(loaded.freshIds).toEqual([]);
  });

  it('a failed fetch keeps a shown list (offline) and is an error only with nothing to show', () => {
    const failure: FeedAction = { type: 'fetchFailure', mode: 'replace', language: null, message: 'down' };
    expect(run([failure], loaded)).toMatchObject({ status: 'ready', fetchError: 'down', items: loaded.items });
    expect(run([{ type: 'fetchStart', mode: 'replace' }, failure])).toMatchObject({ status: 'error' });
    const recovered = run(
      [failure, { type: 'fetchSuccess', mode: 'replace', language: null, response: response([]), at: AT }],
      loaded,
    );
    expect(recovered.fetchError).toBeNull();
  });

  it('ignores answers for a language no longer selected', () => {
    const state = run(
      [
        { type: 'setLanguage', language: 'tamil', placeholder: [] },
        { type: 'fetchSuccess', mode: 'replace', language: null, response: response([release(9)]), at: AT },
      ],
      loaded,
    );
    expect(state.items).toEqual([]);
    expect(state.status).toBe('loading');
  });

  it('appends pages without duplicates', () => {
    const state = run(
      [
        { type: 'fetchStart', mode: 'append' },
        { type: 'fetchSuccess', mode: 'append', language: null, response: response([release(1), release(0)]), at: AT },
      ],
      loaded,
    );
    expect(ids(state.items)).toEqual([3, 2, 1, 0]);
    expect(state.nextCursor).toBeNull();
    expect(state.loadingMore).toBe(false);
  });

  it('puts a live release on top once, highlighted, and bumps syncedAt', () => {
    const later = '2024-03-10T12:05:00.000Z';
    const state = run(
      [
        { type: 'newRelease', release: release(4), at: later },
        { type: 'newRelease', release: release(4, { title: 'replayed' }), at: later },
      ],
      loaded,
    );
    expect(ids(state.items)).toEqual([4, 3, 2, 1]);
    expect(state.items[0]?.title).toBe('replayed');
    expect(state.freshIds).toEqual([4]);
    expect(state.syncedAt).toBe(later);
    expect(run([{ type: 'unfresh', id: 4 }], state).freshIds).toEqual([]);
  });

  it('keeps a live release of another language out of a filtered list but offers its chip', () => {
    const tamil = run(
      [
        { type: 'setLanguage', language: 'tamil', placeholder: [release(2, { language: 'tamil' })] },
        { type: 'newRelease', release: release(5, { language: 'punjabi' }), at: AT },
      ],
      loaded,
    );
    expect(ids(tamil.items)).toEqual([2]);
    expect(tamil.languages).toContain('punjabi');
  });

  it('applies release_updated in place', () => {
    const state = feedReducer(loaded, { type: 'releaseUpdated', release: release(2, { title: 'New title' }), at: AT });
    expect(ids(state.items)).toEqual([3, 2, 1]);
    expect(state.items[1]?.title).toBe('New title');
  });

  it('highlights what a refetch brought, unless it is a whole new list', () => {
    const few = feedReducer(loaded, {
      type: 'fetchSuccess',
      mode: 'replace',
      language: null,
      response: response([release(7), release(6), release(3)]),
      at: AT,
    });
    expect(few.freshIds).toEqual([7, 6]);
    const many = Array.from({ length: MAX_FRESH_AFTER_REFETCH + 1 }, (_, i) => release(100 + i));
    const all = feedReducer(loaded, {
      type: 'fetchSuccess',
      mode: 'replace',
      language: null,
      response: response(many),
      at: AT,
    });
    expect(all.freshIds).toEqual([]);
  });

  it('optimistic like, server result and rollback', () => {
    const liked = feedReducer(loaded, { type: 'setLiked', id: 3, liked: true });
    expect(liked.items[0]).toMatchObject({ liked: true, likes: 4 });
    expect(feedReducer(liked, { type: 'likeResult', id: 3, liked: true, likes: 10 }).items[0]).toMatchObject({
      likes: 10,
    });
    expect(feedReducer(liked, { type: 'likeResult', id: 3, liked: true, likes: null }).items[0]).toMatchObject({
      likes: 4,
    });
    expect(feedReducer(liked, { type: 'setLiked', id: 3, liked: false }).items[0]).toMatchObject({
      liked: false,
      likes: 3,
    });
  });

  it('keeps the local liked flag across a refetch without a token', () => {
    const liked = feedReducer(loaded, { type: 'likeResult', id: 3, liked: true, likes: 4 });
    const refetched = feedReducer(liked, {
      type: 'fetchSuccess',
      mode: 'replace',
      language: null,
      response: response([release(3, { likes: 4 })]),
      at: AT,
    });
    expect(refetched.items[0]?.liked).toBe(true);
  });
});

describe('offline copy from the service worker', () => {
  const copy = (savedAt: string, items: Release[]) => ({ savedAt, data: response(items) });

  it('fills an empty page, as of when the copy was kept', () => {
    const state = run([
      { type: 'fetchStart', mode: 'replace' },
      { type: 'offlineCopy', language: null, cache: copy('2024-03-10T11:00:00.000Z', [release(2), release(1)]) },
      { type: 'fetchFailure', mode: 'replace', language: null, message: 'The server could not be reached.' },
    ]);
    expect(state).toMatchObject({
      status: 'ready',
      origin: 'cache',
      syncedAt: '2024-03-10T11:00:00.000Z',
      fetchError: 'The server could not be reached.',
    });
    expect(ids(state.items)).toEqual([2, 1]);
    expect(cacheableList(state)).toBeNull();
  });

  it('replaces an older copy but never a newer one, nor what the server sent this session', () => {
    const fromStorage = feedReducer(initialFeedState, {
      type: 'cacheLoaded',
      cache: copy('2024-03-10T11:00:00.000Z', [release(1)]),
    });
    const newer = feedReducer(fromStorage, {
      type: 'offlineCopy',
      language: null,
      cache: copy('2024-03-10T11:30:00.000Z', [release(2), release(1)]),
    });
    expect(ids(newer.items)).toEqual([2, 1]);
    expect(newer.syncedAt).toBe('2024-03-10T11:30:00.000Z');
    const older = feedReducer(fromStorage, {
      type: 'offlineCopy',
      language: null,
      cache: copy('2024-03-10T10:00:00.000Z', [release(9)]),
    });
    expect(older).toBe(fromStorage);
    expect(
      feedReducer(loaded, { type: 'offlineCopy', language: null, cache: copy('2024-03-10T13:00:00.000Z', []) }),
    ).toBe(loaded);
  });

  it('ignores a copy for a language no longer selected', () => {
    const tamil = feedReducer(initialFeedState, { type: 'setLanguage', language: 'tamil', placeholder: [] });
    const state = feedReducer(tamil, {
      type: 'offlineCopy',
      language: null,
      cache: copy('2024-03-10T11:00:00.000Z', [release(1)]),
    });
    expect(state).toBe(tamil);
  });
});

describe('cacheableList', () => {
  it('caches only the unfiltered list the server confirmed', () => {
    expect(cacheableList(loaded)).toMatchObject({ nextCursor: 'c1', asOf: AT });
    expect(cacheableList(initialFeedState)).toBeNull();
    expect(cacheableList(feedReducer(loaded, { type: 'setLanguage', language: 'tamil', placeholder: [] }))).toBeNull();
  });
});
