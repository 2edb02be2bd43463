/**
 * JioSaavn emulation: `GET /api.php?__call=…` in the real shapes (UPSTREAMS.md §1), over a seeded catalog that
 * releases new albums over time and occasionally corrects a released song's metadata.
 *
 * What the New Releases page (`content.getAlbums`) lists: one item per album, newest first — usually the album's lead
 * song (`type: "song"`), sometimes the album itself (`type: "album"`), and for some multi-song albums a second song
 * as its own item, so one album can appear twice with different songs. Wire quirks kept from the real site: HTML
 * entities in titles (`&quot;`, `&amp;`), string-typed numbers in v4 items, `-150x150.jpg` cover URLs, album items
 * with empty `year`/`play_count` (and now and then `song_count: "0"`), commas in permalink tokens.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
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
} from './catalog.ts';
import {
  SandboxInputError,
  SandboxNotFoundError,
  jsonResponse,
  type ControlRoute,
  type Emulation,
  type Fault,
  type FaultResponse,
  type QuirkKind,
} from './framework.ts';
import { derivedToken, hash32 } from './random.ts';

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
/** Host of permalinks (`perma_url`, `album_url`): a reserved `.test` name, so nothing points at the real site. */
export const JIOSAAVN_SITE = 'https://www.jiosaavn.test';
/** Cover host when the sandbox is not listening (or has no public URL). */
export const JIOSAAVN_CDN = 'https://c.saavncdn.test';
/** Path under the sandbox that serves placeholder covers once it listens. */
export const JIOSAAVN_CDN_PATH = '/__sandbox/jiosaavn/cdn';

const DAY_MS = 86_400_000;
const BACK_CATALOG_DAYS = 25;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
// Real permalink tokens contain commas (`nTgWx7gW,8U_`).
const URL_TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-,';
const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 10;

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
  /** The sandbox's public base URL once known (covers are then served by the sandbox itself). */
  publicUrl?: () => string | undefined;
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
  readonly url: string;
  readonly type: 'song' | 'album';
  /** The `more_info.song_count` it reports (upstream sometimes says "0"). */
  readonly reportedSongCount: string;
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
  readonly url: string;
}

