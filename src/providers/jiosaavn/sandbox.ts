/**
 * JioSaavn emulation: `GET /api.php?__call=…` in the real shapes (UPSTREAMS.md §1), over a seeded catalog that
 * releases new albums over time and occasionally corrects a released song's metadata.
 *
 * What the New Releases page (`content.getAlbums`) lists: one item per album, newest first — usually the album's lead
 * song (`type: "song"`), sometimes the album itself (`type: "album"`), and for some multi-song albums a second song
 * as its own item, so one album can appear twice with different songs. Wire quirks kept from the real site: HTML
 * entities in titles (`&quot;`, `&amp;`), string-typed numbers in v4 items, `-150x150.jpg` cover URLs, album items
 * with empty `year`/`play_count` (and now and then `song_count: "0"`), commas in permalink tokens.
 *
 * Once the sandbox has a public URL, the links in its answers lead back to it: covers to generated SVGs, song, album
 * and artist permalinks to small pages of the emulated site, where each song plays a generated tone. With a state
 * slot, the catalog survives restarts: the back catalog is rebuilt at its original time and every release and
 * correction since is replayed, so a restarted sandbox answers the same items and its clock goes on where it stopped.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import {
  CATALOG_LANGUAGES,
  CORRECTABLE_FIELDS,
  Catalog,
  isCatalogLanguage,
  type CatalogAlbum,
  type CatalogArtist,
  type CatalogLanguage,
  type CatalogSong,
  type CorrectableField,
} from '../../sandbox/catalog.ts';
import {
  SandboxInputError,
  SandboxNotFoundError,
  jsonResponse,
  type ControlRoute,
  type Emulation,
  type EmulationContext,
  type Fault,
  type FaultResponse,
  type QuirkKind,
} from '../../sandbox/framework.ts';
import { coverSvg, escapeHtml, htmlPage, sendMedia, toneWav } from '../../sandbox/media.ts';
import { derivedToken, hash32 } from '../../sandbox/random.ts';
import type { SandboxStateStore, StateSlot } from '../../sandbox/state.ts';

const NAME = 'jiosaavn';
/** `__call` values the emulation answers; anything else is counted as `jiosaavn:unknown`. */
export const JIOSAAVN_ENDPOINTS = ['content.getAlbums', 'song.getDetails', 'unknown'] as const;
/** Languages the release clock cycles through by default (the product's default `RELEASE_LANGUAGES` plus English). */
export const DEFAULT_RELEASE_LANGUAGES: readonly CatalogLanguage[] = [
  'hindi',
  'malayalam',
  'tamil',
  'telugu',
  'punjabi',
  'english',
];
/**
 * Host of permalinks (`perma_url`, `album_url`) when the sandbox has no public URL (e.g. with `app.inject()`): a
 * reserved `.test` name, so nothing points at the real site.
 */
export const JIOSAAVN_SITE = 'https://www.jiosaavn.test';
/** Path under the sandbox that serves the emulated site's song, album and artist pages once it has a public URL. */
export const JIOSAAVN_SITE_PATH = '/__sandbox/jiosaavn/site';
/** Cover host when the sandbox has no public URL. */
export const JIOSAAVN_CDN = 'https://c.saavncdn.test';
/** Path under the sandbox that serves placeholder covers once it has a public URL. */
export const JIOSAAVN_CDN_PATH = '/__sandbox/jiosaavn/cdn';
/** Path under the sandbox that serves each song's generated audio (`<song id>.wav`). */
export const JIOSAAVN_AUDIO_PATH = '/__sandbox/jiosaavn/audio';

const DAY_MS = 86_400_000;
const BACK_CATALOG_DAYS = 25;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
// Real permalink tokens contain commas (`nTgWx7gW,8U_`).
const URL_TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-,';
const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 10;
/** Length of the generated song previews, in seconds. */
const PREVIEW_SECONDS = 8;

/** Options for {@link JioSaavnEmulation}. */
export interface JioSaavnOptions {
  seed: number;
  /** The sandbox clock (epoch ms). */
  now: () => number;
  /** Albums per language released before start-up, spread over the last 25 days (default 40). */
  initialAlbumsPerLanguage?: number;
  /** A new album every this many ms; 0 disables the clock (default 0). */
  releaseIntervalMs?: number;
  /** Probability (0–1) that a clock tick also corrects a released song (default 0.2). */
  correctionRate?: number;
  /** Languages the clock releases in, round-robin (default {@link DEFAULT_RELEASE_LANGUAGES}). */
  releaseLanguages?: readonly CatalogLanguage[];
  /**
   * Where the catalog's history is kept between runs (slot `jiosaavn`). When it holds the history of a catalog with
   * the same seed and options, that catalog is restored and goes on from there; otherwise a new one starts there.
   */
  state?: SandboxStateStore;
}

/** Body of `POST /__sandbox/jiosaavn/release`; every field optional. */
export interface ReleaseRequest {
  /** A JioSaavn language name; default: the next language in the release rotation. */
  language?: string;
  /** Number of songs, 1–12; default random by album kind (1–6). */
  songs?: number;
  /** Album title (plain text; for one-song releases also the song title). */
  title?: string;
  /** How New Releases lists it: its lead song (`song`) or the album (`album`). Default random (mostly `song`). */
  type?: 'song' | 'album';
  /** For `type: "song"`: how many of its songs appear as separate items (1..songs). Default 1, sometimes 2. */
  listedSongs?: number;
}

/** A released album, as `release()` and `POST /__sandbox/jiosaavn/release` return it. Titles are plain text. */
export interface ReleasedAlbum {
  albumId: string;
  language: CatalogLanguage;
  title: string;
  kind: CatalogAlbum['kind'];
  /** How New Releases lists it. */
  type: 'song' | 'album';
  /** `YYYY-MM-DD` (UTC). */
  releaseDate: string;
  /** ISO instant. */
  releasedAt: string;
  url: string;
  songs: ReleasedSong[];
}

export interface ReleasedSong {
  id: string;
  title: string;
  durationSeconds: number;
  url: string;
  /** When it is listed as its own New Releases item (ISO); null when it is not. */
  listedAt: string | null;
}

/** Body of `POST /__sandbox/jiosaavn/correct`. */
export interface CorrectionRequest {
  /** Default: a random song listed on New Releases in one of the release languages. */
  songId?: string;
  /** Default: random. */
  field?: CorrectableField;
}

