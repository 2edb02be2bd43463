/**
 * Spotify emulation: the client-credentials token (`POST /api/token`, the accounts host) and
 * `GET /v1/browse/new-releases` in the real shapes (UPSTREAMS.md §2), over the sandbox's chart catalog
 * (`src/sandbox/chart-catalog.ts`). New releases is a chart that moves: every tick two albums arrive near the top,
 * others climb, fall and leave. Ticks come from `POST /__sandbox/spotify/chart/advance` and, with
 * `chartIntervalMs > 0`, from the clock.
 *
 * Tokens are opaque strings the emulation remembers with their expiry on the injected clock; the API answers 401 to a
 * missing, unknown or expired one. Items have the simplified-album shape that development-mode apps get (no
 * `available_markets`). Once the sandbox has a public URL, `next`/`previous`/`href` point at it, covers are SVGs it
 * serves and `external_urls` open small album and artist pages it serves; before that (e.g. with `app.inject()`),
 * links use reserved `.test` hosts. The truth about every album's MusicBrainz identity is at `truth()` and
 * `GET /__sandbox/spotify/truth`.
 */
import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import {
  chartAt,
  chartCatalog,
  chartTick,
  chartTruth,
  type CatalogAlbum,
  type ChartArtist,
  type ChartTruthEntry,
} from '../../sandbox/chart-catalog.ts';
import {
  SandboxInputError,
  SandboxNotFoundError,
  jsonResponse,
  type ControlRoute,
  type Emulation,
  type EmulationContext,
  type FaultResponse,
  type QuirkKind,
} from '../../sandbox/framework.ts';
import { coverSvg, escapeHtml, htmlPage } from '../../sandbox/media.ts';
import { derivedToken } from '../../sandbox/random.ts';
import type { SandboxStateStore, StateSlot } from '../../sandbox/state.ts';

/** The client credentials the emulation accepts unless told others (the demo and tests configure these). */
export const SANDBOX_SPOTIFY_CLIENT_ID = 'sandbox-client-id';
export const SANDBOX_SPOTIFY_CLIENT_SECRET = 'sandbox-client-secret';

