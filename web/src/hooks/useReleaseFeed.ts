import { useCallback, useEffect, useLayoutEffect, useReducer, useRef, useState } from 'react';
import {
  ApiError,
  clearGuestToken,
  fetchNewReleases,
  likeAsGuest,
  OfflineCopyError,
  readGuestToken,
  sendTelemetry,
} from '../lib/api.ts';
import { cacheableList, feedReducer, initialFeedState, type FeedState } from '../lib/feed.ts';
import { browserStorage, readCache, writeCache } from '../lib/offlineCache.ts';
import { dedupeById, filterByLanguage } from '../lib/releases.ts';
import type { Release, ReleaseEvent } from '../lib/types.ts';
import { useNewReleasesStream, type NewReleasesStreamStatus } from './useNewReleasesStream.ts';

/** Page size of list requests. */
export const PAGE_SIZE = 24;
/** A list request that takes longer than this counts as failed (the server is as good as unreachable). */
const FETCH_TIMEOUT_MS = 15_000;
/** How long a newly arrived card stays highlighted. */
const FRESH_HIGHLIGHT_MS = 8_000;
/** Retry delays after a failed list fetch: 5 s, 10 s, 20 s, ... up to a minute. */
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 60_000;
/** Latencies above a day (old replayed events) are not meaningful and the server rejects them: omitted. */
const MAX_REPORTED_LATENCY_MS = 86_400_000;
/** While the live stream is down, the list is refetched this often. */
const POLL_WHILE_OFFLINE_MS = 60_000;

/** Options and callbacks of {@link useReleaseFeed}. */
export interface ReleaseFeedOptions {
  /** The language filter of the first fetch (read once, on mount); null or absent for all languages. */
  initialLanguage?: string | null;
  /** A `new_release` arrived live for a release not yet on the page (once per event). */
  onNewRelease?: (release: Release, event: ReleaseEvent) => void;
  /** A like or unlike failed and was rolled back. */
  onLikeError?: (message: string) => void;
}

/** What {@link useReleaseFeed} exposes to the page. */
export interface ReleaseFeed {
  state: FeedState;
  stream: NewReleasesStreamStatus;
  /** True when the shown list may be stale: the last fetch failed or the live stream is offline. */
  offline: boolean;
  /** Ids whose like request is in flight. */
  pendingLikes: ReadonlySet<number>;
  setLanguage: (language: string | null) => void;
  loadMore: () => void;
  /** Refetches the first page now, and reconnects the live stream if it is down. */
  refresh: () => void;
  toggleLike: (id: number) => void;
}

function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return 'The server could not be reached.';
    if (err.isUnavailable) return 'The server is temporarily unavailable.';
    return /[.!?]$/.test(err.message) ? err.message : `${err.message}.`;
  }
  return err instanceof Error ? err.message : 'Something went wrong.';
}