/** What a correction changed. Title: plain text; image: the cover URL; duration: seconds. */
export interface Correction {
  songId: string;
  albumId: string;
  language: CatalogLanguage;
  field: CorrectableField;
  before: string | number;
  after: string | number;
}

/** One release-clock step. */
export interface TickResult {
  released: ReleasedAlbum;
  corrected: Correction | null;
}

/** The released catalog, newest first (for tests and `GET /__sandbox/jiosaavn/catalog`). */
export interface CatalogView {
  now: string;
  albums: ReleasedAlbum[];
}

interface AlbumState {
  readonly album: CatalogAlbum;
  readonly id: string;
  /** Permalink token (the last path segment, without its trailing `_`). */
  readonly token: string;
  /** Permalink path on the site, e.g. `/album/ormakal/nTgWx7gW,8U_`. */
  readonly path: string;
  readonly type: 'song' | 'album';
  /** The `more_info.song_count` it reports (upstream sometimes says "0"). */
  readonly reportedSongCount: string;
  /** When each of its songs listed as its own item is listed, by song key. */
  readonly listedAt: Map<number, number>;
}

interface Listing {
  readonly seq: number;
  readonly album: AlbumState;
  /** Undefined for an album item. */
  readonly song: CatalogSong | undefined;
  readonly listedAt: number;
}

interface SongEntry {
  readonly song: CatalogSong;
  readonly album: AlbumState;
  readonly id: string;
  readonly token: string;
  /** Permalink path on the site, e.g. `/song/ormakal/Ab3dEf_gHiJ`. */
  readonly path: string;
}

type Query = Record<string, string | string[] | undefined>;

/**
 * What changed the catalog since its back catalog was built, in order: replaying it over the same seed rebuilds the
 * same catalog (ids, titles, covers, corrections). `clock` is a run of release-clock ticks at `first`, `first + every`, …
 */
const JournalEntrySchema = Type.Union([
  Type.Object({ op: Type.Literal('release'), at: Type.Number(), request: Type.Record(Type.String(), Type.Unknown()) }),
  Type.Object({ op: Type.Literal('correct'), at: Type.Number(), request: Type.Record(Type.String(), Type.Unknown()) }),
  Type.Object({ op: Type.Literal('tick'), at: Type.Number() }),
  Type.Object({
    op: Type.Literal('clock'),
    first: Type.Number(),
    every: Type.Integer({ minimum: 1 }),
    count: Type.Integer({ minimum: 0 }),
  }),
]);
type JournalEntry = Static<typeof JournalEntrySchema>;

/** The kept history of one catalog, with the options it depends on (another seed or options start a new one). */
const JournalSchema = Type.Object({
  version: Type.Literal(1),
  seed: Type.Number(),
  initialAlbumsPerLanguage: Type.Number(),
  correctionRate: Type.Number(),
  releaseLanguages: Type.Array(Type.String()),
  /** When the back catalog was built (epoch ms). */
  epoch: Type.Number(),
  log: Type.Array(JournalEntrySchema),
});
type Journal = Static<typeof JournalSchema>;

/**
 * The JioSaavn emulation. Construct it, register it with a {@link SandboxFramework}; drive it with
 * {@link JioSaavnEmulation.release}, {@link JioSaavnEmulation.correct} and {@link JioSaavnEmulation.tick} (or let its
 * clock tick every `releaseIntervalMs`).
 */
export class JioSaavnEmulation implements Emulation {
  readonly name = NAME;
  readonly description =
    'JioSaavn web API: GET /api.php?__call=content.getAlbums | song.getDetails (v4 and flat shapes)';
  readonly endpoints = JIOSAAVN_ENDPOINTS;
  readonly quirks: Readonly<Record<string, QuirkKind>> = {
    empty_json: {
      description:
        'What the WAF sends blocked clients: 200 with empty JSON. no_results → {"count":0,"last_page":true,"data":[]} ' +
        '(or [] for song.getDetails), object → {}, array → []',
      variants: ['no_results', 'object', 'array'],
      respond: (fault: Fault, endpoint: string): FaultResponse => {
        const status = fault.status ?? 200;
        switch (fault.variant ?? 'no_results') {
          case 'object':
            return jsonResponse(status, {});
          case 'array':
            return jsonResponse(status, []);
          default:
            return jsonResponse(
              status,
              endpoint === 'content.getAlbums' ? { count: 0, last_page: true, data: [] } : [],
            );
        }
      },
    },
  };
  readonly controls: readonly ControlRoute[] = [
    {
      method: 'POST',
      path: '/__sandbox/jiosaavn/release',
      description: 'Release one album now; answers 201 with the album, its songs and their ids',
      exampleBody: { language: 'malayalam', songs: 3, title: 'Ormakal', type: 'song', listedSongs: 2 },
    },
    {
      method: 'POST',
      path: '/__sandbox/jiosaavn/correct',
      description: 'Correct a released song (random listed one by default); answers with before/after',
      exampleBody: { songId: '<song id>', field: 'title' },
    },
    {
      method: 'POST',
      path: '/__sandbox/jiosaavn/tick',
      description: 'One release-clock step: a release, maybe a correction',
    },
    {
      method: 'GET',
      path: '/__sandbox/jiosaavn/catalog?language=hindi',
      description: 'Released albums and song ids, newest first',
    },
    { method: 'GET', path: `${JIOSAAVN_CDN_PATH}/:shard/:file`, description: 'Placeholder cover images (SVG)' },
    {
      method: 'GET',
      path: `${JIOSAAVN_SITE_PATH}/song/:slug/:token`,
      description:
        'Song page (the perma_url once the sandbox has a public URL) with a playable preview; also /album/…, /artist/…',
    },
    {
      method: 'GET',
      path: `${JIOSAAVN_AUDIO_PATH}/:songId.wav`,
      description: 'A generated preview tone of a song (WAV)',
    },
  ];

  readonly #seed: number;
  /** The sandbox clock. */
  readonly #clock: () => number;
  readonly #initialAlbums: number;
  readonly #correctionRate: number;
  readonly #releaseLanguages: readonly CatalogLanguage[];
  readonly #state: StateSlot | undefined;
  #publicUrl: () => string | undefined = () => undefined;
  #timer: NodeJS.Timeout | undefined;
  /** While an operation runs or is replayed: the time it happens at. */
  #at: number | undefined;
  #journal!: Journal;

