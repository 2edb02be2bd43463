/**
 * Spotify Web API, fetch side only: a client-credentials token and the new-releases list, returned as raw typed
 * pages; conversion lives in `map.ts`. See `UPSTREAMS.md` §2.
 *
 * Every request, token requests included, takes one token from the `spotify` bucket. The access token and the
 * client secret never appear in a log line or an error message: the HTTP client logs paths and statuses only, and
 * the errors below are built from statuses.
 */
import { ClientCredentialsToken, type IssuedToken } from '../../infra/client-credentials.ts';
import { createHttpClient, type HttpClient } from '../../infra/http-client.ts';
import type { Logger } from '../../infra/logger.ts';
import { UpstreamError } from '../../infra/upstream-errors.ts';
import type { RateLimiter } from '../../ports/rate-limiter.ts';
import type { SpotifyNewReleasesResponse, SpotifySimplifiedAlbum, SpotifyTokenResponse } from './api-types.ts';

/** The rate-limiter bucket (`rate_limit_tokens.service_name`) for every Spotify request. */
export const SPOTIFY_SERVICE = 'spotify';

/** The new-releases endpoint, relative to `/v1`; named in {@link SpotifyEndpointUnavailableError}. */
export const SPOTIFY_NEW_RELEASES_ENDPOINT = 'browse/new-releases';

/** Honest: names us and where to find us. */
const SPOTIFY_USER_AGENT = 'Backbeat/0.1 (+https://github.com/backbeat)';

const TOKEN_PATH = '/api/token';

/** A token is renewed this long before Spotify says it expires, so no request goes out with a token about to lapse. */
const TOKEN_RENEW_MARGIN_MS = 60_000;

/** Spotify's bounds for `limit` on paged endpoints. */
const MAX_PAGE_LIMIT = 50;

export interface SpotifyClientOptions {
  /** The Web API origin, e.g. `https://api.spotify.com` (`SPOTIFY_API_URL`); `/v1` is added here. */
  apiUrl: string;
  /** The accounts service origin, e.g. `https://accounts.spotify.com` (`SPOTIFY_ACCOUNTS_URL`). */
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  /** Per-attempt deadline of each request. */
  timeoutMs: number;
  rateLimiter: RateLimiter;
  logger?: Logger;
  userAgent?: string;
  /** Injected in tests; also the clock of the token cache. */
  now?: () => number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface NewReleasesPageQuery {
  /** 1–50. */
  limit: number;
  /** 0-based position of the first album. */
  offset: number;
}

export interface AllNewReleasesQuery {
  /** Albums per page, 1–50. Default 50. */
  limit?: number;
  /** Upper bound on pages read, ≥ 1; it bounds the work even if Spotify never answers `next: null`. */
  maxPages: number;
}

export interface AllNewReleases {
  /** Raw albums in chart order, page after page (duplicates across pages are left to the mapper). */
  items: SpotifySimplifiedAlbum[];
  /** The list length the last page reported (the albums read, if it reported none). */
  total: number;
  /** Pages read. */
  pages: number;
}

/**
 * The token endpoint refused our client id and secret (400/401, `{"error":"invalid_client"}`): configuration is
 * wrong, so retrying cannot help until it is fixed.
 */
export class SpotifyCredentialsError extends UpstreamError {
  constructor(details: { status: number; attempts: number; path?: string; cause?: unknown }) {
    super(
      SPOTIFY_SERVICE,
      `${SPOTIFY_SERVICE}: the token endpoint refused the client credentials (${details.status}); check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET`,
      { kind: 'client', ...details },
    );
    this.name = 'SpotifyCredentialsError';
  }
}

/**
 * Spotify answered 403 for an endpoint it no longer serves to this app. Spotify's February 2026 changelog removed
 * `GET /browse/new-releases` (among others) for Development Mode apps; Extended Quota Mode apps keep it.
 */
export class SpotifyEndpointUnavailableError extends UpstreamError {
  /** The endpoint that answered 403, relative to `/v1`. */
  readonly endpoint: string;

