import { randomUUID } from 'node:crypto';
import type { Album } from '../domain/album.ts';
import { AppError, notFound } from '../errors.ts';
import type { Logger } from '../infra/logger.ts';
import type { Bus } from '../ports/bus.ts';
import type {
  AppearanceHistory,
  CollectionAdded,
  CollectionItem,
  CollectionList,
  CollectionRemoved,
  EnrichmentProgress,
  ForcedSyncResult,
  SpotifyRawPage,
  SyncResult,
  TrendingDocument,
  TrendingStats,
} from './contract.ts';
import { sourceFailure } from './errors.ts';
import {
  presentArtist,
  presentListed,
  presentMatch,
  presentPopular,
  presentSource,
  summarizeAlbum,
  unknownAlbum,
} from './present.ts';
import { RANKING_RULE, albumHistorySummary, chartStats, rankPopularAlbums, rankTrendingArtists } from './ranking.ts';
import {
  EMPTY_DOCUMENT,
  storedMatch,
  type CacheEntry,
  type ListedAlbum,
  type MatchRow,
  type StoredDocument,
  type StoredSourceState,
  type TrendingRepository,
} from './repository.ts';

/** `cache_data.key` of the trending document (seed 002). */
export const TRENDING_KEY = 'spotify_trending';
/** `album_appearances.source` and the `sources` entry of Spotify's new-releases list. */
export const NEW_RELEASES_SOURCE = 'spotify_new_releases';

const DAY_MS = 86_400_000;
/** Ranked artists and albums kept in the document. */
const RANKED_LIMIT = 20;

/** What the service needs of Spotify: every page of the new-releases list, and one raw page. */
export interface NewReleasesSource {
  /** The whole list in chart order (every page up to the configured cap), mapped; `total` as Spotify counts it. */
  fetchAll(): Promise<{ albums: Album[]; total: number }>;
  /** One page as Spotify sends it. */
  rawPage(query: { limit: number; offset: number }): Promise<SpotifyRawPage>;
}

export type RefreshOutcome =
  | { outcome: 'refreshed'; queued: string[] }
  | { outcome: 'skipped' }
  | { outcome: 'backing_off'; retryAt: Date }
  | { outcome: 'joined' }
  | { outcome: 'failed'; error: string; errorCode: string; retryAfterMs: number }
  | { outcome: 'disabled' };

export interface TrendingServiceOptions {
  repository: TrendingRepository;
  /** Null when Spotify has no credentials: the job is disabled and says so. */
  spotify: NewReleasesSource | null;
  bus: Bus;
  logger: Logger;
  clock: () => Date;
  cacheDurationMs: number;
  rankingWindowDays: number;
  /** How long a refresh may hold the key's lease before another process may take over. */
  leaseMs: number;
  /** Called with the albums a refresh queued for MusicBrainz (newest first). */
  onQueued: (albumIds: string[]) => Promise<void>;
  /** How long a read's document stays memoised in this process (cleared by every change this process hears of). */
  memoMs?: number;
  /** How often a request waiting for another process's refresh looks again. */
  pollMs?: number;
  /** How long after a failed refresh a stale read waits before starting another (default 60 s). */
  failureBackoffMs?: number;
  /** The MusicBrainz requests a second the bucket allows now (null when it does not exist yet). */
  musicbrainzLimit?: () => Promise<number | null>;
}

/**
 * The Trending read side and its refresh, per seed 002: the cached document is answered from the database at once;
 * a stale read starts one background refresh (stale-while-revalidate); concurrent refreshes of the key coalesce into
 * one Spotify fetch across every process (the `cache_refreshes` lease, plus one in-flight promise per process);
 * a failed refresh keeps the last document, marked with its age and the error.
 */
export class TrendingService {
  readonly #repo: TrendingRepository;
  readonly #spotify: NewReleasesSource | null;
  readonly #bus: Bus;
  readonly #logger: Logger;
  readonly #clock: () => Date;
  readonly #cacheDurationMs: number;
  readonly #windowDays: number;
  readonly #leaseMs: number;
  readonly #onQueued: (albumIds: string[]) => Promise<void>;
  readonly #memoMs: number;
  readonly #pollMs: number;
  #inflight: Promise<RefreshOutcome> | undefined;
  #background = new Set<Promise<unknown>>();
  #memo:
    | { at: number; rest: Buffer; expires: Date | null; asOf: Date | null; refreshing: boolean; retryAt: number }
    | undefined;
  #lastStatus: string | undefined;
  readonly #failureBackoffMs: number;
  readonly #musicbrainzLimit: () => Promise<number | null>;

