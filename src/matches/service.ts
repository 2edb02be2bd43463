import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { AudioCandidate, AudioPlatform, Release, ReleaseTrack } from '../domain/audio.ts';
import { AppError, notFound } from '../errors.ts';
import type { Database } from '../infra/db.ts';
import { claimLease, leaseState, releaseLease } from '../infra/leases.ts';
import type { Logger } from '../infra/logger.ts';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from '../infra/upstream-errors.ts';
import type { Cache } from '../ports/cache.ts';
import type { CandidateView, MatchSource, MatchValue, Platform, TrackMatch, TrackStatus } from './contract.ts';
import type { DetailsRow, MatchRow, MatchesRepository, TrackOutcome } from './repository.ts';
import { chooseMatch, type ScoreBreakdown, type TrackQuery } from './scoring.ts';

/** Seed 003's cache TTL. */
export const MATCH_CACHE_TTL_MS = 24 * 60 * 60 * 1000;
/** Seed 003's cache key. */
export const matchCacheKey = (releaseId: number, trackIndex: number) => `match:${releaseId}:${trackIndex}`;

/** Seed 003's cache value (and `track_matches`' columns), exactly as the seed writes it. */
export interface SeedMatchValue {
  platform: Platform;
  match_url: string;
  confidence: number;
  approved: boolean;
  verified_by: string | null;
  verified_at: string | null;
}

/** What `getOrComputeMatch` answers: the seed's value plus the tier that answered (null fields: no match). */
export type SeedMatch =
  | (SeedMatchValue & { source: MatchSource; status: TrackStatus })
  | { source: MatchSource; status: TrackStatus; platform: null; match_url: null; confidence: null; approved: false };

/** Seed 003's `trackInfo`. */
export interface TrackInfo {
  position: string;
  title: string;
  /** `"3:45"`, or `""` when unknown. */
  duration: string;
  artists: readonly string[];
}

/** One platform's search, as the service needs it. */
export interface PlatformSearch {
  platform: AudioPlatform;
  search(query: string): Promise<AudioCandidate[]>;
}

/** A platform failed for one track (not a rate limit): the track answers 502 and nothing is stored. */
export class TrackSearchError extends AppError {
  constructor(platform: string, cause: unknown) {
    super('BACKBEAT_ERR_UPSTREAM', `${platform} could not be searched for this track; try again later`, {
      platform,
    });
    this.cause = cause;
  }
}

export interface MatchServiceOptions {
  repository: MatchesRepository;
  /** The database the cross-process computation lease lives in. */
  db: Database;
  cache: Cache;
  searches: readonly PlatformSearch[];
  /** The release's own curated videos as candidates (no search cost). */
  releaseVideos: (release: Release) => AudioCandidate[];
  /** A release from Discogs (the service keeps a copy in the database). */
  fetchRelease: (releaseId: number) => Promise<Release>;
  autoApprove: number;
  logger: Logger;
  /** How long a computation may hold a track before another process may take over. */
  leaseMs?: number;
  /** How often a lookup waiting for another process's computation looks again. */
  pollMs?: number;
  /** Called when a track's outcome was stored (progress events, metrics). */
  onOutcome?: (releaseId: number, trackIndex: number, status: TrackStatus) => void;
}

/** The outcome of one lookup: the tier that answered, the stored match (if any) and the details. */
export interface Lookup {
  source: MatchSource;
  status: TrackStatus;
  match: MatchRow | SeedMatchValue | undefined;
  details: DetailsRow | undefined;
}

const toSeedValue = (row: MatchRow): SeedMatchValue => ({
  platform: row.platform,
  match_url: row.matchUrl,
  confidence: row.confidence,
  approved: row.approved,
  verified_by: row.verifiedBy,
  verified_at: row.verifiedAt?.toISOString() ?? null,
});

