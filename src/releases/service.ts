import { LRUCache } from 'lru-cache';
import { AppError, notFound } from '../errors.ts';
import type { Logger } from '../infra/logger.ts';
import type { Cache } from '../ports/cache.ts';
import type {
  AlbumReleases,
  LikeResult,
  PublicErrorCode,
  ReleaseList,
  RunSummary,
  SongDetail,
  SourceStatus,
} from './contract.ts';
import type { Presenter } from './present.ts';
import type { ReleasesRepository } from './repository.ts';

interface Cursor {
  sortDate: string;
  id: number;
}

/** Opaque keyset cursor: base64url of `YYYY-MM-DD|id` (the sort date and id of the last item served). */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.sortDate}|${cursor.id}`).toString('base64url');
}

/** The largest song id a cursor may name (ids are bigserial, kept below 2^53 so they stay exact in JSON). */
const MAX_CURSOR_ID = Number.MAX_SAFE_INTEGER;

/**
 * Parses a cursor from {@link encodeCursor}; throws a 400 error for anything else: text that is not canonical
 * base64url, a date that is not a real calendar date (`2026-02-30`), an id outside 1..2^53-1.
 */
export function decodeCursor(raw: string): Cursor {
  const invalid = () => new AppError('BACKBEAT_ERR_VALIDATION', 'cursor is not a cursor this API returned');
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(raw)) throw invalid();
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const match = /^(\d{4})-(\d{2})-(\d{2})\|([1-9]\d{0,15})$/.exec(text);
  if (!match || Buffer.from(text).toString('base64url') !== raw) throw invalid();
  const [year, month, day, id] = [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const realDate =
    year >= 1000 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!realDate || !Number.isSafeInteger(id) || id > MAX_CURSOR_ID) throw invalid();
  return { sortDate: `${match[1]}-${match[2]}-${match[3]}`, id };
}

/** A failure as public answers show it: a stable code and a short message from a fixed catalog. */
export interface PublicError {
  code: PublicErrorCode;
  message: string;
}

const DISPLAY_NAMES: Readonly<Record<string, string>> = { jiosaavn: 'JioSaavn' };

/** Why an upstream's body was refused, as the HTTP client and providers word it (only these are repeated). */
const MALFORMED_REASONS: Readonly<Record<string, string>> = {
  'empty body where JSON was expected': 'an empty body where JSON was expected',
  'HTML page where JSON was expected': 'an HTML page where JSON was expected',
  'body is not valid JSON': 'a body that is not valid JSON',
};
const BLOCK_REASONS = [
  'JSON array instead of the envelope',
  'JSON value is not an object',
  'empty JSON object',
  'envelope without a data array',
  'no items on page 1',
] as const;

/**
 * Pure: the public form of a stored failure text (`source_state.last_error`, a run error's `message`). The text is
 * matched against the messages upstream failures are known to have; only the catalog's own wording is returned,
 * never the stored text, so SQL, stack traces, paths and hostnames stay in the log and the database. Anything
 * unrecognised is `internal`.
 */
export function publicError(source: string, raw: string): PublicError {
  const name = DISPLAY_NAMES[source] ?? source;
  const text = raw.replace(/^[a-z0-9_-]{1,40}: /, '');
  const status = /^upstream answered ([1-5][0-9]{2})$/.exec(text);
  if (status) {
    const code = Number(status[1]);
    if (code === 429) return { code: 'upstream_rate_limited', message: `${name} answered 429 (too many requests)` };
    return { code: code >= 500 ? 'upstream_server' : 'upstream_client', message: `${name} answered ${code}` };
  }
  if (/^no answer within [0-9]+ ms$/.test(text)) {
    return { code: 'upstream_timeout', message: `${name} did not answer in time` };
  }
  if (text.startsWith('request failed (')) {
    return { code: 'upstream_network', message: `${name} could not be reached` };
  }
  const malformed = Object.hasOwn(MALFORMED_REASONS, text) ? MALFORMED_REASONS[text] : undefined;
  if (malformed) return { code: 'upstream_malformed', message: `${name} answered with ${malformed}` };
  if (text.startsWith('blocked (')) {
    const reason = BLOCK_REASONS.find((r) => text === `blocked (${r})`);
    return { code: 'upstream_blocked', message: `${name} blocked the request (${reason ?? 'an error answer'})` };
  }
  const limited = /^rate limited \((empty|paused)\)$/.exec(text);
  if (limited) {
    return {
      code: 'rate_limited',
      message: limited[1] === 'paused' ? `${name} asked us to wait` : `Our request budget for ${name} is used up`,
    };
  }
  if (text === 'upstream answered 429') {
    return { code: 'upstream_rate_limited', message: `${name} answered 429 (too many requests)` };
  }
  return { code: 'internal', message: 'Internal error (details are in the server log)' };
}

/**
 * Pure: a run summary as the admin API shows it. An error the catalog recognises as an upstream failure keeps its
 * message (operators want the detail); any other (a database error, a bug) gets the catalog's internal message, so
 * no SQL or stack text leaves the server even to an admin. The stored run keeps the original.
 */
export function publicRunSummary<S extends RunSummary>(summary: S): S {
  if (summary.errors.length === 0) return summary;
  return {
    ...summary,
    errors: summary.errors.map((e) => {
      const shown = publicError(e.source, e.message);
      return shown.code === 'internal' ? { ...e, message: shown.message } : e;
    }),
  };
}

const LIST_CACHE_PREFIX = 'releases:list:v1:';
/**
 * In-process memo of serialized pages: entries, bytes and lifetime (other processes' changes show within this).
 * Distinct cursors make distinct keys, so the byte bound is what holds memory under a crawl of every page.
 */
const MEMO_ENTRIES = 256;
const MEMO_MAX_BYTES = 8 * 1024 * 1024;
const MEMO_TTL_MS = 1000;

/** Approximate bytes a memo entry holds (UTF-16 strings: two bytes per code unit, key and page). */
function memoBytes(json: string, key: string): number {
  return 2 * (json.length + key.length) + 64;
}

/**
 * The read side of the releases job: lists, lookups and likes, shaped for the HTTP API.
 *
 * Anonymous list pages are cached, serialized, in the `Cache` port (shared by every process in scaled mode) for
 * `listCacheTtlMs`, and dropped by {@link ReleasesService.invalidate} whenever a fetch page writes, a run ends or a
 * like changes a count (a read racing a write can re-cache the older page for at most the TTL). A signed-in user's page is the
 * cached page plus one query for that user's likes. A cache that fails (Redis down) is skipped, not fatal. In front
 * of it, each process keeps the pages it served in the last second (cleared by its own writes and by release events
 * from other processes), so a hot list costs a map lookup.
 */
export class ReleasesService {
  readonly #repo: ReleasesRepository;
  readonly #cache: Cache | undefined;
  readonly #listCacheTtlMs: number;
  readonly #logger: Logger | undefined;
  /** Serialized pages this process served in the last second: spares even the shared cache's round trip. */
  readonly #memo: LRUCache<string, string>;
  readonly #sourceNames: readonly string[];
  readonly #clock: () => Date;
  readonly #present: Presenter;
  readonly #recentWindowDays: number;

  constructor(options: {
    repository: ReleasesRepository;
    sourceNames: readonly string[];
    clock?: () => Date;
    present: Presenter;
    recentWindowDays: number;
    cache?: Cache;
    /** How long a cached list page may be served (it is also dropped on every change). Default 10 s. */
    listCacheTtlMs?: number;
    /** Bound of this process's memo of list pages, in bytes (default 8 MiB; also at most 256 pages). */
    memoMaxBytes?: number;
    logger?: Logger;
  }) {
    this.#repo = options.repository;
    this.#cache = options.cache;
    this.#listCacheTtlMs = options.listCacheTtlMs ?? 10_000;
    this.#logger = options.logger;
    this.#sourceNames = options.sourceNames;
    this.#clock = options.clock ?? (() => new Date());
    this.#present = options.present;
    this.#recentWindowDays = options.recentWindowDays;
    this.#memo = new LRUCache({
      max: MEMO_ENTRIES,
      maxSize: options.memoMaxBytes ?? MEMO_MAX_BYTES,
      sizeCalculation: memoBytes,
      ttl: Math.min(MEMO_TTL_MS, this.#listCacheTtlMs),
    });
  }

  /**
   * Featured releases of the recent window, newest first, one per album, as a JSON string (what the route sends).
   * The anonymous page comes from the cache when it is there.
   */
  async listJson(query: { language?: string; limit: number; cursor?: string; userId?: string }): Promise<string> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const key = `${LIST_CACHE_PREFIX}${query.language ?? '*'}:${query.limit}:${query.cursor ?? ''}`;
    let json = this.#memo.get(key);
    if (json === undefined) {
      json = await this.#cacheGet(key);
      if (json === undefined) {
        json = JSON.stringify(await this.#list(query.language, query.limit, after));
        await this.#cacheSet(key, json);
      }
      this.#memo.set(key, json);
    }
    if (!query.userId) return json;
    const page = JSON.parse(json) as ReleaseList;
    const liked = await this.#repo.likedAmong(
      query.userId,
      page.items.map((i) => i.id),
    );
    for (const item of page.items) item.liked = liked.has(item.id);
    return JSON.stringify(page);
  }

  /** The list as an object (see {@link ReleasesService.listJson}). */
  async list(query: { language?: string; limit: number; cursor?: string; userId?: string }): Promise<ReleaseList> {
    return JSON.parse(await this.listJson(query)) as ReleaseList;
  }

  /** What this process's memo of list pages holds now: pages and their approximate bytes. */
  memoSize(): { entries: number; bytes: number } {
    return { entries: this.#memo.size, bytes: this.#memo.calculatedSize };
  }

  /** Drops this process's memo of list pages (other processes' writes arrive as bus events). */
  forgetLocal(): void {
    this.#memo.clear();
  }

  /** Drops every cached list page (after any write that changes what a list shows). */
  async invalidate(): Promise<void> {
    this.#memo.clear();
    if (!this.#cache) return;
    try {
      await this.#cache.deleteByPrefix(LIST_CACHE_PREFIX);
    } catch (err) {
      this.#logger?.warn({ event: 'list_cache_invalidate_failed', err: (err as Error).message });
    }
  }

  async #cacheGet(key: string): Promise<string | undefined> {
    if (!this.#cache) return undefined;
    try {
      return await this.#cache.get<string>(key);
    } catch {
      return undefined;
    }
  }

  async #cacheSet(key: string, json: string): Promise<void> {
    if (!this.#cache) return;
    try {
      await this.#cache.set(key, json, this.#listCacheTtlMs);
    } catch {
      // The cache is an accelerator: the next request reads the database again.
    }
  }

  async #list(language: string | undefined, limit: number, after: Cursor | undefined): Promise<ReleaseList> {
    const now = this.#clock();
    const since = new Date(now.getTime() - this.#recentWindowDays * 86_400_000).toISOString().slice(0, 10);
    const query = { language, limit: limit + 1, after, since };
    const [rows, sources] = await Promise.all([this.#repo.listFeatured(query), this.sources()]);
    const queryLimit = limit;
    const page = rows.slice(0, queryLimit);
    const last = page.at(-1);
    const nextCursor = rows.length > queryLimit && last ? encodeCursor({ sortDate: last.sortDate, id: last.id }) : null;
    return { items: page.map((s) => this.#present(s, now)), nextCursor, asOf: now.toISOString(), sources };
  }

  /**
   * Freshness of every configured source (`unknown` until its first run). A degraded source's error is shown in its
   * public form ({@link publicError}); the stored detail stays in the database and the log.
   */
  async sources(): Promise<SourceStatus[]> {
    const rows = await this.#repo.sources();
    return this.#sourceNames.map((name) => {
      const row = rows.find((r) => r.name === name);
      const error = row?.status === 'degraded' && row.lastError !== null ? publicError(name, row.lastError) : null;
      return {
        name,
        status: row?.status ?? 'unknown',
        lastSuccessAt: row?.lastSuccessAt?.toISOString() ?? null,
        lastError: error?.message ?? null,
        ...(error ? { lastErrorCode: error.code } : {}),
      };
    });
  }

  async song(id: number, userId?: string): Promise<SongDetail> {
    const song = await this.#repo.getSong(id, userId);
    if (!song) throw notFound(`No song with id ${id}`);
    return { ...this.#present(song, this.#clock()), metadata: song.metadata, fingerprint: song.fingerprint };
  }

  async album(name: string): Promise<AlbumReleases> {
    const songs = await this.#repo.songsByAlbumName(name);
    if (songs.length === 0) throw notFound(`No album named "${name}"`);
    const now = this.#clock();
    return { name: songs[0]!.album, items: songs.map((s) => this.#present(s, now)) };
  }

  async like(id: number, userId: string, liked: boolean): Promise<LikeResult> {
    const likes = await this.#repo.setLike(id, userId, liked);
    if (likes === undefined) throw notFound(`No song with id ${id}`);
    await this.invalidate();
    return { id, likes, liked };
  }
}
