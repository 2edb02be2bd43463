/**
 * YouTube Data API v3 emulation: `GET /search` (search.list) and `GET /videos` (videos.list) in the real shapes
 * (UPSTREAMS.md §4), over the YouTube uploads of the sandbox's audio catalog (`src/sandbox/audio-catalog.ts`): for every
 * track of the Discogs releases, its official and `- Topic` uploads, lyric videos, live versions, covers, remixes,
 * karaoke, slowed, nightcore, sped-up, instrumental and hour-long uploads, plus the clips Discogs release pages link.
 * Both routes also answer under `/youtube/v3/…`, the real path prefix.
 *
 * Searches rank by relevance to `q` (title and channel words) with popularity and a little query-dependent noise, so
 * the official upload is often but not always first. Titles, descriptions and channel names in search results are
 * HTML-escaped (`&#39;`, `&amp;`, `&quot;`) as YouTube sends them; videos.list sends them raw. videos.list gives
 * `contentDetails.duration` in ISO 8601 (`PT4M13S`).
 *
 * The API key is checked (400 for a wrong one, 403 for none, in Google's error envelope). search.list has its own
 * daily quota (default 100 calls, 1 per call, pages included, as the current Google page says); once spent, every
 * search answers 403 `quotaExceeded` until the next midnight in the Pacific time zone on the sandbox clock.
 */
import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audioCatalog, findAudioUpload, searchAudioUploads, type AudioUpload } from '../../sandbox/audio-catalog.ts';
import {
  jsonResponse,
  type ControlRoute,
  type Emulation,
  type EmulationContext,
  type FaultResponse,
  type QuirkKind,
} from '../../sandbox/framework.ts';
import { coverSvg, escapeHtml } from '../../sandbox/media.ts';
import { derivedToken } from '../../sandbox/random.ts';

/** The API key the emulation accepts unless told another. */
export const SANDBOX_YOUTUBE_API_KEY = 'sandbox-youtube-key';
/** search.list calls a day unless told otherwise (Google's default for the search bucket). */
export const DEFAULT_YOUTUBE_DAILY_SEARCH_QUOTA = 100;

const NAME = 'youtube';
/** The endpoints the emulation answers (counter and fault endpoint names). */
export const YOUTUBE_ENDPOINTS = ['search', 'videos'] as const;
/** Thumbnail host when the sandbox has no public URL: a reserved `.test` name, so nothing points at YouTube. */
export const YOUTUBE_THUMBNAILS = 'https://i.ytimg.test';
/** Path under the sandbox serving thumbnails (`/<videoId>/<file>`). */
export const YOUTUBE_THUMBNAIL_PATH = '/__sandbox/youtube/vi';
/** The zone whose midnight resets the quota. */
const QUOTA_TIME_ZONE = 'America/Los_Angeles';

/** The message of Google's `quotaExceeded` error, verbatim. */
export const YOUTUBE_QUOTA_MESSAGE =
  'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.';
/** The whole 403 body of a spent quota, as YouTube sends it. */
export const YOUTUBE_QUOTA_EXCEEDED_BODY = {
  error: {
    code: 403,
    message: YOUTUBE_QUOTA_MESSAGE,
    errors: [{ message: YOUTUBE_QUOTA_MESSAGE, domain: 'youtube.quota', reason: 'quotaExceeded' }],
  },
};

const DEFAULT_MAX_RESULTS = 5;
const MAX_RESULTS = 50;
const MAX_VIDEO_IDS = 50;
const ETAG_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const THUMBNAILS = [
  { name: 'default', file: 'default.jpg', width: 120, height: 90 },
  { name: 'medium', file: 'mqdefault.jpg', width: 320, height: 180 },
  { name: 'high', file: 'hqdefault.jpg', width: 480, height: 360 },
] as const;
const VIDEO_THUMBNAILS = [
  ...THUMBNAILS,
  { name: 'standard', file: 'sddefault.jpg', width: 640, height: 480 },
  { name: 'maxres', file: 'maxresdefault.jpg', width: 1280, height: 720 },
] as const;
const SEARCH_PARTS = new Set(['id', 'snippet']);
const VIDEO_PARTS = new Set(['id', 'snippet', 'contentDetails', 'statistics']);

/** Options for {@link YouTubeEmulation}. */
export interface YouTubeOptions {
  /** Catalog seed (the Discogs and SoundCloud emulations use the same one). */
  seed: number;
  /** The sandbox clock (epoch ms): which Pacific day the quota belongs to. */
  now: () => number;
  apiKey?: string;
  /** search.list calls allowed per Pacific day (default 100). */
  dailySearchQuota?: number;
}

