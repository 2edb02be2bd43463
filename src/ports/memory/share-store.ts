import {
  checkChunk,
  checkMaxSessions,
  resolveShareSettings,
  type ListenerSeen,
  type ShareSessionRecord,
  type ShareStore,
  type ShareStoreSettings,
  type StartOutcome,
  type StoredChunk,
} from '../share-store.ts';

/** How often, at most, a call also drops every expired record (ms on the store's clock). */
const SWEEP_INTERVAL_MS = 1000;

interface HeldSession {
  record: ShareSessionRecord;
  /** Gone once the clock is past this (ms since epoch), like a Redis key's expiry. */
  expiresAt: number;
}

interface HeldMetadata {
  fields: Map<string, string>;
  expiresAt: number;
}

interface HeldAudio {
  /** Chunk JSON by sequence number. */
  chunks: Map<number, string>;
  expiresAt: number;
}

/**
 * The state several {@link MemoryShareStore} instances share, the way processes share one Redis: sessions started
 * through one store are seen, counted against `maxSessions` and refused by the others. A store created without one
 * gets a private backend. Its maps belong to the stores; tests read their sizes to check that nothing leaks.
 */
export class MemoryShareBackend {
  readonly sessions = new Map<string, HeldSession>();
  readonly metadata = new Map<string, HeldMetadata>();
  readonly audio = new Map<string, HeldAudio>();
  /** Listener key → until (ms since epoch), per session id. */
  readonly listeners = new Map<string, Map<string, number>>();
  /** The clock time from which the next call sweeps expired records. */
  nextSweepAt = Number.NEGATIVE_INFINITY;
}

export interface MemoryShareStoreOptions {
  /** Shares sessions with the other stores on this backend; a private one by default. */
  backend?: MemoryShareBackend;
  /** Lifetimes and buffer size; the seed's for any not given. */
  settings?: Partial<ShareStoreSettings>;
  /** Clock in epoch milliseconds for record times and expiry (tests pass a fake one). */
  now?: () => number;
}

/**
 * The in-process {@link ShareStore} for embedded mode. Every operation runs synchronously inside its call, so `start`
 * is atomic across the stores of one backend without locks. Records expire lazily: a record past its expiry is treated
 * as absent by every call, and at most once a second a call also drops all expired records, so sessions nobody reads
 * again do not stay in memory. No timers, so an idle store never keeps the process alive. Returned records and
 * metadata are copies. Its state dies with the process.
 */
export class MemoryShareStore implements ShareStore {
  readonly #backend: MemoryShareBackend;
  readonly #settings: ShareStoreSettings;
  readonly #now: () => number;
  #closed = false;

  constructor(options: MemoryShareStoreOptions = {}) {
    this.#backend = options.backend ?? new MemoryShareBackend();
    this.#settings = resolveShareSettings(options.settings);
    this.#now = options.now ?? Date.now;
  }

