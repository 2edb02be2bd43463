/**
 * A key/value cache for JSON-serialisable values.
 *
 * Semantics every adapter guarantees (checked by `runCacheContract`):
 * - `get` returns what the last `set` of that key stored, until its TTL passes; then `undefined`.
 *   Values are copied (JSON round trip): mutating a returned object never changes the cache.
 * - `ttlMs` is required and positive; an entry is never returned after it expires (expiry may be lazy).
 * - `delete` and `deleteByPrefix` return how many live entries they removed.
 * - `stats` counts hits and misses of `get` since the adapter was created (per process), and the live key count.
 * - Keys are plain strings; adapters add their own namespace (the Redis adapter prefixes every key).
 * An adapter that loses its backend (Redis down) rejects calls; callers treat the cache as optional.
 */
export interface Cache {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<number>;
  deleteByPrefix(prefix: string): Promise<number>;
  stats(): Promise<CacheStats>;
  /** Resolves when the backend answers; rejects on failure (used by health checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface CacheStats {
  hits: number;
  misses: number;
  keys: number;
}
