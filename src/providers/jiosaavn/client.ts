/**
 * JioSaavn's web API (the calls jiosaavn.com itself makes), fetch side only: it returns raw typed pages and leaves
 * conversion to `map.ts`. See `UPSTREAMS.md` §1.
 */
import { languageName } from '../../domain/music.ts';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '../../infra/http-client.ts';
import type { Logger } from '../../infra/logger.ts';
import { UpstreamError } from '../../infra/upstream-errors.ts';
import type { JioSaavnAlbumsPage } from './api-types.ts';

/** The rate-limiter bucket (`rate_limit_tokens.service_name`) for every JioSaavn request. */
export const JIOSAAVN_SERVICE = 'jiosaavn';

/** Honest: names us and where to find us, rather than posing as a browser. */
export const JIOSAAVN_USER_AGENT = 'Backbeat/0.1 (+https://github.com/backbeat)';

/**
 * `api_version=4` selects the nested item shape (`title`, `more_info`); `ctx=web6dot0` is what the website sends
 * (sumitkolhe/jiosaavn-api `fetch.helper.ts`).
 */
const NEW_RELEASES_PATH = '/api.php?__call=content.getAlbums&_format=json&_marker=0&ctx=web6dot0&api_version=4';

export type JioSaavnClientOptions = Omit<HttpClientOptions, 'service' | 'userAgent'> & { userAgent?: string };

export interface NewReleasesQuery {
  /** A JioSaavn language name (`malayalam`) or a code we map (`ml`). */
  language: string;
  /** 1-based, as the public wrappers send it. */
  page: number;
  /** Items per page (`n`). */
  size: number;
}

export class JioSaavnClient {
  readonly #http: HttpClient;
  readonly #logger: Logger | undefined;

  /** Builds the client on its own HTTP client bound to the `jiosaavn` bucket; one token per request sent. */
  constructor(options: JioSaavnClientOptions) {
    this.#http = createHttpClient({
      ...options,
      service: JIOSAAVN_SERVICE,
      userAgent: options.userAgent ?? JIOSAAVN_USER_AGENT,
    });
    this.#logger = options.logger;
  }

  /**
   * One page of the "New Releases" list for one language, as JioSaavn sends it.
   *
   * Blocks are failures, not "no releases": the WAF answers datacenter IPs with empty JSON or 0 results
   * (sumitkolhe/jiosaavn-api #183), so `{}`, `[]`, an `error` field, an envelope without a `data` array, and an
   * empty `data` on page 1 all throw `UpstreamError` kind `blocked`. Every supported language has new releases, so
   * an empty first page is far likelier a block than the truth, and a false "blocked" costs a degraded status while a
   * false "empty" would hide an outage. An empty `data` on a later page is the natural end of the list and is
   * returned as is. Also throws what the HTTP client throws (rate limited, server, malformed, …), and `RangeError`
   * for an unknown language or a page/size that is not a positive integer.
   */
  async getNewReleases(query: NewReleasesQuery): Promise<JioSaavnAlbumsPage> {
    const language = languageName(query.language);
    if (language === undefined) throw new RangeError(`unknown JioSaavn language "${query.language}"`);
    if (!Number.isInteger(query.page) || query.page < 1) throw new RangeError(`page must be ≥ 1, got ${query.page}`);
    if (!Number.isInteger(query.size) || query.size < 1) throw new RangeError(`size must be ≥ 1, got ${query.size}`);

    const res = await this.#http.getJsonResponse<unknown>(
      NEW_RELEASES_PATH,
      { n: query.size, p: query.page, languages: language },
      // Which of cookie and `languages=` JioSaavn honours today is unconfirmed (UPSTREAMS.md §1), so send both; the
      // cookie is what the website and the wrappers send.
      { cookie: `L=${language}; gdpr_acceptance=true; DL=english` },
    );

    const blocked = blockReason(res.body, query.page);
    if (blocked !== null) {
      this.#logger?.warn(
        { event: 'upstream_blocked', service: JIOSAAVN_SERVICE, language, page: query.page, reason: blocked },
        'JioSaavn answered with a block signature',
      );
      throw new UpstreamError(JIOSAAVN_SERVICE, `${JIOSAAVN_SERVICE}: blocked (${blocked})`, {
        kind: 'blocked',
        status: res.status,
        attempts: res.attempts,
        path: res.path,
      });
    }
    return res.body as JioSaavnAlbumsPage;
  }
}

/** Why a parsed body is a block rather than a page, or null when it is a usable page. */
function blockReason(body: unknown, page: number): string | null {
  if (Array.isArray(body)) return 'JSON array instead of the envelope';
  if (body === null || typeof body !== 'object') return 'JSON value is not an object';
  if ('error' in body) return `error field: ${describeError(body.error)}`;
  if (Object.keys(body).length === 0) return 'empty JSON object';
  const data = (body as { data?: unknown }).data;
  if (!Array.isArray(data)) return 'envelope without a data array';
  if (data.length === 0 && page === 1) return 'no items on page 1';
  return null;
}

function describeError(error: unknown): string {
  if (typeof error === 'string') return error.slice(0, 200);
  if (error !== null && typeof error === 'object') {
    const { code, msg } = error as { code?: unknown; msg?: unknown };
    return [code, msg]
      .filter((v) => typeof v === 'string')
      .join(': ')
      .slice(0, 200);
  }
  return String(error).slice(0, 200);
}