/** The quota as `GET /__sandbox/youtube/quota` shows it. */
export interface YouTubeQuotaView {
  dailySearchQuota: number;
  used: number;
  remaining: number;
  /** The Pacific date the count belongs to, `YYYY-MM-DD`. */
  day: string;
  /** The next Pacific midnight (ISO, UTC). */
  resetsAt: string;
}

/**
 * The YouTube emulation. Construct it and register it with a `SandboxFramework` (see `src/providers/sandboxes.ts`).
 */
export class YouTubeEmulation implements Emulation {
  readonly name = NAME;
  readonly description =
    'YouTube Data API v3: GET /search (search.list, daily quota) and GET /videos (videos.list, ISO 8601 durations)';
  readonly endpoints = YOUTUBE_ENDPOINTS;
  readonly quirks: Readonly<Record<string, QuirkKind>> = {
    quota_exceeded: {
      description: "The daily quota spent: 403 with Google's quotaExceeded body (UPSTREAMS.md §4)",
      respond: (fault): FaultResponse => jsonResponse(fault.status ?? 403, YOUTUBE_QUOTA_EXCEEDED_BODY),
    },
  };
  readonly controls: readonly ControlRoute[] = [
    {
      method: 'GET',
      path: '/__sandbox/youtube/quota',
      description: 'The search quota: { dailySearchQuota, used, remaining, day, resetsAt }',
    },
    {
      method: 'POST',
      path: '/__sandbox/youtube/quota/reset',
      description: "Gives back today's search quota; answers the quota",
    },
    { method: 'GET', path: `${YOUTUBE_THUMBNAIL_PATH}/:videoId/:file`, description: 'Thumbnails (SVG)' },
  ];

  readonly #seed: number;
  readonly #clock: () => number;
  readonly #apiKey: string;
  readonly #quota: number;
  #publicUrl: () => string | undefined = () => undefined;
  #day = '';
  #used = 0;

  constructor(options: YouTubeOptions) {
    this.#seed = options.seed >>> 0;
    this.#clock = options.now;
    this.#apiKey = options.apiKey ?? SANDBOX_YOUTUBE_API_KEY;
    const quota = options.dailySearchQuota ?? DEFAULT_YOUTUBE_DAILY_SEARCH_QUOTA;
    if (!Number.isInteger(quota) || quota < 0) throw new RangeError('dailySearchQuota must be a whole number ≥ 0');
    this.#quota = quota;
  }

  /** Today's quota back. */
  reset(): void {
    this.#used = 0;
    this.#day = pacificDate(this.#clock());
  }

