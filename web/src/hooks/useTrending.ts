import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../lib/api.ts';
import {
  applyMatch,
  newerMatch,
  removeCollectionItem,
  upsertCollectionItem,
  withLiveMatches,
} from '../lib/trending.ts';
import {
  addToCollection,
  fetchAppearances,
  fetchCollection,
  fetchTrendingDocument,
  fetchTrendingStats,
  removeFromCollection,
  syncTrending,
} from '../lib/trendingApi.ts';
import {
  parseMusicBrainzMatchEvent,
  type AppearanceHistory,
  type CollectionItem,
  type MusicBrainzMatch,
  type TrendingDocument,
  type TrendingStats,
} from '../lib/types.ts';
import type { NewReleasesStreamStatus } from './useNewReleasesStream.ts';

/** A document read that takes longer than this counts as failed. */
const FETCH_TIMEOUT_MS = 15_000;
/** Retry delays after a failed read: 5 s, 10 s, 20 s, ... up to a minute. */
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 60_000;
/** Bursts of `trending_refreshed` events (several keys stored at once) lead to one read. */
const REFRESHED_DEBOUNCE_MS = 300;
/**
 * While the server says a refresh is running, the document is read again this often: the `trending_refreshed` event
 * normally says when it is done, the reads cover a stream that is down or missed it.
 */
const POLL_WHILE_REFRESHING_MS = 20_000;
const POLL_WHILE_REFRESHING_LIVE_MS = 60_000;

/** The wording of a failed call, as a sentence. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return 'The server could not be reached.';
    if (err.isUnavailable) return 'The server is temporarily unavailable.';
    return /[.!?]$/.test(err.message) ? err.message : `${err.message}.`;
  }
  return err instanceof Error ? err.message : 'Something went wrong.';
}

function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

/** The parts of the app's live stream the Browse page uses. */
export type TrendingStream = Pick<NewReleasesStreamStatus, 'state' | 'subscribe'>;

/** What {@link useTrending} exposes. */
export interface TrendingFeed {
  /** The last document the server answered (with live MusicBrainz outcomes applied), or null before the first. */
  doc: TrendingDocument | null;
  /** When `doc` arrived (ms, this browser's clock). */
  receivedAt: number;
  /** A read of the document is in flight. */
  loading: boolean;
  /** Why the last read failed, or null; the last document stays on screen. */
  error: string | null;
  /** The background sync with Spotify is in flight. */
  syncing: boolean;
  /** Reads the document again now. */
  reload: () => void;
}

/**
 * The Browse page's data. Shows the cached document as soon as `GET /api/cache/trending` answers, and at the same
 * time asks `GET /api/spotify/sync` in the background (never waited on before showing anything); the document is read
 * again when that sync refreshed it, when a `trending_refreshed` event arrives, and when the live stream comes back
 * after a drop (events missed meanwhile are not replayed). `musicbrainz_match` events update badges in place.
 * A failed read keeps the last document and retries with backoff.
 */
export function useTrending(stream: TrendingStream): TrendingFeed {
  const [doc, setDoc] = useState<TrendingDocument | null>(null);
  const [receivedAt, setReceivedAt] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [syncing, setSyncing] = useState(false);
  const request = useRef<AbortController | null>(null);
  const retryCount = useRef(0);
  /** Outcomes that arrived live, until a document read from the server carries them (or newer ones). */
  const liveMatches = useRef(new Map<string, MusicBrainzMatch>());
  const docRef = useRef<TrendingDocument | null>(null);
  useEffect(() => {
    docRef.current = doc;
  });

  const adopt = useCallback((next: TrendingDocument) => {
    for (const [albumId, match] of liveMatches.current) {
      if (applyMatch(next, { albumId, match }) === next) liveMatches.current.delete(albumId);
    }
    setDoc(withLiveMatches(next, liveMatches.current));
    setReceivedAt(Date.now());
    setError(null);
    retryCount.current = 0;
  }, []);

  const load = useCallback(async () => {
    request.current?.abort();
    const controller = new AbortController();
    request.current = controller;
    const timer = setTimeout(
      () => controller.abort(new DOMException('The request timed out', 'TimeoutError')),
      FETCH_TIMEOUT_MS,
    );
    setLoading(true);
    try {
      adopt(await fetchTrendingDocument(controller.signal));
    } catch (err) {
      if (request.current !== controller || isAbort(err)) return;
      setError(describeError(err));
    } finally {
      clearTimeout(timer);
      if (request.current === controller) {
        request.current = null;
        setLoading(false);
      }
    }
  }, [adopt]);

  // First read and background sync, at once: the page never waits on Spotify.
  useEffect(() => {
    const controller = new AbortController();
    void load();
    setSyncing(true);
    // After the sync, a refreshed document is read again; so is a stale one, whose sources now tell why the refresh
    // did not happen (e.g. Spotify refused it).
    const reloadIfStale = () => {
      if (docRef.current?.stale || (docRef.current === null && request.current === null)) void load();
    };
    syncTrending(controller.signal)
      .then((result) => {
        if (result.source === 'fresh') void load();
        else reloadIfStale();
      })
      .catch(() => {
        if (!controller.signal.aborted) reloadIfStale();
      })
      .finally(() => {
        if (!controller.signal.aborted) setSyncing(false);
      });
    return () => {
      controller.abort();
      const current = request.current;
      request.current = null;
      current?.abort();
    };
  }, [load]);

  // Live events on the app's stream.
  const { subscribe } = stream;
  useEffect(() => {
    let debounce: ReturnType<typeof setTimeout> | undefined;
    const offMatch = subscribe('musicbrainz_match', (data) => {
      const event = parseMusicBrainzMatchEvent(data);
      if (!event) return;
      const live = liveMatches.current;
      live.set(event.albumId, newerMatch(live.get(event.albumId) ?? null, event.match));
      setDoc((current) => (current ? applyMatch(current, event) : current));
    });
    // Whatever the refresh stored (new data or a new error), the document tells it: read it again.
    const offRefreshed = subscribe('trending_refreshed', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => void load(), REFRESHED_DEBOUNCE_MS);
    });
    return () => {
      clearTimeout(debounce);
      offMatch();
      offRefreshed();
    };
  }, [subscribe, load]);

  // The stream back after a drop: what it carried meanwhile is lost, so read the document again.
  const streamSeenOpen = useRef(false);
  const streamDropped = useRef(false);
  useEffect(() => {
    if (stream.state === 'open') {
      if (streamSeenOpen.current && streamDropped.current) void load();
      streamSeenOpen.current = true;
      streamDropped.current = false;
    } else if (streamSeenOpen.current) {
      streamDropped.current = true;
    }
  }, [stream.state, load]);

  // A failed read is retried with exponential backoff until one succeeds.
  useEffect(() => {
    if (!error || loading) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** retryCount.current);
    retryCount.current += 1;
    const timer = setTimeout(() => void load(), delay);
    return () => clearTimeout(timer);
  }, [error, loading, load]);

  // Network back: read at once rather than waiting for a retry timer.
  useEffect(() => {
    const onOnline = () => void load();
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [load]);

  const refreshing = doc?.refreshing === true;
  const live = stream.state === 'open';
  useEffect(() => {
    if (!refreshing) return;
    const timer = setInterval(() => void load(), live ? POLL_WHILE_REFRESHING_LIVE_MS : POLL_WHILE_REFRESHING_MS);
    return () => clearInterval(timer);
  }, [refreshing, live, load]);

  const reload = useCallback(() => void load(), [load]);
  return { doc, receivedAt, loading, error, syncing, reload };
}