const NAME = 'spotify';
/** The endpoints the emulation answers (counter and fault endpoint names). */
export const SPOTIFY_ENDPOINTS = ['token', 'new-releases'] as const;
/** API host in links when the sandbox has no public URL: a reserved `.test` name, so nothing points at Spotify. */
export const SPOTIFY_API = 'https://api.spotify.test';
/** Web player host in `external_urls` when the sandbox has no public URL. */
export const SPOTIFY_OPEN = 'https://open.spotify.test';
/** Cover host when the sandbox has no public URL. */
export const SPOTIFY_IMAGES = 'https://i.scdn.test';
/** Path under the sandbox serving the album and artist pages `external_urls` lead to. */
export const SPOTIFY_OPEN_PATH = '/__sandbox/spotify/open';
/** Path under the sandbox serving covers (`<prefix><hash>`, as Spotify names them). */
export const SPOTIFY_IMAGE_PATH = '/__sandbox/spotify/image';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 50;
/** Spotify's cover file prefixes by size. */
const IMAGE_SIZES = [
  { size: 640, prefix: 'ab67616d0000b273' },
  { size: 300, prefix: 'ab67616d00001e02' },
  { size: 64, prefix: 'ab67616d00004851' },
] as const;
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Options for {@link SpotifyEmulation}. */
export interface SpotifyOptions {
  /** Catalog seed (the MusicBrainz emulation uses the same one). */
  seed: number;
  /** The sandbox clock (epoch ms): token expiry and the chart clock. */
  now: () => number;
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of issued tokens (default 3600, as Spotify's). */
  tokenTtlSeconds?: number;
  /** One chart tick every this many ms of the clock; 0 (default) = only manual advances. */
  chartIntervalMs?: number;
  /** Where the chart clock is kept between runs (slot `spotify`), so a restarted sandbox lists the same chart. */
  state?: SandboxStateStore;
}

/** The chart as it stands. */
export interface SpotifyChart {
  tick: number;
  /** Listed album ids, in chart order. */
  ids: string[];
  albums: CatalogAlbum[];
}

/** The kept chart clock: another seed or interval starts a new one. */
const ChartStateSchema = Type.Object({
  version: Type.Literal(1),
  seed: Type.Number(),
  chartIntervalMs: Type.Number(),
  startedAt: Type.Number(),
  manualTicks: Type.Integer({ minimum: 0 }),
});

/**
 * The Spotify emulation. Construct it and register it with a `SandboxFramework` (see `src/providers/sandboxes.ts`);
 * move its chart with {@link SpotifyEmulation.advance}.
 */
export class SpotifyEmulation implements Emulation {
  readonly name = NAME;
  readonly description =
    'Spotify Web API: POST /api/token (client credentials) and GET /v1/browse/new-releases (a moving chart)';
  readonly endpoints = SPOTIFY_ENDPOINTS;
  readonly quirks: Readonly<Record<string, QuirkKind>> = {
    endpoint_removed: {
      description:
        'What development-mode apps get since February 2026, when Spotify removed new releases for them: ' +
        '403 {"error":{"status":403,"message":"Forbidden"}}',
      respond: (fault): FaultResponse => spotifyError(fault.status ?? 403, 'Forbidden'),
    },
    token_expired: {
      description: 'A token that expired early: 401 {"error":{"status":401,"message":"The access token expired"}}',
      respond: (fault): FaultResponse => unauthorized('The access token expired', fault.status ?? 401),
    },
  };
  readonly controls: readonly ControlRoute[] = [
    {
      method: 'GET',
      path: '/__sandbox/spotify/chart',
      description: 'The chart: { tick, total, ids, albums: [{ position, id, name, artists, releaseDate }] }',
    },
    {
      method: 'POST',
      path: '/__sandbox/spotify/chart/advance',
      description: 'Move the chart on by some ticks (default 1); answers the new chart',
      exampleBody: { ticks: 1 },
    },
    {
      method: 'GET',
      path: '/__sandbox/spotify/truth',
      description: 'Every catalog album with its trap and true MusicBrainz release group and release (or null)',
    },
    { method: 'GET', path: `${SPOTIFY_IMAGE_PATH}/:file`, description: 'Covers (SVG) at 640, 300 and 64 px' },
    {
      method: 'GET',
      path: `${SPOTIFY_OPEN_PATH}/album/:id`,
      description: 'Album page (external_urls.spotify once the sandbox has a public URL); also /artist/:id',
    },
  ];

  readonly #seed: number;
  readonly #clock: () => number;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #tokenTtlMs: number;
  readonly #chartIntervalMs: number;
  readonly #state: StateSlot | undefined;
  #publicUrl: () => string | undefined = () => undefined;
  #startedAt = 0;
  #manualTicks = 0;
  /** Issued tokens and when they expire (clock ms). */
  #tokens = new Map<string, number>();
  #issued = 0;
  /** Bumped by `reset()`, so tokens issued before it are never issued again. */
  #generation = 0;
  readonly #byImageHash = new Map<string, CatalogAlbum>();

