/**
 * Where Share sessions live: seed 004's three records per session (the session, its latest metadata, its audio
 * buffer) plus who is listening. In-process in embedded mode, Redis in scaled mode, so any process can answer for any
 * session.
 *
 * Semantics every adapter guarantees (checked by `runShareStoreContract` on both adapters):
 * - `start` is atomic across every process sharing the backend: it refuses an id whose session is active
 *   (`in_use`) and refuses when `maxSessions` sessions are active (`full`); otherwise it creates the session,
 *   replacing a stopped one of that id (and its metadata, audio and listeners).
 * - A session expires `sessionMs` after its last activity (start, metadata, audio); metadata expires `metadataMs`
 *   after it was last written; the audio buffer `audioMs` after its last chunk. Expiry may be lazy, but an expired
 *   record is never returned.
 * - Writes (`putMetadata`, `putChunk`) need an active session; they answer `false` and store nothing otherwise.
 * - `putMetadata` merges fields into the metadata (fields not given keep their value).
 * - `putChunk` replaces a chunk with the same sequence number, keeps the newest `maxChunks` by sequence number
 *   (atomically: a reader never sees more), and adds `bytes` to the session's `bytesTransferred`.
 * - `chunksSince(id, since)` returns chunks with a sequence number above `since`, ordered by sequence number whatever
 *   order they arrived in, or `undefined` when the session does not exist.
 * - `stop` marks the session inactive and keeps it readable for `graceMs`; it does not count as active any more.
 * - Listeners: `seeListeners` records listener keys until a time; `listenerCount` counts keys not yet past it, across
 *   every process. The session's `listenerCount` field follows the last count written.
 */
export interface ShareStore {
  start(sessionId: string, init: { listenerToken: string; maxSessions: number }): Promise<StartOutcome>;
  session(sessionId: string): Promise<ShareSessionRecord | undefined>;
  putMetadata(sessionId: string, fields: Readonly<Record<string, string>>): Promise<boolean>;
  metadata(sessionId: string): Promise<Record<string, string> | undefined>;
  putChunk(sessionId: string, chunk: StoredChunk): Promise<boolean>;
  /** Chunks after `since`, ordered; `undefined` when the session does not exist (one read tells 204 from 404). */
  chunksSince(sessionId: string, since: number): Promise<string[] | undefined>;
  stop(sessionId: string): Promise<ShareSessionRecord | undefined>;
  /** Marks each key as listening until `untilMs` (ms since epoch); returns the session's listener count after. */
  seeListeners(sessionId: string, seen: readonly ListenerSeen[]): Promise<number>;
  /** Removes listener keys (a WebSocket closed). */
  forgetListeners(sessionId: string, keys: readonly string[]): Promise<void>;
  listenerCount(sessionId: string): Promise<number>;
  /** Active (started, not stopped, not expired) sessions on the whole backend. */
  activeSessions(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The seed's session hash, typed. */
export interface ShareSessionRecord {
  active: boolean;
  /** ms since epoch. */
  startTime: number;
  lastActivity: number;
  listenerCount: number;
  /** Decoded audio bytes received from the host. */
  bytesTransferred: number;
  /** When it was stopped (ms since epoch), for an inactive session. */
  stoppedAt: number | undefined;
  listenerToken: string;
}

export type StartOutcome =
  { status: 'started'; session: ShareSessionRecord } | { status: 'in_use' } | { status: 'full'; active: number };

export interface StoredChunk {
  sequenceNumber: number;
  /** The chunk as stored and returned (the seed keeps JSON-encoded chunks). */
  json: string;
  /** Decoded audio bytes, added to `bytesTransferred`. */
  bytes: number;
}

export interface ListenerSeen {
  key: string;
  untilMs: number;
}

/** Lifetimes (the seed's defaults: 15 min, 30 s, 10 s, 5 min) and the buffer size (50). */
export interface ShareStoreSettings {
  sessionMs: number;
  metadataMs: number;
  audioMs: number;
  graceMs: number;
  maxChunks: number;
}

export const SEED_SHARE_SETTINGS: ShareStoreSettings = {
  sessionMs: 15 * 60_000,
  metadataMs: 30_000,
  audioMs: 10_000,
  graceMs: 5 * 60_000,
  maxChunks: 50,
};

/**
 * The seed's settings overridden by `settings`, lifetimes rounded up to the whole milliseconds Redis' PEXPIRE takes
 * (never early), so every adapter expires a record at the same moment. Throws RangeError on a bad setting.
 */
export function resolveShareSettings(settings: Partial<ShareStoreSettings> = {}): ShareStoreSettings {
  const resolved = { ...SEED_SHARE_SETTINGS, ...settings };
  for (const name of ['sessionMs', 'metadataMs', 'audioMs', 'graceMs'] as const) {
    const ms = resolved[name];
    if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`${name} must be a positive number of milliseconds`);
    resolved[name] = Math.ceil(ms);
  }
  if (!Number.isInteger(resolved.maxChunks) || resolved.maxChunks < 1) {
    throw new RangeError('maxChunks must be a positive integer');
  }
  return resolved;
}

/** Checks `start`'s cap the same way in every adapter. */
export function checkMaxSessions(maxSessions: number): void {
  if (Number.isNaN(maxSessions) || maxSessions < 0) throw new RangeError('maxSessions must be a number >= 0');
}

/** Checks a chunk the same way in every adapter (Redis keeps bytes with HINCRBY, integers only, and sequence numbers as ZSET scores). */
export function checkChunk(chunk: StoredChunk): void {
  if (!Number.isFinite(chunk.sequenceNumber)) throw new RangeError('sequenceNumber must be a finite number');
  if (!Number.isSafeInteger(chunk.bytes) || chunk.bytes < 0) throw new RangeError('bytes must be an integer >= 0');
}
