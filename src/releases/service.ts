import { LRUCache } from 'lru-cache';
import { AppError, notFound } from '../errors.ts';
import type { Logger } from '../infra/logger.ts';
import type { Cache } from '../ports/cache.ts';
import type { AlbumReleases, LikeResult, ReleaseList, SongDetail, SourceStatus } from './contract.ts';
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

/** Parses a cursor from {@link encodeCursor}; throws a 400 error for anything else. */
export function decodeCursor(raw: string): Cursor {
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const match = /^(\d{4}-\d{2}-\d{2})\|(\d{1,15})$/.exec(text);
  if (!match || Number.isNaN(Date.parse(match[1]!))) {
    throw new AppError('BACKBEAT_ERR_VALIDATION', 'cursor is not a cursor this API returned');
  }
  return { sortDate: match[1]!, id: Number(match[2]) };
}

const LIST_CACHE_PREFIX = 'releases:list:v1:';
/** In-process memo of serialized pages: entries and lifetime (other processes' changes show within this). */
const MEMO_ENTRIES = 256;
const MEMO_TTL_MS = 1000;

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
    this.#memo = new LRUCache({ max: MEMO_ENTRIES, ttl: Math.min(MEMO_TTL_MS, this.#listCacheTtlMs) });
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

  /** Freshness of every configured source (`unknown` until its first run). */
  async sources(): Promise<SourceStatus[]> {
    const rows = await this.#repo.sources();
    return this.#sourceNames.map((name) => {
      const row = rows.find((r) => r.name === name);
      return {
        name,
        status: row?.status ?? 'unknown',
        lastSuccessAt: row?.lastSuccessAt?.toISOString() ?? null,
        lastError: row?.status === 'degraded' ? row.lastError : null,
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
