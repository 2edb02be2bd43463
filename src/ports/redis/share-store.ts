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
import { closeRedis, createRedis, pingRedis, whenReady, type AdapterLogger, type Redis } from './connection.ts';

export interface RedisShareStoreOptions {
  url: string;
  /** Namespace of this deployment; keys are `${prefix}:session:{id}…` and `${prefix}:share:active`. */
  prefix: string;
  logger?: AdapterLogger;
  /** Lifetimes and buffer size; the seed's for any not given. */
  settings?: Partial<ShareStoreSettings>;
  /** Clock in epoch milliseconds for the times written into records and for listener expiry. */
  now?: () => number;
}

/*
 * The scripts. Every time and lifetime is computed in JavaScript and passed as a string: Lua numbers handed to
 * redis.call are formatted with 14 significant digits, and numbers returned from Lua are truncated to integers.
 */

/** KEYS: session, metadata, audio, listeners, active. ARGV: id, now, expiresAt, sessionMs, maxSessions, listenerToken. */
const START = `
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. ARGV[2])
if redis.call('HGET', KEYS[1], 'active') == 'true' then return {'in_use'} end
local active = redis.call('ZCARD', KEYS[5])
if redis.call('ZSCORE', KEYS[5], ARGV[1]) then active = active - 1 end
if active >= tonumber(ARGV[5]) then return {'full', active} end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'active', 'true', 'startTime', ARGV[2], 'lastActivity', ARGV[2], 'listenerCount', '0',
  'bytesTransferred', '0', 'listenerToken', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
if redis.call('PTTL', KEYS[5]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[5], ARGV[4]) end
return {'started', redis.call('HGETALL', KEYS[1])}
`;

/**
 * KEYS: session, metadata, active. ARGV: id, now, expiresAt, sessionMs, metadataMs, then field, value pairs.
 * Returns 1 when stored, 0 when the session is not active.
 */
const PUT_METADATA = `
if redis.call('HGET', KEYS[1], 'active') ~= 'true' then return 0 end
if #ARGV > 5 then
  for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
redis.call('HSET', KEYS[1], 'lastActivity', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[3], ARGV[4]) end
return 1
`;

/**
 * KEYS: session, audio, active. ARGV: id, now, expiresAt, sessionMs, audioMs, maxChunks, sequenceNumber, json, bytes.
 * Returns 1 when stored, 0 when the session is not active.
 */
const PUT_CHUNK = `
if redis.call('HGET', KEYS[1], 'active') ~= 'true' then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], ARGV[7], ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[8])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -1 - tonumber(ARGV[6]))
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('HINCRBY', KEYS[1], 'bytesTransferred', ARGV[9])
redis.call('HSET', KEYS[1], 'lastActivity', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[3], ARGV[4]) end
return 1
`;

/** KEYS: session, active. ARGV: id, now, graceMs. Returns the session hash after (empty when there is none). */
const STOP = `
if redis.call('HGET', KEYS[1], 'active') == 'true' then
  redis.call('HSET', KEYS[1], 'active', 'false', 'stoppedAt', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

/**
 * KEYS: listeners, session. ARGV: now, ttl (ms until the latest until given, or 0), then until, key pairs.
 * Returns the listener count after.
 */
const SEE_LISTENERS = `
for i = 3, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local count = redis.call('ZCARD', KEYS[1])
local ttl = tonumber(ARGV[2])
if count > 0 and ttl > 0 and redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HSET', KEYS[2], 'listenerCount', count) end
return count
`;

/** KEYS: listeners. ARGV: now. */
const LISTENER_COUNT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZCARD', KEYS[1])
`;

