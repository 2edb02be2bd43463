import { useCallback, useEffect, useRef, useState } from 'react';
import { parseReleaseEvent, parseResetEvent, type ReleaseEvent, type ResetEvent } from '../lib/types.ts';

/**
 * Connection state of the live stream:
 * - `connecting`: first connection attempt in progress;
 * - `open`: connected, events flow;
 * - `reconnecting`: the connection dropped (or failed) and is being re-established;
 * - `offline`: the browser reports no network, or reconnecting has failed for longer than `offlineAfterMs`.
 */
export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'offline';

/** Callbacks of {@link useNewReleasesStream}. They may change between renders without reconnecting. */
export interface NewReleasesStreamHandlers {
  onNewRelease?: (event: ReleaseEvent) => void;
  onReleaseUpdated?: (event: ReleaseEvent) => void;
  /** The server could not replay everything that was missed: refetch the list. */
  onReset?: (event: ResetEvent) => void;
  /** The stream (re)opened. `reconnected` is false for the first open of this hook instance. */
  onOpen?: (info: { reconnected: boolean }) => void;
}

/** Options of {@link useNewReleasesStream}. */
export interface NewReleasesStreamOptions {
  /** Stream URL; default `/api/new-releases/events`. */
  url?: string;
  /** Set false to stay disconnected. Default true. */
  enabled?: boolean;
  /** How long the stream may be down before the state becomes `offline`. Default 5000 ms. */
  offlineAfterMs?: number;
  /** First delay before re-creating a closed EventSource; doubles per failure up to `maxBackoffMs`. Default 1000. */
  minBackoffMs?: number;
  /** Longest delay between re-creations. Default 30000 ms. */
  maxBackoffMs?: number;
}

/** Receives the JSON data (null when unreadable) of one named event of the stream. */
export type StreamEventListener = (data: unknown) => void;

/** What {@link useNewReleasesStream} exposes. */
export interface NewReleasesStreamStatus {
  state: StreamState;
  /** The id of the last event received (the SSE `id:`), or null before any. */
  lastEventId: string | null;
  /** Drops the current connection (if not open) and connects again now, skipping any backoff wait. */
  reconnect: () => void;
  /**
   * Listens to another named event of the same stream (e.g. `trending_refreshed`) without opening a second
   * connection; the listener stays attached across reconnects. Returns the function that stops listening.
   */
  subscribe: (event: string, listener: StreamEventListener) => () => void;
}

const DEFAULT_URL = '/api/new-releases/events';

