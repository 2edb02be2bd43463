import { ApiError, authHeaders, clearGuestToken, ensureGuestToken, readGuestToken, requestJson } from './api.ts';
import {
  parseAppearanceHistory,
  parseCollectionAdded,
  parseCollectionList,
  parseCollectionRemoved,
  parseEnrichmentProgress,
  parseForcedSyncResult,
  parseSyncResult,
  parseTrendingDocument,
  parseTrendingStats,
  type AppearanceHistory,
  type CollectionAdded,
  type CollectionList,
  type CollectionRemoved,
  type EnrichmentProgress,
  type ForcedSyncResult,
  type SyncResult,
  type TrendingDocument,
  type TrendingStats,
} from './types.ts';

/** Typed calls of the Trending API. Each throws {@link ApiError} (status 0 when the server could not be reached). */

function unexpected(what: string): ApiError {
  return new ApiError(200, 'bad_response', `The server sent an unexpected ${what}`);
}

/** `GET /api/cache/trending`: the cached document, answered at once from the database (stale or not). */
export async function fetchTrendingDocument(signal?: AbortSignal): Promise<TrendingDocument> {
  // The document changes under the same URL; the browser's HTTP cache must not answer for the server.
  const res = await requestJson('/api/cache/trending', { signal, cache: 'no-store' });
  const doc = parseTrendingDocument(res.body);
  if (!doc) throw unexpected('trending document');
  return doc;
}

/** `GET /api/spotify/sync`: refreshes the cache from Spotify when it is stale (may take seconds), then answers it. */
export async function syncTrending(signal?: AbortSignal): Promise<SyncResult> {
  const res = await requestJson('/api/spotify/sync', { signal, cache: 'no-store' });
  const result = parseSyncResult(res.body);
  if (!result) throw unexpected('sync answer');
  return result;
}

/** `GET /api/albums/appearances/:id`: one album's chart history. */
export async function fetchAppearances(albumId: string, signal?: AbortSignal): Promise<AppearanceHistory> {
  const res = await requestJson(`/api/albums/appearances/${encodeURIComponent(albumId)}`, {
    signal,
    cache: 'no-store',
  });
  const history = parseAppearanceHistory(res.body);
  if (!history) throw unexpected('chart history');
  return history;
}

/** `GET /api/stats/trending?days=`: analytics over the last `days` days (1–90). */
export async function fetchTrendingStats(days: number, signal?: AbortSignal): Promise<TrendingStats> {
  const res = await requestJson(`/api/stats/trending?days=${encodeURIComponent(String(days))}`, {
    signal,
    cache: 'no-store',
  });
  const stats = parseTrendingStats(res.body);
  if (!stats) throw unexpected('stats answer');
  return stats;
}

/**
 * Runs a call with the guest token, getting one on first use. When the server rejects a stored token (401), a fresh
 * guest token is obtained and the call is retried once.
 */
async function asGuest<T>(call: (token: string) => Promise<T>): Promise<T> {
  const guest = await ensureGuestToken();
  try {
    return await call(guest.token);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    clearGuestToken();
    const fresh = await ensureGuestToken();
    return call(fresh.token);
  }
}

/**
 * `GET /api/collection`: the guest's collection. A visitor without a guest session has none, so nothing is asked
 * (no guest session is created just to read an empty list); a session the server no longer accepts is forgotten.
 */
export async function fetchCollection(signal?: AbortSignal): Promise<CollectionList> {
  const guest = readGuestToken();
  if (!guest) return { items: [] };
  try {
    const res = await requestJson('/api/collection', { headers: authHeaders(guest.token), signal, cache: 'no-store' });
    const list = parseCollectionList(res.body);
    if (!list) throw unexpected('collection');
    return list;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    clearGuestToken();
    return { items: [] };
  }
}

/** `POST /api/albums/add-from-trending`: adds an album to the guest's collection; adding it twice changes nothing. */
export async function addToCollection(albumId: string): Promise<CollectionAdded> {
  return asGuest(async (token) => {
    const res = await requestJson('/api/albums/add-from-trending', {
      method: 'POST',
      headers: { ...authHeaders(token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ albumId }),
    });
    const added = parseCollectionAdded(res.body);
    if (!added) throw unexpected('answer to the collection request');
    return added;
  });
}

/** `DELETE /api/collection/:albumId`: takes an album out of the guest's collection. */
export async function removeFromCollection(albumId: string): Promise<CollectionRemoved> {
  return asGuest(async (token) => {
    const res = await requestJson(`/api/collection/${encodeURIComponent(albumId)}`, {
      method: 'DELETE',
      headers: authHeaders(token),
    });
    const removed = parseCollectionRemoved(res.body);
    if (!removed) throw unexpected('answer to the collection request');
    return removed;
  });
}

/** `POST /api/admin/trending/sync`: refreshes from Spotify now, fresh or not, or waits for the refresh running (admin). */
export async function forceTrendingSync(token: string): Promise<ForcedSyncResult> {
  const res = await requestJson('/api/admin/trending/sync', { method: 'POST', headers: authHeaders(token) });
  const result = parseForcedSyncResult(res.body);
  if (!result) throw unexpected('sync answer');
  return result;
}

/** `GET /api/admin/trending/enrichment`: how far the MusicBrainz enrichment has got (admin). */
export async function fetchEnrichmentProgress(token: string, signal?: AbortSignal): Promise<EnrichmentProgress> {
  const res = await requestJson('/api/admin/trending/enrichment', {
    headers: authHeaders(token),
    signal,
    cache: 'no-store',
  });
  const progress = parseEnrichmentProgress(res.body);
  if (!progress) throw unexpected('enrichment progress');
  return progress;
}
