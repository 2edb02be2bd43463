import { parseNewReleasesResponse, type ReleaseList } from './types.ts';

/** localStorage key of the cached list. Bump the version when the stored shape changes. */
export const CACHE_KEY = 'backbeat:new-releases:v1';

/** At most this many releases are stored, so the cache stays far below storage quotas. */
export const CACHE_MAX_ITEMS = 200;

/** What is stored: the last list the server confirmed, and when it was confirmed. */
export interface CachedList {
  /** ISO time at which this list was known to match the server. */
  savedAt: string;
  data: ReleaseList;
}

/** The subset of the Web Storage API the cache needs (so tests can pass a plain object). */
export type CacheStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** The browser's localStorage, or null where it is unavailable (private mode, disabled storage, SSR). */
export function browserStorage(): CacheStorage | null {
  try {
    return typeof window !== 'undefined' && window.localStorage ? window.localStorage : null;
  } catch {
    return null;
  }
}

/**
 * Reads the cached list. Returns null when nothing is stored, storage is unavailable, or what is stored is not a
 * valid cache entry (corrupt or from an older shape), so callers never see garbage.
 */
export function readCache(storage: CacheStorage | null): CachedList | null {
  if (!storage) return null;
  let raw: string | null;
  try {
    raw = storage.getItem(CACHE_KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const entry = parsed as { savedAt?: unknown; data?: unknown };
  if (typeof entry.savedAt !== 'string' || !Number.isFinite(Date.parse(entry.savedAt))) return null;
  const data = parseNewReleasesResponse(entry.data);
  if (!data) return null;
  return { savedAt: entry.savedAt, data };
}

/**
 * Stores a list as the offline copy, stamped with `savedAt` (default now). Keeps at most {@link CACHE_MAX_ITEMS}
 * items (then `nextCursor` no longer matches the kept items, so it is dropped). Returns false when storage is
 * unavailable or full; the app then simply runs without an offline copy.
 */
export function writeCache(
  storage: CacheStorage | null,
  data: ReleaseList,
  savedAt: Date | string = new Date(),
): boolean {
  if (!storage) return false;
  const trimmed = data.items.length > CACHE_MAX_ITEMS;
  const entry: CachedList = {
    savedAt: typeof savedAt === 'string' ? savedAt : savedAt.toISOString(),
    data: {
      ...data,
      items: trimmed ? data.items.slice(0, CACHE_MAX_ITEMS) : data.items,
      nextCursor: trimmed ? null : data.nextCursor,
    },
  };
  try {
    storage.setItem(CACHE_KEY, JSON.stringify(entry));
    return true;
  } catch {
    return false;
  }
}

/** Removes the cached list; never throws. */
export function clearCache(storage: CacheStorage | null): void {
  try {
    storage?.removeItem(CACHE_KEY);
  } catch {
    // Storage unavailable: there is nothing to clear.
  }
}