  constructor(options: SpotifyOptions) {
    this.#seed = options.seed >>> 0;
    this.#clock = options.now;
    this.#clientId = options.clientId ?? SANDBOX_SPOTIFY_CLIENT_ID;
    this.#clientSecret = options.clientSecret ?? SANDBOX_SPOTIFY_CLIENT_SECRET;
    this.#tokenTtlMs = Math.max(1, options.tokenTtlSeconds ?? 3600) * 1000;
    this.#chartIntervalMs = Math.max(0, options.chartIntervalMs ?? 0);
    this.#state = options.state?.slot(NAME);
    for (const album of chartCatalog(this.#seed).albums) this.#byImageHash.set(this.#imageHash(album), album);
    if (!this.#restore()) this.#restart();
  }

  /** The chart back to tick 0 from now; issued tokens are forgotten. */
  reset(): void {
    this.#tokens = new Map();
    this.#generation++;
    this.#restart();
  }

  /** Moves the chart on by `ticks` (a whole number, 0–100000) and returns it. */
  advance(ticks = 1): SpotifyChart {
    if (typeof ticks !== 'number' || !Number.isInteger(ticks) || ticks < 0 || ticks > 100_000) {
      throw new SandboxInputError('"ticks" must be an integer from 0 to 100000');
    }
    this.#manualTicks += ticks;
    this.#save();
    return this.currentChart();
  }

  /** The chart at the current tick. */
  currentChart(): SpotifyChart {
    const tick = this.#tick();
    const albums = chartAt(this.#seed, tick);
    return { tick, ids: albums.map((album) => album.id), albums };
  }

  /** The truth table of the catalog behind the chart. */
  truth(): ChartTruthEntry[] {
    return chartTruth(this.#seed);
  }

  /** Spotify's error envelope, `{"error":{"status","message"}}`, with the messages Spotify uses. */
  errorResponse(status: number): FaultResponse {
    return spotifyError(status, ERROR_MESSAGES[status] ?? 'Error');
  }

  register(app: FastifyInstance, context: EmulationContext): void {
    this.#publicUrl = () => context.publicUrl()?.replace(/\/+$/, '');
    // Spotify's token endpoint takes a form body; the sandbox may already parse forms for another upstream.
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
      });
    }
    app.post('/api/token', { config: { sandbox: { target: NAME, endpoint: 'token' } } }, async (request, reply) =>
      this.#token(request, reply),
    );
    app.get(
      '/v1/browse/new-releases',
      { config: { sandbox: { target: NAME, endpoint: 'new-releases' } } },
      async (request, reply) => this.#newReleases(request, reply),
    );
    app.get('/__sandbox/spotify/chart', async () => this.#chartView());
    app.post('/__sandbox/spotify/chart/advance', async (request) => {
      const body = request.body;
      if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
        throw new SandboxInputError('The body must be a JSON object');
      }
      const { ticks, ...rest } = (body ?? {}) as { ticks?: unknown };
      const unknown = Object.keys(rest)[0];
      if (unknown !== undefined) throw new SandboxInputError(`Unknown property "${unknown}"; allowed: ticks`);
      this.advance((ticks ?? 1) as number);
      return this.#chartView();
    });
    app.get('/__sandbox/spotify/truth', async () => ({ seed: this.#seed, albums: this.truth() }));
    app.get<{ Params: { file: string } }>(`${SPOTIFY_IMAGE_PATH}/:file`, async (request, reply) =>
      this.#cover(request.params.file, reply),
    );
    app.get<{ Params: { id: string } }>(`${SPOTIFY_OPEN_PATH}/album/:id`, async (request, reply) =>
      page(reply, this.#albumPage(request.params.id)),
    );
    app.get<{ Params: { id: string } }>(`${SPOTIFY_OPEN_PATH}/artist/:id`, async (request, reply) =>
      page(reply, this.#artistPage(request.params.id)),
    );
  }

  // ---------------------------------------------------------------- token

  async #token(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
      string,
      unknown
    >;
    if (form.grant_type !== 'client_credentials') {
      return reply.code(400).send({
        error: 'unsupported_grant_type',
        error_description: 'grant_type parameter is missing or is not client_credentials',
      });
    }
    const credentials = basicCredentials(request.headers.authorization) ?? formCredentials(form);
    if (
      credentials === undefined ||
      !sameSecret(credentials.id, this.#clientId) ||
      !sameSecret(credentials.secret, this.#clientSecret)
    ) {
      return reply.code(400).send({ error: 'invalid_client', error_description: 'Invalid client' });
    }
    const now = this.#clock();
    for (const [token, expiresAt] of this.#tokens) if (expiresAt <= now) this.#tokens.delete(token);
    const token = `BQ${derivedToken(this.#seed, `token:${this.#generation}:${this.#issued++}`, TOKEN_ALPHABET, 113)}`;
    this.#tokens.set(token, now + this.#tokenTtlMs);
    return reply
      .header('cache-control', 'no-store')
      .send({ access_token: token, token_type: 'Bearer', expires_in: this.#tokenTtlMs / 1000 });
  }

  // ---------------------------------------------------------------- new releases

  async #newReleases(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : this.#tokens.get(token);
    if (expiresAt === undefined) return sendFault(reply, unauthorized('Invalid access token'));
    if (expiresAt <= this.#clock()) return sendFault(reply, unauthorized('The access token expired'));

    const query = request.query as Record<string, string | string[] | undefined>;
    const limit = integerParam(first(query.limit), DEFAULT_LIMIT);
    if (limit === undefined || limit < 1 || limit > MAX_LIMIT) {
      return sendFault(reply, spotifyError(400, 'Invalid limit'));
    }
    const offset = integerParam(first(query.offset), 0);
    if (offset === undefined || offset < 0) return sendFault(reply, spotifyError(400, 'Invalid offset'));
    const country = first(query.country);
    const locale = first(query.locale);

    const chart = chartAt(this.#seed, this.#tick());
    const total = chart.length;
    const base = this.#apiBase();
    const link = (at: number) => {
      const params = new URLSearchParams();
      if (country !== undefined) params.set('country', country);
      params.set('offset', String(at));
      params.set('limit', String(limit));
      if (locale !== undefined) params.set('locale', locale);
      return `${base}/v1/browse/new-releases?${params.toString()}`;
    };
    return {
      albums: {
        href: link(offset),
        items: chart.slice(offset, offset + limit).map((album) => this.#item(album)),
        limit,
        next: offset + limit < total ? link(offset + limit) : null,
        offset,
        previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
        total,
      },
    };
  }

  /** A SimplifiedAlbum as development-mode apps get it (no `available_markets`). */
  #item(album: CatalogAlbum): unknown {
    const base = this.#apiBase();
    return {
      album_type: album.albumType,
      artists: album.artists.map((artist) => this.#artist(artist)),
      external_urls: { spotify: `${this.#openBase()}/album/${album.id}` },
      href: `${base}/v1/albums/${album.id}`,
      id: album.id,
      images: IMAGE_SIZES.map(({ size, prefix }) => ({
        height: size,
        url: `${this.#imageBase()}/${prefix}${this.#imageHash(album)}`,
        width: size,
      })),
      name: album.name,
      release_date: album.releaseDate,
      release_date_precision: album.releaseDatePrecision,
      total_tracks: album.totalTracks,
      type: 'album',
      uri: `spotify:album:${album.id}`,
    };
  }

  #artist(artist: ChartArtist): unknown {
    return {
      external_urls: { spotify: `${this.#openBase()}/artist/${artist.id}` },
      href: `${this.#apiBase()}/v1/artists/${artist.id}`,
      id: artist.id,
      name: artist.name,
      type: 'artist',
      uri: `spotify:artist:${artist.id}`,
    };
  }

  // ---------------------------------------------------------------- chart clock

  #tick(): number {
    return chartTick({
      manualTicks: this.#manualTicks,
      startedAt: this.#startedAt,
      now: this.#clock(),
      intervalMs: this.#chartIntervalMs,
    });
  }

  #chartView(): unknown {
    const chart = this.currentChart();
    return {
      tick: chart.tick,
      total: chart.ids.length,
      ids: chart.ids,
      albums: chart.albums.map((album, index) => ({
        position: index + 1,
        id: album.id,
        name: album.name,
        artists: album.artists.map((artist) => artist.name),
        releaseDate: album.releaseDate,
      })),
    };
  }

  #restart(): void {
    this.#startedAt = this.#clock();
    this.#manualTicks = 0;
    this.#save();
  }

  #save(): void {
    this.#state?.write({
      version: 1,
      seed: this.#seed,
      chartIntervalMs: this.#chartIntervalMs,
      startedAt: this.#startedAt,
      manualTicks: this.#manualTicks,
    });
  }

  /** Takes up the kept chart clock: true when one was kept for the same seed and interval. */
  #restore(): boolean {
    const kept = this.#state?.read();
    if (!Value.Check(ChartStateSchema, kept)) return false;
    if (kept.seed !== this.#seed || kept.chartIntervalMs !== this.#chartIntervalMs) return false;
    this.#startedAt = kept.startedAt;
    this.#manualTicks = kept.manualTicks;
    return true;
  }

  // ---------------------------------------------------------------- links, covers and pages

  #apiBase(): string {
    return this.#publicUrl() ?? SPOTIFY_API;
  }

  #openBase(): string {
    const base = this.#publicUrl();
    return base === undefined ? SPOTIFY_OPEN : `${base}${SPOTIFY_OPEN_PATH}`;
  }

  #imageBase(): string {
    const base = this.#publicUrl();
    return base === undefined ? `${SPOTIFY_IMAGES}/image` : `${base}${SPOTIFY_IMAGE_PATH}`;
  }

  #imageHash(album: CatalogAlbum): string {
    return derivedToken(this.#seed, `cover:${album.id}`, '0123456789abcdef', 24);
  }

  #cover(file: string, reply: FastifyReply): FastifyReply {
    const size = IMAGE_SIZES.find(({ prefix }) => file.startsWith(prefix));
    const album = size === undefined ? undefined : this.#byImageHash.get(file.slice(size.prefix.length));
    if (size === undefined || album === undefined) throw new SandboxNotFoundError(`No cover ${file}`);
    return reply
      .header('content-type', 'image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .send(coverSvg(album.id, initials(album.name), size.size));
  }

  #albumPage(id: string): string | undefined {
    const album = chartCatalog(this.#seed).albums.find((candidate) => candidate.id === id);
    if (album === undefined) return undefined;
    const artists = album.artists
      .map((artist) => `<a href="${SPOTIFY_OPEN_PATH}/artist/${artist.id}">${escapeHtml(artist.name)}</a>`)
      .join(', ');
    const body =
      `<p><small>Spotify sandbox · ${escapeHtml(album.albumType)} · ${escapeHtml(album.releaseDate)}</small></p>\n` +
      `<img src="${SPOTIFY_IMAGE_PATH}/${IMAGE_SIZES[1].prefix}${this.#imageHash(album)}" width="300" height="300" alt="">\n` +
      `<h1>${escapeHtml(album.name)}</h1>\n<p>${artists} · ${album.totalTracks} tracks</p>`;
    return htmlPage(`${album.name} – Spotify sandbox`, body);
  }

  #artistPage(id: string): string | undefined {
    const albums = chartCatalog(this.#seed).albums.filter((album) => album.artists.some((artist) => artist.id === id));
    const artist = albums[0]?.artists.find((candidate) => candidate.id === id);
    if (artist === undefined) return undefined;
    const list = albums
      .map(
        (album) =>
          `<li><a href="${SPOTIFY_OPEN_PATH}/album/${album.id}">${escapeHtml(album.name)}</a> ` +
          `<small>${escapeHtml(album.releaseDate)}</small></li>`,
      )
      .join('\n');
    return htmlPage(
      `${artist.name} – Spotify sandbox`,
      `<p><small>Spotify sandbox · artist</small></p>\n<h1>${escapeHtml(artist.name)}</h1>\n<ul>\n${list}\n</ul>`,
    );
  }
}

// ------------------------------------------------------------------ helpers

const ERROR_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Invalid access token',
  403: 'Forbidden',
  404: 'Not found',
  429: 'API rate limit exceeded',
  500: 'Server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

function spotifyError(status: number, message: string): FaultResponse {
  return jsonResponse(status, { error: { status, message } });
}

/** A 401 with the `WWW-Authenticate` challenge Spotify sends along. */
function unauthorized(message: string, status = 401): FaultResponse {
  return {
    ...spotifyError(status, message),
    headers: { 'www-authenticate': `Bearer realm="spotify", error="invalid_token", error_description="${message}"` },
  };
}

function sendFault(reply: FastifyReply, response: FaultResponse): FastifyReply {
  reply.code(response.status).header('content-type', response.contentType);
  for (const [name, value] of Object.entries(response.headers ?? {})) reply.header(name, value);
  return reply.send(response.body);
}

function page(reply: FastifyReply, html: string | undefined): FastifyReply {
  return html === undefined
    ? reply.code(404).type('text/html; charset=utf-8').send(htmlPage('Not found', '<h1>Not found</h1>'))
    : reply.type('text/html; charset=utf-8').send(html);
}

/** `Authorization: Basic base64(id:secret)`, decoded; undefined when absent or malformed. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const encoded = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '')?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** OAuth also allows the credentials as form fields. */
function formCredentials(form: Record<string, unknown>): { id: string; secret: string } | undefined {
  const { client_id: id, client_secret: secret } = form;
  return typeof id === 'string' && typeof secret === 'string' ? { id, secret } : undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A whole number from a query parameter; `fallback` when absent; undefined when not a whole number. */
function integerParam(raw: string | undefined, fallback: number): number | undefined {
  if (raw === undefined) return fallback;
  return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
}

/** Up to two letters for a placeholder cover: the first letters of the first two words. */
function initials(name: string): string {
  return name
    .split(/\s+/)
    .map((word) => [...word.replace(/[^\p{L}\p{N}]/gu, '')][0] ?? '')
    .filter((letter) => letter !== '')
    .slice(0, 2)
    .join('')
    .toUpperCase();
}
