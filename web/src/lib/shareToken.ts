import { normalizeAdminToken } from './adminToken.ts';
import { browserStorage, type CacheStorage } from './offlineCache.ts';

/**
 * localStorage key of the host's share token (the server's BEARER_TOKEN). Unlike the admin token it outlives the
 * tab: a host shares again and again from the same device, and the token only starts and feeds sessions.
 */
export const SHARE_TOKEN_KEY = 'backbeat:share-token';

/** The token as typed or pasted (trimmed, a leading `Bearer ` dropped), or null when nothing usable is left. */
export const normalizeShareToken = normalizeAdminToken;

/** The remembered share token, or null. */
export function readShareToken(storage: CacheStorage | null = browserStorage()): string | null {
  try {
    const raw = storage?.getItem(SHARE_TOKEN_KEY);
    return raw ? normalizeShareToken(raw) : null;
  } catch {
    return null;
  }
}

/** Remembers the share token on this device; false when storage refused (it then lasts until reload). */
export function saveShareToken(token: string, storage: CacheStorage | null = browserStorage()): boolean {
  try {
    if (!storage) return false;
    storage.setItem(SHARE_TOKEN_KEY, token);
    return true;
  } catch {
    return false;
  }
}

/** Forgets the share token; never throws. */
export function clearShareToken(storage: CacheStorage | null = browserStorage()): void {
  try {
    storage?.removeItem(SHARE_TOKEN_KEY);
  } catch {
    // Storage unavailable: nothing stored.
  }
}
