import type { Config } from '../config.ts';
import type { Release } from '../domain/audio.ts';
import { AppError } from '../errors.ts';
import type { HealthRegistry } from '../http/health.ts';
import type { JobModule } from '../http/module.ts';
import type { DatabaseHandle } from '../infra/db.ts';
import type { Logger } from '../infra/logger.ts';
import { RateLimitedError, UpstreamRateLimitedError } from '../infra/upstream-errors.ts';
import type { Metrics } from '../infra/metrics.ts';
import type { Cache } from '../ports/cache.ts';
import type { Queue } from '../ports/queue.ts';
import type { BucketSettings, RateLimiter } from '../ports/rate-limiter.ts';
import { DISCOGS_SERVICE, DiscogsClient, DiscogsNotFoundError } from '../providers/discogs/client.ts';
import type { DiscogsAuth } from '../providers/discogs/oauth.ts';
import { SoundCloudClient } from '../providers/soundcloud/client.ts';
import { YOUTUBE_SERVICE, YouTubeClient } from '../providers/youtube/client.ts';
import { mapReleaseVideos } from '../providers/youtube/map.ts';
import type { MatchStats } from './contract.ts';
import { MatchesRepository } from './repository.ts';
import { matchesRoutes } from './routes.ts';
import { MatchService, type PlatformSearch } from './service.ts';

/**
 * The platforms' buckets as they are created: Discogs allows 60 requests a minute; YouTube about 100 searches a day
 * (each search is two requests: search.list, then videos.list for durations); SoundCloud keeps the general default.
 */
export const MATCHES_BUCKETS: Readonly<Record<string, BucketSettings>> = {
  [DISCOGS_SERVICE]: { maxTokens: 60, refillRate: 60, refillIntervalMs: 60_000 },
  [YOUTUBE_SERVICE]: { maxTokens: 200, refillRate: 200, refillIntervalMs: 86_400_000 },
};

/** The scheduled clean-up of unapproved matches (seed 003: older than 30 days). */
export const CLEANUP_JOB = 'matches.cleanup';
/** The scheduled retry of tracks an empty platform bucket deferred. */
export const DEFERRED_JOB = 'matches.deferred';
const UNAPPROVED_MAX_AGE_DAYS = 30;

export interface MatchesModule extends JobModule {
  readonly repository: MatchesRepository;
  readonly service: MatchService;
}

export interface MatchesModuleDeps {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  cache: Cache;
  queue: Queue;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  health: HealthRegistry;
}

/**
 * Wires the Matches job: Discogs, YouTube and SoundCloud providers, repository, the three-tier match service, routes,
 * the clean-up and deferred-retry schedules, and health.
 */
