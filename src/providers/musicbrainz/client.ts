/**
 * MusicBrainz WS/2 search (`/ws/2/release-group`, `/ws/2/release`): builds the Lucene query, fetches the answer,
 * checks its envelope and maps it with `map.ts`. See `UPSTREAMS.md` §3.
 *
 * MusicBrainz allows about one request per second per IP and answers 503 when called faster, so every request takes a
 * token from the shared `musicbrainz` bucket (which holds that rate across processes), and a 503 pauses the bucket
 * and throws `UpstreamRateLimitedError` rather than being retried at once.
 */
import type { MusicBrainzCandidate } from '../../domain/album.ts';
import {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type QueryParams,
} from '../../infra/http-client.ts';
import type { Logger } from '../../infra/logger.ts';
import { UpstreamError } from '../../infra/upstream-errors.ts';
import type { MusicBrainzReleaseGroupSearch, MusicBrainzReleaseSearch } from './api-types.ts';
import { mapReleaseGroupSearch, mapReleaseSearch, type MusicBrainzSearchResult } from './map.ts';
import { releaseGroupQuery, releaseQuery, type SearchTerms } from './query.ts';

/** The rate-limiter bucket (`rate_limit_tokens.service_name`) for every MusicBrainz request. */
export const MUSICBRAINZ_SERVICE = 'musicbrainz';

/**
 * MusicBrainz requires a User-Agent naming the application, its version and a contact, in the form
 * `AppName/1.2.0 ( contact-url-or-email )`, and blocks generic ones (musicbrainz_rs `set_user_agent` docs).
 */
export const DEFAULT_MUSICBRAINZ_USER_AGENT = 'Backbeat/0.1.0 ( https://github.com/backbeat/backbeat )';

/**
 * The pause after a 503 without a readable Retry-After: MusicBrainz declines every request while a client is over
 * its rate, so the bucket rests for two of its one-per-second slots before trying again.
 */
export const MUSICBRAINZ_THROTTLE_MS = 2_000;

/**
 * One retry for other transient failures (500, 502, network, timeout): each attempt costs a token at one request per
 * second, so a longer chain would starve every other search; the job retries later on its own schedule.
 */
const RETRIES = 1;

/** Spreads the single retry over up to a second, the bucket's refill interval. */
const BACKOFF_BASE_MS = 1_000;

/** MusicBrainz' accepted range for `limit` on search (UPSTREAMS.md §3). */
const MAX_LIMIT = 100;

export type MusicBrainzClientOptions = Pick<
  HttpClientOptions,
  'baseUrl' | 'userAgent' | 'timeoutMs' | 'rateLimiter' | 'logger' | 'fetch' | 'now' | 'sleep' | 'random'
>;

export interface MusicBrainzSearchQuery extends SearchTerms {
  /** Items per page, 1–100. Default 10. */
  readonly limit?: number;
  /** Items to skip, for later pages. Default 0 (not sent). */
  readonly offset?: number;
}

/** Mapped candidates plus the Lucene query that found them (kept with a match to explain it). */
export interface MusicBrainzSearchAnswer {
  readonly candidates: MusicBrainzCandidate[];
  /** MusicBrainz' total number of matches, beyond this page. */
  readonly count: number;
  /** Items of the page that could not be identified and were left out. */
  readonly skipped: number;
  readonly query: string;
}

export class MusicBrainzClient {
  readonly #http: HttpClient;
  readonly #logger: Logger | undefined;

