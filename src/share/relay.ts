import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { encodeFrameHeader } from '../domain/audio-frame.ts';
import type { Logger } from '../infra/logger.ts';
import type { Metrics } from '../infra/metrics.ts';
import type { Bus, Unsubscribe } from '../ports/bus.ts';
import type { ShareStore } from '../ports/share-store.ts';
import {
  CLOSE_CODES,
  type AudioChunk,
  type ListenerMessage,
  type ShareAudioEvent,
  type ShareEndedEvent,
  type ShareMetadataEvent,
} from './contract.ts';
import type { ShareService } from './service.ts';

/** How often this process tells the store who listens here, checks its sessions still exist, and sends counts. */
const HEARTBEAT_MS = 2000;
/** A WebSocket listener counts this long after the last heartbeat that saw it (three heartbeats). */
const PRESENCE_MS = 3 * HEARTBEAT_MS;
/** A polling listener counts this long after its last request ("seen in the last few seconds"). */
export const POLLER_WINDOW_MS = 5000;
/** How long a dropped listener gets to read its close frame before its socket is destroyed. */
const CLOSE_GRACE_MS = 5000;

interface Peer {
  ws: WebSocket;
  /** Listener key in the store (`<process>:<n>`); hosts have none (they are not listeners). */
  key: string | undefined;
}

interface Room {
  listeners: Set<Peer>;
  hosts: Set<Peer>;
  /** The last count sent to this room's sockets. */
  lastCount: number | undefined;
}

export interface ShareRelayDeps {
  bus: Bus;
  store: ShareStore;
  service: ShareService;
  logger: Logger;
  metrics: Metrics;
  /** Bytes that may wait to be sent to one listener; past it the listener is dropped. */
  queueBytes: number;
  clock?: () => number;
}

/**
 * The push side of Share in one process: WebSocket listeners and hosts by session, fed from the bus so a host on any
 * process reaches listeners on every process. Each audio chunk is turned into one binary frame (header + raw bytes)
 * once per process and handed to every listener socket; a listener whose unsent bytes pass the queue bound is
 * dropped with close code 4008 rather than buffered without end or allowed to hold the others back. Presence
 * (listener counts across processes) is written to the store on a heartbeat, with polling listeners seen since the
 * last one.
 */
export class ShareRelay {
  readonly #deps: ShareRelayDeps;
  readonly #log: Logger;
  readonly #clock: () => number;
  /** This process's id on the bus: events it published were delivered here already. */
  readonly origin = randomUUID();
  readonly #rooms = new Map<string, Room>();
  /** Polling listeners by session: key → last request time. */
  readonly #pollers = new Map<string, Map<string, number>>();
  readonly #unsubscribe: Unsubscribe[] = [];
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #closed = false;
  readonly #relayed;
  readonly #latency;
  readonly #dropped;

  constructor(deps: ShareRelayDeps) {
    this.#deps = deps;
    this.#log = deps.logger;
    this.#clock = deps.clock ?? Date.now;
    const { metrics } = deps;
    this.#relayed = metrics.counter('backbeat_share_bytes_relayed_total', 'Audio frame bytes sent to listeners');
    this.#latency = metrics.histogram(
      'backbeat_share_relay_latency_seconds',
      'From a chunk accepted from its host to its frames handed to this process’s listener sockets',
      [],
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    );
    this.#dropped = metrics.counter('backbeat_share_listeners_dropped_total', 'Listeners dropped', ['reason']);
    metrics.gauge('backbeat_share_ws_listeners', 'WebSocket listeners connected to this process', [], (gauge) => {
      let n = 0;
      for (const room of this.#rooms.values()) n += room.listeners.size;
      gauge.set(n);
    });
  }

