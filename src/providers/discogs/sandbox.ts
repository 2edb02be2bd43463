/**
 * Discogs emulation: `GET /releases/:id` in the real shape (UPSTREAMS.md §6) over the sandbox's audio catalog
 * (`src/sandbox/audio-catalog.ts`), and the OAuth 1.0a flow a user goes through to connect an account:
 * `GET /oauth/request_token` → the authorise page (`GET /__sandbox/discogs/oauth/authorize?oauth_token=…`, standing in
 * for www.discogs.com/oauth/authorize) → `POST /oauth/access_token` → `GET /oauth/identity`. Requests are signed with
 * PLAINTEXT signatures (`<consumer secret>&<token secret>`), as Discogs asks.
 *
 * Like the real API it wants a User-Agent (without one it answers an empty body), takes a personal token
 * (`Authorization: Discogs token=…`), consumer credentials (`Discogs key=…, secret=…`), an OAuth access token it
 * issued, or nothing (a lower rate limit), and counts requests in a moving 60-second window: 60 a minute
 * authenticated, 25 anonymous, shared by every client (Discogs limits per IP). Every answer carries
 * `X-Discogs-Ratelimit`, `-Used` and `-Remaining`; over the limit it answers 429. The window is measured on its own
 * monotonic clock (option `rateClock`), so a frozen sandbox clock does not freeze it.
 */
import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  audioCatalog,
  audioTruth,
  findAudioRelease,
  stripNumber,
  type AudioRelease,
  type AudioTrackRow,
  type DiscogsCredit,
} from '../../sandbox/audio-catalog.ts';
import {
  SandboxInputError,
  jsonResponse,
  type ControlRoute,
  type Emulation,
  type EmulationContext,
  type FaultResponse,
} from '../../sandbox/framework.ts';
import { coverSvg, escapeHtml, htmlPage } from '../../sandbox/media.ts';
import { derivedToken, hash32 } from '../../sandbox/random.ts';

/** The personal token the emulation accepts unless told another (`Authorization: Discogs token=…`). */
export const SANDBOX_DISCOGS_USER_TOKEN = 'sandbox-discogs-token';
/** The app's consumer key and secret for the OAuth flow, unless told others. */
export const SANDBOX_DISCOGS_CONSUMER_KEY = 'sandbox-consumer-key';
export const SANDBOX_DISCOGS_CONSUMER_SECRET = 'sandbox-consumer-secret';
/** Who authorises on the sandbox's authorise page when no username is given. */
export const SANDBOX_DISCOGS_USERNAME = 'sandbox-collector';
/** Whose identity a personal token stands for. */
export const SANDBOX_DISCOGS_TOKEN_OWNER = 'sandbox-owner';

const NAME = 'discogs';
/** The endpoints the emulation answers (counter and fault endpoint names). */
export const DISCOGS_ENDPOINTS = ['release', 'request_token', 'access_token', 'identity'] as const;
/** The authorise page (set `DISCOGS_AUTHORIZE_URL` to the sandbox URL plus this path). */
export const DISCOGS_AUTHORIZE_PATH = '/__sandbox/discogs/oauth/authorize';
/** API host in links when the sandbox has no public URL: a reserved `.test` name, so nothing points at Discogs. */
export const DISCOGS_API = 'https://api.discogs.test';
/** Site host in `uri` links when the sandbox has no public URL. */
export const DISCOGS_WEB = 'https://www.discogs.test';
/** Image host when the sandbox has no public URL. */
export const DISCOGS_IMAGES = 'https://i.discogs.test';
/** Path under the sandbox serving release pages (`uri`) and covers. */
export const DISCOGS_PAGE_PATH = '/__sandbox/discogs/release';
export const DISCOGS_IMAGE_PATH = '/__sandbox/discogs/image';

/** Discogs' 429 message. */
export const DISCOGS_RATE_LIMIT_MESSAGE = 'You are making requests too quickly.';
const AUTH_REQUIRED = 'You must authenticate to access this resource.';
const INVALID_TOKEN = 'Invalid consumer token. Please register an app before making API requests.';
const WINDOW_MS = 60_000;
/** Request tokens not exchanged within this time are forgotten, as OAuth servers do. */
const REQUEST_TOKEN_TTL_MS = 15 * 60_000;
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const USERNAME = /^[A-Za-z0-9._-]{1,40}$/;
/** User-Agents that only name an HTTP library (or Fastify's `inject()` default): Discogs wants one naming the app. */
const ANONYMOUS_AGENTS =
  /^(node|undici|node-fetch|axios|got|python-requests|python-urllib|aiohttp|go-http-client|java|okhttp|lightmyrequest)\b/i;

