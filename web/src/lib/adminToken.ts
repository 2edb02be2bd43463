import type { CacheStorage } from './offlineCache.ts';

/** sessionStorage key of the admin token: it lives as long as the tab, never in the URL or in localStorage. */
export const ADMIN_TOKEN_KEY = 'backbeat:admin-token';

/** The tab's sessionStorage, or null where it is unavailable. */
export function sessionStore(): CacheStorage | null {
  try {
    return typeof window !== 'undefined' && window.sessionStorage ? window.sessionStorage : null;
  } catch {
    return null;
  }
}

/** The token as typed or pasted: trimmed, a leading `Bearer ` dropped; null when nothing usable is left. */
export function normalizeAdminToken(input: string): string | null {
  const token = input
    .trim()
    .replace(/^bearer\s+/i, '')
    .trim();
  return token && !/\s/.test(token) ? token : null;
}

/** The stored admin token, or null. */
export function readAdminToken(storage: CacheStorage | null = sessionStore()): string | null {
  try {
    const raw = storage?.getItem(ADMIN_TOKEN_KEY);
    return raw ? normalizeAdminToken(raw) : null;
  } catch {
    return null;
  }
}

/** Stores the admin token for this tab; false when storage refused (the token then lasts until reload). */
export function saveAdminToken(token: string, storage: CacheStorage | null = sessionStore()): boolean {
  try {
    if (!storage) return false;
    storage.setItem(ADMIN_TOKEN_KEY, token);
    return true;
  } catch {
    return false;
  }
}

/** Forgets the admin token; never throws. */
export function clearAdminToken(storage: CacheStorage | null = sessionStore()): void {
  try {
    storage?.removeItem(ADMIN_TOKEN_KEY);
  } catch {
    // Storage unavailable: nothing stored.
  }
}
