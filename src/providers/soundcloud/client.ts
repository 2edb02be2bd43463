/**
 * SoundCloud API, fetch side: a client-credentials token and a track search, mapped to candidates by `map.ts`. See
 * `UPSTREAMS.md` §5.
 *
 * SoundCloud issues few tokens (50 per app in 12 h, 30 per IP in 1 h), so the token is cached until shortly before it
 * expires, shared by concurrent callers, and renewed early only when SoundCloud refuses it (401), once per request.
 * Every request, token requests included, takes one token from the `soundcloud` bucket.
 *
 * The client secret and the access token never appear in a log line or an error message: the HTTP client logs paths
 * and statuses only, and the errors here are built from statuses.
 */
import type { AudioCandidate } from '../../domain/audio.ts';
import { ClientCredentialsToken, type IssuedToken } from '../../infra/client-credentials.ts';
import { createHttpClient, type HttpClient, type QueryParams } from '../../infra/http-client.ts';
import type { Logger } from '../../infra/logger.ts';
import { UpstreamError } from '../../infra/upstream-errors.ts';
import type { RateLimiter } from '../../ports/rate-limiter.ts';
import type { SoundCloudTokenResponse, SoundCloudTrackSearchResponse } from './api-types.ts';
import { mapSoundCloudTracks, soundCloudTracksOf } from './map.ts';

/** The rate-limiter bucket (`rate_limit_tokens.service_name`) for every SoundCloud request. */
export const SOUNDCLOUD_SERVICE = 'soundcloud';

const SOUNDCLOUD_USER_AGENT = 'Backbeat/0.1.0 (+https://github.com/backbeat/backbeat)';

const TOKEN_PATH = '/oauth/token';

/** A token is renewed this long before it expires (or at half its life, if that is sooner), never mid-request. */
const TOKEN_RENEW_MARGIN_MS = 60_000;

/** The lifetime assumed for a token answer without `expires_in`: half of the hour SoundCloud documents. */
const DEFAULT_TOKEN_LIFETIME_S = 1_800;

/** SoundCloud's bound for `limit` with linked partitioning. */
const MAX_LIMIT = 200;

export interface SoundCloudClientOptions {
  /** The API origin, e.g. `https://api.soundcloud.com` (`SOUNDCLOUD_API_URL`). */
  apiUrl: string;
  /** The token host, e.g. `https://secure.soundcloud.com` (`SOUNDCLOUD_AUTH_URL`). */
  authUrl: string;
  clientId: string;
  clientSecret: string;
  /** Per-attempt deadline of each request. */
  timeoutMs: number;
  rateLimiter: RateLimiter;
  logger?: Logger;
  userAgent?: string;
  fetch?: typeof fetch;
  /** Injected in tests; also the clock of the token cache. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface SoundCloudSearchOptions {
  /** Tracks per page, 1–200. Default 10. */
  limit?: number;
  /** Pages read at most, ≥ 1, following `next_href`. Default 1. */
  maxPages?: number;
}

/**
 * The token endpoint refused our client id and secret (400/401): configuration is wrong, so retrying cannot help
 * until it is fixed.
 */
export class SoundCloudCredentialsError extends UpstreamError {
  constructor(details: { status: number; attempts: number; path?: string; cause?: unknown }) {
    super(
      SOUNDCLOUD_SERVICE,
      `${SOUNDCLOUD_SERVICE}: the token endpoint refused the client credentials (${details.status}); check SOUNDCLOUD_CLIENT_ID and SOUNDCLOUD_CLIENT_SECRET`,
      { kind: 'client', ...details },
    );
    this.name = 'SoundCloudCredentialsError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isStatus(err: unknown, status: number): err is UpstreamError {
  return err instanceof UpstreamError && err.kind === 'client' && err.status === status;
}

export class SoundCloudClient {
  readonly #api: HttpClient;
  readonly #auth: HttpClient;
  readonly #apiBase: URL;
  readonly #authorization: string;
  readonly #logger: Logger | undefined;
  readonly #token: ClientCredentialsToken;