  constructor(options: TrendingServiceOptions) {
    this.#repo = options.repository;
    this.#spotify = options.spotify;
    this.#bus = options.bus;
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.#cacheDurationMs = options.cacheDurationMs;
    this.#windowDays = options.rankingWindowDays;
    this.#leaseMs = options.leaseMs;
    this.#onQueued = options.onQueued;
    this.#memoMs = options.memoMs ?? 1000;
    this.#pollMs = options.pollMs ?? 100;
    this.#failureBackoffMs = options.failureBackoffMs ?? 60_000;
    this.#musicbrainzLimit = options.musicbrainzLimit ?? (async () => null);
  }

  get enabled(): boolean {
    return this.#spotify !== null;
  }

  /** Forgets this process's memoised document (a refresh or a match anywhere changed it). */
  invalidate(): void {
    this.#memo = undefined;
  }

  /** The cached document, as `GET /api/cache/trending` answers it. A stale read starts a background refresh. */
  async read(): Promise<TrendingDocument> {
    return JSON.parse((await this.readBody()).toString('utf8')) as TrendingDocument;
  }

  /**
   * {@link read} serialized: the stored part is built and serialized once per change (and at most every `memoMs`),
   * and only the time-dependent fields (`stale`, `ageSeconds`, `refreshing`) are written per request.
   */
  async readBody(): Promise<Buffer> {
    const now = this.#clock();
    let memo = this.#memo;
    if (!memo || now.getTime() - memo.at >= this.#memoMs || now.getTime() < memo.at) {
      const [entry, state] = await Promise.all([
        this.#repo.getEntry(TRENDING_KEY),
        this.#repo.refreshState(TRENDING_KEY),
      ]);
      const body = await this.#build(entry);
      memo = {
        at: now.getTime(),
        // Kept as bytes without its opening brace: each answer is a short prefix plus these bytes, so the ~100 KB
        // document is not encoded from a string again per request (4,526 vs 1,247 answers a second, bench/trending.ts).
        rest: Buffer.from(JSON.stringify(body).slice(1), 'utf8'),
        expires: entry && body.asOf !== null ? entry.expires : null,
        asOf: body.asOf === null ? null : new Date(body.asOf),
        refreshing: state.refreshing,
        retryAt: state.retryAt?.getTime() ?? 0,
      };
      this.#memo = memo;
    }
    const stale = memo.expires === null || memo.expires.getTime() <= now.getTime();
    let refreshing = this.#inflight !== undefined || memo.refreshing;
    if (stale && this.enabled && !refreshing && now.getTime() >= memo.retryAt) {
      refreshing = true;
      this.#startBackground('stale_read');
    }
    const age = memo.asOf === null ? null : Math.max(0, Math.floor((now.getTime() - memo.asOf.getTime()) / 1000));
    const prefix = Buffer.from(`{"stale":${stale},"ageSeconds":${age},"refreshing":${refreshing},`, 'utf8');
    return Buffer.concat([prefix, memo.rest], prefix.length + memo.rest.length);
  }

