/**
 * SoundCloud emulation: the client-credentials token (`POST /oauth/token`, the secure.soundcloud.com host) and track
 * search (`GET /tracks?q=…`, the api.soundcloud.com host) in the real shapes (UPSTREAMS.md §5), over the SoundCloud
 * uploads of the sandbox's audio catalog (`src/sandbox/audio-catalog.ts`): official uploads by the artists, remixes,
 * nightcore, slowed and sped-up edits, covers, bootlegs, karaoke and other artists' songs with the same titles. Both
 * hosts live on the sandbox origin, so `SOUNDCLOUD_AUTH_URL` and `SOUNDCLOUD_API_URL` both point at it.
 *
 * Tokens last `tokenTtlSeconds` (default 3600) on the sandbox clock and come with a single-use refresh token. Searches
 * want `Authorization: OAuth <token>` and answer 401 in SoundCloud's error envelope without one or with an expired
 * one. With `linked_partitioning=true` a search answers `{ collection, next_href }` pages (follow `next_href` until it
 * is absent); without, a bare array, as the legacy API did. Tracks have the v1 shape of the recorded search; `duration`
 * is in milliseconds. Once the sandbox has a public URL, `permalink_url` opens a small page with a playable preview.
 */
import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audioCatalog, findAudioUpload, searchAudioUploads, type AudioUpload } from '../../sandbox/audio-catalog.ts';
import {
  SandboxNotFoundError,
  jsonResponse,
  type ControlRoute,
  type Emulation,
  type EmulationContext,
  type FaultResponse,
} from '../../sandbox/framework.ts';
import { coverSvg, escapeHtml, htmlPage, sendMedia, toneWav } from '../../sandbox/media.ts';
import { derivedToken, hash32 } from '../../sandbox/random.ts';

/** The client credentials the emulation accepts unless told others. */
export const SANDBOX_SOUNDCLOUD_CLIENT_ID = 'sandbox-soundcloud-id';
export const SANDBOX_SOUNDCLOUD_CLIENT_SECRET = 'sandbox-soundcloud-secret';

const NAME = 'soundcloud';
/** The endpoints the emulation answers (counter and fault endpoint names). */
export const SOUNDCLOUD_ENDPOINTS = ['token', 'tracks'] as const;
/** API host in links when the sandbox has no public URL: a reserved `.test` name, so nothing points at SoundCloud. */
export const SOUNDCLOUD_API = 'https://api.soundcloud.test';
/** Site host in `permalink_url` when the sandbox has no public URL. */
export const SOUNDCLOUD_WEB = 'https://soundcloud.test';
/** Artwork host when the sandbox has no public URL. */
export const SOUNDCLOUD_IMAGES = 'https://i1.sndcdn.test';
/** Path under the sandbox serving track pages, previews and artwork. */
export const SOUNDCLOUD_PAGE_PATH = '/__sandbox/soundcloud';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ERROR_LINK = 'https://developers.soundcloud.com/docs/api/explorer/open-api';

/** Options for {@link SoundCloudEmulation}. */
export interface SoundCloudOptions {
  /** Catalog seed (the Discogs and YouTube emulations use the same one). */
  seed: number;
  /** The sandbox clock (epoch ms): token expiry. */
  now: () => number;
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of access tokens (default 3600). */
  tokenTtlSeconds?: number;
}

/**
 * The SoundCloud emulation. Construct it and register it with a `SandboxFramework` (see `src/providers/sandboxes.ts`).
 */
export class SoundCloudEmulation implements Emulation {
  readonly name = NAME;
  readonly description =
    'SoundCloud API: POST /oauth/token (client credentials, refresh) and GET /tracks?q= (OAuth header, linked partitioning)';
  readonly endpoints = SOUNDCLOUD_ENDPOINTS;
  readonly controls: readonly ControlRoute[] = [
    {
      method: 'GET',
      path: `${SOUNDCLOUD_PAGE_PATH}/:user/:track`,
      description: 'Track page with a playable preview (permalink_url once the sandbox has a public URL)',
    },
    { method: 'GET', path: `${SOUNDCLOUD_PAGE_PATH}/artwork/:file`, description: 'Artwork (SVG)' },
  ];