  /** The search quota on the sandbox clock. */
  quota(): YouTubeQuotaView {
    this.#rollDay();
    const now = this.#clock();
    return {
      dailySearchQuota: this.#quota,
      used: this.#used,
      remaining: Math.max(0, this.#quota - this.#used),
      day: this.#day,
      resetsAt: new Date(nextPacificMidnight(now)).toISOString(),
    };
  }

  /** Gives back today's search quota. */
  resetQuota(): YouTubeQuotaView {
    this.#used = 0;
    return this.quota();
  }

  /** Google's error envelope with the reasons YouTube uses per status. */
  errorResponse(status: number): FaultResponse {
    const known = GOOGLE_ERRORS[status];
    if (known === undefined) return googleError(status, 'Error', 'error', 'global');
    return googleError(status, known.message, known.reason, 'global', known.status);
  }

  register(app: FastifyInstance, context: EmulationContext): void {
    this.#publicUrl = () => context.publicUrl()?.replace(/\/+$/, '');
    for (const prefix of ['', '/youtube/v3']) {
      app.get(
        `${prefix}/search`,
        { config: { sandbox: { target: NAME, endpoint: 'search' } } },
        async (request, reply) => this.#search(request, reply),
      );
      app.get(
        `${prefix}/videos`,
        { config: { sandbox: { target: NAME, endpoint: 'videos' } } },
        async (request, reply) => this.#videos(request, reply),
      );
    }
    app.get('/__sandbox/youtube/quota', async () => this.quota());
    app.post('/__sandbox/youtube/quota/reset', async () => this.resetQuota());
    app.get<{ Params: { videoId: string; file: string } }>(
      `${YOUTUBE_THUMBNAIL_PATH}/:videoId/:file`,
      async (request, reply) => {
        const size = VIDEO_THUMBNAILS.find((thumbnail) => thumbnail.file === request.params.file);
        const upload = findAudioUpload(this.#seed, `youtube:${request.params.videoId}`);
        if (size === undefined || upload === undefined) {
          return send(reply, googleError(404, 'Not Found', 'notFound', 'global'));
        }
        return reply
          .header('content-type', 'image/svg+xml')
          .header('cache-control', 'public, max-age=86400')
          .send(coverSvg(upload.key, upload.uploader.slice(0, 2).toUpperCase(), size.width));
      },
    );
  }

  // ---------------------------------------------------------------- search.list

  async #search(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const query = request.query as Record<string, string | string[] | undefined>;
    const keyFailure = this.#keyFailure(first(query.key));
    if (keyFailure !== undefined) return send(reply, keyFailure);
    const parts = this.#parts(first(query.part), SEARCH_PARTS);
    if ('error' in parts) return send(reply, parts.error);
    const maxResults = integer(first(query.maxResults), DEFAULT_MAX_RESULTS);
    if (maxResults === undefined || maxResults < 0 || maxResults > MAX_RESULTS) {
      return send(
        reply,
        googleError(
          400,
          `Invalid value '${first(query.maxResults) ?? ''}'. Values must be within the range: [0, 50]`,
          'invalidParameter',
          'youtube.parameter',
          'INVALID_ARGUMENT',
          { location: 'maxResults', locationType: 'parameter' },
        ),
      );
    }
    const token = first(query.pageToken);
    const offset = token === undefined || token === '' ? 0 : parsePageToken(token);
    if (offset === undefined) {
      return send(
        reply,
        googleError(400, 'The request specifies an invalid page token.', 'invalidPageToken', 'youtube.parameter'),
      );
    }
    // The quota is spent by every call that gets this far, pages included.
    this.#rollDay();
    if (this.#used >= this.#quota) return send(reply, jsonResponse(403, YOUTUBE_QUOTA_EXCEEDED_BODY));
    this.#used++;

    const q = first(query.q) ?? '';
    const type = first(query.type);
    const videos = type === undefined || type.split(',').includes('video');
    const hits = !videos
      ? []
      : q.trim() === ''
        ? [...this.#uploads()].sort((a, b) => b.plays - a.plays || a.key.localeCompare(b.key))
        : searchAudioUploads(this.#seed, 'youtube', q).map((hit) => hit.upload);
    const page = hits.slice(offset, offset + maxResults);
    const next =
      offset + maxResults < hits.length && maxResults > 0 ? pageToken(offset + maxResults, false) : undefined;
    const previous = offset > 0 ? pageToken(offset, true) : undefined;
    return reply.send({
      kind: 'youtube#searchListResponse',
      etag: this.#etag(`search:${q}:${offset}:${maxResults}`),
      ...(next !== undefined ? { nextPageToken: next } : {}),
      ...(previous !== undefined ? { prevPageToken: previous } : {}),
      regionCode: first(query.regionCode) ?? 'US',
      pageInfo: { totalResults: hits.length, resultsPerPage: maxResults },
      items: page.map((upload) => this.#searchResult(upload, parts.parts)),
    });
  }

  #searchResult(upload: AudioUpload, parts: ReadonlySet<string>): unknown {
    return {
      kind: 'youtube#searchResult',
      etag: this.#etag(`result:${upload.id}`),
      id: { kind: 'youtube#video', videoId: upload.id },
      ...(parts.has('snippet')
        ? {
            snippet: {
              publishedAt: upload.publishedAt,
              channelId: upload.uploaderId,
              title: escapeHtml(upload.title),
              description: escapeHtml(searchDescription(upload.description)),
              thumbnails: this.#thumbnails(upload, THUMBNAILS),
              channelTitle: escapeHtml(upload.uploader),
              liveBroadcastContent: 'none',
              publishTime: upload.publishedAt,
            },
          }
        : {}),
    };
  }

  // ---------------------------------------------------------------- videos.list

  async #videos(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const query = request.query as Record<string, string | string[] | undefined>;
    const keyFailure = this.#keyFailure(first(query.key));
    if (keyFailure !== undefined) return send(reply, keyFailure);
    const parts = this.#parts(first(query.part), VIDEO_PARTS);
    if ('error' in parts) return send(reply, parts.error);
    const ids = (first(query.id) ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    if (ids.length === 0) {
      return send(
        reply,
        googleError(
          400,
          'No filter selected. Expected one of: myRating, chart, id',
          'missingRequiredParameter',
          'youtube.parameter',
          'INVALID_ARGUMENT',
        ),
      );
    }
    if (ids.length > MAX_VIDEO_IDS) {
      return send(
        reply,
        googleError(400, 'The request specifies an invalid filter parameter.', 'invalidFilters', 'youtube.parameter'),
      );
    }
    const items = ids.flatMap((id) => {
      const upload = findAudioUpload(this.#seed, `youtube:${id}`);
      return upload === undefined ? [] : [this.#video(upload, parts.parts)];
    });
    return reply.send({
      kind: 'youtube#videoListResponse',
      etag: this.#etag(`videos:${ids.join(',')}`),
      items,
      pageInfo: { totalResults: items.length, resultsPerPage: items.length },
    });
  }

  #video(upload: AudioUpload, parts: ReadonlySet<string>): unknown {
    return {
      kind: 'youtube#video',
      etag: this.#etag(`video:${upload.id}`),
      id: upload.id,
      ...(parts.has('snippet')
        ? {
            snippet: {
              publishedAt: upload.publishedAt,
              channelId: upload.uploaderId,
              title: upload.title,
              description: upload.description,
              thumbnails: this.#thumbnails(upload, VIDEO_THUMBNAILS),
              channelTitle: upload.uploader,
              categoryId: '10',
              liveBroadcastContent: 'none',
              localized: { title: upload.title, description: upload.description },
              defaultAudioLanguage: 'en',
            },
          }
        : {}),
      ...(parts.has('contentDetails')
        ? {
            contentDetails: {
              duration: isoDuration(upload.durationMs / 1000),
              dimension: '2d',
              definition: 'hd',
              caption: 'false',
              licensedContent: upload.label === 'official' || upload.label === 'topic',
              contentRating: {},
              projection: 'rectangular',
            },
          }
        : {}),
      ...(parts.has('statistics')
        ? {
            statistics: {
              viewCount: String(upload.plays),
              likeCount: String(upload.likes),
              favoriteCount: '0',
              commentCount: String(upload.comments),
            },
          }
        : {}),
    };
  }

  // ---------------------------------------------------------------- shared

  #keyFailure(key: string | undefined): FaultResponse | undefined {
    if (key === undefined || key === '') {
      return googleError(403, 'The request is missing a valid API key.', 'forbidden', 'global', 'PERMISSION_DENIED');
    }
    if (same(key, this.#apiKey)) return undefined;
    const invalid = googleError(
      400,
      'API key not valid. Please pass a valid API key.',
      'badRequest',
      'global',
      'INVALID_ARGUMENT',
    );
    const body = JSON.parse(invalid.body) as { error: Record<string, unknown> };
    body.error.details = [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'youtube.googleapis.com' },
      },
    ];
    return jsonResponse(400, body);
  }

  #parts(
    raw: string | undefined,
    allowed: ReadonlySet<string>,
  ): { parts: ReadonlySet<string> } | { error: FaultResponse } {
    if (raw === undefined || raw.trim() === '') {
      return {
        error: googleError(400, 'Required parameter: part', 'required', 'global', 'INVALID_ARGUMENT', {
          location: 'part',
          locationType: 'parameter',
        }),
      };
    }
    const parts = raw.split(',').map((part) => part.trim());
    const unknown = parts.find((part) => !allowed.has(part));
    if (unknown !== undefined) {
      return {
        error: googleError(400, `'${unknown}'`, 'unknownPart', 'youtube.part', 'INVALID_ARGUMENT', {
          location: 'part',
          locationType: 'parameter',
        }),
      };
    }
    return { parts: new Set(parts) };
  }

  #rollDay(): void {
    const day = pacificDate(this.#clock());
    if (day !== this.#day) {
      this.#day = day;
      this.#used = 0;
    }
  }

  #uploads(): AudioUpload[] {
    return audioCatalog(this.#seed).uploads.filter((upload) => upload.platform === 'youtube');
  }

  #thumbnails(
    upload: AudioUpload,
    sizes: readonly { name: string; file: string; width: number; height: number }[],
  ): Record<string, unknown> {
    const base = this.#publicUrl();
    const host = base === undefined ? `${YOUTUBE_THUMBNAILS}/vi` : `${base}${YOUTUBE_THUMBNAIL_PATH}`;
    return Object.fromEntries(
      sizes.map(({ name, file, width, height }) => [name, { url: `${host}/${upload.id}/${file}`, width, height }]),
    );
  }

  #etag(label: string): string {
    return derivedToken(this.#seed, `youtube:etag:${label}`, ETAG_ALPHABET, 27);
  }
}

// ------------------------------------------------------------------ helpers

const GOOGLE_ERRORS: Readonly<Record<number, { message: string; reason: string; status: string }>> = {
  400: { message: 'Bad Request', reason: 'badRequest', status: 'INVALID_ARGUMENT' },
  401: { message: 'Request had invalid authentication credentials.', reason: 'authError', status: 'UNAUTHENTICATED' },
  403: { message: 'The caller does not have permission', reason: 'forbidden', status: 'PERMISSION_DENIED' },
  404: { message: 'Not Found', reason: 'notFound', status: 'NOT_FOUND' },
  429: {
    message: 'Resource has been exhausted (e.g. check quota).',
    reason: 'rateLimitExceeded',
    status: 'RESOURCE_EXHAUSTED',
  },
  500: { message: 'Internal error encountered.', reason: 'backendError', status: 'INTERNAL' },
  503: { message: 'The service is currently unavailable.', reason: 'backendError', status: 'UNAVAILABLE' },
};

/** Google's error envelope: `{"error":{"code","message","errors":[{message,domain,reason}],"status"}}`. */
function googleError(
  code: number,
  message: string,
  reason: string,
  domain: string,
  status?: string,
  extra: Record<string, string> = {},
): FaultResponse {
  return jsonResponse(code, {
    error: {
      code,
      message,
      errors: [{ message, domain, reason, ...extra }],
      ...(status !== undefined ? { status } : {}),
    },
  });
}

function send(reply: FastifyReply, response: FaultResponse): FastifyReply {
  reply.code(response.status).header('content-type', response.contentType);
  for (const [name, value] of Object.entries(response.headers ?? {})) reply.header(name, value);
  return reply.send(response.body);
}

/** search.list shows a description as one line, cut near 160 characters with ` ...`. */
function searchDescription(description: string): string {
  const line = description.replace(/\s+/g, ' ').trim();
  if (line.length <= 160) return line;
  const cut = line.slice(0, 157);
  const space = cut.lastIndexOf(' ');
  return `${space > 100 ? cut.slice(0, space) : cut} ...`;
}

/** ISO 8601 duration as YouTube writes it: `PT4M13S`, `PT1H2M`, `PT45S`, `P0D`. */
export function isoDuration(totalSeconds: number): string {
  const seconds = Math.round(totalSeconds);
  if (seconds <= 0) return 'P0D';
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  return `PT${hours > 0 ? `${hours}H` : ''}${minutes > 0 ? `${minutes}M` : ''}${rest > 0 ? `${rest}S` : ''}`;
}

/**
 * Page tokens as YouTube's look: base64 of a tiny protobuf, field 1 the offset, field 2 the direction (`CAUQAA` is
 * "offset 5, forward").
 */
function pageToken(offset: number, back: boolean): string {
  const bytes = [0x08];
  let value = offset;
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  bytes.push(0x10, back ? 1 : 0);
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

function parsePageToken(token: string): number | undefined {
  if (!/^[A-Za-z0-9+/_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes[0] !== 0x08) return undefined;
  let offset = 0;
  let shift = 0;
  let index = 1;
  for (;;) {
    const byte = bytes[index++];
    if (byte === undefined || shift > 28) return undefined;
    offset |= (byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) === 0) break;
  }
  if (bytes[index] !== 0x10 || (bytes[index + 1] !== 0 && bytes[index + 1] !== 1) || bytes.length !== index + 2) {
    return undefined;
  }
  return offset;
}

const pacificDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: QUOTA_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const pacificClock = new Intl.DateTimeFormat('en-US', {
  timeZone: QUOTA_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** The Pacific calendar date of an instant, `YYYY-MM-DD`. */
export function pacificDate(ms: number): string {
  return pacificDay.format(new Date(ms));
}

/** How far Pacific wall time is ahead of UTC at an instant (negative: −7 or −8 hours). */
function pacificOffsetMs(ms: number): number {
  const parts = Object.fromEntries(
    pacificClock.formatToParts(new Date(ms)).map((part) => [part.type, Number(part.value)]),
  );
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The first instant of the next Pacific calendar day after `ms`. */
export function nextPacificMidnight(ms: number): number {
  const [year, month, day] = pacificDate(ms).split('-').map(Number);
  const wallMidnight = Date.UTC(year ?? 1970, (month ?? 1) - 1, (day ?? 1) + 1);
  // The offset at midnight may differ from the offset now (a daylight-saving change that day); two steps settle it.
  const guess = wallMidnight - pacificOffsetMs(wallMidnight);
  return wallMidnight - pacificOffsetMs(guess);
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