/** Parses `"3:45"` / `"1:02:03"`; null for `""` or anything else. */
export function parseTrackDuration(value: string): number | null {
  const match = /^(?:(\d+):)?(\d{1,3}):(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const [hours, minutes, seconds] = [Number(match[1] ?? 0), Number(match[2]), Number(match[3])];
  return seconds >= 60 ? null : hours * 3600 + minutes * 60 + seconds;
}

function view(
  entry: { candidate: AudioCandidate; breakdown: ScoreBreakdown } | null,
  origin?: CandidateView['origin'],
): CandidateView | null {
  if (!entry) return null;
  const { candidate, breakdown } = entry;
  return {
    platform: candidate.platform,
    url: candidate.url,
    title: candidate.title,
    uploader: candidate.uploader,
    durationSeconds: candidate.durationSeconds,
    thumbnailUrl: candidate.thumbnailUrl,
    origin: origin ?? candidate.origin,
    breakdown: {
      title: breakdown.title,
      artist: breakdown.artist,
      duration: breakdown.duration,
      penalties: [...breakdown.penalties],
      penalty: breakdown.penalty,
      total: breakdown.total,
    },
  };
}

/**
 * Seed 003's match service: for each track of a Discogs release, a playable upload through three tiers — the cache
 * (`match:{releaseId}:{trackIndex}`, 24 h), `track_matches`, then computation (the release's own videos first, then
 * the platforms' searches) — where a hit fills the tiers above it. Concurrent lookups of one track share one
 * computation: one in-flight promise per process and a lease in the database across processes, so one search per
 * platform and one database write, whatever the number of callers.
 */
export class MatchService {
  readonly #repo: MatchesRepository;
  readonly #db: Database;
  readonly #cache: Cache;
  readonly #searches: readonly PlatformSearch[];
  readonly #releaseVideos: (release: Release) => AudioCandidate[];
  readonly #fetchRelease: (releaseId: number) => Promise<Release>;
  readonly #autoApprove: number;
  readonly #logger: Logger;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #onOutcome: MatchServiceOptions['onOutcome'];
  readonly #inflight = new Map<string, Promise<Lookup>>();
  readonly #releaseFetches = new Map<number, Promise<Release>>();

  constructor(options: MatchServiceOptions) {
    this.#repo = options.repository;
    this.#db = options.db;
    this.#cache = options.cache;
    this.#searches = options.searches;
    this.#releaseVideos = options.releaseVideos;
    this.#fetchRelease = options.fetchRelease;
    this.#autoApprove = options.autoApprove;
    this.#logger = options.logger;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#pollMs = options.pollMs ?? 50;
    this.#onOutcome = options.onOutcome;
  }

  /** The stored details of one track (breakdown, runner-up, candidates), when it has any. */
  async trackDetails(releaseId: number, trackIndex: number): Promise<DetailsRow | undefined> {
    return this.#repo.getDetails(releaseId, trackIndex);
  }

  /** A release already opened (kept in the database), without asking Discogs. */
  async knownRelease(releaseId: number): Promise<Release | undefined> {
    return this.#repo.getRelease(releaseId);
  }

  /**
   * A release, from the database copy or Discogs (then kept). 404 when Discogs does not have it. Concurrent first
   * lookups of one release share one Discogs request in this process: Discogs allows 60 a minute, and a burst of
   * lookups of a new release would otherwise spend the minute on the same release and answer the rest 429.
   */
  async release(releaseId: number): Promise<Release> {
    // With the database down the release comes from Discogs, so cached matches are still answered.
    const stored = await this.#repo.getRelease(releaseId).catch((err: unknown) => {
      this.#logger.warn({ event: 'match_database_unavailable', err }, 'database unavailable; asking Discogs');
      return undefined;
    });
    if (stored) return stored;
    let fetching = this.#releaseFetches.get(releaseId);
    if (!fetching) {
      fetching = this.#fetchAndKeep(releaseId).finally(() => this.#releaseFetches.delete(releaseId));
      this.#releaseFetches.set(releaseId, fetching);
    }
    return fetching;
  }

  async #fetchAndKeep(releaseId: number): Promise<Release> {
    const release = await this.#fetchRelease(releaseId);
    await this.#repo.saveRelease(release).catch((err: unknown) => {
      this.#logger.warn({ event: 'match_database_unavailable', err }, 'could not keep the release');
    });
    return release;
  }

  /**
   * Seed 003's `getOrComputeMatch`: the match of one track with the tier that answered. `releaseTitle`,
   * `releaseArtist` and `trackInfo` describe the track for a fresh computation (the release's curated videos are
   * used when the release is known).
   */
  async getOrComputeMatch(
    releaseId: number,
    trackIndex: number,
    adminUserId: string,
    releaseTitle: string,
    releaseArtist: string,
    trackInfo: TrackInfo,
  ): Promise<SeedMatch> {
    // The cache answers first and alone: with the database down a cached match is still served.
    const cached = await this.#cache.get<SeedMatchValue>(matchCacheKey(releaseId, trackIndex)).catch(() => undefined);
    if (cached) return { ...cached, source: 'cache', status: cached.approved ? 'approved' : 'needs_review' };
    const release: Release = (await this.#repo.getRelease(releaseId)) ?? {
      id: releaseId,
      title: releaseTitle,
      artists: releaseArtist ? [releaseArtist] : [],
      year: null,
      tracks: [],
      videos: [],
      url: `https://www.discogs.com/release/${releaseId}`,
    };
    const track: ReleaseTrack = {
      index: trackIndex,
      position: trackInfo.position,
      title: trackInfo.title,
      durationSeconds: parseTrackDuration(trackInfo.duration),
      artists: trackInfo.artists,
    };
    const lookup = await this.lookup(release, track, adminUserId);
    const value =
      lookup.match === undefined ? undefined : 'matchUrl' in lookup.match ? toSeedValue(lookup.match) : lookup.match;
    if (!value) {
      return {
        source: lookup.source,
        status: lookup.status,
        platform: null,
        match_url: null,
        confidence: null,
        approved: false,
      };
    }
    return { ...value, source: lookup.source, status: lookup.status };
  }

  /** One track through the tiers. Throws {@link TrackSearchError} (502) when a platform failed and nothing was decided. */
  async lookup(release: Release, track: ReleaseTrack, adminUserId: string | null): Promise<Lookup> {
    const key = matchCacheKey(release.id, track.index);
    const cached = await this.#cache.get<SeedMatchValue>(key).catch((err: unknown) => {
      this.#logger.warn({ event: 'match_cache_unavailable', err }, 'cache unavailable; asking the database');
      return undefined;
    });
    if (cached)
      return {
        source: 'cache',
        status: cached.approved ? 'approved' : 'needs_review',
        match: cached,
        details: undefined,
      };

    const stored = await this.#fromDatabase(release.id, track.index);
    if (stored) return stored;

    const running = this.#inflight.get(key);
    if (running) return running;
    const computation = this.#computeOnce(release, track, adminUserId).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, computation);
    return computation;
  }

  async #fromDatabase(releaseId: number, trackIndex: number): Promise<Lookup | undefined> {
    const [match, details] = await Promise.all([
      this.#repo.getMatch(releaseId, trackIndex),
      this.#repo.getDetails(releaseId, trackIndex),
    ]);
    if (match) {
      await this.#fillCache(releaseId, trackIndex, toSeedValue(match));
      return {
        source: 'database',
        status: details?.status ?? (match.approved ? 'approved' : 'needs_review'),
        match,
        details,
      };
    }
    // A decided "no match" is an answer too (a deferred track is computed again).
    if (details && details.status === 'no_match')
      return { source: 'database', status: 'no_match', match: undefined, details };
    return undefined;
  }

  async #fillCache(releaseId: number, trackIndex: number, value: SeedMatchValue): Promise<void> {
    await this.#cache.set(matchCacheKey(releaseId, trackIndex), value, MATCH_CACHE_TTL_MS).catch((err: unknown) => {
      this.#logger.warn({ event: 'match_cache_unavailable', err }, 'could not fill the cache');
    });
  }

  /** Computes under the track's lease; a lookup finding another process computing waits for its answer. */
  async #computeOnce(release: Release, track: ReleaseTrack, adminUserId: string | null): Promise<Lookup> {
    const key = matchCacheKey(release.id, track.index);
    const owner = randomUUID();
    const deadline = Date.now() + this.#leaseMs;
    while (!(await claimLease(this.#db, key, owner, this.#leaseMs))) {
      if (Date.now() > deadline)
        throw new AppError('BACKBEAT_ERR_UNAVAILABLE', 'This track is being matched; try again');
      await delay(this.#pollMs);
      if (!(await leaseState(this.#db, key)).held) {
        const stored = await this.#fromDatabase(release.id, track.index);
        if (stored) return stored;
      }
    }
    try {
      // Another process may have finished between our database read and the lease.
      const stored = await this.#fromDatabase(release.id, track.index);
      if (stored) return stored;
      const outcome = await this.#compute(release, track, adminUserId);
      const row = await this.#repo.storeOutcome(release.id, track.index, outcome);
      if (row) await this.#fillCache(release.id, track.index, toSeedValue(row));
      this.#onOutcome?.(release.id, track.index, outcome.status);
      const details = await this.#repo.getDetails(release.id, track.index);
      return { source: 'computed', status: outcome.status, match: row, details };
    } finally {
      await releaseLease(this.#db, key, owner).catch((err: unknown) => {
        this.#logger.warn({ event: 'match_lease_release_failed', err });
      });
    }
  }

  async #compute(release: Release, track: ReleaseTrack, adminUserId: string | null): Promise<TrackOutcome> {
    const query: TrackQuery = {
      title: track.title,
      artists: track.artists.length > 0 ? track.artists : release.artists,
      durationSeconds: track.durationSeconds,
      releaseTitle: release.title,
    };
    const rejected = await this.#repo.rejectedUrls(release.id, track.index);
    const options = { autoApprove: this.#autoApprove, rejectedUrls: rejected };

    // The release's own curated videos first: when they settle it, no search quota is spent.
    const videos = this.#releaseVideos(release);
    if (videos.length > 0) {
      const choice = chooseMatch(query, videos, options);
      if (choice.status === 'approved') return this.#outcome(choice, 'release_videos', adminUserId);
    }

    const candidates = [...videos];
    const deferred: string[] = [];
    const failed: { platform: string; err: unknown }[] = [];
    const text = `${query.artists[0] ?? ''} ${track.title}`.trim();
    for (const platform of this.#searches) {
      try {
        candidates.push(...(await platform.search(text)));
      } catch (err) {
        if (err instanceof RateLimitedError || err instanceof UpstreamRateLimitedError)
          deferred.push(platform.platform);
        else failed.push({ platform: platform.platform, err });
      }
    }
    const choice = chooseMatch(query, candidates, options);
    if (choice.status !== 'approved') {
      // Undecided with a platform missing: decide later rather than store an answer built on half the candidates.
      if (failed.length > 0) {
        const [first] = failed;
        this.#logger.warn({
          event: 'match_search_failed',
          releaseId: release.id,
          trackIndex: track.index,
          err: first?.err,
        });
        throw new TrackSearchError(first?.platform ?? 'a platform', first?.err);
      }
      if (deferred.length > 0) {
        return {
          status: 'deferred',
          match: null,
          chosen: view(choice.best),
          runnerUp: view(choice.runnerUp),
          candidates: choice.scored.slice(0, 10).flatMap((entry) => view(entry) ?? []),
          settledBy: null,
          lastError: `no search budget left on ${deferred.join(', ')}`,
        };
      }
    }
    return this.#outcome(choice, 'search', adminUserId);
  }

  #outcome(
    choice: ReturnType<typeof chooseMatch>,
    settledBy: 'release_videos' | 'search',
    adminUserId: string | null,
  ): TrackOutcome {
    const best = choice.best;
    const status: TrackStatus = choice.status;
    return {
      status,
      match: best
        ? {
            platform: best.candidate.platform,
            matchUrl: best.candidate.url,
            confidence: Math.round(best.breakdown.total * 1000) / 1000,
            approved: status === 'approved',
            verifiedBy: status === 'approved' ? (adminUserId ?? 'auto') : null,
          }
        : null,
      chosen: view(best),
      runnerUp: view(choice.runnerUp),
      candidates: choice.scored.slice(0, 10).flatMap((entry) => view(entry) ?? []),
      settledBy: best ? settledBy : null,
    };
  }

  /** Seed 003's `approveMatch`: stores the given match as approved (the admin's choice) and caches it. */
  async approveMatch(
    releaseId: number,
    trackIndex: number,
    platform: Platform,
    matchUrl: string,
    confidence: number,
    adminUserId: string,
  ): Promise<SeedMatchValue> {
    const details = await this.#repo.getDetails(releaseId, trackIndex);
    const known = [details?.chosen, details?.runnerUp, ...(details?.candidates ?? [])].find((c) => c?.url === matchUrl);
    const chosen: CandidateView = known ?? {
      platform,
      url: matchUrl,
      title: matchUrl,
      uploader: '',
      durationSeconds: null,
      thumbnailUrl: null,
      origin: 'admin',
      breakdown: { title: 0, artist: 0, duration: null, penalties: [], penalty: 0, total: confidence },
    };
    const row = await this.#repo.storeOutcome(releaseId, trackIndex, {
      status: 'approved',
      match: { platform, matchUrl, confidence, approved: true, verifiedBy: adminUserId },
      chosen,
      runnerUp: details?.runnerUp ?? null,
      candidates: details?.candidates ?? [],
      settledBy: known ? (details?.settledBy ?? 'admin') : 'admin',
    });
    if (!row) throw new AppError('BACKBEAT_ERR_INTERNAL');
    const value = toSeedValue(row);
    await this.#fillCache(releaseId, trackIndex, value);
    this.#onOutcome?.(releaseId, trackIndex, 'approved');
    return value;
  }

  /**
   * Seed 003's `rejectMatch`: the current candidate is never proposed again for the track; with `betterMatch` that
   * one is approved instead, else the next best remaining candidate is proposed for review (or none: no match).
   */
  async rejectMatch(
    releaseId: number,
    trackIndex: number,
    adminUserId: string,
    betterMatch?: { platform: Platform; matchUrl: string; confidence: number },
  ): Promise<SeedMatchValue | null> {
    const [match, details] = await Promise.all([
      this.#repo.getMatch(releaseId, trackIndex),
      this.#repo.getDetails(releaseId, trackIndex),
    ]);
    if (!match && !details) throw notFound(`Track ${trackIndex} of release ${releaseId} has no match to reject`);
    if (match) {
      await this.#repo.addRejection(releaseId, trackIndex, {
        matchUrl: match.matchUrl,
        platform: match.platform,
        rejectedBy: adminUserId,
      });
    }
    await this.#cache.delete(matchCacheKey(releaseId, trackIndex)).catch(() => 0);
    if (betterMatch) {
      return this.approveMatch(
        releaseId,
        trackIndex,
        betterMatch.platform,
        betterMatch.matchUrl,
        betterMatch.confidence,
        adminUserId,
      );
    }
    const rejected = await this.#repo.rejectedUrls(releaseId, trackIndex);
    const remaining = (details?.candidates ?? []).filter((c) => !rejected.has(c.url));
    const next = remaining[0] ?? null;
    await this.#repo.storeOutcome(releaseId, trackIndex, {
      status: next ? 'needs_review' : 'no_match',
      match: next
        ? {
            platform: next.platform,
            matchUrl: next.url,
            confidence: next.breakdown.total,
            approved: false,
            verifiedBy: null,
          }
        : null,
      chosen: next,
      runnerUp: remaining[1] ?? null,
      candidates: remaining,
      settledBy: next ? (details?.settledBy ?? 'search') : null,
    });
    this.#onOutcome?.(releaseId, trackIndex, next ? 'needs_review' : 'no_match');
    return null;
  }

  /** Seed 003's `clearMatch`: forgets the track's match in every tier (rejections stay). */
  async clearMatch(releaseId: number, trackIndex: number): Promise<void> {
    await this.#repo.clear(releaseId, trackIndex);
    await this.#cache.delete(matchCacheKey(releaseId, trackIndex)).catch(() => 0);
  }

  /** Seed 003's `clearAllMatchesForRelease`: every track of the release, every tier. Returns cache keys removed. */
  async clearAllMatchesForRelease(releaseId: number): Promise<number> {
    await this.#repo.clearRelease(releaseId);
    return this.#cache.deleteByPrefix(`match:${releaseId}:`).catch(() => 0);
  }

  /** Seed 003's `getCacheStats`. */
  async getCacheStats(): Promise<{ totalKeys: number; matchKeys: number; memoryUsage: string | null }> {
    const stats = await this.#cache.stats();
    return { totalKeys: stats.keys, matchKeys: stats.keys, memoryUsage: null };
  }

  /** Seed 003's `healthCheck`. */
  async healthCheck(): Promise<{
    database: boolean;
    redis: boolean;
    cacheStats: Awaited<ReturnType<MatchService['getCacheStats']>> | null;
  }> {
    const database = await this.#repo.statusCounts().then(
      () => true,
      () => false,
    );
    const cacheStats = await this.getCacheStats().catch(() => null);
    return { database, redis: cacheStats !== null, cacheStats };
  }

  /** A track of a looked-up release as the API shows it. */
  present(release: Release, track: ReleaseTrack, lookup: Lookup | { error: AppError }): TrackMatch {
    const base = {
      releaseId: release.id,
      trackIndex: track.index,
      position: track.position,
      title: track.title,
      artists: [...(track.artists.length > 0 ? track.artists : release.artists)],
      durationSeconds: track.durationSeconds,
    };
    if ('error' in lookup) {
      return {
        ...base,
        status: 'deferred',
        source: null,
        match: null,
        chosen: null,
        runnerUp: null,
        candidates: [],
        settledBy: null,
        error: { code: lookup.error.code, message: lookup.error.message },
      };
    }
    const value =
      lookup.match === undefined ? undefined : 'matchUrl' in lookup.match ? toSeedValue(lookup.match) : lookup.match;
    const match: MatchValue | null = value
      ? {
          platform: value.platform,
          matchUrl: value.match_url,
          confidence: value.confidence,
          approved: value.approved,
          verifiedBy: value.verified_by,
          verifiedAt: value.verified_at,
        }
      : null;
    return {
      ...base,
      status: lookup.status,
      source: lookup.source,
      match,
      chosen: lookup.details?.chosen ?? null,
      runnerUp: lookup.details?.runnerUp ?? null,
      candidates: lookup.details?.candidates ?? [],
      settledBy: lookup.details?.settledBy ?? null,
      error: null,
    };
  }

  /** Every track of a release through the tiers (tracks computed one after another). */
  async releaseMatches(
    releaseId: number,
    adminUserId: string | null,
  ): Promise<{ release: Release; tracks: TrackMatch[] }> {
    const release = await this.release(releaseId);
    const tracks: TrackMatch[] = [];
    // A cache hit carries the seed's value only: the breakdown, runner-up and candidates come from the details
    // (one query for the release), so the page can always show why a match won.
    const details = await this.#repo.detailsOf(releaseId).catch(() => new Map<number, DetailsRow>());
    for (const track of release.tracks) {
      try {
        const lookup = await this.lookup(release, track, adminUserId);
        tracks.push(this.present(release, track, { ...lookup, details: lookup.details ?? details.get(track.index) }));
      } catch (err) {
        if (!(err instanceof AppError)) {
          // The database (or another piece of ours) failed for this track: say so for it, answer the others.
          this.#logger.error({ event: 'match_lookup_failed', releaseId, trackIndex: track.index, err });
          tracks.push(
            this.present(release, track, {
              error: new AppError('BACKBEAT_ERR_UNAVAILABLE', 'This track cannot be looked up right now'),
            }),
          );
          continue;
        }
        tracks.push(this.present(release, track, { error: err }));
      }
    }
    return { release, tracks };
  }

  /** Tracks awaiting review, most confident first, as the API shows them. */
  async reviewQueue(limit: number): Promise<TrackMatch[]> {
    const rows = await this.#repo.reviewQueue(limit);
    const releases = new Map<number, Release | undefined>();
    const items: TrackMatch[] = [];
    for (const { match, details } of rows) {
      if (!releases.has(details.releaseId))
        releases.set(details.releaseId, await this.#repo.getRelease(details.releaseId));
      const release = releases.get(details.releaseId);
      const track = release?.tracks[details.trackIndex];
      if (!release || !track) continue;
      items.push(this.present(release, track, { source: 'database', status: details.status, match, details }));
    }
    return items;
  }

  /** Whether an upstream error means "not found" (Discogs 404) rather than a failure. */
  static isNotFound(err: unknown): boolean {
    return err instanceof UpstreamError && err.status === 404;
  }
}