  #catalog!: Catalog;
  #albums: AlbumState[] = [];
  #listings = new Map<CatalogLanguage, Listing[]>();
  /** Song listings in the release languages, in `seq` order: where random corrections land. */
  #correctable: Listing[] = [];
  /** The latest listing time in {@link #correctable}. */
  #correctableUntil = Number.NEGATIVE_INFINITY;
  #songs = new Map<string, SongEntry>();
  #songIdsByKey = new Map<number, string>();
  #songsByToken = new Map<string, SongEntry>();
  #albumsByToken = new Map<string, AlbumState>();
  #seq = 0;
  #rotation = 0;
  readonly #audio = new Map<string, Buffer>();

  constructor(options: JioSaavnOptions) {
    this.#seed = options.seed >>> 0;
    this.#clock = options.now;
    this.#initialAlbums = Math.max(0, Math.trunc(options.initialAlbumsPerLanguage ?? 40));
    this.#correctionRate = Math.min(1, Math.max(0, options.correctionRate ?? 0.2));
    this.#releaseLanguages = options.releaseLanguages?.length ? options.releaseLanguages : DEFAULT_RELEASE_LANGUAGES;
    this.#state = options.state?.slot(NAME);
    if (!this.#restore()) this.reset();
    const interval = options.releaseIntervalMs ?? 0;
    if (interval > 0) {
      // Clock ticks happen on a grid (start + n × interval), so the history records a run of them in one entry.
      let next = this.#clock() + interval;
      this.#timer = setInterval(() => {
        const now = this.#clock();
        // After a suspended process wakes up, the grid restarts at the present.
        const at = now - next >= interval ? now : next;
        next = at + interval;
        this.#clockTick(at, interval);
      }, interval);
      // The clock must never keep a process (or a test run) alive on its own.
      this.#timer.unref();
    }
  }

  /** Rebuilds the seeded back catalog relative to the current clock; the release rotation starts over. */
  reset(): void {
    const epoch = this.#clock();
    this.#rebuild(epoch);
    this.#journal = {
      version: 1,
      seed: this.#seed,
      initialAlbumsPerLanguage: this.#initialAlbums,
      correctionRate: this.#correctionRate,
      releaseLanguages: [...this.#releaseLanguages],
      epoch,
      log: [],
    };
    this.#save();
  }

  /** The catalog as it was at `epoch`: the back catalog only. */
  #rebuild(epoch: number): void {
    this.#catalog = new Catalog({ seed: this.#seed });
    this.#albums = [];
    this.#listings = new Map();
    this.#correctable = [];
    this.#correctableUntil = Number.NEGATIVE_INFINITY;
    this.#songs = new Map();
    this.#songIdsByKey = new Map();
    this.#songsByToken = new Map();
    this.#albumsByToken = new Map();
    this.#seq = 0;
    this.#rotation = 0;
    const now = epoch;
    const rng = this.#catalog.rng;
    for (const language of CATALOG_LANGUAGES) {
      const times: number[] = [];
      for (let i = 0; i < this.#initialAlbums; i++) {
        // Whole minutes, at least a minute old, over the last 25 days.
        const age = Math.max(60_000, Math.floor((rng.float() * BACK_CATALOG_DAYS * DAY_MS) / 60_000) * 60_000);
        times.push(now - age);
      }
      times.sort((a, b) => a - b);
      for (const releasedAt of times) this.#add(this.#catalog.createAlbum(language, releasedAt), {}, true);
    }
  }

  /** Stops the release clock. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Releases one album now (at the sandbox clock) and returns it with its songs' ids. Without a language it takes the
   * next one in the release rotation. Throws {@link SandboxInputError} on invalid input.
   */
  release(request: ReleaseRequest = {}): ReleasedAlbum {
    const input = validateRelease(request);
    return this.#record({ op: 'release', at: this.#clock(), request: { ...input } }, () => this.#release(input));
  }

  /**
   * Corrects one released song's title, cover or duration (a random listed song and field by default) and returns
   * the field before and after. Throws {@link SandboxNotFoundError} for an unknown song id or when nothing is listed.
   */
  correct(request: CorrectionRequest = {}): Correction {
    const input = validateCorrection(request);
    return this.#record({ op: 'correct', at: this.#clock(), request: { ...input } }, () => this.#correct(input));
  }

  /** One release-clock step: releases an album in the next rotation language; with `correctionRate` also corrects a song. */
  tick(): TickResult {
    return this.#record({ op: 'tick', at: this.#clock() }, () => this.#tick());
  }

  #time(): number {
    return this.#at ?? this.#clock();
  }

  /** Runs `operation` at `entry.at` and, when it succeeds, appends `entry` to the kept history. */
  #record<T>(entry: JournalEntry & { at: number }, operation: () => T): T {
    this.#at = entry.at;
    let result: T;
    try {
      result = operation();
    } finally {
      this.#at = undefined;
    }
    this.#journal.log.push(entry);
    this.#save();
    return result;
  }

  /** One tick of the release clock at `at`: kept as part of a run of ticks `every` ms apart. */
  #clockTick(at: number, every: number): void {
    this.#at = at;
    try {
      this.#tick();
    } finally {
      this.#at = undefined;
    }
    const last = this.#journal.log.at(-1);
    if (last?.op === 'clock' && last.every === every && last.first + last.count * every === at) last.count++;
    else this.#journal.log.push({ op: 'clock', first: at, every, count: 1 });
    this.#save();
  }

  #save(): void {
    this.#state?.write(this.#journal);
  }

  /** Restores the kept catalog: true when there was one made with the same seed and options. */
  #restore(): boolean {
    const stored = this.#state?.read();
    if (!Value.Check(JournalSchema, stored)) return false;
    const same =
      stored.seed === this.#seed &&
      stored.initialAlbumsPerLanguage === this.#initialAlbums &&
      stored.correctionRate === this.#correctionRate &&
      stored.releaseLanguages.join(',') === this.#releaseLanguages.join(',');
    if (!same) return false;
    try {
      this.#rebuild(stored.epoch);
      for (const entry of stored.log) this.#replay(entry);
    } catch {
      // A history this code cannot replay: start over.
      return false;
    } finally {
      this.#at = undefined;
    }
    this.#journal = stored;
    return true;
  }

  #replay(entry: JournalEntry): void {
    switch (entry.op) {
      case 'release':
        this.#at = entry.at;
        this.#release(validateRelease(entry.request));
        break;
      case 'correct':
        this.#at = entry.at;
        this.#correct(validateCorrection(entry.request));
        break;
      case 'tick':
        this.#at = entry.at;
        this.#tick();
        break;
      case 'clock':
        for (let i = 0; i < entry.count; i++) {
          this.#at = entry.first + i * entry.every;
          this.#tick();
        }
        break;
    }
  }

  #release(input: ValidRelease): ReleasedAlbum {
    let language: CatalogLanguage;
    if (input.language !== undefined) language = input.language;
    else {
      language = this.#releaseLanguages[this.#rotation % this.#releaseLanguages.length] ?? 'hindi';
      this.#rotation++;
    }
    const albumRequest = {
      ...(input.songs !== undefined ? { songs: input.songs } : {}),
      ...(input.title !== undefined ? { title: input.title } : {}),
    };
    const album = this.#catalog.createAlbum(language, this.#time(), albumRequest);
    return this.#view(this.#add(album, input, false));
  }

  #correct(input: CorrectionRequest): Correction {
    const rng = this.#catalog.rng;
    let entry: SongEntry | undefined;
    if (input.songId !== undefined) {
      entry = this.#songs.get(input.songId);
      if (entry === undefined) throw new SandboxNotFoundError(`No released song ${input.songId}`);
    } else {
      const now = this.#time();
      // Corrections land where consumers look: songs listed in the release languages.
      const listed =
        this.#correctableUntil <= now
          ? this.#correctable
          : this.#correctable.filter((listing) => listing.listedAt <= now);
      if (listed.length === 0) throw new SandboxNotFoundError('No listed song to correct');
      const listing = rng.pick(listed);
      entry = this.#songs.get(this.#songId(listing.song as CatalogSong));
    }
    if (entry === undefined) throw new SandboxNotFoundError('No listed song to correct');
    const field = input.field ?? rng.pick(CORRECTABLE_FIELDS);
    const beforeImage = this.#songImage(entry.song, entry.album.album);
    const { before, after } = this.#catalog.correctSong(entry.song, field, this.#time());
    return {
      songId: entry.id,
      albumId: entry.album.id,
      language: entry.album.album.language,
      field,
      before: field === 'image' ? beforeImage : (before ?? ''),
      after: field === 'image' ? this.#songImage(entry.song, entry.album.album) : (after ?? ''),
    };
  }

  #tick(): TickResult {
    const released = this.#release({});
    let corrected: Correction | null = null;
    if (this.#correctionRate > 0 && this.#catalog.rng.chance(this.#correctionRate)) {
      try {
        corrected = this.#correct({});
      } catch (err) {
        // Nothing listed yet to correct (a catalog without back catalog whose first release is an album item).
        if (!(err instanceof SandboxNotFoundError)) throw err;
      }
    }
    return { released, corrected };
  }

  /** Every released album (all languages, or one), newest first, with song ids and listing times. */
  catalog(language?: string): CatalogView {
    if (language !== undefined && !isCatalogLanguage(language)) {
      throw new SandboxInputError(`Unknown language "${language}"`);
    }
    const albums = this.#albums
      .filter((state) => language === undefined || state.album.language === language)
      .sort((a, b) => b.album.releasedAt - a.album.releasedAt || b.album.key - a.album.key)
      .map((state) => this.#view(state));
    return { now: new Date(this.#clock()).toISOString(), albums };
  }

  /** Registers `GET /api.php`, the emulation's control routes and the pages and media its links lead to. */
  register(app: FastifyInstance, context: EmulationContext): void {
    this.#publicUrl = () => context.publicUrl();
    app.get(
      '/api.php',
      {
        config: {
          sandbox: {
            target: NAME,
            endpoint: (request: FastifyRequest) => {
              const call = first((request.query as Query).__call);
              return call !== undefined &&
                (JIOSAAVN_ENDPOINTS as readonly string[]).includes(call) &&
                call !== 'unknown'
                ? call
                : 'unknown';
            },
          },
        },
      },
      async (request) => this.#api(request),
    );
    app.post('/__sandbox/jiosaavn/release', async (request, reply) =>
      reply.code(201).send(this.release(asObject(request.body) as ReleaseRequest)),
    );
    app.post('/__sandbox/jiosaavn/correct', async (request) =>
      this.correct(asObject(request.body) as CorrectionRequest),
    );
    app.post('/__sandbox/jiosaavn/tick', async () => this.tick());
    app.get<{ Querystring: { language?: string } }>('/__sandbox/jiosaavn/catalog', async (request) =>
      this.catalog(request.query.language || undefined),
    );
    app.get<{ Params: { shard: string; file: string } }>(`${JIOSAAVN_CDN_PATH}/:shard/:file`, async (request, reply) =>
      reply
        .header('content-type', 'image/svg+xml')
        .header('cache-control', 'public, max-age=86400')
        .send(placeholderCover(request.params.file)),
    );
    app.get<{ Params: { file: string } }>(`${JIOSAAVN_AUDIO_PATH}/:file`, async (request, reply) => {
      const songId = /^(.+)\.wav$/.exec(request.params.file)?.[1];
      const entry = songId === undefined ? undefined : this.#songs.get(songId);
      if (entry === undefined) throw new SandboxNotFoundError(`No released song ${request.params.file}`);
      return sendMedia(request, reply, this.#previewAudio(entry.id), 'audio/wav');
    });
    type PageParams = { Params: { slug: string; token: string } };
    const page = (reply: FastifyReply, html: string | undefined) =>
      html === undefined
        ? reply.code(404).type('text/html; charset=utf-8').send(htmlPage('Not found', '<h1>Not found</h1>'))
        : reply.type('text/html; charset=utf-8').send(html);
    app.get<PageParams>(`${JIOSAAVN_SITE_PATH}/song/:slug/:token`, async (request, reply) =>
      page(reply, this.#songPage(this.#songsByToken.get(request.params.token))),
    );
    app.get<PageParams>(`${JIOSAAVN_SITE_PATH}/album/:slug/:token`, async (request, reply) =>
      page(reply, this.#albumPage(this.#albumsByToken.get(request.params.token.replace(/_+$/, '')))),
    );
    app.get<PageParams>(`${JIOSAAVN_SITE_PATH}/artist/:slug/:token`, async (request, reply) =>
      page(reply, this.#artistPage(request.params.token.replace(/_+$/, ''))),
    );
  }

  // ---------------------------------------------------------------- site pages and media

  /** The generated preview of a song: a tone from its id, the same on every run. Recent ones are kept. */
  #previewAudio(songId: string): Buffer {
    let audio = this.#audio.get(songId);
    if (audio === undefined) {
      audio = toneWav(hash32(`${this.#seed}:audio:${songId}`), PREVIEW_SECONDS);
      if (this.#audio.size >= 16) this.#audio.delete(this.#audio.keys().next().value ?? '');
      this.#audio.set(songId, audio);
    }
    return audio;
  }

  #songPage(entry: SongEntry | undefined): string | undefined {
    if (entry === undefined) return undefined;
    const { song, album } = entry;
    const artists = song.artists.map((artist) => this.#artistLink(artist)).join(', ');
    const body =
      `<p><small>JioSaavn sandbox · ${escapeHtml(capitalize(album.album.language))}</small></p>\n` +
      `<img src="${this.#pageCover(this.#albumImagePath(album.album, song.imageStamp ?? album.album.imageStamp))}" ` +
      `width="250" height="250" alt="">\n<h1>${escapeHtml(song.title)}</h1>\n` +
      `<p>${artists} · <a href="${JIOSAAVN_SITE_PATH}${album.path}">${escapeHtml(album.album.title)}</a> · ` +
      `${formatDuration(song.durationSeconds)}</p>\n` +
      `<audio controls autoplay preload="auto" src="${this.#pageAudio(entry.id)}"></audio>\n` +
      `<p><small>The sandbox has no real audio: this is a generated ${PREVIEW_SECONDS}-second tone.</small></p>`;
    return htmlPage(`${song.title} – JioSaavn sandbox`, body);
  }

  #albumPage(state: AlbumState | undefined): string | undefined {
    if (state === undefined) return undefined;
    const album = state.album;
    const songs = album.songs
      .map((song) => {
        const entry = this.#songs.get(this.#songId(song));
        if (entry === undefined) return '';
        return (
          `<li><a href="${JIOSAAVN_SITE_PATH}${entry.path}">${escapeHtml(song.title)}</a> ` +
          `<small>${escapeHtml(song.artists.map((artist) => artist.name).join(', '))} · ` +
          `${formatDuration(song.durationSeconds)}</small><br>` +
          `<audio controls preload="none" src="${this.#pageAudio(entry.id)}"></audio></li>`
        );
      })
      .join('\n');
    const body =
      `<p><small>JioSaavn sandbox · ${escapeHtml(capitalize(album.language))} · ${isoDate(album.releasedAt)}</small></p>\n` +
      `<img src="${this.#pageCover(this.#albumImagePath(album, album.imageStamp))}" width="250" height="250" alt="">\n` +
      `<h1>${escapeHtml(album.title)}</h1>\n<p><small>${escapeHtml(album.label)}</small></p>\n<ol>\n${songs}\n</ol>`;
    return htmlPage(`${album.title} – JioSaavn sandbox`, body);
  }

  #artistPage(token: string): string | undefined {
    const artist = CATALOG_LANGUAGES.flatMap((language) => this.#catalog.artists(language)).find(
      (candidate) => this.#artistToken(candidate) === token,
    );
    if (artist === undefined) return undefined;
    const songs = [...this.#songs.values()]
      .filter((entry) => entry.song.artists.some((candidate) => candidate.key === artist.key))
      .sort((a, b) => b.album.album.releasedAt - a.album.album.releasedAt)
      .slice(0, 50)
      .map(
        (entry) =>
          `<li><a href="${JIOSAAVN_SITE_PATH}${entry.path}">${escapeHtml(entry.song.title)}</a> ` +
          `<small>${escapeHtml(entry.album.album.title)} · ${isoDate(entry.album.album.releasedAt)}</small></li>`,
      )
      .join('\n');
    const body =
      `<p><small>JioSaavn sandbox · ${escapeHtml(capitalize(artist.language))}</small></p>\n` +
      `<h1>${escapeHtml(artist.name)}</h1>\n<ol>\n${songs}\n</ol>`;
    return htmlPage(`${artist.name} – JioSaavn sandbox`, body);
  }

  #artistLink(artist: CatalogArtist): string {
    const path = `/artist/${slug(artist.name)}-songs/${this.#artistToken(artist)}_`;
    return `<a href="${JIOSAAVN_SITE_PATH}${path}">${escapeHtml(artist.name)}</a>`;
  }

  /** Pages link to the sandbox's own media by path, so they work at whatever address the browser used. */
  #pageCover(imagePath: string): string {
    return `${JIOSAAVN_CDN_PATH}${imagePath.replace(/-150x150\.jpg$/, '-500x500.jpg')}`;
  }

  #pageAudio(songId: string): string {
    return `${JIOSAAVN_AUDIO_PATH}/${encodeURIComponent(songId)}.wav`;
  }

  // ---------------------------------------------------------------- upstream API

  #api(request: FastifyRequest): unknown {
    const query = request.query as Query;
    const v4 = first(query.api_version) === '4';
    const call = first(query.__call);
    if (call === 'content.getAlbums') return this.#getAlbums(query, request.headers.cookie, v4);
    if (call === 'song.getDetails') return this.#getDetails(query, v4);
    // The real site answers unknown methods with 200 and an error object.
    return { error: { code: 'INPUT_INVALID', msg: 'Please provide a valid __call' } };
  }

  #getAlbums(query: Query, cookie: string | undefined, v4: boolean): unknown {
    // Languages come from `languages=` (comma list) or, as the website does, the `L=` cookie; Hindi by default.
    const requested = (first(query.languages) ?? languageCookie(cookie) ?? 'hindi')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(isCatalogLanguage);
    const languages = [...new Set(requested)];
    const size = clampInt(first(query.n), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const page = clampInt(first(query.p), 1, 1, Number.MAX_SAFE_INTEGER);
    const now = this.#clock();
    const visible = languages
      .flatMap((language) => this.#listings.get(language) ?? [])
      .filter((listing) => listing.listedAt <= now)
      .sort((a, b) => b.listedAt - a.listedAt || b.seq - a.seq);
    const start = (page - 1) * size;
    const items = visible.slice(start, start + size);
    // `count` is the total number of listed items (upstream's meaning is undocumented; see UPSTREAMS.md §1.1).
    return {
      count: visible.length,
      last_page: start + size >= visible.length,
      data: items.map((listing) => this.#renderListing(listing, v4, now)),
    };
  }

  #getDetails(query: Query, v4: boolean): unknown {
    const now = this.#clock();
    const ids = (first(query.pids) ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    const entries = [...new Set(ids)].map((id) => this.#songs.get(id)).filter((entry) => entry !== undefined);
    // Unknown ids are left out; when none is known the real site answers `[]`.
    if (entries.length === 0) return [];
    if (v4) return { songs: entries.map((entry) => this.#v4Song(entry, now)), modules: null };
    return Object.fromEntries(entries.map((entry) => [entry.id, this.#flatSong(entry, now)]));
  }

  #renderListing(listing: Listing, v4: boolean, now: number): unknown {
    if (listing.song === undefined) return v4 ? this.#v4Album(listing.album) : this.#flatAlbum(listing.album);
    const entry = this.#songs.get(this.#songId(listing.song));
    if (entry === undefined) throw new Error(`Listed song ${listing.song.key} has no id`);
    return v4 ? this.#v4Song(entry, now) : this.#flatSong(entry, now);
  }

  #v4Song(entry: SongEntry, now: number): Record<string, unknown> {
    const { song, album } = entry;
    const title = escapeEntities(song.title);
    const artists = song.artists.map((artist) => this.#v4Artist(artist, ''));
    const composers = album.album.composers.map((artist) => this.#v4Artist(artist, 'music'));
    const date = isoDate(album.album.releasedAt);
    const label = album.album.label;
    return {
      id: entry.id,
      title,
      subtitle: `${escapeEntities(song.artists.map((artist) => artist.name).join(', '))} - ${title}`,
      header_desc: '',
      type: 'song',
      perma_url: this.#siteUrl(entry.path),
      image: this.#songImage(song, album.album),
      language: album.album.language,
      year: date.slice(0, 4),
      play_count: String(playCount(song, album.album, now)),
      explicit_content: song.explicit ? '1' : '0',
      list_count: '0',
      list_type: '',
      list: '',
      more_info: {
        music: escapeEntities(album.album.composers.map((artist) => artist.name).join(', ')),
        album_id: album.id,
        album: escapeEntities(album.album.title),
        label,
        label_id: null,
        origin: 'none',
        is_dolby_content: false,
        '320kbps': 'true',
        encrypted_media_url: this.#token(`media:${song.key}`, ID_ALPHABET, 64),
        encrypted_cache_url: '',
        encrypted_drm_cache_url: '',
        encrypted_drm_media_url: '',
        album_url: this.#siteUrl(album.path),
        duration: String(song.durationSeconds),
        rights: { code: '0', cacheable: 'true', delete_cached_object: 'true', reason: '' },
        cache_state: 'false',
        has_lyrics: 'false',
        lyrics_snippet: '',
        starred: 'false',
        copyright_text: `© ${date.slice(0, 4)} ${label}`,
        artistMap: { primary_artists: artists, featured_artists: [], artists: [...artists, ...composers] },
        release_date: date,
        label_url: '',
        vcode: this.#token(`vcode:${song.key}`, '0123456789', 15),
        vlink: `https://jiotunepreview.jio.test/content/Converted/${this.#token(`vlink:${song.key}`, '0123456789', 15)}.mp3`,
        triller_available: false,
        request_jiotune_flag: false,
        webp: '',
      },
      button_tooltip_info: [],
    };
  }

  #v4Album(state: AlbumState): Record<string, unknown> {
    const album = state.album;
    return {
      id: state.id,
      title: escapeEntities(album.title),
      subtitle: '',
      header_desc: '',
      type: 'album',
      perma_url: this.#siteUrl(state.path),
      image: this.#albumImage(album, album.imageStamp),
      language: album.language,
      // Album items carry no year or play count upstream.
      year: '',
      play_count: '',
      explicit_content: '0',
      list_count: '0',
      list_type: '',
      list: '',
      more_info: {
        song_count: state.reportedSongCount,
        release_date: isoDate(album.releasedAt),
        artistMap: {
          primary_artists: [],
          featured_artists: [],
          artists: album.composers.map((artist) => this.#v4Artist(artist, 'music')),
        },
      },
      button_tooltip_info: [],
    };
  }

  #flatSong(entry: SongEntry, now: number): Record<string, unknown> {
    const { song, album } = entry;
    const date = isoDate(album.album.releasedAt);
    const primary = escapeEntities(song.artists.map((artist) => artist.name).join(', '));
    const composers = album.album.composers;
    return {
      id: entry.id,
      type: '',
      song: escapeEntities(song.title),
      album: escapeEntities(album.album.title),
      year: date.slice(0, 4),
      music: escapeEntities(composers.map((artist) => artist.name).join(', ')),
      music_id: composers.map((artist) => this.#artistId(artist)).join(', '),
      primary_artists: primary,
      primary_artists_id: song.artists.map((artist) => this.#artistId(artist)).join(', '),
      featured_artists: '',
      featured_artists_id: '',
      singers: primary,
      starring: '',
      image: this.#songImage(song, album.album),
      label: album.album.label,
      albumid: album.id,
      language: album.album.language,
      origin: 'none',
      play_count: playCount(song, album.album, now),
      copyright_text: `© ${date.slice(0, 4)} ${album.album.label}`,
      '320kbps': 'true',
      is_dolby_content: false,
      explicit_content: song.explicit ? 1 : 0,
      has_lyrics: 'false',
      lyrics_snippet: '',
      encrypted_media_url: this.#token(`media:${song.key}`, ID_ALPHABET, 64),
      encrypted_media_path: this.#token(`media-path:${song.key}`, ID_ALPHABET, 40),
      media_preview_url: this.#previewUrl(entry),
      perma_url: this.#siteUrl(entry.path),
      album_url: this.#siteUrl(album.path),
      duration: String(song.durationSeconds),
      rights: { code: 0, reason: '', cacheable: true, delete_cached_object: false },
      webp: false,
      cache_state: 'false',
      starred: 'false',
      release_date: date,
      vcode: this.#token(`vcode:${song.key}`, '0123456789', 15),
      vlink: `https://jiotunepreview.jio.test/content/Converted/${this.#token(`vlink:${song.key}`, '0123456789', 15)}.mp3`,
      triller_available: false,
      label_url: '',
      artistMap: Object.fromEntries(
        song.artists.map((artist) => [escapeEntities(artist.name), this.#artistId(artist)]),
      ),
    };
  }

  #flatAlbum(state: AlbumState): Record<string, unknown> {
    const album = state.album;
    const title = escapeEntities(album.title);
    return {
      id: state.id,
      type: 'album',
      title,
      name: title,
      albumid: state.id,
      year: isoDate(album.releasedAt).slice(0, 4),
      release_date: isoDate(album.releasedAt),
      language: album.language,
      primary_artists: escapeEntities(album.composers.map((artist) => artist.name).join(', ')),
      primary_artists_id: album.composers.map((artist) => this.#artistId(artist)).join(', '),
      image: this.#albumImage(album, album.imageStamp),
      perma_url: this.#siteUrl(state.path),
      song_count: state.reportedSongCount,
      play_count: '',
      explicit_content: 0,
    };
  }

  #v4Artist(artist: CatalogArtist, role: string): Record<string, unknown> {
    const stamp = compactStamp(
      1_600_000_000_000 + (hash32(`${this.#seed}:artist-image:${artist.key}`) % 100_000_000) * 1000,
    );
    return {
      id: this.#artistId(artist),
      name: artist.name,
      role,
      image: artist.hasImage
        ? `${this.#cdnBase()}/artists/${artist.name.replace(/[^A-Za-z0-9]+/g, '_')}_${stamp}_150x150.jpg`
        : '',
      type: 'artist',
      perma_url: this.#siteUrl(`/artist/${slug(artist.name)}-songs/${this.#artistToken(artist)}_`),
    };
  }

  // ---------------------------------------------------------------- state

  #add(album: CatalogAlbum, input: ValidRelease, backCatalog: boolean): AlbumState {
    const rng = this.#catalog.rng;
    const multi = album.songs.length > 1;
    const type = input.type ?? (multi && rng.chance(0.35) ? 'album' : 'song');
    const reportedSongCount = rng.chance(0.15) ? '0' : String(album.songs.length);
    const albumId = String(59_000_000 + (hash32(`${this.#seed}:album-base`) % 900_000) + album.key * 41);
    const albumToken = this.#token(`album-url:${album.key}`, URL_TOKEN_ALPHABET, 11);
    const state: AlbumState = {
      album,
      id: albumId,
      token: albumToken,
      path: `/album/${slug(album.title)}/${albumToken}_`,
      type,
      reportedSongCount,
      listedAt: new Map(),
    };
    this.#albums.push(state);
    this.#albumsByToken.set(albumToken, state);
    for (const song of album.songs) {
      const id = this.#assignSongId(song);
      const songToken = this.#token(`song-url:${song.key}`, URL_TOKEN_ALPHABET, 11);
      const entry: SongEntry = {
        song,
        album: state,
        id,
        token: songToken,
        path: `/song/${slug(song.title)}/${songToken}`,
      };
      this.#songs.set(id, entry);
      this.#songsByToken.set(songToken, entry);
    }

    const listings = this.#listings.get(album.language) ?? [];
    this.#listings.set(album.language, listings);
    if (type === 'album') {
      listings.push({ seq: ++this.#seq, album: state, song: undefined, listedAt: album.releasedAt });
      return state;
    }
    const listedSongs = input.listedSongs ?? (multi && rng.chance(0.35) ? 2 : 1);
    const extra = album.songs.slice(1, listedSongs);
    // Extra songs are listed after the lead: later the same day for the back catalog (so they land elsewhere in
    // the list), at once for a live release. The lead gets the highest sequence so it sorts first among equals.
    for (const song of extra) {
      const listedAt = backCatalog ? album.releasedAt + rng.int(10, 360) * 60_000 : album.releasedAt;
      this.#list(listings, { seq: ++this.#seq, album: state, song, listedAt });
    }
    const lead = album.songs[0];
    if (lead !== undefined)
      this.#list(listings, { seq: ++this.#seq, album: state, song: lead, listedAt: album.releasedAt });
    return state;
  }

  #list(listings: Listing[], listing: Listing): void {
    listings.push(listing);
    if (listing.song === undefined) return;
    listing.album.listedAt.set(listing.song.key, listing.listedAt);
    if (this.#releaseLanguages.includes(listing.album.album.language)) {
      this.#correctable.push(listing);
      this.#correctableUntil = Math.max(this.#correctableUntil, listing.listedAt);
    }
  }

  #assignSongId(song: CatalogSong): string {
    let id = this.#token(`song:${song.key}`, ID_ALPHABET, 8);
    for (let salt = 1; this.#songs.has(id); salt++) id = this.#token(`song:${song.key}:${salt}`, ID_ALPHABET, 8);
    this.#songIdsByKey.set(song.key, id);
    return id;
  }

  #songId(song: CatalogSong): string {
    const id = this.#songIdsByKey.get(song.key);
    if (id === undefined) throw new Error(`Song ${song.key} has no id`);
    return id;
  }

  #view(state: AlbumState): ReleasedAlbum {
    const listedAt = state.listedAt;
    return {
      albumId: state.id,
      language: state.album.language,
      title: state.album.title,
      kind: state.album.kind,
      type: state.type,
      releaseDate: isoDate(state.album.releasedAt),
      releasedAt: new Date(state.album.releasedAt).toISOString(),
      url: this.#siteUrl(state.path),
      songs: state.album.songs.map((song) => {
        const id = this.#songId(song);
        const at = listedAt.get(song.key);
        return {
          id,
          title: song.title,
          durationSeconds: song.durationSeconds,
          url: this.#siteUrl(this.#songs.get(id)?.path ?? ''),
          listedAt: at === undefined ? null : new Date(at).toISOString(),
        };
      }),
    };
  }

  #artistId(artist: CatalogArtist): string {
    return String(400_000 + (hash32(`${this.#seed}:artist-base`) % 100_000) + artist.key * 113);
  }

  #token(label: string, alphabet: string, length: number): string {
    return derivedToken(this.#seed, label, alphabet, length);
  }

  #cdnBase(): string {
    const base = this.#publicUrl();
    return base === undefined ? JIOSAAVN_CDN : `${base.replace(/\/+$/, '')}${JIOSAAVN_CDN_PATH}`;
  }

  /** A permalink: on the sandbox's own site pages once it has a public URL, else on the `.test` site. */
  #siteUrl(path: string): string {
    const base = this.#publicUrl();
    return base === undefined ? `${JIOSAAVN_SITE}${path}` : `${base.replace(/\/+$/, '')}${JIOSAAVN_SITE_PATH}${path}`;
  }

  /** The song's preview: the sandbox's generated audio once it has a public URL. */
  #previewUrl(entry: SongEntry): string {
    const base = this.#publicUrl();
    if (base !== undefined) return `${base.replace(/\/+$/, '')}${this.#pageAudio(entry.id)}`;
    const file = this.#token(`preview:${entry.song.key}`, 'abcdef0123456789', 32);
    return `https://preview.saavncdn.test/${entry.album.album.imageShard}/${file}_96_p.mp4`;
  }

  #artistToken(artist: CatalogArtist): string {
    return this.#token(`artist-url:${artist.key}`, URL_TOKEN_ALPHABET, 11);
  }

  #albumImage(album: CatalogAlbum, stamp: number): string {
    return `${this.#cdnBase()}${this.#albumImagePath(album, stamp)}`;
  }

  /** `/<shard>/<Name>-<Language>-<year>-<stamp>-150x150.jpg`, as upstream names covers. */
  #albumImagePath(album: CatalogAlbum, stamp: number): string {
    const name = album.title
      .replace(/[^A-Za-z0-9]+/g, ' ')
      .trim()
      .replace(/ /g, '-');
    const language = album.language[0]?.toUpperCase() + album.language.slice(1);
    const year = isoDate(album.releasedAt).slice(0, 4);
    return `/${album.imageShard}/${name}-${language}-${year}-${compactStamp(stamp)}-150x150.jpg`;
  }

  #songImage(song: CatalogSong, album: CatalogAlbum): string {
    return this.#albumImage(album, song.imageStamp ?? album.imageStamp);
  }
}

// ------------------------------------------------------------------ helpers

interface ValidRelease {
  language?: CatalogLanguage;
  songs?: number;
  title?: string;
  type?: 'song' | 'album';
  listedSongs?: number;
}

const RELEASE_KEYS = new Set(['language', 'songs', 'title', 'type', 'listedSongs']);
const CORRECTION_KEYS = new Set(['songId', 'field']);

function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new SandboxInputError('The body must be a JSON object');
  return body as Record<string, unknown>;
}

