import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { decodeAudioFrame } from '../../../src/domain/audio-frame.ts';
import { ApiError } from '../lib/api.ts';
import { PcmPlayer } from '../lib/pcmPlayer.ts';
import {
  CLOSE_CODES,
  INITIAL_LISTENER_STATE,
  listenerReducer,
  parseListenerMessage,
  phaseForClose,
  reconnectDelayMs,
  shareSocketUrl,
  type ListenerState,
} from '../lib/share.ts';
import { describeShareError, fetchShareStatus, joinShare } from '../lib/shareApi.ts';

/** What {@link useShareListener} exposes. */
export interface ShareListener {
  state: ListenerState;
  /** The player of the session's audio (sound starts with its `start()`, from a tap). */
  player: PcmPlayer;
  /** The listener token in use (from the link, or from `join`), or null while there is none. */
  token: string | null;
  /** Connects again now, skipping the backoff wait. */
  retry: () => void;
}

/**
 * Follows one Share session as a listener: gets a token when the link had none (`join`), keeps the listener socket
 * open (reconnecting with backoff, except after the session ended or was not found), feeds its messages to
 * {@link listenerReducer} and its audio frames to a {@link PcmPlayer}. A socket that fails before opening is the
 * server refusing the upgrade (no session, bad token): the status endpoint then says which.
 */
export function useShareListener(code: string, linkToken: string | null): ShareListener {
  const [state, dispatch] = useReducer(listenerReducer, INITIAL_LISTENER_STATE);
  const [token, setToken] = useState<string | null>(linkToken);
  const [player] = useState(() => new PcmPlayer());
  const [attemptKey, setAttemptKey] = useState(0);
  const triedJoin = useRef(false);

  // No token: ask for one with the code alone.
  useEffect(() => {
    if (token) return;
    const controller = new AbortController();
    triedJoin.current = true;
    dispatch({ type: 'joining' });
    joinShare(code, controller.signal)
      .then(setToken)
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status === 404) dispatch({ type: 'not_found' });
        else dispatch({ type: 'failed', message: describeShareError(err, 'join') });
      });
    return () => controller.abort();
  }, [code, token, attemptKey]);

  useEffect(() => {
    if (!token) return;
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let disposed = false;
    /** Whether a socket of this effect got the session's state (a later 4004 is then an expiry). */
    let seen = false;
    /** Whether the server said the session ended: no reconnecting after that. */
    let final = false;
    const controller = new AbortController();

    const scheduleReconnect = () => {
      if (disposed || final) return;
      const delay = reconnectDelayMs(attempt);
      attempt += 1;
      timer = setTimeout(connect, delay);
    };

    /** Why a socket that never opened failed: the status endpoint answers the same checks in words. */
    const diagnose = async () => {
      try {
        const status = await fetchShareStatus(code, token, controller.signal);
        if (disposed) return;
        if (!status.isActive) {
          final = true;
          dispatch({ type: 'closed', code: CLOSE_CODES.stopped, reason: 'stopped', at: Date.now() });
          return;
        }
      } catch (err) {
        if (disposed) return;
        if (err instanceof ApiError && err.status === 404) {
          final = true;
          dispatch({ type: 'not_found' });
          return;
        }
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          final = true;
          if (!triedJoin.current) {
            // The link's token is stale (e.g. a restarted session under the same code): try the code alone.
            triedJoin.current = true;
            setToken(null);
          } else {
            dispatch({ type: 'unauthorized' });
          }
          return;
        }
      }
      scheduleReconnect();
    };

    function connect() {
      if (disposed) return;
      dispatch({ type: 'connecting', retry: attempt > 0 });
      let opened = false;
      const ws = new WebSocket(shareSocketUrl(window.location, code, 'listen', token!));
      ws.binaryType = 'arraybuffer';
      socket = ws;
      ws.onopen = () => {
        opened = true;
      };
      ws.onmessage = (event: MessageEvent<unknown>) => {
        if (event.data instanceof ArrayBuffer) {
          try {
            player.push(decodeAudioFrame(new Uint8Array(event.data)));
          } catch {
            // A frame this page cannot read is skipped; the next one plays.
          }
          return;
        }
        if (typeof event.data !== 'string') return;
        const message = parseListenerMessage(event.data);
        if (!message) return;
        const at = Date.now();
        if (message.type === 'state' || message.type === 'metadata') player.serverOffsetMs = message.serverTime - at;
        if (message.type === 'state') {
          attempt = 0;
          seen = true;
          if (!message.isActive) final = true;
        }
        if (message.type === 'ended') final = true;
        dispatch({ type: 'message', message, at });
      };
      ws.onclose = (event: CloseEvent) => {
        if (socket === ws) socket = null;
        if (disposed) return;
        if (!opened) {
          void diagnose();
          return;
        }
        if (phaseForClose(event.code, seen) !== null) final = true;
        dispatch({ type: 'closed', code: event.code, reason: event.reason, at: Date.now() });
        scheduleReconnect();
      };
    }

    connect();
    return () => {
      disposed = true;
      controller.abort();
      if (timer) clearTimeout(timer);
      if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'page closed');
      socket = null;
    };
  }, [code, token, player, attemptKey]);

  // Sound stops with the page.
  useEffect(() => () => void player.stop(), [player]);

  const retry = useCallback(() => {
    dispatch({ type: 'reset' });
    setAttemptKey((n) => n + 1);
  }, []);

  return { state, player, token, retry };
}
