import { browserStorage, type CachedList, type CacheStorage } from './offlineCache.ts';
import { OFFLINE_COPY_HEADER } from './swPolicy.ts';
import {
  parseErrorBody,
  parseNewReleasesResponse,
  type GuestToken,
  type LikeResult,
  type ReleaseList,
  type TelemetryEvent,
} from './types.ts';

/** An HTTP or network failure talking to the Backbeat API. `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** True when the server was unreachable or answered with a server-side error, i.e. "we are offline". */
  get isUnavailable(): boolean {
    return this.status === 0 || this.status >= 500;
  }

  /** True when the server refused the credentials (401 missing or expired, 403 not valid). */
  get isAuthError(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/**
 * The server could not be reached, but the service worker had kept its last answer to the same request: the list in
 * `copy` is what the server said at `copy.savedAt`.
 */
export class OfflineCopyError extends ApiError {
  readonly copy: CachedList;

  constructor(copy: CachedList) {
    super(0, 'network_error', 'The server could not be reached');
    this.name = 'OfflineCopyError';
    this.copy = copy;
  }
}

async function readError(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText}`.trim();
  try {
    const error = parseErrorBody(await res.json());
    if (error) {
      code = error.code;
      message = error.message;
    }
  } catch {
    // Not JSON (e.g. a proxy's HTML error page): keep the status line.
  }
  return new ApiError(res.status, code, message);
}

/** A JSON answer with its status and headers. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Options of {@link requestJson}. */
export interface RequestOptions extends RequestInit {
  /** Statuses besides 2xx whose body is a normal answer (e.g. 503 for a health report). */
  acceptStatuses?: readonly number[];
}

/**
 * Calls the API and reads its JSON answer. Throws {@link ApiError}: status 0 when the server could not be reached,
 * otherwise the answer's status with the `{ error: { code, message } }` it sent. An aborted request rethrows the abort.
 */
export async function requestJson(path: string, options: RequestOptions = {}): Promise<JsonResponse> {
  const { acceptStatuses = [], ...init } = options;
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { Accept: 'application/json', ...init.headers } });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'The server could not be reached');
  }
  if (!res.ok && !acceptStatuses.includes(res.status)) throw await readError(res);
  try {
    const body: unknown = await res.json();
    return { status: res.status, headers: res.headers, body };
  } catch {
    throw new ApiError(res.status, 'bad_response', 'The server sent an unreadable response');
  }
}

async function request(path: string, init: RequestInit = {}): Promise<unknown> {
  return (await requestJson(path, init)).body;
}

/** `Authorization: Bearer <token>` when there is a token. */
export function authHeaders(token: string | null | undefined): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Options of {@link fetchNewReleases}. */
export interface FetchNewReleasesOptions {
  language?: string | null;
  cursor?: string | null;
  limit?: number;
  /** Guest token; when given, items carry the user's `liked` flag. */
  token?: string | null;
  signal?: AbortSignal;
}

/**
 * `GET /api/new-releases`: one page of featured releases, newest first. Throws {@link ApiError}, or
 * {@link OfflineCopyError} when the server is down and the service worker answered with its kept copy.
 */
export async function fetchNewReleases(options: FetchNewReleasesOptions = {}): Promise<ReleaseList> {
  const params = new URLSearchParams();
  if (options.language) params.set('language', options.language);
  if (options.limit) params.set('limit', String(options.limit));
  if (options.cursor) params.set('cursor', options.cursor);
  const query = params.toString();
  const res = await requestJson(`/api/new-releases${query ? `?${query}` : ''}`, {
    headers: authHeaders(options.token),
    signal: options.signal,
  });
  const parsed = parseNewReleasesResponse(res.body);
  if (!parsed) throw new ApiError(200, 'bad_response', 'The server sent an unexpected list');
  const savedAt = res.headers.get(OFFLINE_COPY_HEADER);
  if (savedAt !== null) {
    throw new OfflineCopyError({ savedAt: Number.isFinite(Date.parse(savedAt)) ? savedAt : parsed.asOf, data: parsed });
  }
  return parsed;
}

/** localStorage key of the guest session used for likes. */
export const GUEST_TOKEN_KEY = 'backbeat:guest-token:v1';

/** Tokens this close to expiry are replaced instead of used. */
const TOKEN_EXPIRY_MARGIN_MS = 60_000;

/** Reads the stored guest token if it is still valid for at least a minute; otherwise null. */
export function readGuestToken(storage: CacheStorage | null = browserStorage(), now = Date.now()): GuestToken | null {
  try {
    const raw = storage?.getItem(GUEST_TOKEN_KEY);
    if (!raw) return null;
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const t = value as Partial<Record<keyof GuestToken, unknown>>;
    if (typeof t.token !== 'string' || typeof t.userId !== 'string' || typeof t.expiresAt !== 'string') return null;
    const expires = Date.parse(t.expiresAt);
    if (Number.isFinite(expires) && expires - TOKEN_EXPIRY_MARGIN_MS <= now) return null;
    return { token: t.token, userId: t.userId, expiresAt: t.expiresAt };
  } catch {
    return null;
  }
}

/** Forgets the stored guest token (e.g. after the server rejected it). */
export function clearGuestToken(storage: CacheStorage | null = browserStorage()): void {
  try {
    storage?.removeItem(GUEST_TOKEN_KEY);
  } catch {
    // Storage unavailable: nothing stored.
  }
}

let pendingGuest: Promise<GuestToken> | null = null;

/**
 * Returns a usable guest token: the stored one, or a new one from `POST /api/auth/guest` (stored for next time).
 * Concurrent callers share one request.
 */
export async function ensureGuestToken(storage: CacheStorage | null = browserStorage()): Promise<GuestToken> {
  const stored = readGuestToken(storage);
  if (stored) return stored;
  pendingGuest ??= (async () => {
    const body = await request('/api/auth/guest', { method: 'POST' });
    const t = (typeof body === 'object' && body !== null ? body : {}) as Partial<Record<keyof GuestToken, unknown>>;
    if (typeof t.token !== 'string' || typeof t.userId !== 'string' || typeof t.expiresAt !== 'string') {
      throw new ApiError(200, 'bad_response', 'The server sent an unexpected guest token');
    }
    const token: GuestToken = { token: t.token, userId: t.userId, expiresAt: t.expiresAt };
    try {
      storage?.setItem(GUEST_TOKEN_KEY, JSON.stringify(token));
    } catch {
      // Storage full or unavailable: the token still works for this page.
    }
    return token;
  })().finally(() => {
    pendingGuest = null;
  });
  return pendingGuest;
}

/** The server's answer to a like/unlike; `likes` is null if the server did not send a count. */
export type LikeOutcome = Omit<LikeResult, 'likes'> & { likes: number | null };

/** `POST` (like) or `DELETE` (unlike) `/api/new-releases/songs/:id/like`. Throws {@link ApiError}. */
export async function setLike(id: number, liked: boolean, token: string): Promise<LikeOutcome> {
  const body = await request(`/api/new-releases/songs/${encodeURIComponent(String(id))}/like`, {
    method: liked ? 'POST' : 'DELETE',
    headers: authHeaders(token),
  });
  const r = (typeof body === 'object' && body !== null ? body : {}) as Partial<Record<keyof LikeResult, unknown>>;
  return {
    id: typeof r.id === 'number' ? r.id : id,
    likes: typeof r.likes === 'number' && Number.isFinite(r.likes) ? r.likes : null,
    liked: typeof r.liked === 'boolean' ? r.liked : liked,
  };
}

/**
 * Likes or unlikes with the guest token, getting one on first use. When the server rejects a stored token (401),
 * a fresh guest token is obtained and the call is retried once.
 */
export async function likeAsGuest(id: number, liked: boolean): Promise<LikeOutcome> {
  const guest = await ensureGuestToken();
  try {
    return await setLike(id, liked, guest.token);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    clearGuestToken();
    const fresh = await ensureGuestToken();
    return setLike(id, liked, fresh.token);
  }
}

/** Fire-and-forget `POST /api/telemetry`; failures (rate limits, offline) are ignored. */
export function sendTelemetry(event: TelemetryEvent): void {
  try {
    fetch('/api/telemetry', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(event),
      keepalive: true,
    }).catch(() => undefined);
  } catch {
    // fetch itself unavailable or refused the request: telemetry is best-effort.
  }
}