function checkKeys(body: Record<string, unknown>, allowed: Set<string>): void {
  for (const key of Object.keys(body)) {
    if (!allowed.has(key))
      throw new SandboxInputError(`Unknown property "${key}"; allowed: ${[...allowed].join(', ')}`);
  }
}

function validateRelease(request: ReleaseRequest): ValidRelease {
  const body = asObject(request);
  checkKeys(body, RELEASE_KEYS);
  const out: ValidRelease = {};
  if (body.language !== undefined) {
    if (typeof body.language !== 'string' || !isCatalogLanguage(body.language.toLowerCase())) {
      throw new SandboxInputError(`"language" must be one of: ${CATALOG_LANGUAGES.join(', ')}`);
    }
    out.language = body.language.toLowerCase() as CatalogLanguage;
  }
  if (body.songs !== undefined) out.songs = intIn(body.songs, 'songs', 1, 12);
  if (body.title !== undefined) {
    if (typeof body.title !== 'string' || body.title.trim() === '' || body.title.length > 200) {
      throw new SandboxInputError('"title" must be a non-empty string of at most 200 characters');
    }
    out.title = body.title.trim();
  }
  if (body.type !== undefined) {
    if (body.type !== 'song' && body.type !== 'album') throw new SandboxInputError('"type" must be "song" or "album"');
    out.type = body.type;
  }
  if (body.listedSongs !== undefined) {
    if (out.type === 'album') throw new SandboxInputError('"listedSongs" applies to type "song" only');
    out.listedSongs = intIn(body.listedSongs, 'listedSongs', 1, 12);
    out.type = 'song';
    if (out.songs === undefined && out.listedSongs > 1) out.songs = out.listedSongs;
    if (out.songs !== undefined && out.listedSongs > out.songs) {
      throw new SandboxInputError('"listedSongs" must not exceed "songs"');
    }
  }
  return out;
}

