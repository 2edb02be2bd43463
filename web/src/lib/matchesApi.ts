import { ApiError, authHeaders, requestJson, type RequestOptions } from './api.ts';
import { describeMatchesError, type MatchAction } from './matches.ts';
import {
  parseErrorBody,
  parseMatchStats,
  parseReleaseMatches,
  parseReviewQueue,
  parseTrackMatch,
  type MatchStats,
  type ReleaseMatches,
  type TrackMatch,
} from './types.ts';

/**
 * Typed calls of the Matches API (admin token). Each throws {@link MatchesApiError}, whose message is a sentence the
 * page shows as it is, except 401/403 (the token was refused), which stay the server's {@link ApiError} for the admin
 * session to ask for the token again.
 */
export class MatchesApiError extends ApiError {
  /** Seconds to wait before asking again (429 with `Retry-After`), else null. */
  readonly retryAfterSeconds: number | null;

  constructor(status: number, code: string, message: string, retryAfterSeconds: number | null = null) {
    super(status, code, message);
    this.name = 'MatchesApiError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** `Retry-After` in seconds (delta or HTTP date), or null. */
function retryAfter(headers: Headers, now = Date.now()): number | null {
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : null;
}

async function call(path: string, token: string, options: RequestOptions = {}): Promise<unknown> {
  let res;
  try {
    res = await requestJson(path, {
      ...options,
      cache: 'no-store',
      // A 429 is read here, for its Retry-After.
      acceptStatuses: [429],
      headers: { ...authHeaders(token), ...options.headers },
    });
  } catch (err) {
    if (!(err instanceof ApiError) || err.isAuthError) throw err;
    throw new MatchesApiError(err.status, err.code, describeMatchesError(err));
  }
  if (res.status === 429) {
    const error = parseErrorBody(res.body);
    const wait = retryAfter(res.headers);
    const message = describeMatchesError({ status: 429, message: error?.message ?? '', retryAfterSeconds: wait });
    throw new MatchesApiError(429, error?.code ?? 'http_429', message, wait);
  }
  return res.body;
}

function unexpected(what: string): MatchesApiError {
  return new MatchesApiError(200, 'bad_response', `The server sent an unexpected ${what}.`);
}

/**
 * `GET /api/admin/releases/:releaseId/audio-match`: every track of the release with its match. A release never opened
 * is matched now (release videos, then searches): the answer may take seconds.
 */
export async function fetchReleaseMatches(
  token: string,
  releaseId: number,
  signal?: AbortSignal,
): Promise<ReleaseMatches> {
  const body = await call(`/api/admin/releases/${encodeURIComponent(String(releaseId))}/audio-match`, token, {
    signal,
  });
  const release = parseReleaseMatches(body);
  if (!release) throw unexpected('release');
  return release;
}

/** `POST /api/admin/releases/:releaseId/tracks/:trackId/match`: approve, reject or clear; answers the updated track. */
export async function postMatchAction(
  token: string,
  releaseId: number,
  trackIndex: number,
  action: MatchAction,
): Promise<TrackMatch> {
  const path = `/api/admin/releases/${encodeURIComponent(String(releaseId))}/tracks/${encodeURIComponent(
    String(trackIndex),
  )}/match`;
  const body = await call(path, token, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(action),
  });
  const track = parseTrackMatch(body);
  if (!track) throw unexpected('track');
  return track;
}

/** `GET /api/admin/matches/review?limit=`: tracks awaiting review, most confident first. */
export async function fetchReviewQueue(token: string, limit = 50, signal?: AbortSignal): Promise<TrackMatch[]> {
  const body = await call(`/api/admin/matches/review?limit=${encodeURIComponent(String(limit))}`, token, { signal });
  const queue = parseReviewQueue(body);
  if (!queue) throw unexpected('review queue');
  return queue.items;
}

/** `GET /api/admin/matches/stats`: per platform totals, tracks per status, cache keys. */
export async function fetchMatchStats(token: string, signal?: AbortSignal): Promise<MatchStats> {
  const stats = parseMatchStats(await call('/api/admin/matches/stats', token, { signal }));
  if (!stats) throw unexpected('stats answer');
  return stats;
}