function isSuperseded(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

function initFeed(language: string | null): FeedState {
  const initial: FeedState = { ...initialFeedState, language };
  const cache = readCache(browserStorage());
  return cache ? feedReducer(initial, { type: 'cacheLoaded', cache }) : initial;
}

/**
 * The releases list of the page: shows the offline copy at once, fetches the first page, applies live events from
 * the SSE stream (new cards on top, updates in place, refetch on `reset` and on reconnect), keeps the offline copy
 * current, retries failed fetches with backoff, reports `client_new_release_received` telemetry, and performs
 * optimistic likes with rollback.
 */
export function useReleaseFeed(options: ReleaseFeedOptions = {}): ReleaseFeed {
  const [state, dispatch] = useReducer(feedReducer, options.initialLanguage ?? null, initFeed);
  const [pendingLikes, setPendingLikes] = useState<ReadonlySet<number>>(() => new Set());
  const pendingLikeIds = useRef(new Set<number>());
  const stateRef = useRef(state);
  const optionsRef = useRef(options);
  const replaceRequest = useRef<AbortController | null>(null);
  const appendRequest = useRef<AbortController | null>(null);
  const retryCount = useRef(0);
  const reportedEvents = useRef(new Set<number>());
  const announcedReleases = useRef(new Set<number>());
  const freshTimers = useRef(new Map<number, ReturnType<typeof setTimeout>>());
  const lastWritten = useRef<{ items: Release[]; syncedAt: string | null } | null>(null);

  useLayoutEffect(() => {
    stateRef.current = state;
    optionsRef.current = options;
  });

  const load = useCallback(async (mode: 'replace' | 'append', language = stateRef.current.language) => {
    const cursor = stateRef.current.nextCursor;
    if (mode === 'append' && (!cursor || appendRequest.current)) return;
    const controller = new AbortController();
    if (mode === 'replace') {
      replaceRequest.current?.abort();
      appendRequest.current?.abort();
      appendRequest.current = null;
      replaceRequest.current = controller;
    } else {
      appendRequest.current = controller;
    }
    const timer = setTimeout(
      () => controller.abort(new DOMException('The request timed out', 'TimeoutError')),
      FETCH_TIMEOUT_MS,
    );
    dispatch({ type: 'fetchStart', mode });
    const fetchPage = (token: string | null) =>
      fetchNewReleases({
        language,
        cursor: mode === 'append' ? cursor : null,
        limit: PAGE_SIZE,
        token,
        signal: controller.signal,
      });
    try {
      const token = readGuestToken()?.token ?? null;
      let response;
      try {
        response = await fetchPage(token);
      } catch (err) {
        // A guest token the server no longer accepts must not block reading the list.
        if (!(token && err instanceof ApiError && err.status === 401)) throw err;
        clearGuestToken();
        response = await fetchPage(null);
      }
      if (mode === 'replace') retryCount.current = 0;
      dispatch({ type: 'fetchSuccess', mode, language, response, at: new Date().toISOString() });
    } catch (err) {
      if (isSuperseded(err)) return;
      if (err instanceof OfflineCopyError && mode === 'replace') {
        dispatch({ type: 'offlineCopy', language, cache: err.copy });
      }
      dispatch({ type: 'fetchFailure', mode, language, message: errorMessage(err) });
    } finally {
      clearTimeout(timer);
      if (replaceRequest.current === controller) replaceRequest.current = null;
      if (appendRequest.current === controller) appendRequest.current = null;
    }
  }, []);

  const stream = useNewReleasesStream({
    onNewRelease: (event) => {
      const { release, eventId } = event;
      if (!reportedEvents.current.has(eventId)) {
        reportedEvents.current.add(eventId);
        const latency = Date.now() - Date.parse(event.detectedAt);
        sendTelemetry({
          event: 'client_new_release_received',
          songId: release.id,
          eventId,
          ...(Number.isFinite(latency) && latency <= MAX_REPORTED_LATENCY_MS
            ? { latencyMs: Math.max(0, latency) }
            : {}),
        });
      }
      const known = stateRef.current.items.some((r) => r.id === release.id);
      dispatch({ type: 'newRelease', release, at: new Date().toISOString() });
      if (!known && !announcedReleases.current.has(release.id)) {
        announcedReleases.current.add(release.id);
        optionsRef.current.onNewRelease?.(release, event);
      }
    },
    onReleaseUpdated: (event) =>
      dispatch({ type: 'releaseUpdated', release: event.release, at: new Date().toISOString() }),
    onReset: () => void load('replace'),
    onOpen: ({ reconnected }) => {
      if (reconnected) void load('replace');
    },
  });

  const { reconnect } = stream;
  const refresh = useCallback(() => {
    reconnect();
    void load('replace');
  }, [load, reconnect]);

  // First page on mount (the offline copy, if any, is already on screen).
  useEffect(() => {
    void load('replace');
    return () => {
      replaceRequest.current?.abort();
      appendRequest.current?.abort();
    };
  }, [load]);

  // Network back: refetch at once rather than waiting for a retry timer.
  useEffect(() => {
    const onOnline = () => void load('replace');
    window.addEventListener('online', onOnline);
    return () => window.removeEventListener('online', onOnline);
  }, [load]);

  // A failed fetch is retried with exponential backoff until one succeeds.
  useEffect(() => {
    if (!state.fetchError || state.refreshing) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** retryCount.current);
    retryCount.current += 1;
    const timer = setTimeout(() => void load('replace'), delay);
    return () => clearTimeout(timer);
  }, [state.fetchError, state.refreshing, load]);

  // Without the live stream (but with a reachable API), keep the list reasonably fresh by polling.
  useEffect(() => {
    if (stream.state !== 'offline' || state.fetchError) return;
    const timer = setInterval(() => void load('replace'), POLL_WHILE_OFFLINE_MS);
    return () => clearInterval(timer);
  }, [stream.state, state.fetchError, load]);

  // While the stream was open the list was live; when it drops, the list is current as of now.
  const previousStreamState = useRef(stream.state);
  useEffect(() => {
    if (previousStreamState.current === 'open' && stream.state !== 'open') {
      dispatch({ type: 'synced', at: new Date().toISOString() });
    }
    previousStreamState.current = stream.state;
  }, [stream.state]);

  // Keep the offline copy equal to the last list the server confirmed.
  useEffect(() => {
    const list = cacheableList(state);
    if (!list || !state.syncedAt) return;
    const last = lastWritten.current;
    if (last && last.items === state.items && last.syncedAt === state.syncedAt) return;
    lastWritten.current = { items: state.items, syncedAt: state.syncedAt };
    writeCache(browserStorage(), list, state.syncedAt);
  }, [state]);

  // Highlighted cards calm down after a few seconds.
  useEffect(() => {
    const timers = freshTimers.current;
    for (const id of state.freshIds) {
      if (timers.has(id)) continue;
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          dispatch({ type: 'unfresh', id });
        }, FRESH_HIGHLIGHT_MS),
      );
    }
  }, [state.freshIds]);
  useEffect(() => {
    const timers = freshTimers.current;
    return () => {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    };
  }, []);

  const setLanguage = useCallback(
    (language: string | null) => {
      const current = stateRef.current;
      if (language === current.language) return;
      const cached = readCache(browserStorage())?.data.items ?? [];
      const base = current.language === null ? [...current.items, ...cached] : [...cached, ...current.items];
      dispatch({ type: 'setLanguage', language, placeholder: filterByLanguage(dedupeById(base), language) });
      void load('replace', language);
    },
    [load],
  );

  const loadMore = useCallback(() => void load('append'), [load]);

  const toggleLike = useCallback(async (id: number) => {
    const item = stateRef.current.items.find((r) => r.id === id);
    if (!item || pendingLikeIds.current.has(id)) return;
    pendingLikeIds.current.add(id);
    setPendingLikes(new Set(pendingLikeIds.current));
    const liked = !item.liked;
    dispatch({ type: 'setLiked', id, liked });
    try {
      const outcome = await likeAsGuest(id, liked);
      dispatch({ type: 'likeResult', id, liked: outcome.liked, likes: outcome.likes });
    } catch (err) {
      dispatch({ type: 'setLiked', id, liked: !liked });
      const reason =
        err instanceof ApiError && err.status === 0
          ? 'you appear to be offline.'
          : err instanceof ApiError && err.isUnavailable
            ? 'the server is unavailable, try again shortly.'
            : errorMessage(err);
      optionsRef.current.onLikeError?.(`Couldn’t ${liked ? 'like' : 'unlike'} “${item.title}”: ${reason}`);
    } finally {
      pendingLikeIds.current.delete(id);
      setPendingLikes(new Set(pendingLikeIds.current));
    }
  }, []);

  const onToggleLike = useCallback((id: number) => void toggleLike(id), [toggleLike]);
  const offline = state.status === 'ready' && (state.fetchError !== null || stream.state === 'offline');

  return {
    state,
    stream,
    offline,
    pendingLikes,
    setLanguage,
    loadMore,
    refresh,
    toggleLike: onToggleLike,
  };
}