/** Options for {@link DiscogsEmulation}. */
export interface DiscogsOptions {
  /** Catalog seed (the YouTube and SoundCloud emulations use the same one). */
  seed: number;
  /** The sandbox clock (epoch ms): request-token expiry. */
  now: () => number;
  /** Personal token accepted as `Discogs token=…` (default {@link SANDBOX_DISCOGS_USER_TOKEN}). */
  userToken?: string;
  consumerKey?: string;
  consumerSecret?: string;
  /** The app name `/oauth/identity` reports as `consumer_name` (default `Backbeat Sandbox`). */
  consumerName?: string;
  /** Requests a minute with authentication (default 60). */
  rateLimitPerMinute?: number;
  /** Requests a minute without (default 25). */
  anonymousRateLimitPerMinute?: number;
  /** The monotonic clock (ms) of the rate window (default `performance.now()`); tests inject a fake one. */
  rateClock?: () => number;
}

/** What `stats()` reports. */
// A type alias, not an interface: the framework takes emulation figures as `Record<string, unknown>`.
export type DiscogsStats = {
  /** Requests in the current 60-second window. */
  windowUsed: number;
  /** Requests answered 429. */
  throttled: number;
  /** Requests answered with an empty body for want of a User-Agent. */
  blankAgent: number;
  /** OAuth access tokens issued. */
  accessTokens: number;
};

interface RequestToken {
  secret: string;
  callback: string;
  createdAt: number;
  verifier: string | undefined;
  username: string | undefined;
}

interface AccessToken {
  secret: string;
  username: string;
}

/** Who a request speaks for. */
type Caller =
  | { kind: 'anonymous' }
  | { kind: 'token' }
  | { kind: 'consumer' }
  | { kind: 'oauth'; username: string }
  | { kind: 'invalid'; message: string };

/**
 * The Discogs emulation. Construct it and register it with a `SandboxFramework` (see `src/providers/sandboxes.ts`).
 */
export class DiscogsEmulation implements Emulation {
  readonly name = NAME;
  readonly description =
    'Discogs API: GET /releases/:id, the OAuth 1.0a flow (request token, authorise page, access token, identity), ' +
    'its User-Agent rule and 60/25-a-minute rate limit';
  readonly endpoints = DISCOGS_ENDPOINTS;
  readonly controls: readonly ControlRoute[] = [
    {
      method: 'GET',
      path: DISCOGS_AUTHORIZE_PATH,
      description: 'The authorise page of the OAuth flow (?oauth_token=…): an Authorize button leads to the callback',
    },
    {
      method: 'POST',
      path: DISCOGS_AUTHORIZE_PATH,
      description: 'Authorise a request token without the page: redirects (302) to the callback with oauth_verifier',
      exampleBody: { oauth_token: '…', username: SANDBOX_DISCOGS_USERNAME },
    },
    {
      method: 'GET',
      path: '/__sandbox/discogs/releases',
      description: 'The catalog: { releases: [{ id, title, artists, tracks, videos }] }',
    },
    {
      method: 'GET',
      path: '/__sandbox/discogs/truth',
      description: 'For every playable track, the right YouTube/SoundCloud uploads and every candidate label',
    },
    { method: 'GET', path: `${DISCOGS_PAGE_PATH}/:id`, description: 'Release page (`uri` once the sandbox has a URL)' },
  ];

  readonly #seed: number;
  readonly #clock: () => number;
  readonly #rateClock: () => number;
  readonly #userToken: string;
  readonly #consumerKey: string;
  readonly #consumerSecret: string;
  readonly #consumerName: string;
  readonly #limit: number;
  readonly #anonymousLimit: number;
  #publicUrl: () => string | undefined = () => undefined;
  #window: number[] = [];
  #requestTokens = new Map<string, RequestToken>();
  #accessTokens = new Map<string, AccessToken>();
  #issued = 0;
  /** Bumped by `reset()`, so tokens issued before it are never issued again. */
  #generation = 0;
  #throttled = 0;
  #blankAgent = 0;

