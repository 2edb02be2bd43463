import { LRUCache } from 'lru-cache';
import { encodeCacheValue, type Cache, type CacheStats } from '../cache.ts';

export interface MemoryCacheOptions {
  /** Entries kept at most; the least recently used entry is evicted beyond it (default 10 000). */
  maxEntries?: number;
  /**
   * Total size of the stored values in bytes (their UTF-8 JSON), at most; least recently used entries are evicted
   * beyond it, and a single value larger than this is not stored at all (default 64 MiB).
   */
  maxSizeBytes?: number;
  /** Clock in epoch milliseconds for TTLs (tests pass a fake one). */
  now?: () => number;
}

const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_MAX_SIZE_BYTES = 64 * 1024 * 1024;

/**
 * The in-process {@link Cache} over `lru-cache`: JSON strings with a TTL each, bounded by entry count and by total
 * bytes (least recently used first out). Values are stored serialised, so every `get` returns a fresh copy and a value
 * that cannot be serialised fails at `set`, exactly as with Redis. An entry expires once more than `ttlMs` has passed
 * (as in Redis); expired entries are dropped lazily. A value larger than `maxSizeBytes` is not stored and the key is
 * left empty (a later `get` misses, as after an eviction). Its state dies with the process.
 */
export class MemoryCache implements Cache {
  readonly #entries: LRUCache<string, string>;
  #hits = 0;
  #misses = 0;
  #closed = false;

  constructor(options: MemoryCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    const maxSize = options.maxSizeBytes ?? DEFAULT_MAX_SIZE_BYTES;
    if (!Number.isInteger(maxSize) || maxSize < 1) throw new RangeError('maxSizeBytes must be a positive integer');
    const now = options.now ?? Date.now;
    this.#entries = new LRUCache<string, string>({
      max: maxEntries,
      maxSize,
      sizeCalculation: (json) => Math.max(1, Buffer.byteLength(json, 'utf8')),
      // Read the clock on every check: the default 1 ms memo would hide a fake clock's steps.
      ttlResolution: 0,
      perf: { now },
    });
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    this.#assertOpen();
    const json = this.#entries.get(key);
    if (json === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return JSON.parse(json) as T;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.#assertOpen();
    const json = encodeCacheValue(value, ttlMs);
    // Whole milliseconds, rounded up as for Redis' PX: never expires early.
    this.#entries.set(key, json, { ttl: Math.ceil(ttlMs) });
  }

  async delete(key: string): Promise<number> {
    this.#assertOpen();
    const live = this.#entries.has(key);
    this.#entries.delete(key);
    return live ? 1 : 0;
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    this.#assertOpen();
    // `keys()` yields live entries only; collect first, deleting while iterating would skip some.
    const keys = [...this.#entries.keys()].filter((key) => key.startsWith(prefix));
    for (const key of keys) this.#entries.delete(key);
    return keys.length;
  }

  async stats(): Promise<CacheStats> {
    this.#assertOpen();
    this.#entries.purgeStale();
    return { hits: this.#hits, misses: this.#misses, keys: this.#entries.size };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('cache closed');
  }
}