  async start(sessionId: string, init: { listenerToken: string; maxSessions: number }): Promise<StartOutcome> {
    checkMaxSessions(init.maxSessions);
    const now = this.#begin();
    if (this.#liveSession(sessionId, now)?.record.active) return { status: 'in_use' };
    let active = 0;
    for (const [id, held] of this.#backend.sessions) {
      if (id !== sessionId && held.record.active && !isExpired(held.expiresAt, now)) active++;
    }
    if (active >= init.maxSessions) return { status: 'full', active };
    // A stopped (or expired) session of this id goes with everything recorded for it.
    this.#backend.metadata.delete(sessionId);
    this.#backend.audio.delete(sessionId);
    this.#backend.listeners.delete(sessionId);
    const record: ShareSessionRecord = {
      active: true,
      startTime: now,
      lastActivity: now,
      listenerCount: 0,
      bytesTransferred: 0,
      stoppedAt: undefined,
      listenerToken: init.listenerToken,
    };
    this.#backend.sessions.set(sessionId, { record, expiresAt: now + this.#settings.sessionMs });
    return { status: 'started', session: { ...record } };
  }

  async session(sessionId: string): Promise<ShareSessionRecord | undefined> {
    const held = this.#liveSession(sessionId, this.#begin());
    return held ? { ...held.record } : undefined;
  }

  async putMetadata(sessionId: string, fields: Readonly<Record<string, string>>): Promise<boolean> {
    const now = this.#begin();
    const held = this.#activeSession(sessionId, now);
    if (!held) return false;
    const entries = Object.entries(fields);
    if (entries.length > 0) {
      let metadata = this.#backend.metadata.get(sessionId);
      if (!metadata || isExpired(metadata.expiresAt, now)) {
        metadata = { fields: new Map(), expiresAt: 0 };
        this.#backend.metadata.set(sessionId, metadata);
      }
      for (const [name, value] of entries) metadata.fields.set(name, value);
      metadata.expiresAt = now + this.#settings.metadataMs;
    }
    this.#touch(held, now);
    return true;
  }

  async metadata(sessionId: string): Promise<Record<string, string> | undefined> {
    const now = this.#begin();
    const metadata = this.#backend.metadata.get(sessionId);
    if (!metadata || isExpired(metadata.expiresAt, now)) return undefined;
    return Object.fromEntries(metadata.fields);
  }

  async putChunk(sessionId: string, chunk: StoredChunk): Promise<boolean> {
    checkChunk(chunk);
    const now = this.#begin();
    const held = this.#activeSession(sessionId, now);
    if (!held) return false;
    let audio = this.#backend.audio.get(sessionId);
    if (!audio || isExpired(audio.expiresAt, now)) {
      audio = { chunks: new Map(), expiresAt: 0 };
      this.#backend.audio.set(sessionId, audio);
    }
    audio.chunks.set(chunk.sequenceNumber, chunk.json);
    if (audio.chunks.size > this.#settings.maxChunks) {
      const oldest = [...audio.chunks.keys()].sort((a, b) => a - b);
      for (const seq of oldest.slice(0, audio.chunks.size - this.#settings.maxChunks)) audio.chunks.delete(seq);
    }
    audio.expiresAt = now + this.#settings.audioMs;
    held.record.bytesTransferred += chunk.bytes;
    this.#touch(held, now);
    return true;
  }

  async chunksSince(sessionId: string, since: number): Promise<string[] | undefined> {
    const now = this.#begin();
    if (!this.#liveSession(sessionId, now)) return undefined;
    const audio = this.#backend.audio.get(sessionId);
    if (!audio || isExpired(audio.expiresAt, now)) return [];
    return [...audio.chunks]
      .filter(([seq]) => seq > since)
      .sort(([a], [b]) => a - b)
      .map(([, json]) => json);
  }

  async stop(sessionId: string): Promise<ShareSessionRecord | undefined> {
    const now = this.#begin();
    const held = this.#liveSession(sessionId, now);
    if (!held) return undefined;
    if (held.record.active) {
      held.record.active = false;
      held.record.stoppedAt = now;
      held.expiresAt = now + this.#settings.graceMs;
    }
    return { ...held.record };
  }

  async seeListeners(sessionId: string, seen: readonly ListenerSeen[]): Promise<number> {
    const now = this.#begin();
    let listeners = this.#backend.listeners.get(sessionId);
    if (!listeners) this.#backend.listeners.set(sessionId, (listeners = new Map<string, number>()));
    for (const { key, untilMs } of seen) listeners.set(key, untilMs);
    const count = this.#countListeners(sessionId, now);
    // Only a live session takes the count: one that expired stays gone.
    const held = this.#liveSession(sessionId, now);
    if (held) held.record.listenerCount = count;
    return count;
  }

  async forgetListeners(sessionId: string, keys: readonly string[]): Promise<void> {
    this.#begin();
    const listeners = this.#backend.listeners.get(sessionId);
    if (!listeners) return;
    for (const key of keys) listeners.delete(key);
    if (listeners.size === 0) this.#backend.listeners.delete(sessionId);
  }

  async listenerCount(sessionId: string): Promise<number> {
    return this.#countListeners(sessionId, this.#begin());
  }

  async activeSessions(): Promise<number> {
    const now = this.#begin();
    let active = 0;
    for (const held of this.#backend.sessions.values()) {
      if (held.record.active && !isExpired(held.expiresAt, now)) active++;
    }
    return active;
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  /** Closes this store; a backend shared with other stores keeps its sessions. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Every call starts here: refuses after close, sweeps when due, and reads the clock once. */
  #begin(): number {
    this.#assertOpen();
    const now = this.#now();
    if (now >= this.#backend.nextSweepAt) {
      this.#backend.nextSweepAt = now + SWEEP_INTERVAL_MS;
      this.#sweep(now);
    }
    return now;
  }

  #sweep(now: number): void {
    const { sessions, metadata, audio, listeners } = this.#backend;
    for (const map of [sessions, metadata, audio]) {
      for (const [id, held] of map) if (isExpired(held.expiresAt, now)) map.delete(id);
    }
    for (const id of listeners.keys()) this.#countListeners(id, now);
  }

  /** The session unless it expired (an expired one is dropped on the way). */
  #liveSession(sessionId: string, now: number): HeldSession | undefined {
    const held = this.#backend.sessions.get(sessionId);
    if (!held) return undefined;
    if (!isExpired(held.expiresAt, now)) return held;
    this.#backend.sessions.delete(sessionId);
    return undefined;
  }

  #activeSession(sessionId: string, now: number): HeldSession | undefined {
    const held = this.#liveSession(sessionId, now);
    return held?.record.active ? held : undefined;
  }

  /** Activity: the session lives `sessionMs` from now. */
  #touch(held: HeldSession, now: number): void {
    held.record.lastActivity = now;
    held.expiresAt = now + this.#settings.sessionMs;
  }

  /** Drops listener keys whose time has passed and counts the rest. */
  #countListeners(sessionId: string, now: number): number {
    const listeners = this.#backend.listeners.get(sessionId);
    if (!listeners) return 0;
    for (const [key, until] of listeners) if (until <= now) listeners.delete(key);
    if (listeners.size === 0) this.#backend.listeners.delete(sessionId);
    return listeners.size;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('share store closed');
  }
}

/** As for a Redis key: alive through its expiry millisecond, gone after it. */
function isExpired(expiresAt: number, now: number): boolean {
  return now > expiresAt;
}