  constructor(endpoint: string, details: { attempts: number; path?: string; cause?: unknown }) {
    super(
      SPOTIFY_SERVICE,
      `${SPOTIFY_SERVICE}: ${endpoint} answered 403; Spotify no longer serves it to Development Mode apps (Extended Quota Mode is required)`,
      { kind: 'client', status: 403, ...details },
    );
    this.name = 'SpotifyEndpointUnavailableError';
    this.endpoint = endpoint;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isStatus(err: unknown, status: number): err is UpstreamError {
  return err instanceof UpstreamError && err.kind === 'client' && err.status === status;
}

export class SpotifyClient {
  readonly #api: HttpClient;
  readonly #accounts: HttpClient;
  readonly #authorization: string;
  readonly #logger: Logger | undefined;
  readonly #token: ClientCredentialsToken;

  /** Builds two HTTP clients (Web API, accounts) on the one `spotify` bucket. */
  constructor(options: SpotifyClientOptions) {
    const shared = {
      service: SPOTIFY_SERVICE,
      userAgent: options.userAgent ?? SPOTIFY_USER_AGENT,
      timeoutMs: options.timeoutMs,
      rateLimiter: options.rateLimiter,
      logger: options.logger,
      fetch: options.fetch,
      now: options.now,
      sleep: options.sleep,
      random: options.random,
    };
    // Tolerates a configured URL that already ends in `/v1`.
    const apiOrigin = options.apiUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.#api = createHttpClient({ ...shared, baseUrl: `${apiOrigin}/v1` });
    this.#accounts = createHttpClient({ ...shared, baseUrl: options.accountsUrl });
    this.#authorization = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`, 'utf8').toString('base64')}`;
    this.#logger = options.logger;
    this.#token = new ClientCredentialsToken({
      fetchToken: () => this.#requestToken(),
      now: options.now,
      renewMarginMs: TOKEN_RENEW_MARGIN_MS,
    });
  }

  /**
   * One page of new releases, as Spotify sends it. On a 401 (the token expired or was revoked early) the cached token
   * is dropped and the request is sent once more with a fresh one; a second 401 throws `UpstreamError` kind `client`.
   * Throws {@link SpotifyEndpointUnavailableError} on 403, {@link SpotifyCredentialsError} when no token can be had,
   * `UpstreamError` kind `malformed` for an answer without an `albums.items` array, what the HTTP client throws
   * (rate limited, server, …), and `RangeError` for a limit outside 1–50 or a negative offset.
   */
  async getNewReleasesPage(query: NewReleasesPageQuery): Promise<SpotifyNewReleasesResponse> {
    const { limit, offset } = query;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`);
    }
    if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`offset must be an integer ≥ 0, got ${offset}`);

    const res = await this.#getWithToken<unknown>(SPOTIFY_NEW_RELEASES_ENDPOINT, { limit, offset });
    const albums = isRecord(res.body) ? res.body.albums : undefined;
    if (!isRecord(albums) || !Array.isArray(albums.items)) {
      throw new UpstreamError(
        SPOTIFY_SERVICE,
        `${SPOTIFY_SERVICE}: new-releases answer without an albums.items array`,
        {
          kind: 'malformed',
          status: res.status,
          attempts: res.attempts,
          path: res.path,
        },
      );
    }
    return res.body as SpotifyNewReleasesResponse;
  }

  /**
   * Reads the new-releases list page by page (offset advancing by `limit`) until a page says `next: null` or
   * `maxPages` pages were read. Throws what {@link SpotifyClient.getNewReleasesPage} throws, and `RangeError` for a
   * limit outside 1–50 or `maxPages` < 1; a failure on a later page loses the pages read before it.
   */
  async getAllNewReleases(query: AllNewReleasesQuery): Promise<AllNewReleases> {
    const { limit = MAX_PAGE_LIMIT, maxPages } = query;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`);
    }
    if (!Number.isInteger(maxPages) || maxPages < 1) {
      throw new RangeError(`maxPages must be an integer ≥ 1, got ${maxPages}`);
    }

