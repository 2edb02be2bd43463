/**
 * Typed calls to the Share API. Share answers errors in the seed's flat shape (`{ success: false, error, code }`),
 * not the app's `{ error: { code, message } }`, so it has its own reader; failures are {@link ApiError}s like the
 * rest of the app's calls, and {@link describeShareError} puts them in words for the pages.
 */
import { ApiError, authHeaders } from './api.ts';
import type { ShareMetadataBody, ShareStartResponse, ShareStatusResponse, ShareStopResponse } from './types.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The message and code of an error answer in either shape, or null. */
export function parseShareErrorBody(value: unknown): { message: string; code: string } | null {
  if (!isRecord(value)) return null;
  if (typeof value.error === 'string') {
    return { message: value.error, code: typeof value.code === 'string' ? value.code : 'unknown' };
  }
  if (isRecord(value.error) && typeof value.error.message === 'string') {
    return { message: value.error.message, code: typeof value.error.code === 'string' ? value.error.code : 'unknown' };
  }
  return null;
}

async function shareRequest(path: string, init: RequestInit = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { Accept: 'application/json', ...init.headers } });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'The server could not be reached');
  }
  let body: unknown = null;
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      if (res.ok) throw new ApiError(res.status, 'bad_response', 'The server sent an unreadable response');
    }
  }
  if (!res.ok) {
    const error = parseShareErrorBody(body);
    throw new ApiError(
      res.status,
      error?.code ?? `http_${res.status}`,
      error?.message ?? `${res.status} ${res.statusText}`.trim(),
    );
  }
  return body;
}

function post(path: string, body: unknown, token?: string | null, signal?: AbortSignal): Promise<unknown> {
  return shareRequest(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...authHeaders(token) },
    body: JSON.stringify(body),
    signal,
  });
}

const sessionPath = (sessionId: string, rest: string) => `/api/share/${encodeURIComponent(sessionId)}/${rest}`;
const withToken = (path: string, token: string) => `${path}?token=${encodeURIComponent(token)}`;

function bad(what: string): ApiError {
  return new ApiError(200, 'bad_response', `The server sent an unexpected ${what}`);
}

/** `POST /api/share/start` with the host's bearer token. */
export async function startShare(token: string, sessionId: string): Promise<ShareStartResponse> {
  const body = await post('/api/share/start', { sessionId }, token);
  if (!isRecord(body) || typeof body.listenerToken !== 'string' || typeof body.sessionId !== 'string') {
    throw bad('start answer');
  }
  return {
    success: true,
    sessionId: body.sessionId,
    timestamp: typeof body.timestamp === 'number' ? body.timestamp : Date.now(),
    listenerToken: body.listenerToken,
    shareUrl: typeof body.shareUrl === 'string' ? body.shareUrl : '',
  };
}

/** `POST /api/share/:id/join`: a listener token for someone who only has the code. */
export async function joinShare(sessionId: string, signal?: AbortSignal): Promise<string> {
  const body = await post(sessionPath(sessionId, 'join'), {}, null, signal);
  if (!isRecord(body) || typeof body.listenerToken !== 'string') throw bad('join answer');
  return body.listenerToken;
}

/** `GET /api/share/:id/status` with a listener (or bearer) token. */
export async function fetchShareStatus(
  sessionId: string,
  token: string,
  signal?: AbortSignal,
): Promise<ShareStatusResponse> {
  const body = await shareRequest(withToken(sessionPath(sessionId, 'status'), token), { signal });
  if (!isRecord(body) || typeof body.isActive !== 'boolean') throw bad('status');
  const now = isRecord(body.currentMetadata) ? body.currentMetadata : null;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    isActive: body.isActive,
    startTime: typeof body.startTime === 'number' ? body.startTime : 0,
    listenerCount: Number.isInteger(body.listenerCount) ? (body.listenerCount as number) : 0,
    currentMetadata: now ? { title: text(now.title), artist: text(now.artist) } : null,
  };
}

/** `POST /api/share/:id/metadata` (bearer): the fields are merged into the session's metadata. */
export async function postShareMetadata(token: string, sessionId: string, metadata: ShareMetadataBody): Promise<void> {
  await post(sessionPath(sessionId, 'metadata'), metadata, token);
}

/** The body of `POST /api/share/:id/audio`. */
export interface AudioPost {
  data: string;
  sampleRate: number;
  channels: number;
  timestamp: number;
  sequenceNumber: number;
  codec?: 'pcm_f32' | 'pcm_s16' | 'opus';
}

/** `POST /api/share/:id/audio` (bearer): one base64 chunk, when the host socket is down. */
export async function postShareAudio(token: string, sessionId: string, chunk: AudioPost): Promise<void> {
  await post(sessionPath(sessionId, 'audio'), chunk, token);
}

/** `POST /api/share/:id/stop` (bearer). */
export async function stopShare(token: string, sessionId: string): Promise<ShareStopResponse> {
  const body = await post(sessionPath(sessionId, 'stop'), {}, token);
  if (!isRecord(body)) throw bad('stop answer');
  return {
    success: true,
    sessionDuration: typeof body.sessionDuration === 'number' ? body.sessionDuration : 0,
    bytesTransferred: typeof body.bytesTransferred === 'number' ? body.bytesTransferred : 0,
  };
}

/** Base64 of bytes (chunked, so large chunks do not overflow the argument list). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** What a Share call was doing, for the words of its error. */
export type ShareAction = 'start' | 'stop' | 'join' | 'metadata' | 'audio' | 'status';

/** An error of a Share call in words a host or listener can act on. */
export function describeShareError(err: unknown, action: ShareAction): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : 'Something went wrong.';
  const detail = err.message.replace(/[.!]?$/, '.');
  switch (err.status) {
    case 0:
      return 'The server could not be reached. Check the connection and try again.';
    case 401:
      return action === 'join' || action === 'status'
        ? 'This link’s listener token is missing or not valid.'
        : 'The server needs the share token (BEARER_TOKEN): enter it above.';
    case 403:
      return action === 'join' || action === 'status'
        ? 'This link’s listener token does not open this session.'
        : 'The server refused this share token: check it matches the server’s BEARER_TOKEN.';
    case 404:
      return action === 'start' ? 'Sharing is not available on this server.' : 'No live session with this code.';
    case 409:
      return 'This code is already in use by another session: pick another code.';
    case 413:
      return 'The server refused the upload as too large.';
    case 429:
      return action === 'start'
        ? `Too many sessions or attempts right now: wait a little and try again. (${detail})`
        : `Too many requests: wait a little and try again. (${detail})`;
    case 503:
      return action === 'start'
        ? `The server cannot take more sessions right now. (${detail})`
        : `The server is unavailable right now. (${detail})`;
    case 400:
      return `The server refused the request: ${detail}`;
    default:
      return `The server answered ${err.status}: ${detail}`;
  }
}