function withLastEventId(url: string, lastEventId: string | null): string {
  if (!lastEventId) return url;
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}lastEventId=${encodeURIComponent(lastEventId)}`;
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return null;
  }
}

/**
 * Subscribes to the new-releases SSE stream with exactly one EventSource per mounted hook.
 *
 * While the EventSource reconnects by itself (sending `Last-Event-ID`), the state is `reconnecting`. When it gives
 * up (readyState CLOSED, e.g. the server answered non-200), it is re-created after an exponential backoff with jitter,
 * carrying the last event id as `?lastEventId=` so the server can replay what was missed. Browser `offline` /
 * `online` events are tracked: going online re-creates a stream that is not open, immediately.
 */
export function useNewReleasesStream(
  handlers: NewReleasesStreamHandlers,
  options: NewReleasesStreamOptions = {},
): NewReleasesStreamStatus {
  const {
    url = DEFAULT_URL,
    enabled = true,
    offlineAfterMs = 5000,
    minBackoffMs = 1000,
    maxBackoffMs = 30_000,
  } = options;
  const [state, setState] = useState<StreamState>('connecting');
  const [lastEventId, setLastEventId] = useState<string | null>(null);
  const handlersRef = useRef(handlers);
  const lastEventIdRef = useRef<string | null>(null);
  const reconnectRef = useRef<() => void>(() => undefined);
  const reconnect = useCallback(() => reconnectRef.current(), []);
  const sourceRef = useRef<EventSource | null>(null);
  /** One dispatcher per extra event name, attached to every EventSource this hook creates. */
  const extraEvents = useRef(new Map<string, { listeners: Set<StreamEventListener>; dispatch: EventListener }>());

  const subscribe = useCallback((event: string, listener: StreamEventListener) => {
    let entry = extraEvents.current.get(event);
    if (!entry) {
      const listeners = new Set<StreamEventListener>();
      const dispatch: EventListener = (ev) => {
        const data = parseJson((ev as MessageEvent<string>).data);
        for (const l of [...listeners]) l(data);
      };
      entry = { listeners, dispatch };
      extraEvents.current.set(event, entry);
      sourceRef.current?.addEventListener(event, dispatch);
    }
    entry.listeners.add(listener);
    const current = entry;
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size > 0 || extraEvents.current.get(event) !== current) return;
      extraEvents.current.delete(event);
      sourceRef.current?.removeEventListener(event, current.dispatch);
    };
  }, []);

  useEffect(() => {
    handlersRef.current = handlers;
  });

  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;

    let source: EventSource | null = null;
    let disposed = false;
    let hasOpened = false;
    let failures = 0;
    let phase: 'connecting' | 'open' | 'reconnecting' = 'connecting';
    let stalled = false;
    let online = typeof navigator === 'undefined' || navigator.onLine !== false;
    let retryTimer: ReturnType<typeof setTimeout> | null = null;
    let offlineTimer: ReturnType<typeof setTimeout> | null = null;

    const publish = (): void => {
      if (disposed) return;
      if (!online) setState('offline');
      else if (phase === 'open') setState('open');
      else setState(stalled ? 'offline' : phase);
    };

    const startOfflineTimer = (): void => {
      if (offlineTimer !== null) return;
      offlineTimer = setTimeout(() => {
        offlineTimer = null;
        stalled = true;
        publish();
      }, offlineAfterMs);
    };

    const stopOfflineTimer = (): void => {
      if (offlineTimer !== null) clearTimeout(offlineTimer);
      offlineTimer = null;
      stalled = false;
    };

    const onEvent = (ev: MessageEvent<string>): unknown => {
      if (ev.lastEventId) {
        lastEventIdRef.current = ev.lastEventId;
        setLastEventId(ev.lastEventId);
      }
      return parseJson(ev.data);
    };

    const onNewRelease = (ev: MessageEvent<string>): void => {
      const event = parseReleaseEvent(onEvent(ev));
      if (event) handlersRef.current.onNewRelease?.({ ...event, type: 'new_release' });
    };

    const onReleaseUpdated = (ev: MessageEvent<string>): void => {
      const event = parseReleaseEvent(onEvent(ev));
      if (event) handlersRef.current.onReleaseUpdated?.({ ...event, type: 'release_updated' });
    };

    const onReset = (ev: MessageEvent<string>): void => {
      handlersRef.current.onReset?.(parseResetEvent(onEvent(ev)));
    };

    const scheduleRecreate = (delay: number): void => {
      if (retryTimer !== null) clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        retryTimer = null;
        connect();
      }, delay);
    };

    const closeSource = (): void => {
      if (!source) return;
      source.removeEventListener('new_release', onNewRelease);
      source.removeEventListener('release_updated', onReleaseUpdated);
      source.removeEventListener('reset', onReset);
      for (const [name, { dispatch }] of extraEvents.current) source.removeEventListener(name, dispatch);
      source.onopen = null;
      source.onerror = null;
      source.close();
      source = null;
      sourceRef.current = null;
    };

    function connect(): void {
      if (disposed) return;
      closeSource();
      // A fresh EventSource cannot set Last-Event-ID itself, so the id travels in the query string.
      const es = new EventSource(withLastEventId(url, lastEventIdRef.current));
      source = es;
      startOfflineTimer();
      es.addEventListener('new_release', onNewRelease);
      es.addEventListener('release_updated', onReleaseUpdated);
      es.addEventListener('reset', onReset);
      for (const [name, { dispatch }] of extraEvents.current) es.addEventListener(name, dispatch);
      sourceRef.current = es;
      es.onopen = () => {
        if (disposed || source !== es) return;
        failures = 0;
        phase = 'open';
        stopOfflineTimer();
        publish();
        const reconnected = hasOpened;
        hasOpened = true;
        handlersRef.current.onOpen?.({ reconnected });
      };
      es.onerror = () => {
        if (disposed || source !== es) return;
        phase = 'reconnecting';
        startOfflineTimer();
        if (es.readyState === EventSource.CLOSED) {
          // The browser gave up (non-200, wrong content type): re-create it ourselves, with backoff and jitter.
          closeSource();
          const base = Math.min(maxBackoffMs, minBackoffMs * 2 ** failures);
          failures += 1;
          scheduleRecreate(Math.round(base * (0.5 + Math.random() * 0.5)));
        }
        publish();
      };
    }

    const reconnectNow = (): void => {
      if (source && source.readyState === EventSource.OPEN) return;
      failures = 0;
      if (retryTimer !== null) clearTimeout(retryTimer);
      retryTimer = null;
      connect();
      publish();
    };

    const handleOnline = (): void => {
      online = true;
      reconnectNow();
      publish();
    };

    const handleOffline = (): void => {
      online = false;
      publish();
    };

    reconnectRef.current = reconnectNow;
    window.addEventListener('online', handleOnline);
    window.addEventListener('offline', handleOffline);
    connect();
    publish();

    return () => {
      disposed = true;
      reconnectRef.current = () => undefined;
      window.removeEventListener('online', handleOnline);
      window.removeEventListener('offline', handleOffline);
      if (retryTimer !== null) clearTimeout(retryTimer);
      if (offlineTimer !== null) clearTimeout(offlineTimer);
      closeSource();
    };
  }, [url, enabled, offlineAfterMs, minBackoffMs, maxBackoffMs]);

  return { state, lastEventId, reconnect, subscribe };
}
