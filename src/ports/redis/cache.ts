import { encodeCacheValue, type Cache, type CacheStats } from '../cache.ts';
import { closeRedis, createRedis, pingRedis, whenReady, type AdapterLogger, type Redis } from './connection.ts';

export interface RedisCacheOptions {
  url: string;
  /** Namespace of this deployment; keys are stored as `${prefix}:cache:${key}`. */
  prefix: string;
  logger?: AdapterLogger;
}

/** Keys per SCAN page and per UNLINK call. */
const SCAN_COUNT = 500;

/**
 * The Redis {@link Cache}: values stored as JSON strings with a `PX` expiry, every key under `${prefix}:cache:`.
 * `deleteByPrefix` and the key count walk the namespace with SCAN (never KEYS, which blocks Redis) and delete with
 * UNLINK (freed in the background). Hit/miss counters are per process, as the port says.
 *
 * It owns one connection without an offline queue: while Redis is away every call rejects at once, and the caller
 * falls back to its source of truth.
 */
export class RedisCache implements Cache {
  readonly #redis: Redis;
  readonly #namespace: string;
  #hits = 0;
  #misses = 0;

  constructor(options: RedisCacheOptions) {
    this.#namespace = `${options.prefix}:cache:`;
    this.#redis = createRedis(options.url, {
      role: 'command',
      name: `${options.prefix}:cache`,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    await whenReady(this.#redis);
    const json = await this.#redis.get(this.#namespace + key);
    if (json === null) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return JSON.parse(json) as T;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    const json = encodeCacheValue(value, ttlMs);
    await whenReady(this.#redis);
    // PX takes whole milliseconds; rounding up never expires an entry early.
    await this.#redis.set(this.#namespace + key, json, 'PX', Math.ceil(ttlMs));
  }

  async delete(key: string): Promise<number> {
    await whenReady(this.#redis);
    return this.#redis.unlink(this.#namespace + key);
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    await whenReady(this.#redis);
    let removed = 0;
    for await (const keys of this.#scan(prefix)) {
      if (keys.length > 0) removed += await this.#redis.unlink(...keys);
    }
    return removed;
  }

  async stats(): Promise<CacheStats> {
    await whenReady(this.#redis);
    // SCAN may return a key twice while the keyspace is rehashed: count distinct names.
    const keys = new Set<string>();
    for await (const page of this.#scan('')) for (const key of page) keys.add(key);
    return { hits: this.#hits, misses: this.#misses, keys: keys.size };
  }

  async ping(): Promise<void> {
    await pingRedis(this.#redis);
  }

  async close(): Promise<void> {
    await closeRedis(this.#redis);
  }

  /** Pages of full key names under the namespace that start with `prefix` (SCAN skips expired keys). */
  async *#scan(prefix: string): AsyncGenerator<string[]> {
    const match = `${escapeGlob(this.#namespace + prefix)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
      cursor = next;
      yield keys;
    } while (cursor !== '0');
  }
}

/** Escapes the glob characters of SCAN MATCH so a prefix matches literally (https://redis.io/docs/latest/commands/keys/). */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