type Query = Record<string, string | string[] | undefined>;

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
  ];

  readonly #seed: number;
  readonly #now: () => number;
  readonly #initialAlbums: number;
  readonly #correctionRate: number;
  readonly #releaseLanguages: readonly CatalogLanguage[];
  readonly #publicUrl: () => string | undefined;
  #timer: NodeJS.Timeout | undefined;

  #catalog!: Catalog;
  #albums: AlbumState[] = [];
  #listings = new Map<CatalogLanguage, Listing[]>();
  #songs = new Map<string, SongEntry>();
  #songIdsByKey = new Map<number, string>();
  #seq = 0;
  #rotation = 0;

  constructor(options: JioSaavnOptions) {
    this.#seed = options.seed >>> 0;
    this.#now = options.now;
    this.#initialAlbums = Math.max(0, Math.trunc(options.initialAlbumsPerLanguage ?? 40));
    this.#correctionRate = Math.min(1, Math.max(0, options.correctionRate ?? 0.2));
    this.#releaseLanguages = options.releaseLanguages?.length ? options.releaseLanguages : DEFAULT_RELEASE_LANGUAGES;
    this.#publicUrl = options.publicUrl ?? (() => undefined);
    this.reset();
    const interval = options.releaseIntervalMs ?? 0;
    if (interval > 0) {
      this.#timer = setInterval(() => this.tick(), interval);
      // The clock must never keep a process (or a test run) alive on its own.
      this.#timer.unref();
    }
  }

  /** Rebuilds the seeded back catalog relative to the current clock; the release rotation starts over. */
  reset(): void {
    this.#catalog = new Catalog({ seed: this.#seed });
    this.#albums = [];
    this.#listings = new Map();
    this.#songs = new Map();
    this.#songIdsByKey = new Map();
    this.#seq = 0;
    this.#rotation = 0;
    const now = this.#now();
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
    const album = this.#catalog.createAlbum(language, this.#now(), albumRequest);
    return this.#view(this.#add(album, input, false));
  }

  /**
   * Corrects one released song's title, cover or duration (a random listed song and field by default) and returns
   * the field before and after. Throws {@link SandboxNotFoundError} for an unknown song id or when nothing is listed.
   */
  correct(request: CorrectionRequest = {}): Correction {
    const input = validateCorrection(request);
    const rng = this.#catalog.rng;
    let entry: SongEntry | undefined;
    if (input.songId !== undefined) {
      entry = this.#songs.get(input.songId);
      if (entry === undefined) throw new SandboxNotFoundError(`No released song ${input.songId}`);
    } else {
      const now = this.#now();
      // Corrections land where consumers look: songs listed in the release languages.
      const listed = this.#releaseLanguages
        .flatMap((language) => this.#listings.get(language) ?? [])
        .filter((listing) => listing.song !== undefined && listing.listedAt <= now)
        .sort((a, b) => a.seq - b.seq);
      if (listed.length === 0) throw new SandboxNotFoundError('No listed song to correct');
      const listing = rng.pick(listed);
      entry = this.#songs.get(this.#songId(listing.song as CatalogSong));
    }
    if (entry === undefined) throw new SandboxNotFoundError('No listed song to correct');
    const field = input.field ?? rng.pick(CORRECTABLE_FIELDS);
    const beforeImage = this.#songImage(entry.song, entry.album.album);
    const { before, after } = this.#catalog.correctSong(entry.song, field, this.#now());
    return {
      songId: entry.id,
      albumId: entry.album.id,
      language: entry.album.album.language,
      field,
      before: field === 'image' ? beforeImage : (before ?? ''),
      after: field === 'image' ? this.#songImage(entry.song, entry.album.album) : (after ?? ''),
    };
  }

  /** One release-clock step: releases an album in the next rotation language; with `correctionRate` also corrects a song. */
  tick(): TickResult {
    const released = this.release();
    const corrected =
      this.#correctionRate > 0 && this.#catalog.rng.chance(this.#correctionRate) ? this.correct() : null;
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
    return { now: new Date(this.#now()).toISOString(), albums };
  }

  /** Registers `GET /api.php` and the emulation's control routes. */
  register(app: FastifyInstance): void {
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
        .send(coverSvg(request.params.file)),
    );
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
    const now = this.#now();
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
    const now = this.#now();
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
      perma_url: entry.url,
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
        album_url: album.url,
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
      perma_url: state.url,
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
      media_preview_url: `https://preview.saavncdn.test/${album.album.imageShard}/${this.#token(`preview:${song.key}`, 'abcdef0123456789', 32)}_96_p.mp4`,
      perma_url: entry.url,
      album_url: album.url,
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
      perma_url: state.url,
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
      perma_url: `${JIOSAAVN_SITE}/artist/${slug(artist.name)}-songs/${this.#token(`artist-url:${artist.key}`, URL_TOKEN_ALPHABET, 11)}_`,
    };
  }

  // ---------------------------------------------------------------- state

  #add(album: CatalogAlbum, input: ValidRelease, backCatalog: boolean): AlbumState {
    const rng = this.#catalog.rng;
    const multi = album.songs.length > 1;
    const type = input.type ?? (multi && rng.chance(0.35) ? 'album' : 'song');
    const reportedSongCount = rng.chance(0.15) ? '0' : String(album.songs.length);
    const albumId = String(59_000_000 + (hash32(`${this.#seed}:album-base`) % 900_000) + album.key * 41);
    const state: AlbumState = {
      album,
      id: albumId,
      url: `${JIOSAAVN_SITE}/album/${slug(album.title)}/${this.#token(`album-url:${album.key}`, URL_TOKEN_ALPHABET, 11)}_`,
      type,
      reportedSongCount,
    };
    this.#albums.push(state);
    for (const song of album.songs) {
      const id = this.#assignSongId(song);
      this.#songs.set(id, {
        song,
        album: state,
        id,
        url: `${JIOSAAVN_SITE}/song/${slug(song.title)}/${this.#token(`song-url:${song.key}`, URL_TOKEN_ALPHABET, 11)}`,
      });
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
      listings.push({ seq: ++this.#seq, album: state, song, listedAt });
    }
    const lead = album.songs[0];
    if (lead !== undefined) listings.push({ seq: ++this.#seq, album: state, song: lead, listedAt: album.releasedAt });
    return state;
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
    const listedAt = new Map<number, number>();
    for (const listing of this.#listings.get(state.album.language) ?? []) {
      if (listing.album === state && listing.song !== undefined) listedAt.set(listing.song.key, listing.listedAt);
    }
    return {
      albumId: state.id,
      language: state.album.language,
      title: state.album.title,
      kind: state.album.kind,
      type: state.type,
      releaseDate: isoDate(state.album.releasedAt),
      releasedAt: new Date(state.album.releasedAt).toISOString(),
      url: state.url,
      songs: state.album.songs.map((song) => {
        const id = this.#songId(song);
        const at = listedAt.get(song.key);
        return {
          id,
          title: song.title,
          durationSeconds: song.durationSeconds,
          url: this.#songs.get(id)?.url ?? '',
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

  #albumImage(album: CatalogAlbum, stamp: number): string {
    const name = album.title
      .replace(/[^A-Za-z0-9]+/g, ' ')
      .trim()
      .replace(/ /g, '-');
    const language = album.language[0]?.toUpperCase() + album.language.slice(1);
    const year = isoDate(album.releasedAt).slice(0, 4);
    return `${this.#cdnBase()}/${album.imageShard}/${name}-${language}-${year}-${compactStamp(stamp)}-150x150.jpg`;
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

/** A placeholder cover: a colour from the file name and its initials, at the size the name asks for. */
function coverSvg(file: string): string {
  const size = /-(\d{2,4})x\d{2,4}\.\w+$/.exec(file)?.[1] ?? '150';
  const hue = hash32(file) % 360;
  const initials = file
    .split(/[-_]/)
    .filter((part) => /^[A-Za-z]/.test(part))
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase() ?? '')
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 100 100">` +
    `<rect width="100" height="100" fill="hsl(${hue},55%,42%)"/>` +
    `<text x="50" y="62" font-family="sans-serif" font-size="32" fill="#fff" text-anchor="middle">${initials}</text></svg>`
  );
}