    const items: SpotifySimplifiedAlbum[] = [];
    let total = 0;
    let pages = 0;
    for (let offset = 0; pages < maxPages; offset += limit) {
      const { albums } = await this.getNewReleasesPage({ limit, offset });
      pages++;
      items.push(...albums.items);
      total = typeof albums.total === 'number' ? albums.total : items.length;
      if (typeof albums.next !== 'string' || albums.next === '') break;
    }
    return { items, total, pages };
  }

  /** GET `endpoint` with the bearer token, renewing the token once on a 401; 403 becomes the endpoint error. */
  async #getWithToken<T>(endpoint: string, query: Record<string, number>) {
    const token = await this.#token.get();
    try {
      return await this.#getAuthorized<T>(endpoint, query, token);
    } catch (err) {
      if (!isStatus(err, 401)) throw err;
      this.#logger?.info(
        { event: 'upstream_token_rejected', service: SPOTIFY_SERVICE, path: err.path },
        'Spotify refused the access token; renewing it once',
      );
      this.#token.invalidate(token);
    }
    const fresh = await this.#token.get();
    try {
      return await this.#getAuthorized<T>(endpoint, query, fresh);
    } catch (err) {
      if (!isStatus(err, 401)) throw err;
      throw new UpstreamError(SPOTIFY_SERVICE, `${SPOTIFY_SERVICE}: a freshly issued access token was refused (401)`, {
        kind: 'client',
        status: 401,
        attempts: err.attempts,
        path: err.path,
        cause: err,
      });
    }
  }

  async #getAuthorized<T>(endpoint: string, query: Record<string, number>, token: string) {
    try {
      return await this.#api.getJsonResponse<T>(endpoint, query, { authorization: `Bearer ${token}` });
    } catch (err) {
      if (!isStatus(err, 403)) throw err;
      this.#logger?.warn(
        { event: 'upstream_endpoint_unavailable', service: SPOTIFY_SERVICE, endpoint, status: 403 },
        `Spotify answered 403 for ${endpoint}: not available to this app (Development Mode since February 2026)`,
      );
      throw new SpotifyEndpointUnavailableError(endpoint, { attempts: err.attempts, path: err.path, cause: err });
    }
  }

  /** Asks the accounts service for a new token; an answer without `access_token` and `expires_in` is malformed. */
  async #requestToken(): Promise<IssuedToken> {
    let res;
    try {
      res = await this.#accounts.postForm<Partial<SpotifyTokenResponse>>(
        TOKEN_PATH,
        { grant_type: 'client_credentials' },
        { authorization: this.#authorization },
      );
    } catch (err) {
      if (isStatus(err, 400) || isStatus(err, 401)) {
        this.#logger?.error(
          { event: 'upstream_credentials_refused', service: SPOTIFY_SERVICE, status: err.status },
          'Spotify refused the client credentials',
        );
        throw new SpotifyCredentialsError({
          status: err.status ?? 400,
          attempts: err.attempts,
          path: err.path,
          cause: err,
        });
      }
      throw err;
    }

    // Typed as Spotify documents it but read as untrusted: any field may be missing or of another type.
    const body: unknown = res.body;
    const token = isRecord(body) ? body.access_token : undefined;
    const expiresIn = isRecord(body) ? body.expires_in : undefined;
    if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
      throw new UpstreamError(SPOTIFY_SERVICE, `${SPOTIFY_SERVICE}: token answer without access_token and expires_in`, {
        kind: 'malformed',
        status: res.status,
        attempts: res.attempts,
        path: res.path,
      });
    }
    return { accessToken: token, expiresInSeconds: expiresIn };
  }
}
