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

/**
 * Checks a `set` the same way in every adapter and returns the value's JSON: `ttlMs` must be a positive finite
 * number (RangeError otherwise) and the value must serialise to JSON (`undefined` and functions throw a TypeError:
 * `get` returns `undefined` for a miss, so storing it would be indistinguishable from one).
 */
export function encodeCacheValue(value: unknown, ttlMs: number): string {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`cache ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}`);
  }
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError('cache values must be JSON-serialisable (got undefined or a function)');
  return json;
}