  /**
   * Builds the client on its own HTTP client bound to the `musicbrainz` bucket; one token per request sent. Throws
   * `RangeError` for a blank User-Agent, which MusicBrainz would block.
   */
  constructor(options: MusicBrainzClientOptions) {
    if (options.userAgent.trim() === '') throw new RangeError('MusicBrainz requires a User-Agent naming the app');
    this.#http = createHttpClient({
      ...options,
      service: MUSICBRAINZ_SERVICE,
      retries: RETRIES,
      backoffBaseMs: BACKOFF_BASE_MS,
      // 503 is MusicBrainz' "slow down" (UPSTREAMS.md §3): pause the bucket, never retry at once.
      throttleStatuses: [503],
      defaultThrottleMs: MUSICBRAINZ_THROTTLE_MS,
      // An empty or held bucket is this client's normal pace (one request a second), not news.
      emptyBucketLogLevel: 'debug',
    });
    this.#logger = options.logger;
  }

  /**
   * Searches release groups by title and primary artist (`releasegroup:"…" AND artist:"…"`) and maps the answer,
   * in MusicBrainz' order. Throws `RangeError` (before taking a token) for a blank title or a limit outside 1–100 or
   * a negative offset; `UpstreamError` kind `malformed` when a success body is not the search envelope; and what the
   * HTTP client throws (`UpstreamRateLimitedError` with status 503 when MusicBrainz says slow down, `RateLimitedError`
   * when our bucket refuses, `UpstreamError` kind `client` for a 400, …).
   */
  async searchReleaseGroups(search: MusicBrainzSearchQuery): Promise<MusicBrainzSearchAnswer> {
    const query = releaseGroupQuery(search);
    const raw = await this.#search('/ws/2/release-group', 'release-groups', query, search);
    return this.#answer(mapReleaseGroupSearch(raw as MusicBrainzReleaseGroupSearch), query);
  }

  /**
   * Searches releases by title and primary artist (`release:"…" AND artist:"…"`); each release is a candidate for its
   * release group. Same arguments and errors as {@link MusicBrainzClient.searchReleaseGroups}.
   */
  async searchReleases(search: MusicBrainzSearchQuery): Promise<MusicBrainzSearchAnswer> {
    const query = releaseQuery(search);
    const raw = await this.#search('/ws/2/release', 'releases', query, search);
    return this.#answer(mapReleaseSearch(raw as MusicBrainzReleaseSearch), query);
  }

  async #search(path: string, listKey: string, query: string, search: MusicBrainzSearchQuery): Promise<unknown> {
    const limit = search.limit ?? 10;
    const offset = search.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new RangeError(`limit must be an integer in 1–${MAX_LIMIT}, got ${limit}`);
    }
    if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`offset must be an integer ≥ 0, got ${offset}`);

    // `fmt=json` as well as the Accept header the HTTP client sends: WS/2 answers XML by default.
    const params: QueryParams = offset > 0 ? { query, fmt: 'json', limit, offset } : { query, fmt: 'json', limit };
    const res = await this.#http.getJsonResponse<unknown>(path, params);

    const problem = envelopeProblem(res.body, listKey);
    if (problem !== null) {
      this.#logger?.warn(
        { event: 'upstream_request_failed', service: MUSICBRAINZ_SERVICE, path: res.path, kind: 'malformed' },
        problem,
      );
      throw new UpstreamError(MUSICBRAINZ_SERVICE, `${MUSICBRAINZ_SERVICE}: ${problem}`, {
        kind: 'malformed',
        status: res.status,
        attempts: res.attempts,
        path: res.path,
      });
    }
    return res.body;
  }

  #answer(result: MusicBrainzSearchResult, query: string): MusicBrainzSearchAnswer {
    if (result.skipped > 0) {
      this.#logger?.warn(
        { event: 'upstream_items_skipped', service: MUSICBRAINZ_SERVICE, skipped: result.skipped, query },
        'MusicBrainz search items without id or title were left out',
      );
    }
    return { ...result, query };
  }
}

/** Why a parsed success body is not a search envelope (`{count, offset, <listKey>: [...]}`), or null when it is. */
function envelopeProblem(body: unknown, listKey: string): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'search answer is not a JSON object';
  const record = body as Record<string, unknown>;
  if (typeof record.error === 'string') return `error envelope on a success status: ${record.error.slice(0, 200)}`;
  if (!Array.isArray(record[listKey])) return `search answer without a "${listKey}" array`;
  return null;
}
