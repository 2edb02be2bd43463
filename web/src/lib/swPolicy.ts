/**
 * What the service worker does with each request, as a pure function of the request, so the rules can be read and
 * tested in one place:
 * - `app-shell`: a page navigation outside `/api`: network first, then the cached `index.html` (every client-side
 *   route is the same document);
 * - `static-asset`: a hashed build file under `/assets/`: cache first (its name changes with its content);
 * - `release-list`: `GET /api/new-releases`: network first; the last good answer for the same URL is kept and served,
 *   marked with {@link OFFLINE_COPY_HEADER}, when the server cannot answer;
 * - `passthrough`: everything else (other API calls, admin calls, the SSE stream, writes, other origins) is left to
 *   the browser and never cached.
 */
export type SwStrategy = 'app-shell' | 'static-asset' | 'release-list' | 'passthrough';

/** The parts of a request the decision depends on. */
export interface SwRequest {
  method: string;
  url: string;
  /** `Request.mode`: `navigate` for page loads. */
  mode: string;
}

/** Marks a list answer served from the service worker's cache; its value is the ISO time the answer was received. */
export const OFFLINE_COPY_HEADER = 'x-backbeat-offline-copy';

/** The path whose answers are kept for offline use. */
export const RELEASE_LIST_PATH = '/api/new-releases';

function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/** Decides how the service worker handles `request` for a worker registered on `origin`. */
export function swStrategy(request: SwRequest, origin: string): SwStrategy {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return 'passthrough';
  }
  if (url.origin !== origin || request.method !== 'GET') return 'passthrough';
  const path = url.pathname;
  if (request.mode === 'navigate') {
    return isApiPath(path) || path === '/metrics' ? 'passthrough' : 'app-shell';
  }
  if (path.startsWith('/assets/')) return 'static-asset';
  if (path === RELEASE_LIST_PATH) return 'release-list';
  return 'passthrough';
}

/** Whether a network answer to the list may replace the kept copy (only complete, successful JSON answers). */
export function isCacheableListResponse(status: number, contentType: string | null): boolean {
  return status === 200 && (contentType ?? '').toLowerCase().includes('application/json');
}

/** Whether a network answer to the list should give way to the kept copy (the server is failing, not refusing). */
export function preferOfflineCopy(status: number): boolean {
  return status >= 500;
}

/** Name of the cache holding the app shell of one build; older builds' caches are deleted on activation. */
export function shellCacheName(version: string): string {
  return `backbeat-shell-${version}`;
}

/** Name of the cache holding the kept list answers. */
export const LIST_CACHE = 'backbeat-api-v1';

/** The caches to delete when the worker of build `version` activates: the shells of older builds, nothing else. */
export function staleCaches(names: readonly string[], version: string): string[] {
  const current = shellCacheName(version);
  return names.filter((name) => name.startsWith('backbeat-shell-') && name !== current);
}