function validateCorrection(request: CorrectionRequest): CorrectionRequest {
  const body = asObject(request);
  checkKeys(body, CORRECTION_KEYS);
  const out: CorrectionRequest = {};
  if (body.songId !== undefined) {
    if (typeof body.songId !== 'string' || body.songId === '') throw new SandboxInputError('"songId" must be a string');
    out.songId = body.songId;
  }
  if (body.field !== undefined) {
    if (!CORRECTABLE_FIELDS.includes(body.field as CorrectableField)) {
      throw new SandboxInputError(`"field" must be one of: ${CORRECTABLE_FIELDS.join(', ')}`);
    }
    out.field = body.field as CorrectableField;
  }
  return out;
}

function intIn(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SandboxInputError(`"${name}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function clampInt(raw: string | undefined, fallback: number, min: number, max: number): number {
  const value = raw === undefined ? Number.NaN : Number.parseInt(raw, 10);
  if (!Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}

function languageCookie(cookie: string | undefined): string | undefined {
  const match = /(?:^|;\s*)L=([^;]*)/.exec(cookie ?? '');
  if (match?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

/** JioSaavn escapes `&` and `"` in titles and names (`(From &quot;Fateh&quot;)`); apostrophes stay raw. */
export function escapeEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function isoDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** `20241223020541`, as in upstream cover file names. */
function compactStamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\D/g, '').slice(0, 14);
}

function playCount(song: CatalogSong, album: CatalogAlbum, now: number): number {
  const minutes = Math.max(0, Math.floor((now - album.releasedAt) / 60_000));
  return song.basePlays + Math.floor(minutes * song.playsPerMinute);
}

/**
 * A placeholder cover for an upstream-style file name: a colour from the name (without its size, so every size of
 * one cover has the same colour) and its initials, at the size the name asks for.
 */
function placeholderCover(file: string): string {
  const size = Number(/[-_](\d{2,4})x\d{2,4}\.\w+$/.exec(file)?.[1] ?? '150');
  const initials = file
    .split(/[-_]/)
    .filter((part) => /^[A-Za-z]/.test(part))
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase() ?? '')
    .join('');
  return coverSvg(file.replace(/[-_]\d{2,4}x\d{2,4}(\.\w+)$/, '$1'), initials, Math.min(1000, size));
}

function capitalize(text: string): string {
  return (text[0]?.toUpperCase() ?? '') + text.slice(1);
}

/** `3:07`. */
function formatDuration(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
