import { ApiError, authHeaders, requestJson } from './api.ts';
import {
  parseFetchAccepted,
  parseHealthReport,
  parseRateLimitBucket,
  parseRateLimitList,
  parseRunList,
  parseRunSummary,
  type FetchAccepted,
  type HealthReport,
  type RateLimitBucket,
  type RateLimitUpdate,
  type RunSummary,
} from './types.ts';

function unexpected(what: string): ApiError {
  return new ApiError(200, 'bad_response', `The server sent an unexpected ${what}`);
}

/** `GET /api/health` (public). A report with status `down` comes with 503 and is still a report. */
export async function fetchHealth(signal?: AbortSignal): Promise<HealthReport> {
  const res = await requestJson('/api/health', { signal, acceptStatuses: [503], cache: 'no-store' });
  const report = parseHealthReport(res.body);
  if (!report) throw unexpected('health report');
  return report;
}

/** `GET /api/new-releases/runs?limit=`: the latest fetch runs, newest first (admin). */
export async function fetchRuns(token: string, limit = 20, signal?: AbortSignal): Promise<RunSummary[]> {
  const res = await requestJson(`/api/new-releases/runs?limit=${limit}`, { headers: authHeaders(token), signal });
  const list = parseRunList(res.body);
  if (!list) throw unexpected('run list');
  return list.items;
}

/** `GET /api/new-releases/runs/:id`: one fetch run (admin). */
export async function fetchRun(token: string, runId: string, signal?: AbortSignal): Promise<RunSummary> {
  const res = await requestJson(`/api/new-releases/runs/${encodeURIComponent(runId)}`, {
    headers: authHeaders(token),
    signal,
  });
  const run = parseRunSummary(res.body);
  if (!run) throw unexpected('run');
  return run;
}

/** `POST /api/new-releases/fetch`: starts a fetch run, or joins the one in flight (admin). */
export async function startFetch(token: string): Promise<FetchAccepted> {
  const res = await requestJson('/api/new-releases/fetch', { method: 'POST', headers: authHeaders(token) });
  const accepted = parseFetchAccepted(res.body);
  if (!accepted) throw unexpected('answer to the fetch request');
  return accepted;
}

/** `GET /api/admin/rate-limits`: every token bucket (admin). */
export async function fetchRateLimits(token: string, signal?: AbortSignal): Promise<RateLimitBucket[]> {
  const res = await requestJson('/api/admin/rate-limits', { headers: authHeaders(token), signal });
  const list = parseRateLimitList(res.body);
  if (!list) throw unexpected('bucket list');
  return list.items;
}

/** `PUT /api/admin/rate-limits/:service`: changes a bucket and answers with it (admin). */
export async function updateRateLimit(
  token: string,
  service: string,
  update: RateLimitUpdate,
): Promise<RateLimitBucket> {
  const res = await requestJson(`/api/admin/rate-limits/${encodeURIComponent(service)}`, {
    method: 'PUT',
    headers: { ...authHeaders(token), 'Content-Type': 'application/json' },
    body: JSON.stringify(update),
  });
  const bucket = parseRateLimitBucket(res.body);
  if (!bucket) throw unexpected('bucket');
  return bucket;
}