  /** Subscribes to the bus and starts the presence heartbeat. */
  async start(): Promise<void> {
    const { bus } = this.#deps;
    this.#unsubscribe.push(
      await bus.subscribe('share.audio', (event) => {
        if (event.origin !== this.origin) this.deliverAudio(event);
      }),
      await bus.subscribe('share.metadata', (event) => {
        if (event.origin !== this.origin) this.deliverMetadata(event);
      }),
      await bus.subscribe('share.ended', (event) => {
        if (event.origin !== this.origin) this.deliverEnded(event);
      }),
    );
    this.#timer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.#timer.unref();
  }

  /** Sends the session's state and buffered audio, then keeps `ws` fed until it or the session ends. */
  async addListener(sessionId: string, ws: WebSocket): Promise<void> {
    const peer: Peer = { ws, key: `${this.origin.slice(0, 8)}:${++this.#next}` };
    const room = this.#room(sessionId);
    room.listeners.add(peer);
    ws.on('close', () => this.#remove(sessionId, peer));
    ws.on('error', () => undefined);
    try {
      const [session, stored, chunks] = await Promise.all([
        this.#deps.store.session(sessionId),
        this.#deps.store.metadata(sessionId),
        this.#deps.store.chunksSince(sessionId, -1),
      ]);
      if (!session) {
        this.#close(peer, CLOSE_CODES.notFound, 'session not found');
        return;
      }
      const listenerCount = await this.#deps.store.seeListeners(sessionId, [
        { key: peer.key!, untilMs: this.#clock() + PRESENCE_MS },
      ]);
      const presented = stored ? this.#deps.service.present(stored) : undefined;
      this.#send(peer, {
        type: 'state',
        sessionId,
        isActive: session.active,
        startTime: session.startTime,
        listenerCount,
        metadata: presented?.metadata ?? null,
        lyrics: presented?.lyrics ?? null,
        serverTime: this.#clock(),
      });
      for (const json of chunks ?? []) {
        const chunk = JSON.parse(json) as AudioChunk;
        this.#sendFrame(peer, frameOf(chunk));
      }
      // The others hear of the new count on the next heartbeat: telling every listener at every join would make a
      // burst of N joins cost N² messages.
      if (!session.active) this.#end(sessionId, peer, 'stopped');
    } catch (err) {
      this.#log.warn({ event: 'share_listener_join_failed', sessionId, err }, 'listener could not join');
      this.#close(peer, 1011, 'the session could not be read');
    }
  }

  /** Registers a host socket: it gets the listener count now and when it changes, and the end of its session. */
  addHost(sessionId: string, ws: WebSocket): void {
    const peer: Peer = { ws, key: undefined };
    this.#room(sessionId).hosts.add(peer);
    ws.on('close', () => this.#remove(sessionId, peer));
    void this.#deps.store
      .listenerCount(sessionId)
      .then((listenerCount) => this.#send(peer, { type: 'listeners', listenerCount }))
      .catch(() => undefined);
  }

  /** A polling listener read the session (it counts for {@link POLLER_WINDOW_MS}). */
  notePoller(sessionId: string, key: string): void {
    let pollers = this.#pollers.get(sessionId);
    if (!pollers) this.#pollers.set(sessionId, (pollers = new Map<string, number>()));
    const first = !pollers.has(key);
    pollers.set(key, this.#clock());
    // A new poller is written at once so the next status or metadata answer counts it.
    if (first) {
      void this.#deps.store
        .seeListeners(sessionId, [{ key, untilMs: this.#clock() + POLLER_WINDOW_MS }])
        .catch(() => undefined);
    }
  }

  /** WebSocket listeners connected to this process (all sessions). */
  get localListeners(): number {
    let n = 0;
    for (const room of this.#rooms.values()) n += room.listeners.size;
    return n;
  }

  /**
   * One presence round: writes who listens here (and which pollers were seen) to the store, sends changed counts,
   * and ends the sockets of sessions that no longer exist. Runs every {@link HEARTBEAT_MS}; never twice at once.
   */
  heartbeat(): Promise<void> {
    this.#beating ??= this.#beat().finally(() => (this.#beating = undefined));
    return this.#beating;
  }

  async #beat(): Promise<void> {
    const now = this.#clock();
    const sessions = new Set([...this.#rooms.keys(), ...this.#pollers.keys()]);
    for (const sessionId of sessions) {
      if (this.#closed) return;
      const room = this.#rooms.get(sessionId);
      const seen = [...(room?.listeners ?? [])].map((peer) => ({ key: peer.key!, untilMs: now + PRESENCE_MS }));
      const pollers = this.#pollers.get(sessionId);
      for (const [key, at] of pollers ?? []) {
        if (at + POLLER_WINDOW_MS <= now) pollers!.delete(key);
        else seen.push({ key, untilMs: at + POLLER_WINDOW_MS });
      }
      if (pollers?.size === 0) this.#pollers.delete(sessionId);
      try {
        const count = await this.#deps.store.seeListeners(sessionId, seen);
        if (!room) continue;
        const session = await this.#deps.store.session(sessionId);
        if (!session) {
          for (const peer of [...room.listeners, ...room.hosts]) this.#end(sessionId, peer, 'expired');
          continue;
        }
        this.#broadcastCount(room, count);
      } catch (err) {
        this.#log.warn({ event: 'share_heartbeat_failed', sessionId, err }, 'share presence not written');
      }
    }
  }

  /** Closes every socket (1001: the server is going away) and stops listening to the bus. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const off of this.#unsubscribe.splice(0)) await off().catch(() => undefined);
    await this.#beating;
    for (const room of this.#rooms.values()) {
      for (const peer of [...room.listeners, ...room.hosts]) this.#close(peer, CLOSE_CODES.goingAway, 'server closing');
    }
  }

  #room(sessionId: string): Room {
    let room = this.#rooms.get(sessionId);
    if (!room) this.#rooms.set(sessionId, (room = { listeners: new Set(), hosts: new Set(), lastCount: undefined }));
    return room;
  }

  #remove(sessionId: string, peer: Peer): void {
    const room = this.#rooms.get(sessionId);
    if (!room) return;
    room.listeners.delete(peer);
    room.hosts.delete(peer);
    if (room.listeners.size === 0 && room.hosts.size === 0) this.#rooms.delete(sessionId);
    if (peer.key && !this.#closed) {
      void this.#deps.store.forgetListeners(sessionId, [peer.key]).catch(() => undefined);
    }
  }

  /**
   * Sends a chunk to this process's listeners of its session: one frame built once, handed to every socket. `data`
   * is the chunk's bytes when the caller has them (the accepting process), saving a base64 decode.
   */
  deliverAudio(event: ShareAudioEvent, data?: Uint8Array): void {
    const room = this.#rooms.get(event.sessionId);
    if (!room || room.listeners.size === 0) return;
    const frame = frameOf(event, data);
    let sent = 0;
    for (const peer of room.listeners) if (this.#sendFrame(peer, frame)) sent++;
    this.#relayed.inc(frame.byteLength * sent);
    this.#latency.observe(Math.max(0, this.#clock() - event.receivedAt) / 1000);
  }

  /** Sends a metadata update to this process's listeners of its session. */
  deliverMetadata(event: ShareMetadataEvent): void {
    const room = this.#rooms.get(event.sessionId);
    if (!room || room.listeners.size === 0) return;
    const text = JSON.stringify({
      type: 'metadata',
      metadata: event.metadata,
      lyrics: event.lyrics,
      serverTime: this.#clock(),
    } satisfies ListenerMessage);
    for (const peer of room.listeners) this.#sendText(peer, text);
  }

  /** Ends this process's sockets of a session. */
  deliverEnded(event: ShareEndedEvent): void {
    const room = this.#rooms.get(event.sessionId);
    if (!room) return;
    for (const peer of [...room.listeners, ...room.hosts]) this.#end(event.sessionId, peer, event.reason);
  }

  #end(sessionId: string, peer: Peer, reason: 'stopped' | 'expired'): void {
    this.#send(peer, { type: 'ended', reason });
    this.#close(
      peer,
      reason === 'stopped' ? CLOSE_CODES.stopped : CLOSE_CODES.notFound,
      reason === 'stopped' ? 'session stopped' : 'session expired',
    );
    this.#remove(sessionId, peer);
  }

  #broadcastCount(room: Room, listenerCount: number): void {
    if (room.lastCount === listenerCount) return;
    room.lastCount = listenerCount;
    const text = JSON.stringify({ type: 'listeners', listenerCount } satisfies ListenerMessage);
    for (const peer of [...room.listeners, ...room.hosts]) this.#sendText(peer, text);
  }

  #send(peer: Peer, message: ListenerMessage): void {
    this.#sendText(peer, JSON.stringify(message));
  }

  #sendText(peer: Peer, text: string): boolean {
    return this.#sendBounded(peer, text, Buffer.byteLength(text));
  }

  #sendFrame(peer: Peer, frame: Buffer): boolean {
    return this.#sendBounded(peer, frame, frame.byteLength);
  }

  /** Sends unless the socket is closing, or its queue would pass the bound (then the listener is dropped). */
  #sendBounded(peer: Peer, data: string | Buffer, bytes: number): boolean {
    const { ws } = peer;
    if (ws.readyState !== ws.OPEN) return false;
    if (peer.key && ws.bufferedAmount + bytes > this.#deps.queueBytes) {
      this.#dropped.inc({ reason: 'too_slow' });
      this.#log.info(
        { event: 'share_listener_dropped', reason: 'too_slow', queued: ws.bufferedAmount },
        'slow listener dropped',
      );
      this.#close(peer, CLOSE_CODES.tooSlow, 'listener too slow');
      return false;
    }
    ws.send(data, { binary: typeof data !== 'string' });
    return true;
  }

  /** Starts a close handshake, and destroys the socket if the peer does not finish it in time. */
  #close(peer: Peer, code: number, reason: string): void {
    const { ws } = peer;
    if (ws.readyState === ws.CLOSED) return;
    if (ws.readyState !== ws.CLOSING) ws.close(code, reason);
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}

/** The binary frame of a chunk: the documented header, then its bytes (`data`, or decoded from the chunk's base64). */
function frameOf(chunk: Omit<AudioChunk, 'data'> & { data: string }, data?: Uint8Array): Buffer {
  const header = encodeFrameHeader(chunk);
  const bytes = data ?? Buffer.from(chunk.data, 'base64');
  return Buffer.concat([header, bytes], header.byteLength + bytes.byteLength);
}