  readonly #seed: number;
  readonly #clock: () => number;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #tokenTtlMs: number;
  #publicUrl: () => string | undefined = () => undefined;
  /** Issued access tokens and when they expire (clock ms). */
  #tokens = new Map<string, number>();
  /** Refresh tokens not used yet. */
  #refreshTokens = new Set<string>();
  #issued = 0;
  /** Bumped by `reset()`, so tokens issued before it are never issued again. */
  #generation = 0;
  #permalinks: ReadonlyMap<string, AudioUpload> | undefined;

  constructor(options: SoundCloudOptions) {
    this.#seed = options.seed >>> 0;
    this.#clock = options.now;
    this.#clientId = options.clientId ?? SANDBOX_SOUNDCLOUD_CLIENT_ID;
    this.#clientSecret = options.clientSecret ?? SANDBOX_SOUNDCLOUD_CLIENT_SECRET;
    this.#tokenTtlMs = Math.max(1, options.tokenTtlSeconds ?? 3600) * 1000;
  }

  /** Forgets issued tokens. */
  reset(): void {
    this.#tokens = new Map();
    this.#refreshTokens = new Set();
    this.#generation++;
  }

  /** SoundCloud's error envelope (`{code, message, link, status, errors, error}`). */
  errorResponse(status: number): FaultResponse {
    if (status === 429) {
      return jsonResponse(429, {
        errors: [
          {
            meta: {
              rate_limit: { group: 'plays', max_nr_of_requests: 15000, time_window: 'PT24H' },
              remaining_requests: 0,
              reset_time: soundcloudTime(this.#clock() + 3_600_000),
            },
          },
        ],
      });
    }
    return soundcloudError(status, STATUS_TEXT[status] ?? 'Error', '');
  }

  register(app: FastifyInstance, context: EmulationContext): void {
    this.#publicUrl = () => context.publicUrl()?.replace(/\/+$/, '');
    // The token endpoint takes a form body; the sandbox may already parse forms for another upstream.
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
      });
    }
    app.post('/oauth/token', { config: { sandbox: { target: NAME, endpoint: 'token' } } }, async (request, reply) =>
      this.#token(request, reply),
    );
    app.get('/tracks', { config: { sandbox: { target: NAME, endpoint: 'tracks' } } }, async (request, reply) =>
      this.#tracks(request, reply),
    );
    app.get<{ Params: { file: string } }>(`${SOUNDCLOUD_PAGE_PATH}/artwork/:file`, async (request, reply) => {
      const upload = this.#byFile(request.params.file, /^artworks-(\d+)-large\.svg$/);
      return reply
        .header('content-type', 'image/svg+xml')
        .header('cache-control', 'public, max-age=86400')
        .send(coverSvg(upload.key, upload.uploader.slice(0, 2).toUpperCase(), 500));
    });
    app.get<{ Params: { file: string } }>(`${SOUNDCLOUD_PAGE_PATH}/preview/:file`, async (request, reply) => {
      const upload = this.#byFile(request.params.file, /^(\d+)\.wav$/);
      return sendMedia(request, reply, toneWav(hash32(upload.key)), 'audio/wav');
    });
    app.get<{ Params: { user: string; track: string } }>(
      `${SOUNDCLOUD_PAGE_PATH}/:user/:track`,
      async (request, reply) => {
        const upload = this.#byPermalink().get(`${request.params.user}/${request.params.track}`);
        if (upload === undefined) {
          return reply.code(404).type('text/html; charset=utf-8').send(htmlPage('Not found', '<h1>Not found</h1>'));
        }
        const body =
          `<p><small>SoundCloud sandbox · ${escapeHtml(upload.uploader)}</small></p>\n` +
          `<h1>${escapeHtml(upload.title)}</h1>\n` +
          `<audio controls preload="none" src="${SOUNDCLOUD_PAGE_PATH}/preview/${upload.id}.wav"></audio>\n` +
          `<p><small>${formatLength(upload.durationMs)} · ${upload.plays.toLocaleString('en-US')} plays</small></p>`;
        return reply.type('text/html; charset=utf-8').send(htmlPage(`${upload.title} – SoundCloud sandbox`, body));
      },
    );
  }

  // ---------------------------------------------------------------- token

  async #token(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
      string,
      unknown
    >;
    const grant = form.grant_type;
    if (grant !== 'client_credentials' && grant !== 'refresh_token') {
      return reply.code(400).send({ error: 'unsupported_grant_type' });
    }
    const credentials = basicCredentials(request.headers.authorization) ?? formCredentials(form);
    if (
      credentials === undefined ||
      !same(credentials.id, this.#clientId) ||
      !same(credentials.secret, this.#clientSecret)
    ) {
      return reply.code(401).send({ error: 'invalid_client', error_description: 'Client authentication failed.' });
    }
    if (grant === 'refresh_token') {
      const refresh = form.refresh_token;
      // Refresh tokens are single-use: the first use consumes it.
      if (typeof refresh !== 'string' || !this.#refreshTokens.delete(refresh)) {
        return reply.code(400).send({ error: 'invalid_grant', error_description: 'The refresh token is invalid.' });
      }
    }
    const now = this.#clock();
    for (const [token, expiresAt] of this.#tokens) if (expiresAt <= now) this.#tokens.delete(token);
    const n = this.#issued++;
    const token = `2-${derivedToken(this.#seed, `soundcloud:token:${this.#generation}:${n}`, TOKEN_ALPHABET, 30)}`;
    const refresh = derivedToken(this.#seed, `soundcloud:refresh:${this.#generation}:${n}`, TOKEN_ALPHABET, 32);
    this.#tokens.set(token, now + this.#tokenTtlMs);
    this.#refreshTokens.add(refresh);
    return reply.header('cache-control', 'no-store').send({
      access_token: token,
      refresh_token: refresh,
      expires_in: this.#tokenTtlMs / 1000,
      scope: '',
    });
  }

  // ---------------------------------------------------------------- search

  async #tracks(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const header = request.headers.authorization?.trim() ?? '';
    if (header === '') {
      return send(
        reply,
        soundcloudError(
          401,
          'A request must contain the Authorization header. For details please refer to https://developers.soundcloud.com/blog/security-updates-api.',
          'invalid_token',
        ),
      );
    }
    const token = /^(?:OAuth|Bearer)\s+(\S+)$/i.exec(header)?.[1];
    const expiresAt = token === undefined ? undefined : this.#tokens.get(token);
    if (expiresAt === undefined || expiresAt <= this.#clock()) {
      return send(reply, soundcloudError(401, 'invalid_token', 'invalid_token'));
    }
    const query = request.query as Record<string, string | string[] | undefined>;
    const limit = integer(first(query.limit), DEFAULT_LIMIT);
    const offset = integer(first(query.offset), 0);
    if (limit === undefined || offset === undefined || limit < 1 || offset < 0) {
      return send(reply, soundcloudError(400, 'Invalid limit or offset.', 'bad_request'));
    }
    const size = Math.min(MAX_LIMIT, limit);
    const q = first(query.q) ?? '';
    const hits = q.trim() === '' ? [] : searchAudioUploads(this.#seed, 'soundcloud', q).map((hit) => hit.upload);
    const page = hits.slice(offset, offset + size).map((upload) => this.#track(upload));
    const linked = ['true', '1'].includes(first(query.linked_partitioning) ?? '');
    if (!linked) return reply.send(page);
    if (offset + size >= hits.length) return reply.send({ collection: page });
    const next = new URLSearchParams({
      q,
      limit: String(size),
      offset: String(offset + size),
      linked_partitioning: 'true',
    });
    return reply.send({ collection: page, next_href: `${this.#apiBase()}/tracks?${next.toString()}` });
  }

  /** A track in the v1 shape of the recorded search. */
  #track(upload: AudioUpload): unknown {
    const api = this.#apiBase();
    const created = soundcloudTime(Date.parse(upload.publishedAt));
    const userPermalink = upload.uploaderPermalink;
    const user = {
      avatar_url: `${this.#imageBase()}/avatars-${upload.uploaderId}-large.jpg`,
      id: Number(upload.uploaderId),
      kind: 'user',
      permalink_url: `${this.#webBase()}/${userPermalink}`,
      uri: `${api}/users/${upload.uploaderId}`,
      username: upload.uploader,
      permalink: userPermalink,
      last_modified: created,
    };
    return {
      id: Number(upload.id),
      kind: 'track',
      created_at: created,
      last_modified: created,
      permalink: upload.permalink,
      permalink_url: `${this.#webBase()}/${userPermalink}/${upload.permalink}`,
      title: upload.title,
      duration: upload.durationMs,
      sharing: 'public',
      waveform_url: `https://wave.sndcdn.test/${upload.id}_m.png`,
      stream_url: `${api}/tracks/${upload.id}/stream`,
      uri: `${api}/tracks/${upload.id}`,
      user_id: Number(upload.uploaderId),
      artwork_url: this.#artwork(upload),
      comment_count: upload.comments,
      commentable: true,
      description: upload.description,
      download_count: 0,
      downloadable: false,
      embeddable_by: 'all',
      favoritings_count: upload.likes,
      genre: upload.genre,
      isrc: null,
      label_id: null,
      label_name: null,
      license: 'all-rights-reserved',
      original_content_size: Math.round((upload.durationMs / 1000) * 176_400),
      original_format: 'wav',
      playback_count: upload.plays,
      purchase_title: null,
      purchase_url: null,
      release: '',
      release_day: null,
      release_month: null,
      release_year: null,
      reposts_count: Math.round(upload.likes / 10),
      state: 'finished',
      streamable: true,
      tag_list: '',
      track_type: null,
      user,
      likes_count: upload.likes,
      attachments_uri: `${api}/tracks/${upload.id}/attachments`,
      bpm: null,
      key_signature: '',
      user_favorite: false,
      user_playback_count: null,
      video_url: null,
      download_url: null,
      urn: `soundcloud:tracks:${upload.id}`,
      access: 'playable',
    };
  }

  /** Uploads by `<user permalink>/<track permalink>`, the path of a permalink URL. */
  #byPermalink(): ReadonlyMap<string, AudioUpload> {
    this.#permalinks ??= new Map(
      audioCatalog(this.#seed)
        .uploads.filter((upload) => upload.platform === 'soundcloud')
        .map((upload) => [`${upload.uploaderPermalink}/${upload.permalink}`, upload]),
    );
    return this.#permalinks;
  }

  #byFile(file: string, pattern: RegExp): AudioUpload {
    const id = pattern.exec(file)?.[1];
    const upload = id === undefined ? undefined : findAudioUpload(this.#seed, `soundcloud:${id}`);
    if (upload === undefined) throw new SandboxNotFoundError(`No SoundCloud track ${file}`);
    return upload;
  }

  #apiBase(): string {
    return this.#publicUrl() ?? SOUNDCLOUD_API;
  }

  #webBase(): string {
    const base = this.#publicUrl();
    return base === undefined ? SOUNDCLOUD_WEB : `${base}${SOUNDCLOUD_PAGE_PATH}`;
  }

  #imageBase(): string {
    const base = this.#publicUrl();
    return base === undefined ? SOUNDCLOUD_IMAGES : `${base}${SOUNDCLOUD_PAGE_PATH}/artwork`;
  }

  #artwork(upload: AudioUpload): string {
    const base = this.#publicUrl();
    return base === undefined
      ? `${SOUNDCLOUD_IMAGES}/artworks-${upload.id}-large.jpg`
      : `${base}${SOUNDCLOUD_PAGE_PATH}/artwork/artworks-${upload.id}-large.svg`;
  }
}

// ------------------------------------------------------------------ helpers

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** SoundCloud's error envelope, as its API sends it for 4xx answers. */
function soundcloudError(status: number, message: string, code: string): FaultResponse {
  return jsonResponse(status, {
    code: status,
    message,
    link: ERROR_LINK,
    status: `${status} - ${STATUS_TEXT[status] ?? 'Error'}`,
    errors: message === '' ? [] : [{ error_message: message }],
    error: null,
    ...(code !== '' ? { error_code: code } : {}),
  });
}

function send(reply: FastifyReply, response: FaultResponse): FastifyReply {
  reply.code(response.status).header('content-type', response.contentType);
  return reply.send(response.body);
}

/** SoundCloud's v1 timestamps: `2018/02/06 18:31:39 +0000`. */
function soundcloudTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '/')} ${iso.slice(11, 19)} +0000`;
}

function formatLength(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
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

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A whole number from a query parameter; `fallback` when absent; undefined when not a whole number. */
function integer(raw: string | undefined, fallback: number): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
}