/** The buffered chunks after ARGV[1] (exclusive), or false (nil) when the session hash does not exist. */
const CHUNKS_SINCE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], '+inf')
`;

/** The scripts registered with `defineCommand` (sent once as EVALSHA, reloaded by ioredis after NOSCRIPT). */
interface ShareCommands {
  shareStart(...keysThenArgs: string[]): Promise<['in_use'] | ['full', number] | ['started', string[]]>;
  sharePutMetadata(...keysThenArgs: string[]): Promise<number>;
  sharePutChunk(...keysThenArgs: string[]): Promise<number>;
  shareStop(...keysThenArgs: string[]): Promise<string[]>;
  shareSeeListeners(...keysThenArgs: string[]): Promise<number>;
  shareListenerCount(...keysThenArgs: string[]): Promise<number>;
  shareChunksSince(...keysThenArgs: string[]): Promise<string[] | null>;
}

/**
 * The Redis {@link ShareStore} for scaled mode, on seed 004's key schema under the deployment prefix:
 *
 * - `${prefix}:session:{id}`: HASH `active` ("true"/"false"), `startTime`, `lastActivity`, `listenerCount`, plus
 *   `bytesTransferred`, `stoppedAt` and `listenerToken`; PEXPIRE `sessionMs` from each activity, `graceMs` once stopped.
 * - `${prefix}:session:{id}:metadata`: HASH of the metadata fields; PEXPIRE `metadataMs` from each write.
 * - `${prefix}:session:{id}:audio`: ZSET of chunk JSON scored by sequence number; PEXPIRE `audioMs` from each chunk.
 * - `${prefix}:session:{id}:listeners`: ZSET of listener keys scored by until (ms since epoch).
 * - `${prefix}:share:active`: ZSET of active session ids scored by when each expires for inactivity, which makes
 *   `maxSessions` hold across processes.
 *
 * Redis expires the keys itself; the times written into records and the listener and active-set scores are compared
 * against the `now` option, so every process should run on a synchronised clock. Each write is one Lua script, hence
 * atomic: two processes starting the last free slot, or the same id, cannot both succeed, and a reader never sees an
 * audio buffer above `maxChunks`. The audio ZSET's members are the chunk JSON itself (the seed's layout), so two chunks
 * with identical JSON are one member; chunks carry their sequence number, which keeps them distinct.
 *
 * It owns one connection without an offline queue: while Redis is away every call rejects at once.
 */
export class RedisShareStore implements ShareStore {
  readonly #redis: Redis;
  readonly #commands: ShareCommands;
  readonly #prefix: string;
  readonly #settings: ShareStoreSettings;
  readonly #now: () => number;
  #closed = false;

  constructor(options: RedisShareStoreOptions) {
    this.#prefix = options.prefix;
    this.#settings = resolveShareSettings(options.settings);
    this.#now = options.now ?? Date.now;
    this.#redis = createRedis(options.url, {
      role: 'command',
      name: `${options.prefix}:share`,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.#redis.defineCommand('shareStart', { numberOfKeys: 5, lua: START });
    this.#redis.defineCommand('sharePutMetadata', { numberOfKeys: 3, lua: PUT_METADATA });
    this.#redis.defineCommand('sharePutChunk', { numberOfKeys: 3, lua: PUT_CHUNK });
    this.#redis.defineCommand('shareStop', { numberOfKeys: 2, lua: STOP });
    this.#redis.defineCommand('shareSeeListeners', { numberOfKeys: 2, lua: SEE_LISTENERS });
    this.#redis.defineCommand('shareListenerCount', { numberOfKeys: 1, lua: LISTENER_COUNT });
    this.#redis.defineCommand('shareChunksSince', { numberOfKeys: 2, lua: CHUNKS_SINCE });
    this.#commands = this.#redis as unknown as ShareCommands;
  }

  async start(sessionId: string, init: { listenerToken: string; maxSessions: number }): Promise<StartOutcome> {
    checkMaxSessions(init.maxSessions);
    await this.#ready();
    const now = this.#now();
    const keys = this.#keys(sessionId);
    const reply = await this.#commands.shareStart(
      keys.session,
      keys.metadata,
      keys.audio,
      keys.listeners,
      this.#activeKey(),
      sessionId,
      String(now),
      String(now + this.#settings.sessionMs),
      String(this.#settings.sessionMs),
      // Lua's tonumber reads neither "Infinity" nor numbers past 2^53 exactly.
      String(Math.min(init.maxSessions, Number.MAX_SAFE_INTEGER)),
      init.listenerToken,
    );
    switch (reply[0]) {
      case 'in_use':
        return { status: 'in_use' };
      case 'full':
        return { status: 'full', active: reply[1] };
      case 'started':
        return { status: 'started', session: toRecord(reply[1]) };
    }
  }

  async session(sessionId: string): Promise<ShareSessionRecord | undefined> {
    await this.#ready();
    const fields = await this.#redis.hgetall(this.#keys(sessionId).session);
    return Object.keys(fields).length > 0 ? toRecord(fields) : undefined;
  }

  async putMetadata(sessionId: string, fields: Readonly<Record<string, string>>): Promise<boolean> {
    await this.#ready();
    const now = this.#now();
    const keys = this.#keys(sessionId);
    const stored = await this.#commands.sharePutMetadata(
      keys.session,
      keys.metadata,
      this.#activeKey(),
      sessionId,
      String(now),
      String(now + this.#settings.sessionMs),
      String(this.#settings.sessionMs),
      String(this.#settings.metadataMs),
      ...Object.entries(fields).flat(),
    );
    return stored === 1;
  }

  async metadata(sessionId: string): Promise<Record<string, string> | undefined> {
    await this.#ready();
    const fields = await this.#redis.hgetall(this.#keys(sessionId).metadata);
    return Object.keys(fields).length > 0 ? { ...fields } : undefined;
  }

  async putChunk(sessionId: string, chunk: StoredChunk): Promise<boolean> {
    checkChunk(chunk);
    await this.#ready();
    const now = this.#now();
    const keys = this.#keys(sessionId);
    const stored = await this.#commands.sharePutChunk(
      keys.session,
      keys.audio,
      this.#activeKey(),
      sessionId,
      String(now),
      String(now + this.#settings.sessionMs),
      String(this.#settings.sessionMs),
      String(this.#settings.audioMs),
      String(this.#settings.maxChunks),
      String(chunk.sequenceNumber),
      chunk.json,
      String(chunk.bytes),
    );
    return stored === 1;
  }

  async chunksSince(sessionId: string, since: number): Promise<string[] | undefined> {
    await this.#ready();
    const keys = this.#keys(sessionId);
    const chunks = await this.#commands.shareChunksSince(keys.session, keys.audio, `(${since}`);
    return chunks ?? undefined;
  }

  async stop(sessionId: string): Promise<ShareSessionRecord | undefined> {
    await this.#ready();
    const fields = await this.#commands.shareStop(
      this.#keys(sessionId).session,
      this.#activeKey(),
      sessionId,
      String(this.#now()),
      String(this.#settings.graceMs),
    );
    return fields.length > 0 ? toRecord(fields) : undefined;
  }

  async seeListeners(sessionId: string, seen: readonly ListenerSeen[]): Promise<number> {
    await this.#ready();
    const now = this.#now();
    const latest = seen.reduce((max, listener) => Math.max(max, listener.untilMs), now);
    const keys = this.#keys(sessionId);
    return this.#commands.shareSeeListeners(
      keys.listeners,
      keys.session,
      String(now),
      String(Math.ceil(latest - now)),
      ...seen.flatMap((listener) => [String(listener.untilMs), listener.key]),
    );
  }

  async forgetListeners(sessionId: string, keys: readonly string[]): Promise<void> {
    await this.#ready();
    if (keys.length > 0) await this.#redis.zrem(this.#keys(sessionId).listeners, ...keys);
  }

  async listenerCount(sessionId: string): Promise<number> {
    await this.#ready();
    return this.#commands.shareListenerCount(this.#keys(sessionId).listeners, String(this.#now()));
  }

  async activeSessions(): Promise<number> {
    await this.#ready();
    // Read-only: the ids whose inactivity expiry has not passed (start drops the others).
    return this.#redis.zcount(this.#activeKey(), String(this.#now()), '+inf');
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    await pingRedis(this.#redis);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await closeRedis(this.#redis);
  }

  async #ready(): Promise<void> {
    this.#assertOpen();
    await whenReady(this.#redis);
  }

  #keys(sessionId: string) {
    const session = `${this.#prefix}:session:${sessionId}`;
    return {
      session,
      metadata: `${session}:metadata`,
      audio: `${session}:audio`,
      listeners: `${session}:listeners`,
    };
  }

  #activeKey(): string {
    return `${this.#prefix}:share:active`;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('share store closed');
  }
}

/** The session hash (HGETALL's object, or a script's flat field/value list) as a record. */
function toRecord(hash: Record<string, string> | string[]): ShareSessionRecord {
  const fields = Array.isArray(hash) ? pairs(hash) : hash;
  return {
    active: fields.active === 'true',
    startTime: Number(fields.startTime ?? 0),
    lastActivity: Number(fields.lastActivity ?? 0),
    listenerCount: Number(fields.listenerCount ?? 0),
    // Sessions written by the seed lack the fields it did not have.
    bytesTransferred: Number(fields.bytesTransferred ?? 0),
    stoppedAt: fields.stoppedAt ? Number(fields.stoppedAt) : undefined,
    listenerToken: fields.listenerToken ?? '',
  };
}

function pairs(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}