/** What {@link useCollection} exposes. */
export interface CollectionState {
  /** The guest's collection, newest first; null until the first answer. */
  items: CollectionItem[] | null;
  /** Why the collection could not be read, or null. */
  error: string | null;
  /** Album ids in the collection. */
  ids: ReadonlySet<string>;
  /** Album ids with an add or remove in flight. */
  pending: ReadonlySet<string>;
  add: (album: { id: string; name: string }) => void;
  remove: (album: { id: string; name: string }) => void;
  reload: () => void;
}

/**
 * The guest's collection: read on mount (empty without a guest session), albums added from the charts (the server
 * keeps adding idempotent) and removed. A failed add or remove is reported through `onError` and changes nothing.
 */
export function useCollection(onError: (message: string) => void): CollectionState {
  const [items, setItems] = useState<CollectionItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<ReadonlySet<string>>(() => new Set());
  const [version, setVersion] = useState(0);
  const pendingIds = useRef(new Set<string>());
  const onErrorRef = useRef(onError);
  useEffect(() => {
    onErrorRef.current = onError;
  });

  useEffect(() => {
    const controller = new AbortController();
    fetchCollection(controller.signal)
      .then((list) => {
        setItems(list.items);
        setError(null);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(describeError(err));
      });
    return () => controller.abort();
  }, [version]);

  const run = useCallback(async (albumId: string, action: () => Promise<void>) => {
    if (pendingIds.current.has(albumId)) return;
    pendingIds.current.add(albumId);
    setPending(new Set(pendingIds.current));
    try {
      await action();
    } finally {
      pendingIds.current.delete(albumId);
      setPending(new Set(pendingIds.current));
    }
  }, []);

  const add = useCallback(
    (album: { id: string; name: string }) =>
      void run(album.id, async () => {
        try {
          const { item } = await addToCollection(album.id);
          setItems((prev) => upsertCollectionItem(prev ?? [], item));
          setError(null);
        } catch (err) {
          onErrorRef.current(`Couldn’t add “${album.name}” to your collection: ${describeError(err)}`);
        }
      }),
    [run],
  );

  const remove = useCallback(
    (album: { id: string; name: string }) =>
      void run(album.id, async () => {
        try {
          await removeFromCollection(album.id);
          setItems((prev) => (prev ? removeCollectionItem(prev, album.id) : prev));
        } catch (err) {
          onErrorRef.current(`Couldn’t remove “${album.name}” from your collection: ${describeError(err)}`);
        }
      }),
    [run],
  );

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const ids = new Set((items ?? []).map((i) => i.album.id));
  return { items, error, ids, pending, add, remove, reload };
}

/** A one-off read: its data (kept while a new read runs), error, loading flag and a retry. */
export interface Resource<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  retry: () => void;
}

function useResource<T>(key: string | null, read: (signal: AbortSignal) => Promise<T>): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(key !== null);
  const [attempt, setAttempt] = useState(0);
  const readRef = useRef(read);
  useEffect(() => {
    readRef.current = read;
  });

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    setLoading(true);
    readRef
      .current(controller.signal)
      .then((next) => {
        setData(next);
        setError(null);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(describeError(err));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [key, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { data, error, loading, retry };
}

/** One album's chart history (`GET /api/albums/appearances/:id`), read when `albumId` is set. */
export function useAppearances(albumId: string | null): Resource<AppearanceHistory> {
  return useResource(albumId, (signal) => fetchAppearances(albumId ?? '', signal));
}

/** Trending analytics over the last `days` days; the previous window's answer stays shown while the next loads. */
export function useTrendingStats(days: number, enabled: boolean): Resource<TrendingStats> {
  return useResource(enabled ? String(days) : null, (signal) => fetchTrendingStats(days, signal));
}
