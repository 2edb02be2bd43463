import { AppError, notFound } from '../errors.ts';
import { presentRelease, type Release } from './present.ts';
import type { ReleasesRepository } from './repository.ts';

export interface SourceFreshness {
  name: string;
  status: 'ok' | 'degraded' | 'unknown';
  lastSuccessAt: string | null;
  lastError: string | null;
}

export interface ReleaseList {
  items: Release[];
  nextCursor: string | null;
  asOf: string;
  sources: SourceFreshness[];
}

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

/** The read side of the releases job: lists, lookups and likes, shaped for the HTTP API. */
export class ReleasesService {
  readonly #repo: ReleasesRepository;
  readonly #sourceNames: readonly string[];
  readonly #clock: () => Date;
  readonly #newWindowDays: number;
  readonly #recentWindowDays: number;

  constructor(options: {
    repository: ReleasesRepository;
    sourceNames: readonly string[];
    clock?: () => Date;
    newWindowDays: number;
    recentWindowDays: number;
  }) {
    this.#repo = options.repository;
    this.#sourceNames = options.sourceNames;
    this.#clock = options.clock ?? (() => new Date());
    this.#newWindowDays = options.newWindowDays;
    this.#recentWindowDays = options.recentWindowDays;
  }

  present(song: Parameters<typeof presentRelease>[0], now = this.#clock()): Release {
    return presentRelease(song, now, this.#newWindowDays);
  }

  /** Featured releases of the recent window, newest first, one per album. */
  async list(query: { language?: string; limit: number; cursor?: string; userId?: string }): Promise<ReleaseList> {
    const now = this.#clock();
    const since = new Date(now.getTime() - this.#recentWindowDays * 86_400_000).toISOString().slice(0, 10);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const [rows, sources] = await Promise.all([
      this.#repo.listFeatured({ language: query.language, limit: query.limit + 1, after, since, userId: query.userId }),
      this.sources(),
    ]);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > query.limit && last
        ? encodeCursor({ sortDate: last.releaseDate ?? last.addedAt.toISOString().slice(0, 10), id: last.id })
        : null;
    return { items: page.map((s) => this.present(s, now)), nextCursor, asOf: now.toISOString(), sources };
  }

  /** Freshness of every configured source (`unknown` until its first run). */
  async sources(): Promise<SourceFreshness[]> {
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

  async song(id: number, userId?: string): Promise<Release & { metadata: unknown; fingerprint: string }> {
    const song = await this.#repo.getSong(id, userId);
    if (!song) throw notFound(`No song with id ${id}`);
    return { ...this.present(song), metadata: song.metadata, fingerprint: song.fingerprint };
  }

  async album(name: string): Promise<{ name: string; items: Release[] }> {
    const songs = await this.#repo.songsByAlbumName(name);
    if (songs.length === 0) throw notFound(`No album named "${name}"`);
    const now = this.#clock();
    return { name: songs[0]!.album, items: songs.map((s) => this.present(s, now)) };
  }

  async like(id: number, userId: string, liked: boolean): Promise<{ id: number; likes: number; liked: boolean }> {
    const likes = await this.#repo.setLike(id, userId, liked);
    if (likes === undefined) throw notFound(`No song with id ${id}`);
    return { id, likes, liked };
  }
}