  constructor(options: DiscogsOptions) {
    this.#seed = options.seed >>> 0;
    this.#clock = options.now;
    this.#rateClock = options.rateClock ?? (() => performance.now());
    this.#userToken = options.userToken ?? SANDBOX_DISCOGS_USER_TOKEN;
    this.#consumerKey = options.consumerKey ?? SANDBOX_DISCOGS_CONSUMER_KEY;
    this.#consumerSecret = options.consumerSecret ?? SANDBOX_DISCOGS_CONSUMER_SECRET;
    this.#consumerName = options.consumerName ?? 'Backbeat Sandbox';
    this.#limit = Math.max(1, options.rateLimitPerMinute ?? 60);
    this.#anonymousLimit = Math.max(1, options.anonymousRateLimitPerMinute ?? 25);
  }

  /** Forgets issued tokens, pending authorisations and the rate window. */
  reset(): void {
    this.#requestTokens = new Map();
    this.#accessTokens = new Map();
    this.#generation++;
    this.#window = [];
    this.resetStats();
  }

  resetStats(): void {
    this.#throttled = 0;
    this.#blankAgent = 0;
  }

  stats(): DiscogsStats {
    return {
      windowUsed: this.#pruned().length,
      throttled: this.#throttled,
      blankAgent: this.#blankAgent,
      accessTokens: this.#accessTokens.size,
    };
  }

  /** Discogs' error envelope, `{"message": …}`. */
  errorResponse(status: number): FaultResponse {
    return jsonResponse(status, { message: ERROR_MESSAGES[status] ?? 'An error occurred.' });
  }

