import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from '../infra/upstream-errors.ts';
import { SpotifyCredentialsError } from '../providers/spotify/client.ts';

/** A refresh failure as public answers show it: a stable code and a short message from a fixed catalog. */
export interface SourceFailure {
  /** `unavailable` when Spotify refuses the endpoint itself (403), `error` for every other failure. */
  status: 'unavailable' | 'error';
  code: string;
  message: string;
}

/**
 * Pure: the public form of a Spotify refresh failure. Only the catalog's wording leaves the server; the error itself
 * (with paths and upstream text) goes to the log.
 */
export function sourceFailure(err: unknown): SourceFailure {
  if (err instanceof UpstreamRateLimitedError) {
    return {
      status: 'error',
      code: 'upstream_rate_limited',
      message: `Spotify asked us to slow down (429); retrying after ${Math.ceil(err.retryAfterMs / 1000)} s`,
    };
  }
  if (err instanceof RateLimitedError) {
    return {
      status: 'error',
      code: 'rate_limited',
      message:
        err.reason === 'paused' ? 'Spotify asked us to wait' : 'Our request budget for Spotify is used up for now',
    };
  }
  if (err instanceof UpstreamError) {
    if (err.status === 403) {
      return {
        status: 'unavailable',
        code: 'upstream_unavailable',
        message: 'Spotify refuses the new-releases endpoint to this app (403)',
      };
    }
    if (err instanceof SpotifyCredentialsError) {
      return { status: 'error', code: 'upstream_credentials', message: 'Spotify refused our client credentials' };
    }
    switch (err.kind) {
      case 'server':
        return { status: 'error', code: 'upstream_server', message: `Spotify answered ${err.status ?? 'an error'}` };
      case 'timeout':
        return { status: 'error', code: 'upstream_timeout', message: 'Spotify did not answer in time' };
      case 'network':
        return { status: 'error', code: 'upstream_network', message: 'Spotify could not be reached' };
      case 'malformed':
        return { status: 'error', code: 'upstream_malformed', message: 'Spotify answered with an unexpected body' };
      case 'client':
      case 'blocked':
        return { status: 'error', code: 'upstream_client', message: `Spotify answered ${err.status ?? 'an error'}` };
    }
  }
  return { status: 'error', code: 'internal', message: 'Internal error (details are in the server log)' };
}
