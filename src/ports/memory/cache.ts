import { encodeCacheValue, type Cache, type CacheStats } from '../cache.ts';

export interface MemoryCacheOptions {
  /** Entries kept at most; the least recently used entry is evicted beyond it (default 10 000). */
  maxEntries?: number;
  /** Clock in epoch milliseconds (tests may pass a fake one). */
  now?: () => number;
}

interface Entry {
  json: string;
  expiresAt: number;
}

/**
 * The in-process {@link Cache}: a `Map` of JSON strings with a deadline each, bounded by `maxEntries` (least recently
 * used first out). Values are stored serialised, so every `get` returns a fresh copy and a value that cannot be
 * serialised fails at `set`, exactly as with Redis. Expired entries are dropped lazily on access and when the map is
 * full. Its state dies with the process.
 */
export class MemoryCache implements Cache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  #hits = 0;
  #misses = 0;
  #closed = false;

  constructor(options: MemoryCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isInteger(this.#maxEntries) || this.#maxEntries < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
    this.#now = options.now ?? Date.now;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    this.#assertOpen();
    const entry = this.#live(key);
    if (!entry) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    // Re-insert to mark it most recently used (a Map iterates in insertion order).
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return JSON.parse(entry.json) as T;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.#assertOpen();
    const json = encodeCacheValue(value, ttlMs);
    this.#entries.delete(key);
    this.#entries.set(key, { json, expiresAt: this.#now() + ttlMs });
    if (this.#entries.size > this.#maxEntries) this.#evict();
  }

  async delete(key: string): Promise<number> {
    this.#assertOpen();
    const live = this.#live(key) !== undefined;
    this.#entries.delete(key);
    return live ? 1 : 0;
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    this.#assertOpen();
    const now = this.#now();
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (!key.startsWith(prefix)) continue;
      if (entry.expiresAt > now) removed++;
      this.#entries.delete(key);
    }
    return removed;
  }

  async stats(): Promise<CacheStats> {
    this.#assertOpen();
    this.#purgeExpired();
    return { hits: this.#hits, misses: this.#misses, keys: this.#entries.size };
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #purgeExpired(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  #evict(): void {
    this.#purgeExpired();
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('cache closed');
  }
}