export function createMatchesModule(deps: MatchesModuleDeps): MatchesModule {
  const { config, queue, health } = deps;
  const settings = config.matches;
  const log = deps.logger.child({ component: 'matches' });
  const repository = new MatchesRepository(deps.database.db);
  const common = { timeoutMs: config.upstreamTimeoutMs, rateLimiter: deps.rateLimiter, logger: log };

  const discogs = new DiscogsClient({ baseUrl: config.upstreams.discogs, ...common });
  const discogsAuth: DiscogsAuth | undefined = settings.discogsUserToken
    ? { kind: 'token', token: settings.discogsUserToken }
    : undefined;

  const searches: PlatformSearch[] = [];
  if (settings.youtubeApiKey) {
    const youtube = new YouTubeClient({ baseUrl: config.upstreams.youtube, apiKey: settings.youtubeApiKey, ...common });
    searches.push({ platform: 'youtube', search: (query) => youtube.search(query, { maxResults: 10 }) });
  }
  if (settings.soundcloudClientId && settings.soundcloudClientSecret) {
    const soundcloud = new SoundCloudClient({
      apiUrl: config.upstreams.soundcloud,
      authUrl: settings.soundcloudAuthUrl,
      clientId: settings.soundcloudClientId,
      clientSecret: settings.soundcloudClientSecret,
      ...common,
    });
    searches.push({ platform: 'soundcloud', search: (query) => soundcloud.searchTracks(query, { limit: 10 }) });
  }

  const fetchRelease = async (releaseId: number): Promise<Release> => {
    try {
      return await discogs.getRelease(releaseId, discogsAuth);
    } catch (err) {
      if (err instanceof DiscogsNotFoundError) {
        throw new AppError('BACKBEAT_ERR_NOT_FOUND', `Discogs has no release ${releaseId}`);
      }
      // Our Discogs budget (60 a minute) is spent, or Discogs asked us to wait: come back later.
      if (err instanceof RateLimitedError || err instanceof UpstreamRateLimitedError) {
        throw new AppError('BACKBEAT_ERR_RATE_LIMITED', 'Too many Discogs lookups just now; try again shortly', {
          retryAfterSeconds: Math.max(1, Math.ceil(err.retryAfterMs / 1000)),
        });
      }
      log.warn({ event: 'discogs_release_failed', releaseId, err });
      throw new AppError(
        'BACKBEAT_ERR_UPSTREAM',
        `Discogs could not be asked for release ${releaseId}; try again later`,
      );
    }
  };

  const outcomes = deps.metrics.counter('backbeat_track_matches_total', 'Track match outcomes by status', ['status']);
  const service = new MatchService({
    repository,
    db: deps.database.db,
    cache: deps.cache,
    searches,
    releaseVideos: (release) => mapReleaseVideos(release.videos),
    fetchRelease,
    autoApprove: settings.autoApprove,
    logger: log,
    onOutcome: (_releaseId, _trackIndex, status) => outcomes.inc({ status }),
  });

  const stats = async (): Promise<MatchStats> => {
    const [platforms, statuses, cache] = await Promise.all([
      repository.platformStats(),
      repository.statusCounts(),
      service.getCacheStats().catch(() => ({ totalKeys: 0, matchKeys: 0, memoryUsage: null })),
    ]);
    return { platforms, statuses, cache };
  };

  queue.define(
    CLEANUP_JOB,
    async () => {
      const removed = await repository.cleanupUnapproved(UNAPPROVED_MAX_AGE_DAYS);
      if (removed > 0)
        log.info({ event: 'matches_cleaned_up', removed }, 'unapproved matches older than 30 days removed');
    },
    { attempts: 3 },
  );
  queue.define(
    DEFERRED_JOB,
    async () => {
      for (const { releaseId, trackIndex } of await repository.deferredTracks(50)) {
        const release = await repository.getRelease(releaseId);
        const track = release?.tracks[trackIndex];
        if (!release || !track) continue;
        await service.clearMatch(releaseId, trackIndex);
        await service.lookup(release, track, null).catch((err: unknown) => {
          log.warn({ event: 'deferred_match_failed', releaseId, trackIndex, err });
        });
      }
    },
    { attempts: 1 },
  );

  health.add({
    name: 'matches',
    critical: false,
    run: async () => {
      const check = await service.healthCheck();
      return {
        status: searches.length === 0 ? 'disabled' : 'ok',
        platforms: searches.map((s) => s.platform),
        ...(searches.length === 0 ? { reason: 'YOUTUBE_API_KEY and SOUNDCLOUD_CLIENT_ID/SECRET are not set' } : {}),
        database: check.database,
        cache: check.redis,
      };
    },
  });

  const routes = matchesRoutes({ service, stats });
  return {
    name: 'matches',
    plugin: async (app, context) => {
      await app.register(routes, context);
    },
    repository,
    service,
    start: async () => undefined,
    schedule: async () => {
      await queue.schedule(CLEANUP_JOB, { cron: '17 3 * * *' }, {});
      if (searches.length > 0) await queue.schedule(DEFERRED_JOB, { everyMs: 15 * 60_000 }, {});
    },
    close: async () => undefined,
  };
}