  /** `GET /api/spotify/sync`: the cache when fresh, else a refresh (joined when one is running) and its result. */
  async sync(): Promise<SyncResult> {
    const entry = await this.#repo.getEntry(TRENDING_KEY);
    if (!this.enabled || (entry && entry.data.fetchedAt !== null && entry.expires > this.#clock())) {
      return { source: 'cache', data: await this.read() };
    }
    const result = await this.refresh({ force: false, reason: 'sync' });
    return { source: result.outcome === 'refreshed' ? 'fresh' : 'cache', data: await this.#fresh() };
  }

  /** `POST /api/admin/trending/sync`: refreshes now whatever the cache's age (or joins the refresh running). */
  async forceSync(): Promise<ForcedSyncResult> {
    if (!this.enabled) {
      throw new AppError(
        'BACKBEAT_ERR_UNAVAILABLE',
        'Trending is disabled: SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET are not set',
      );
    }
    const result = await this.refresh({ force: true, reason: 'admin' });
    const data = await this.#fresh();
    if (result.outcome === 'failed') {
      return { outcome: 'failed', error: result.error, errorCode: result.errorCode, data };
    }
    return { outcome: result.outcome === 'joined' ? 'joined' : 'refreshed', error: null, errorCode: null, data };
  }

  async #fresh(): Promise<TrendingDocument> {
    this.invalidate();
    return this.read();
  }

  /**
   * Refreshes the document from Spotify unless it is fresh (`force` refreshes anyway; `marginMs` treats a document
   * expiring that soon as stale). One refresh per process at a time (callers share it), and one across processes
   * (the lease): a caller that finds another process refreshing waits for it and answers `joined`.
   */
  refresh(options: { force: boolean; reason: string; marginMs?: number }): Promise<RefreshOutcome> {
    if (!this.#spotify) return Promise.resolve({ outcome: 'disabled' });
    if (this.#inflight) return this.#inflight.then((r) => (r.outcome === 'refreshed' ? { outcome: 'joined' } : r));
    const run = this.#refresh(this.#spotify, options).finally(() => {
      this.#inflight = undefined;
    });
    this.#inflight = run;
    return run;
  }

  async #refresh(
    spotify: NewReleasesSource,
    options: { force: boolean; reason: string; marginMs?: number },
  ): Promise<RefreshOutcome> {
    if (!options.force) {
      // A refresh failed recently (on any process): serve the cache until the backoff has passed.
      const { retryAt } = await this.#repo.refreshState(TRENDING_KEY);
      if (retryAt && retryAt.getTime() > this.#clock().getTime()) return { outcome: 'backing_off', retryAt };
    }
    const owner = randomUUID();
    if (!(await this.#repo.claimRefresh(TRENDING_KEY, owner, this.#leaseMs))) {
      await this.#waitForOtherRefresh();
      return { outcome: 'joined' };
    }
    let retryAfterMs: number | null = null;
    try {
      if (!options.force) {
        const entry = await this.#repo.getEntry(TRENDING_KEY);
        const freshUntil = this.#clock().getTime() + (options.marginMs ?? 0);
        if (entry && entry.data.fetchedAt !== null && entry.expires.getTime() > freshUntil) {
          return { outcome: 'skipped' };
        }
      }
      const result = await this.#fetchAndStore(spotify, options.reason);
      if (result.outcome === 'failed') retryAfterMs = Math.max(this.#failureBackoffMs, result.retryAfterMs);
      return result;
    } finally {
      await this.#repo.releaseRefresh(TRENDING_KEY, owner, retryAfterMs).catch((err: unknown) => {
        this.#logger.warn({ event: 'trending_lease_release_failed', err });
      });
      this.invalidate();
    }
  }

  async #waitForOtherRefresh(): Promise<void> {
    const deadline = Date.now() + this.#leaseMs;
    while (Date.now() < deadline && (await this.#repo.refreshState(TRENDING_KEY)).refreshing) {
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
    }
  }

  async #fetchAndStore(spotify: NewReleasesSource, reason: string): Promise<RefreshOutcome> {
    const started = this.#clock();
    const previous = await this.#repo.getEntry(TRENDING_KEY);
    const before = previous?.metadata.sources?.[NEW_RELEASES_SOURCE];
    let fetched: { albums: Album[]; total: number };
    try {
      fetched = await spotify.fetchAll();
    } catch (err) {
      const failure = sourceFailure(err);
      const state: StoredSourceState = {
        status: failure.status,
        lastSuccessAt: before?.lastSuccessAt ?? null,
        lastAttemptAt: started.toISOString(),
        lastError: failure.message,
        lastErrorCode: failure.code,
      };
      await this.#repo.recordSourceFailure(TRENDING_KEY, NEW_RELEASES_SOURCE, state);
      this.#noteStatus(`${failure.status}:${failure.code}`, () =>
        this.#logger.warn(
          {
            event: 'trending_source_failed',
            source: NEW_RELEASES_SOURCE,
            status: failure.status,
            code: failure.code,
            reason,
            err,
          },
          `Spotify new releases: ${failure.message}; serving the cached document`,
        ),
      );
      const waitMs = err instanceof Error && 'retryAfterMs' in err ? Number(err.retryAfterMs) : 0;
      await this.#publishRefreshed(previous?.data ?? EMPTY_DOCUMENT, false);
      return {
        outcome: 'failed',
        error: failure.message,
        errorCode: failure.code,
        retryAfterMs: Number.isFinite(waitMs) ? waitMs : 0,
      };
    }

    const seen = new Set<string>();
    const albums: ListedAlbum[] = [];
    for (const album of fetched.albums) {
      if (seen.has(album.id)) continue;
      seen.add(album.id);
      albums.push({ ...album, position: albums.length + 1 });
    }
    const seenAt = this.#clock();
    const state: StoredSourceState = {
      status: 'ok',
      lastSuccessAt: seenAt.toISOString(),
      lastAttemptAt: started.toISOString(),
      lastError: null,
      lastErrorCode: null,
    };
    const { queued, document } = await this.#repo.storeRefresh({
      key: TRENDING_KEY,
      source: NEW_RELEASES_SOURCE,
      seenAt,
      expires: new Date(seenAt.getTime() + this.#cacheDurationMs),
      albums,
      sourceState: state,
      buildDocument: (tx) => this.#rank(tx, albums, seenAt, fetched.total),
    });
    this.#noteStatus('ok', () => {
      if (before && before.status !== 'ok') {
        this.#logger.info(
          { event: 'trending_source_recovered', source: NEW_RELEASES_SOURCE },
          'Spotify new releases answer again',
        );
      }
    });
    this.#logger.info(
      { event: 'trending_refreshed', reason, albums: albums.length, total: fetched.total, queued: queued.length },
      'trending document refreshed',
    );
    await this.#publishRefreshed(document, true);
    if (queued.length > 0) await this.#onQueued(queued);
    return { outcome: 'refreshed', queued };
  }

  /** Logs a source's state once per change (not once per failed refresh). */
  #noteStatus(status: string, log: () => void): void {
    if (this.#lastStatus === status) return;
    this.#lastStatus = status;
    log();
  }

  async #publishRefreshed(document: StoredDocument, ok: boolean): Promise<void> {
    await this.#bus
      .publish('trending_refreshed', { key: TRENDING_KEY, asOf: document.fetchedAt, total: document.total, ok })
      .catch((err: unknown) => this.#logger.warn({ event: 'trending_publish_failed', err }));
  }

  /** The document of one refresh: the list, plus artists and albums ranked from the history (this one included). */
  async #rank(tx: TrendingRepository, albums: ListedAlbum[], seenAt: Date, total: number): Promise<StoredDocument> {
    const from = new Date(seenAt.getTime() - this.#windowDays * DAY_MS);
    const history = await tx.appearances({ from, to: seenAt });
    const ids = [...new Set(history.map((a) => a.albumId))];
    const infos = await tx.albumsByIds(ids);
    const popular = rankPopularAlbums(history, infos, { limit: RANKED_LIMIT });
    const artists = rankTrendingArtists(history, infos, { limit: RANKED_LIMIT });
    const imageByArtist = new Map<string, string | null>();
    for (const entry of popular) {
      const album = infos.get(entry.albumId);
      for (const artist of album?.artists ?? []) {
        if (!imageByArtist.has(artist.id)) imageByArtist.set(artist.id, album?.images[0]?.url ?? null);
      }
    }
    return {
      fetchedAt: seenAt.toISOString(),
      total,
      newReleases: albums,
      popularAlbums: popular.flatMap((entry) => {
        const album = infos.get(entry.albumId);
        return album
          ? [{ ...album, points: entry.points, appearances: entry.appearances, bestPosition: entry.bestPosition }]
          : [];
      }),
      trendingArtists: artists.map((artist) => ({
        id: artist.artistId,
        name: artist.name,
        points: artist.points,
        albums: artist.albums,
        appearances: artist.appearances,
        imageUrl: imageByArtist.get(artist.artistId) ?? this.#firstImage(infos, artist.artistId),
      })),
    };
  }

  #firstImage(infos: ReadonlyMap<string, Album>, artistId: string): string | null {
    for (const album of infos.values()) {
      if (album.artists.some((a) => a.id === artistId)) return album.images[0]?.url ?? null;
    }
    return null;
  }

  #startBackground(reason: string): void {
    const task = this.refresh({ force: false, reason }).catch((err: unknown) => {
      this.#logger.error({ event: 'trending_refresh_failed', reason, err }, 'background trending refresh failed');
    });
    this.#background.add(task);
    void task.finally(() => this.#background.delete(task));
  }

  /** Waits for this process's background refreshes (on shutdown). */
  async drain(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
    if (this.#inflight) await this.#inflight.catch(() => undefined);
  }

  async #build(entry: CacheEntry | undefined): Promise<Omit<TrendingDocument, 'stale' | 'ageSeconds' | 'refreshing'>> {
    const data = entry?.data ?? EMPTY_DOCUMENT;
    const ids = [...new Set([...data.newReleases.map((a) => a.id), ...data.popularAlbums.map((a) => a.id)])];
    const [matches, counts] = await Promise.all([this.#repo.matchesFor(ids), this.#repo.matchCounts()]);
    const stored = (id: string) => {
      const row = matches.get(id);
      return row ? storedMatch(row) : undefined;
    };
    const mbMatches: TrendingDocument['metadata']['mbMatches'] = {};
    for (const [id, row] of matches) {
      const shown = presentMatch(storedMatch(row));
      if (shown) mbMatches[id] = shown;
    }
    const sourceState = entry?.metadata.sources?.[NEW_RELEASES_SOURCE];
    const source = this.enabled
      ? presentSource(NEW_RELEASES_SOURCE, sourceState)
      : {
          ...presentSource(NEW_RELEASES_SOURCE, sourceState),
          status: 'disabled' as const,
          lastError: 'SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET are not set',
          lastErrorCode: 'disabled',
        };
    return {
      key: TRENDING_KEY,
      newReleases: data.newReleases.map((album) => presentListed(album, stored(album.id))),
      trendingArtists: data.trendingArtists.map(presentArtist),
      popularAlbums: data.popularAlbums.map((album) => presentPopular(album, stored(album.id))),
      total: data.total,
      asOf: data.fetchedAt,
      expires: data.fetchedAt === null || !entry ? null : entry.expires.toISOString(),
      sources: [source],
      rankingWindowDays: this.#windowDays,
      metadata: { mbMatches, enrichment: counts },
    };
  }

  /** `GET /api/spotify/trending`: one page straight from Spotify (the route limits how often a client may ask). */
  async raw(query: { limit: number; offset: number }): Promise<SpotifyRawPage> {
    if (!this.#spotify) {
      throw new AppError(
        'BACKBEAT_ERR_UNAVAILABLE',
        'Trending is disabled: SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET are not set',
      );
    }
    try {
      return await this.#spotify.rawPage(query);
    } catch (err) {
      const failure = sourceFailure(err);
      if (failure.code === 'internal') throw err;
      throw new AppError('BACKBEAT_ERR_UPSTREAM', failure.message, { upstream: 'spotify', code: failure.code });
    }
  }

  async #summaries(ids: readonly string[]) {
    const [albums, matches] = await Promise.all([this.#repo.albumsByIds(ids), this.#repo.matchesFor(ids)]);
    return (id: string) => {
      const album = albums.get(id);
      const match = matches.get(id);
      return album ? summarizeAlbum(album, match ? storedMatch(match) : undefined) : unknownAlbum(id);
    };
  }

  /** `GET /api/albums/appearances/:id`: 404 for an album no source ever listed. */
  async history(albumId: string): Promise<AppearanceHistory> {
    const album = await this.#repo.getAlbum(albumId);
    if (!album) throw notFound(`No trending album has id ${albumId}`);
    const rows = await this.#repo.appearances({ from: null, to: this.#clock(), albumId });
    const match = await this.#repo.getMatch(albumId);
    const summary = albumHistorySummary(rows);
    return {
      albumId,
      album: summarizeAlbum(album, match ? storedMatch(match) : undefined),
      history: rows.map((r) => ({ source: r.source, position: r.position, seenAt: r.seenAt.toISOString() })),
      summary: {
        firstSeenAt: summary.firstSeenAt?.toISOString() ?? null,
        lastSeenAt: summary.lastSeenAt?.toISOString() ?? null,
        peakPosition: summary.peakPosition,
        count: summary.count,
        sources: summary.sources,
      },
    };
  }

  /** `GET /api/stats/trending?days=N`: analytics over the last N days. */
  async stats(days: number, limit: number): Promise<TrendingStats> {
    const to = this.#clock();
    const from = new Date(to.getTime() - days * DAY_MS);
    const all = await this.#repo.appearances({ from: null, to });
    const inWindow = all.filter((a) => a.seenAt >= from);
    const ids = [...new Set(inWindow.map((a) => a.albumId))];
    const infos = await this.#repo.albumsByIds(ids);
    const stats = chartStats(all, infos, { from, to, limit });
    const summary = await this.#summaries(ids);
    const matches = await this.#repo.matchesFor(ids);
    const stored = (id: string) => {
      const row = matches.get(id);
      return row ? storedMatch(row) : undefined;
    };
    const popular = rankPopularAlbums(inWindow, infos, { limit });
    const artists = rankTrendingArtists(inWindow, infos, { limit });
    return {
      window: { from: from.toISOString(), to: to.toISOString(), days },
      refreshes: stats.refreshes,
      rankingRule: RANKING_RULE,
      perSource: stats.perSource,
      mostPersistent: stats.mostPersistent.map((e) => ({
        album: summary(e.albumId),
        appearances: e.appearances,
        refreshesInWindow: e.refreshesInWindow,
      })),
      newEntries: stats.newEntries.map((e) => ({
        album: summary(e.albumId),
        firstSeenAt: e.firstSeenAt.toISOString(),
        position: e.position,
      })),
      climbers: stats.climbers.map((m) => ({
        album: summary(m.albumId),
        source: m.source,
        from: m.from,
        to: m.to,
        change: m.change,
      })),
      fallers: stats.fallers.map((m) => ({
        album: summary(m.albumId),
        source: m.source,
        from: m.from,
        to: m.to,
        change: m.change,
      })),
      popularAlbums: popular.flatMap((entry) => {
        const album = infos.get(entry.albumId);
        return album
          ? [
              presentPopular(
                { ...album, points: entry.points, appearances: entry.appearances, bestPosition: entry.bestPosition },
                stored(entry.albumId),
              ),
            ]
          : [];
      }),
      trendingArtists: artists.map((artist) => ({
        id: artist.artistId,
        name: artist.name,
        points: artist.points,
        albums: artist.albums,
        appearances: artist.appearances,
        imageUrl: this.#firstImage(infos, artist.artistId),
      })),
    };
  }

  /** Admin: where enrichment stands. */
  async enrichmentProgress(): Promise<EnrichmentProgress> {
    const now = this.#clock();
    const [counts, requests, recent, limit] = await Promise.all([
      this.#repo.matchCounts(),
      this.#repo.requestsSince(new Date(now.getTime() - 60_000)),
      this.#repo.recentDecisions(10),
      this.#musicbrainzLimit(),
    ]);
    const summary = await this.#summaries(recent.map((r) => r.albumId));
    return {
      counts,
      total: counts.queued + counts.matched + counts.no_match + counts.failed,
      requestsLastMinute: requests,
      ratePerSecond: Math.round((requests / 60) * 1000) / 1000,
      limitPerSecond: limit === null ? null : Math.round(limit * 1000) / 1000,
      lastDecisionAt: recent[0]?.decidedAt ?? null,
      recent: recent.map((r: MatchRow) => ({ album: summary(r.albumId), decidedAt: r.decidedAt })),
    };
  }

  /** Adds a trending album to the guest's collection; `added: false` when it was there already. */
  async addToCollection(userId: string, albumId: string): Promise<CollectionAdded> {
    const album = await this.#repo.getAlbum(albumId);
    if (!album) throw notFound(`No trending album has id ${albumId}`);
    const added = await this.#repo.addToCollection(userId, albumId, NEW_RELEASES_SOURCE);
    const [row] = await this.#repo.collection(userId, albumId);
    if (!row) throw notFound(`No trending album has id ${albumId}`);
    return { added, item: await this.#item(row.albumId, row.album, row.source, row.addedAt) };
  }

  async collection(userId: string): Promise<CollectionList> {
    const rows = await this.#repo.collection(userId);
    const matches = await this.#repo.matchesFor(rows.map((r) => r.albumId));
    return {
      items: rows.map((r) => {
        const match = matches.get(r.albumId);
        return {
          album: summarizeAlbum(r.album, match ? storedMatch(match) : undefined),
          addedAt: r.addedAt.toISOString(),
          source: r.source,
        };
      }),
    };
  }

  async removeFromCollection(userId: string, albumId: string): Promise<CollectionRemoved> {
    return { removed: await this.#repo.removeFromCollection(userId, albumId) };
  }

  async #item(albumId: string, album: Album, source: string, addedAt: Date): Promise<CollectionItem> {
    const match = await this.#repo.getMatch(albumId);
    return {
      album: summarizeAlbum(album, match ? storedMatch(match) : undefined),
      addedAt: addedAt.toISOString(),
      source,
    };
  }
}