  /** Builds two HTTP clients (API, token host) on the one `soundcloud` bucket. */
  constructor(options: SoundCloudClientOptions) {
    const shared = {
      service: SOUNDCLOUD_SERVICE,
      userAgent: options.userAgent ?? SOUNDCLOUD_USER_AGENT,
      timeoutMs: options.timeoutMs,
      rateLimiter: options.rateLimiter,
      logger: options.logger,
      fetch: options.fetch,
      now: options.now,
      sleep: options.sleep,
      random: options.random,
    };
    const apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.#apiBase = new URL(apiUrl);
    this.#api = createHttpClient({ ...shared, baseUrl: apiUrl });
    this.#auth = createHttpClient({ ...shared, baseUrl: options.authUrl });
    this.#authorization = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`, 'utf8').toString('base64')}`;
    this.#logger = options.logger;
    this.#token = new ClientCredentialsToken({
      fetchToken: () => this.#requestToken(),
      now: options.now,
      renewMarginMs: TOKEN_RENEW_MARGIN_MS,
      renewAtHalfLife: true,
      defaultLifetimeSeconds: DEFAULT_TOKEN_LIFETIME_S,
    });
  }

  /**
   * Searches tracks (`GET /tracks?q=&limit=&linked_partitioning=true`), following `next_href` until a page has none
   * or `maxPages` pages were read, and returns the playable ones as candidates in SoundCloud's order, each once.
   * A `next_href` outside the API's origin and path is not followed (the token is not sent elsewhere). Throws
   * {@link SoundCloudCredentialsError} when no token can be had, `UpstreamError` kind `client` for a refusal (a
   * second 401 included), kind `malformed` for a page that is neither a list nor has a `collection`, what the HTTP
   * client throws (rate limited, server, …), and `RangeError` for an empty query, a limit outside 1–200 or
   * `maxPages` < 1. A failure on a later page loses the pages read before it.
   */
  async searchTracks(query: string, options: SoundCloudSearchOptions = {}): Promise<AudioCandidate[]> {
    const { limit = 10, maxPages = 1 } = options;
    const q = query.trim();
    if (q === '') throw new RangeError('query must not be empty');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`);
    }
    if (!Number.isInteger(maxPages) || maxPages < 1) {
      throw new RangeError(`maxPages must be an integer ≥ 1, got ${maxPages}`);
    }

    const tracks: unknown[] = [];
    let path = '/tracks';
    let params: QueryParams | undefined = { q, limit, linked_partitioning: 'true' };
    for (let pages = 0; pages < maxPages; pages++) {
      const body = await this.#getWithToken(path, params);
      tracks.push(...soundCloudTracksOf(body));
      const next = Array.isArray(body) ? undefined : body.next_href;
      if (typeof next !== 'string' || next === '') break;
      const nextPath = this.#apiPath(next);
      if (nextPath === null) {
        this.#logger?.warn(
          { event: 'upstream_next_refused', service: SOUNDCLOUD_SERVICE },
          'SoundCloud pointed the next page outside its API; not following it',
        );
        break;
      }
      path = nextPath;
      params = undefined;
    }
    return mapSoundCloudTracks(tracks);
  }

  /**
   * `next_href` as a path for the API client, so that the request goes to exactly that URL; null when it is not
   * under the configured API origin and path.
   */
  #apiPath(href: string): string | null {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      return null;
    }
    const basePath = this.#apiBase.pathname.replace(/\/+$/, '');
    if (url.origin !== this.#apiBase.origin || url.username !== '' || url.password !== '') return null;
    if (basePath !== '' && !url.pathname.startsWith(`${basePath}/`)) return null;
    return url.pathname.slice(basePath.length) + url.search;
  }

  /** GET with the OAuth token, renewing it once on a 401; checks the page envelope. */
  async #getWithToken(path: string, params: QueryParams | undefined): Promise<SoundCloudTrackSearchResponse> {
    const token = await this.#token.get();
    try {
      return await this.#getAuthorized(path, params, token);
    } catch (err) {
      if (!isStatus(err, 401)) throw err;
      this.#logger?.info(
        { event: 'upstream_token_rejected', service: SOUNDCLOUD_SERVICE, path: err.path },
        'SoundCloud refused the access token; renewing it once',
      );
      this.#token.invalidate(token);
    }
    const fresh = await this.#token.get();
    try {
      return await this.#getAuthorized(path, params, fresh);
    } catch (err) {
      if (!isStatus(err, 401)) throw err;
      throw new UpstreamError(
        SOUNDCLOUD_SERVICE,
        `${SOUNDCLOUD_SERVICE}: a freshly issued access token was refused (401)`,
        { kind: 'client', status: 401, attempts: err.attempts, path: err.path, cause: err },
      );
    }
  }

  async #getAuthorized(
    path: string,
    params: QueryParams | undefined,
    token: string,
  ): Promise<SoundCloudTrackSearchResponse> {
    const res = await this.#api.getJsonResponse<unknown>(path, params, { authorization: `OAuth ${token}` });
    const body = res.body;
    if (Array.isArray(body) || (isRecord(body) && Array.isArray(body.collection))) {
      return body as SoundCloudTrackSearchResponse;
    }
    throw new UpstreamError(SOUNDCLOUD_SERVICE, `${SOUNDCLOUD_SERVICE}: track search answer without a collection`, {
      kind: 'malformed',
      status: res.status,
      attempts: res.attempts,
      path: res.path,
    });
  }

  /** Asks the token host for a new token; an answer without a usable `expires_in` gets the default lifetime. */
  async #requestToken(): Promise<IssuedToken> {
    let res;
    try {
      res = await this.#auth.postForm<Partial<SoundCloudTokenResponse>>(
        TOKEN_PATH,
        { grant_type: 'client_credentials' },
        { authorization: this.#authorization },
      );
    } catch (err) {
      if (isStatus(err, 400) || isStatus(err, 401)) {
        this.#logger?.error(
          { event: 'upstream_credentials_refused', service: SOUNDCLOUD_SERVICE, status: err.status },
          'SoundCloud refused the client credentials',
        );
        throw new SoundCloudCredentialsError({
          status: err.status ?? 400,
          attempts: err.attempts,
          path: err.path,
          cause: err,
        });
      }
      throw err;
    }

    // Typed as SoundCloud documents it but read as untrusted: any field may be missing or of another type.
    const body: unknown = res.body;
    const token = isRecord(body) ? body.access_token : undefined;
    if (typeof token !== 'string' || token === '') {
      throw new UpstreamError(SOUNDCLOUD_SERVICE, `${SOUNDCLOUD_SERVICE}: token answer without access_token`, {
        kind: 'malformed',
        status: res.status,
        attempts: res.attempts,
        path: res.path,
      });
    }
    const expiresIn = isRecord(body) ? body.expires_in : undefined;
    return {
      accessToken: token,
      expiresInSeconds: typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : null,
    };
  }
}