  /** The release as `GET /releases/:id` serves it, or undefined when the catalog has no such id. */
  releaseJson(id: number): unknown {
    const release = findAudioRelease(this.#seed, id);
    return release === undefined ? undefined : this.#release(release);
  }

  register(app: FastifyInstance, context: EmulationContext): void {
    this.#publicUrl = () => context.publicUrl()?.replace(/\/+$/, '');
    // The access-token step and the authorise form post form bodies; the sandbox may already parse them.
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
      });
    }
    const sandbox = (endpoint: (typeof DISCOGS_ENDPOINTS)[number]) => ({
      config: { sandbox: { target: NAME, endpoint } },
    });
    app.get<{ Params: { id: string } }>('/releases/:id', sandbox('release'), async (request, reply) =>
      this.#gate(request, reply, (caller) => {
        if (caller.kind === 'invalid') return reply.code(401).send({ message: caller.message });
        const id = /^\d{1,10}$/.test(request.params.id) ? Number(request.params.id) : undefined;
        const json = id === undefined ? undefined : this.releaseJson(id);
        if (json === undefined) return reply.code(404).send({ message: 'Release not found.' });
        return reply.send(json);
      }),
    );
    for (const method of ['GET', 'POST'] as const) {
      app.route({
        method,
        url: '/oauth/request_token',
        ...sandbox('request_token'),
        handler: async (request, reply) => this.#gate(request, reply, () => this.#requestToken(request, reply)),
      });
    }
    app.post('/oauth/access_token', sandbox('access_token'), async (request, reply) =>
      this.#gate(request, reply, () => this.#accessToken(request, reply)),
    );
    app.get('/oauth/identity', sandbox('identity'), async (request, reply) =>
      this.#gate(request, reply, (caller) => this.#identity(caller, reply)),
    );
    app.get<{ Querystring: { oauth_token?: string } }>(DISCOGS_AUTHORIZE_PATH, async (request, reply) =>
      html(reply, ...this.#authorizePage(request.query.oauth_token)),
    );
    app.post(DISCOGS_AUTHORIZE_PATH, async (request, reply) => this.#authorize(request.body, reply));
    app.get('/__sandbox/discogs/releases', async () => ({
      releases: audioCatalog(this.#seed).releases.map((release) => ({
        id: release.id,
        title: release.title,
        artists: release.artists.map((artist) => artist.name),
        shape: release.shape,
        tracks: release.tracks.length,
        videos: release.videos.length,
      })),
    }));
    app.get('/__sandbox/discogs/truth', async () => audioTruth(this.#seed));
    app.get<{ Params: { id: string } }>(`${DISCOGS_PAGE_PATH}/:id`, async (request, reply) =>
      html(reply, ...this.#releasePage(Number.parseInt(request.params.id, 10))),
    );
    app.get<{ Params: { file: string } }>(`${DISCOGS_IMAGE_PATH}/:file`, async (request, reply) => {
      const id = /^R-(\d+)(?:-150)?\.svg$/.exec(request.params.file)?.[1];
      const release = id === undefined ? undefined : findAudioRelease(this.#seed, Number(id));
      if (release === undefined) return html(reply, 404, htmlPage('Not found', '<h1>Not found</h1>'));
      const size = request.params.file.endsWith('-150.svg') ? 150 : 600;
      return reply
        .header('content-type', 'image/svg+xml')
        .header('cache-control', 'public, max-age=86400')
        .send(coverSvg(`discogs:${release.id}`, initials(release.title), size));
    });
  }

  // ---------------------------------------------------------------- the gate: User-Agent, auth, rate window

  /**
   * Applies what every API request goes through: an empty answer without a User-Agent, the caller's identity, the
   * rate window and its headers; then `handle`.
   */
  async #gate(
    request: FastifyRequest,
    reply: FastifyReply,
    handle: (caller: Caller) => FastifyReply | Promise<FastifyReply>,
  ): Promise<FastifyReply> {
    const agent = request.headers['user-agent']?.trim() ?? '';
    if (agent === '' || ANONYMOUS_AGENTS.test(agent)) {
      this.#blankAgent++;
      return reply.code(200).send('');
    }
    const caller = this.#caller(request);
    const limit = caller.kind === 'anonymous' || caller.kind === 'invalid' ? this.#anonymousLimit : this.#limit;
    const window = this.#pruned();
    const used = window.length;
    reply.header('x-discogs-ratelimit', String(limit));
    if (used >= limit) {
      this.#throttled++;
      reply.header('x-discogs-ratelimit-used', String(used)).header('x-discogs-ratelimit-remaining', '0');
      return reply.code(429).send({ message: DISCOGS_RATE_LIMIT_MESSAGE });
    }
    window.push(this.#rateClock());
    reply
      .header('x-discogs-ratelimit-used', String(used + 1))
      .header('x-discogs-ratelimit-remaining', String(limit - used - 1));
    return handle(caller);
  }

  /** The window's requests of the last 60 seconds (older ones dropped). */
  #pruned(): number[] {
    const since = this.#rateClock() - WINDOW_MS;
    if (this.#window.length > 0 && (this.#window[0] ?? 0) <= since) {
      this.#window = this.#window.filter((time) => time > since);
    }
    return this.#window;
  }

  #caller(request: FastifyRequest): Caller {
    const header = request.headers.authorization?.trim() ?? '';
    const query = request.query as Record<string, string | string[] | undefined>;
    const discogs = /^Discogs\s+(.*)$/i.exec(header)?.[1];
    if (discogs !== undefined) {
      const params = parseParams(discogs);
      if (params.token !== undefined) {
        return same(params.token, this.#userToken) ? { kind: 'token' } : { kind: 'invalid', message: INVALID_TOKEN };
      }
      return this.#consumerCaller(params.key, params.secret);
    }
    if (/^OAuth\s/i.test(header)) {
      const params = oauthParams(request);
      if (!same(params.oauth_consumer_key ?? '', this.#consumerKey)) return { kind: 'invalid', message: AUTH_REQUIRED };
      const signed = (secret: string) =>
        plaintextSignatureMatches(params.oauth_signature, this.#consumerSecret, secret);
      const access = params.oauth_token === undefined ? undefined : this.#accessTokens.get(params.oauth_token);
      if (access !== undefined) {
        return signed(access.secret)
          ? { kind: 'oauth', username: access.username }
          : { kind: 'invalid', message: AUTH_REQUIRED };
      }
      // Steps of the flow itself are signed by the app alone (no token yet) or with the request token.
      const pending = params.oauth_token === undefined ? undefined : this.#requestTokens.get(params.oauth_token);
      if (params.oauth_token === undefined ? signed('') : pending !== undefined && signed(pending.secret)) {
        return { kind: 'consumer' };
      }
      return { kind: 'invalid', message: AUTH_REQUIRED };
    }
    const token = first(query.token);
    if (token !== undefined) {
      return same(token, this.#userToken) ? { kind: 'token' } : { kind: 'invalid', message: INVALID_TOKEN };
    }
    if (query.key !== undefined || query.secret !== undefined) {
      return this.#consumerCaller(first(query.key), first(query.secret));
    }
    return { kind: 'anonymous' };
  }

  #consumerCaller(key: string | undefined, secret: string | undefined): Caller {
    if (
      key !== undefined &&
      secret !== undefined &&
      same(key, this.#consumerKey) &&
      same(secret, this.#consumerSecret)
    ) {
      return { kind: 'consumer' };
    }
    return {
      kind: 'invalid',
      message: 'Invalid consumer key/secret. Please register an app before making API requests.',
    };
  }

  // ---------------------------------------------------------------- OAuth 1.0a

  #requestToken(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const params = oauthParams(request);
    const failure = this.#consumerFailure(params, '');
    if (failure !== undefined) return oauthError(reply, 401, failure);
    const callback = params.oauth_callback;
    if (callback === undefined || callback === '') return oauthError(reply, 400, 'Parameter not found: oauth_callback');
    if (callback !== 'oob' && !/^https?:\/\//i.test(callback)) return oauthError(reply, 400, 'Invalid callback URL.');
    const now = this.#clock();
    for (const [token, entry] of this.#requestTokens) {
      if (now - entry.createdAt > REQUEST_TOKEN_TTL_MS) this.#requestTokens.delete(token);
    }
    const token = this.#token('request');
    const secret = this.#token('request-secret');
    this.#requestTokens.set(token, { secret, callback, createdAt: now, verifier: undefined, username: undefined });
    return form(reply, { oauth_token: token, oauth_token_secret: secret, oauth_callback_confirmed: 'true' });
  }

  #accessToken(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const params = oauthParams(request);
    const token = params.oauth_token;
    if (token === undefined) return oauthError(reply, 401, 'Parameter not found: oauth_token');
    const pending = this.#requestTokens.get(token);
    if (pending === undefined || this.#clock() - pending.createdAt > REQUEST_TOKEN_TTL_MS) {
      return oauthError(reply, 401, 'Invalid request token.');
    }
    const failure = this.#consumerFailure(params, pending.secret);
    if (failure !== undefined) return oauthError(reply, 401, failure);
    const verifier = params.oauth_verifier;
    if (verifier === undefined) return oauthError(reply, 401, 'Parameter not found: oauth_verifier');
    if (pending.verifier === undefined || pending.username === undefined || !same(verifier, pending.verifier)) {
      return oauthError(reply, 401, 'Invalid verifier.');
    }
    this.#requestTokens.delete(token);
    const access = this.#token('access');
    const secret = this.#token('access-secret');
    this.#accessTokens.set(access, { secret, username: pending.username });
    return form(reply, { oauth_token: access, oauth_token_secret: secret });
  }

  /** Why the consumer part of an OAuth request fails (key, method, PLAINTEXT signature), or undefined. */
  #consumerFailure(params: Record<string, string>, tokenSecret: string): string | undefined {
    if (params.oauth_consumer_key === undefined) return 'Parameter not found: oauth_consumer_key';
    if (!same(params.oauth_consumer_key, this.#consumerKey)) return 'Invalid consumer.';
    if (params.oauth_signature_method !== 'PLAINTEXT') return 'Invalid signature method: use PLAINTEXT.';
    if (!plaintextSignatureMatches(params.oauth_signature, this.#consumerSecret, tokenSecret)) {
      return 'Invalid signature.';
    }
    return undefined;
  }

  #identity(caller: Caller, reply: FastifyReply): FastifyReply {
    if (caller.kind === 'invalid') return reply.code(401).send({ message: caller.message });
    const username =
      caller.kind === 'oauth' ? caller.username : caller.kind === 'token' ? SANDBOX_DISCOGS_TOKEN_OWNER : undefined;
    if (username === undefined) return reply.code(401).send({ message: AUTH_REQUIRED });
    return reply.send({
      id: 1_000_000 + (hash32(`discogs:user:${username}`) % 9_000_000),
      username,
      resource_url: `${this.#apiBase()}/users/${username}`,
      consumer_name: this.#consumerName,
    });
  }

  /** Step 2 of the flow: the user says yes; the browser goes back to the app's callback with a verifier. */
  #authorize(body: unknown, reply: FastifyReply): FastifyReply {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new SandboxInputError('The body must be an object: { oauth_token, username? }');
    }
    const { oauth_token: token, username: given } = body as Record<string, unknown>;
    // The page's form sends an empty field when the user clears it: that is the default user too.
    const username = given === undefined || given === '' ? SANDBOX_DISCOGS_USERNAME : given;
    if (typeof token !== 'string') throw new SandboxInputError('"oauth_token" must be a string');
    if (typeof username !== 'string' || !USERNAME.test(username)) {
      throw new SandboxInputError('"username" must be 1–40 letters, digits, dots, dashes or underscores');
    }
    const pending = this.#requestTokens.get(token);
    if (pending === undefined || this.#clock() - pending.createdAt > REQUEST_TOKEN_TTL_MS) {
      return html(reply, ...invalidTokenPage());
    }
    pending.verifier = this.#token('verifier', 10);
    pending.username = username;
    if (pending.callback === 'oob') {
      return html(
        reply,
        200,
        htmlPage(
          'Authorized – Discogs sandbox',
          `<h1>Authorized</h1>\n<p>Enter this code in the app: <code>${escapeHtml(pending.verifier)}</code></p>`,
        ),
      );
    }
    const target = new URL(pending.callback);
    target.searchParams.set('oauth_token', token);
    target.searchParams.set('oauth_verifier', pending.verifier);
    return reply.redirect(target.toString(), 302);
  }

  #authorizePage(token: string | undefined): [number, string] {
    const pending = token === undefined ? undefined : this.#requestTokens.get(token);
    if (token === undefined || pending === undefined || this.#clock() - pending.createdAt > REQUEST_TOKEN_TTL_MS) {
      return invalidTokenPage();
    }
    const body =
      `<p><small>Discogs sandbox · OAuth</small></p>\n<h1>Authorize access to your account</h1>\n` +
      `<p><strong>${escapeHtml(this.#consumerName)}</strong> would like to access your Discogs account.</p>\n` +
      `<form method="post" action="${DISCOGS_AUTHORIZE_PATH}">\n` +
      `<input type="hidden" name="oauth_token" value="${escapeHtml(token)}">\n` +
      `<label>Username <input name="username" value="${SANDBOX_DISCOGS_USERNAME}" pattern="[A-Za-z0-9._\\-]{1,40}"></label>\n` +
      `<p><button type="submit">Authorize</button></p>\n</form>\n` +
      `<p><small>Then you go back to <code>${escapeHtml(pending.callback)}</code>.</small></p>`;
    return [200, htmlPage('Authorize – Discogs sandbox', body)];
  }

  #token(kind: string, length = 40): string {
    return derivedToken(this.#seed, `discogs:${kind}:${this.#generation}:${this.#issued++}`, TOKEN_ALPHABET, length);
  }

  // ---------------------------------------------------------------- release JSON

  #apiBase(): string {
    return this.#publicUrl() ?? DISCOGS_API;
  }

  #release(release: AudioRelease): unknown {
    const api = this.#apiBase();
    const base = this.#publicUrl();
    const uri =
      base === undefined
        ? `${DISCOGS_WEB}/release/${release.id}-${slug(`${release.artists[0]?.name ?? ''} ${release.title}`)}`
        : `${base}${DISCOGS_PAGE_PATH}/${release.id}`;
    const image = (size: '' | '-150') =>
      base === undefined
        ? `${DISCOGS_IMAGES}/R-${release.id}${size}.jpeg`
        : `${base}${DISCOGS_IMAGE_PATH}/R-${release.id}${size}.svg`;
    const formatCount = release.formats.reduce((sum, format) => sum + Number(format.qty), 0);
    const community = {
      have: release.have,
      want: release.want,
      rating: { count: release.ratingCount, average: release.ratingAverage },
      submitter: { username: release.submitter, resource_url: `${api}/users/${release.submitter}` },
      contributors: [{ username: release.submitter, resource_url: `${api}/users/${release.submitter}` }],
      data_quality: release.dataQuality,
      status: 'Accepted',
    };
    return {
      id: release.id,
      status: 'Accepted',
      year: release.year,
      resource_url: `${api}/releases/${release.id}`,
      uri,
      artists: release.artists.map((artist) => this.#credit(artist)),
      artists_sort: release.artists.map((artist) => artist.name).join(', '),
      labels: release.labels.map((label) => ({
        name: label.name,
        catno: label.catno,
        entity_type: '1',
        entity_type_name: 'Label',
        id: label.id,
        resource_url: `${api}/labels/${label.id}`,
      })),
      series: [],
      companies: [],
      formats: release.formats.map((format) => ({ ...format, descriptions: [...format.descriptions] })),
      data_quality: release.dataQuality,
      community,
      format_quantity: formatCount,
      date_added: release.dateAdded,
      date_changed: release.dateChanged,
      num_for_sale: release.numForSale,
      lowest_price: release.lowestPrice,
      ...(release.masterId !== null
        ? { master_id: release.masterId, master_url: `${api}/masters/${release.masterId}` }
        : {}),
      title: release.title,
      country: release.country,
      ...(release.released !== null ? { released: release.released } : {}),
      notes: release.notes,
      ...(release.released !== null ? { released_formatted: formatReleased(release.released) } : {}),
      identifiers:
        release.barcode === null ? [] : [{ type: 'Barcode', value: release.barcode, description: 'Scanned' }],
      ...(release.videos.length > 0
        ? {
            videos: release.videos.map((video) => ({
              uri: video.uri,
              title: video.title,
              description: video.description,
              duration: video.duration,
              embed: video.embed,
            })),
          }
        : {}),
      genres: [...release.genres],
      styles: [...release.styles],
      tracklist: release.tracklist.map((row) => this.#row(row)),
      extraartists: release.extraartists.map((artist) => this.#credit(artist)),
      images: [
        { type: 'primary', uri: image(''), resource_url: image(''), uri150: image('-150'), width: 600, height: 600 },
      ],
      thumb: image('-150'),
      estimated_weight: 230 * formatCount,
      blocked_from_sale: false,
      is_offensive: false,
    };
  }

  #credit(credit: DiscogsCredit): unknown {
    return {
      name: credit.name,
      anv: credit.anv,
      join: credit.join,
      role: credit.role,
      tracks: credit.tracks,
      id: credit.id,
      resource_url: `${this.#apiBase()}/artists/${credit.id}`,
    };
  }

  #row(row: AudioTrackRow): unknown {
    if (row.type === 'heading') return { position: '', type_: 'heading', title: row.title, duration: '' };
    return {
      position: row.position,
      type_: row.type,
      ...(row.artists !== undefined ? { artists: row.artists.map((artist) => this.#credit(artist)) } : {}),
      title: row.title,
      ...(row.extraartists !== undefined
        ? { extraartists: row.extraartists.map((artist) => this.#credit(artist)) }
        : {}),
      duration: row.duration,
      ...(row.subTracks !== undefined ? { sub_tracks: row.subTracks.map((sub) => this.#row(sub)) } : {}),
    };
  }

  #releasePage(id: number): [number, string] {
    const release = Number.isFinite(id) ? findAudioRelease(this.#seed, id) : undefined;
    if (release === undefined) return [404, htmlPage('Not found', '<h1>Release not found</h1>')];
    const artists = release.artists.map((artist) => escapeHtml(stripNumber(artist.name))).join(', ');
    const rows = release.tracklist
      .map((row) => {
        if (row.type === 'heading') return `<li><strong>${escapeHtml(row.title)}</strong></li>`;
        const parts = (row.subTracks ?? [])
          .map((sub) => `<li>${escapeHtml(sub.position)} ${escapeHtml(sub.title)} <small>${sub.duration}</small></li>`)
          .join('');
        return (
          `<li>${escapeHtml(row.position)} ${escapeHtml(row.title)} <small>${row.duration}</small>` +
          `${parts === '' ? '' : `<ol>${parts}</ol>`}</li>`
        );
      })
      .join('\n');
    const videos = release.videos
      .map((video) => `<li><a href="${escapeHtml(video.uri)}">${escapeHtml(video.title)}</a></li>`)
      .join('\n');
    const body =
      `<p><small>Discogs sandbox · release ${release.id} · ${escapeHtml(release.released ?? String(release.year))}</small></p>\n` +
      `<h1>${artists} – ${escapeHtml(release.title)}</h1>\n<ul>\n${rows}\n</ul>` +
      (videos === '' ? '' : `\n<h2>Videos</h2>\n<ul>\n${videos}\n</ul>`);
    return [200, htmlPage(`${release.title} – Discogs sandbox`, body)];
  }
}

// ------------------------------------------------------------------ helpers

const ERROR_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad request.',
  401: AUTH_REQUIRED,
  403: 'You are not allowed to access this resource.',
  404: 'The requested resource was not found.',
  405: 'Method not allowed.',
  422: 'Invalid request.',
  429: DISCOGS_RATE_LIMIT_MESSAGE,
  500: 'An internal server error occurred. (Support code: 0a1b2c3d)',
  502: 'Bad gateway.',
  503: 'The service is temporarily unavailable.',
};

/** `key=value, key2="value"` pairs (the `Discogs …` and `OAuth …` header forms), values percent-decoded. */
function parseParams(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of text.matchAll(/([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) {
    const key = match[1] ?? '';
    const raw = match[2] ?? match[3] ?? '';
    try {
      params[key] = decodeURIComponent(raw);
    } catch {
      params[key] = raw;
    }
  }
  return params;
}

/** The OAuth parameters of a request: the `Authorization: OAuth …` header, then the query and a form body. */
function oauthParams(request: FastifyRequest): Record<string, string> {
  const params: Record<string, string> = {};
  const body = request.body;
  const sources = [
    request.query as Record<string, unknown>,
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {},
  ];
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (key.startsWith('oauth_') && typeof value === 'string') params[key] = value;
    }
  }
  const header = /^OAuth\s+(.*)$/i.exec(request.headers.authorization?.trim() ?? '')?.[1];
  if (header !== undefined) Object.assign(params, parseParams(header));
  return params;
}

/** PLAINTEXT: the signature is `<consumer secret>&<token secret>`, each part percent-encoded. */
function plaintextSignatureMatches(
  signature: string | undefined,
  consumerSecret: string,
  tokenSecret: string,
): boolean {
  if (signature === undefined) return false;
  const expected = `${oauthEncode(consumerSecret)}&${oauthEncode(tokenSecret)}`;
  return same(signature, expected) || same(signature, `${consumerSecret}&${tokenSecret}`);
}

/** RFC 3986 percent-encoding, as OAuth 1.0a wants it. */
function oauthEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** OAuth endpoints answer errors as plain text, as Discogs' OAuth server does (`Invalid consumer.`). */
function oauthError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(message);
}

function form(reply: FastifyReply, values: Record<string, string>): FastifyReply {
  return reply
    .type('application/x-www-form-urlencoded')
    .header('cache-control', 'no-store')
    .send(new URLSearchParams(values).toString());
}

function html(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page);
}

function invalidTokenPage(): [number, string] {
  return [
    404,
    htmlPage(
      'Invalid request token – Discogs sandbox',
      '<h1>Invalid request token</h1>\n<p>The request token is unknown, used or expired. Start again from the app.</p>',
    ),
  ];
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2016-06-03` → `03 Jun 2016`; `2016-06-00` → `Jun 2016`; `2016` → `2016`. */
function formatReleased(released: string): string {
  const [year, month, day] = released.split('-');
  const monthName = month === undefined ? undefined : MONTHS[Number(month) - 1];
  if (monthName === undefined) return year ?? released;
  return day === undefined || day === '00' ? `${monthName} ${year}` : `${day} ${monthName} ${year}`;
}

function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+\(\d+\)/g, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .map((word) => [...word.replace(/[^\p{L}\p{N}]/gu, '')][0] ?? '')
    .filter((letter) => letter !== '')
    .slice(0, 2)
    .join('')
    .toUpperCase();
}
