import type { Config } from '../config.ts';
import type { Release } from '../domain/audio.ts';
import { AppError } from '../errors.ts';
import type { HealthRegistry } from '../http/health.ts';
import type { JobModule } from '../http/module.ts';
import { formatSseEvent, type SseHub } from '../http/sse.ts';
import type { DatabaseHandle } from '../infra/db.ts';
import type { Logger } from '../infra/logger.ts';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from '../infra/upstream-errors.ts';
import type { Metrics } from '../infra/metrics.ts';
import type { Bus, Unsubscribe } from '../ports/bus.ts';
import type { Cache } from '../ports/cache.ts';
import type { Queue } from '../ports/queue.ts';
import type { BucketSettings, RateLimiter } from '../ports/rate-limiter.ts';
import { DISCOGS_SERVICE, DiscogsClient, DiscogsNotFoundError } from '../providers/discogs/client.ts';
import type { DiscogsAuth } from '../providers/discogs/oauth.ts';
import { SoundCloudClient } from '../providers/soundcloud/client.ts';
import { YOUTUBE_SERVICE, YouTubeClient } from '../providers/youtube/client.ts';
import { mapReleaseVideos } from '../providers/youtube/map.ts';
import { DiscogsConnect } from './connect.ts';
import type { MatchProgressEvent, MatchStats, TrackStatus } from './contract.ts';
import { MatchesRepository } from './repository.ts';
import { matchesRoutes } from './routes.ts';
import { MatchService, type PlatformSearch } from './service.ts';
import { DiscogsTokenStore } from './token-store.ts';
import { TokenVault, VaultError } from './vault.ts';

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
/** The background job matching every track of one release (one job per release at a time). */
export const RELEASE_JOB = 'matches.release';
const UNAPPROVED_MAX_AGE_DAYS = 30;

/** The queue's de-duplication key of a release's job: a release asked twice while queued or running runs once. */
export const releaseJobId = (releaseId: number) => `${RELEASE_JOB}.${releaseId}`;

/** What `clearRelease` removed. */
export interface ClearedRelease {
  /** Stored matches (`track_matches` rows) removed. */
  matches: number;
  /** Tracks whose outcome (status, candidates, breakdown) was removed. */
  outcomes: number;
  /** Cache keys removed (`match:{releaseId}:*`). */
  cacheKeys: number;
}

/** A release queued for background matching. */
export interface QueuedRelease {
  releaseId: number;
  title: string;
  tracks: number;
  jobId: string;
}

export interface MatchesModule extends JobModule {
  readonly repository: MatchesRepository;
  readonly service: MatchService;
  /** The Discogs client: release lookups and the OAuth flow (its rate-limit reading shows how lookups authenticate). */
  readonly discogs: DiscogsClient;
  /** Connecting Discogs accounts (OAuth 1.0a) and the stored accounts. */
  readonly connect: DiscogsConnect;
  /** Per platform, per status, and the cache: `GET /api/admin/matches/stats` and `backbeat matches stats`. */
  stats(): Promise<MatchStats>;
  /** Forgets every track's match of a release in every tier (rejections stay) and says what went. */
  clearRelease(releaseId: number): Promise<ClearedRelease>;
  /** Looks the release up (404 when Discogs has no such release) and queues its background matching. */
  queueRelease(releaseId: number): Promise<QueuedRelease>;
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
  /** Carries `match_progress` between processes: the worker matching a release publishes, HTTP processes push. */
  bus: Bus;
  /** The app's SSE stream: match progress goes out on it beside the releases' and trending's events. */
  hub: SseHub;
}

/**
 * Wires the Matches job: Discogs, YouTube and SoundCloud providers, repository, the three-tier match service, the
 * Discogs connect flow and its sealed tokens, routes, the release background job and its progress events, the
 * clean-up and deferred-retry schedules, and health.
 */
export function createMatchesModule(deps: MatchesModuleDeps): MatchesModule {
  const { config, queue, health, bus } = deps;
  const settings = config.matches;
  const log = deps.logger.child({ component: 'matches' });
  const repository = new MatchesRepository(deps.database.db);
  const common = { timeoutMs: config.upstreamTimeoutMs, rateLimiter: deps.rateLimiter, logger: log };

  const discogs = new DiscogsClient({ baseUrl: config.upstreams.discogs, ...common });
  const personalAuth: DiscogsAuth | undefined = settings.discogsUserToken
    ? { kind: 'token', token: settings.discogsUserToken }
    : undefined;
  const consumer =
    settings.discogsConsumerKey && settings.discogsConsumerSecret
      ? { key: settings.discogsConsumerKey, secret: settings.discogsConsumerSecret }
      : undefined;
  // Without ENCRYPTION_KEY no token can be stored (nor read): connecting answers 503, lookups use the personal token.
  const tokens = config.encryptionKey
    ? new DiscogsTokenStore({
        db: deps.database.db,
        vault: TokenVault.fromConfig({
          encryptionKey: config.encryptionKey,
          previousEncryptionKey: settings.previousEncryptionKey,
        }),
      })
    : undefined;
  const connect = new DiscogsConnect({
    oauth: discogs.oauth,
    store: tokens,
    consumer,
    authorizeBase: settings.discogsAuthorizeUrl,
    logger: log,
  });

  /**
   * How release lookups authenticate: a connected account's OAuth token (the most recently connected one) in
   * preference to DISCOGS_USER_TOKEN. Reading it marks it used (`last_used_at`). An account whose token cannot be
   * opened is skipped with a warning rather than failing the lookup.
   */
  const storedAuth = async (): Promise<{ auth: DiscogsAuth; username: string } | undefined> => {
    if (!tokens || !consumer) return undefined;
    try {
      const accounts = await tokens.list();
      const latest = accounts.reduce<(typeof accounts)[number] | undefined>(
        (best, account) =>
          !best || (account.updatedAt?.getTime() ?? 0) > (best.updatedAt?.getTime() ?? 0) ? account : best,
        undefined,
      );
      if (!latest) return undefined;
      const stored = await tokens.get(latest.username);
      if (!stored) return undefined;
      return {
        username: stored.username,
        auth: {
          kind: 'oauth',
          consumerKey: consumer.key,
          consumerSecret: consumer.secret,
          token: stored.accessToken,
          tokenSecret: stored.accessSecret,
        },
      };
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      log.warn(
        { event: 'discogs_token_unreadable', reason: err.message },
        'a stored Discogs token could not be opened; using DISCOGS_USER_TOKEN',
      );
      return undefined;
    }
  };

  /** The release from Discogs with the best auth at hand; a stored token Discogs refuses (revoked) falls back once. */
  const getRelease = async (releaseId: number): Promise<Release> => {
    const stored = await storedAuth();
    if (!stored) return discogs.getRelease(releaseId, personalAuth);
    try {
      return await discogs.getRelease(releaseId, stored.auth);
    } catch (err) {
      if (!(err instanceof UpstreamError && err.kind === 'client' && err.status === 401)) throw err;
      log.warn(
        { event: 'discogs_oauth_refused', username: stored.username },
        'Discogs refused the connected account; connect it again. Using DISCOGS_USER_TOKEN meanwhile',
      );
      return discogs.getRelease(releaseId, personalAuth);
    }
  };

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
      return await getRelease(releaseId);
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

  const clearRelease = async (releaseId: number): Promise<ClearedRelease> => {
    const [matches, outcomes] = await Promise.all([repository.matchesOf(releaseId), repository.detailsOf(releaseId)]);
    const cacheKeys = await service.clearAllMatchesForRelease(releaseId);
    return { matches: matches.size, outcomes: outcomes.size, cacheKeys };
  };

  const queueRelease = async (releaseId: number): Promise<QueuedRelease> => {
    // Looked up here rather than in the job: an unknown release is a 404 to the caller, not a failed job.
    const release = await service.release(releaseId);
    const jobId = await queue.add(RELEASE_JOB, { releaseId }, { jobId: releaseJobId(releaseId) });
    return { releaseId, title: release.title, tracks: release.tracks.length, jobId };
  };

  const publishProgress = async (event: MatchProgressEvent): Promise<void> => {
    // Progress is a courtesy to watchers: the matches themselves are stored whether or not it goes out.
    await bus.publish('match_progress', event).catch((err: unknown) => {
      log.warn({ event: 'match_progress_unpublished', releaseId: event.releaseId, err });
    });
  };

  queue.define<{ releaseId: number }>(
    RELEASE_JOB,
    async ({ releaseId }) => {
      const release = await service.release(releaseId);
      const total = release.tracks.length;
      let done = 0;
      for (const track of release.tracks) {
        let status: TrackStatus;
        let error: MatchProgressEvent['error'];
        try {
          status = (await service.lookup(release, track, null)).status;
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          // One track failing (a platform down) leaves the others to match; it is reported, not retried here.
          status = 'deferred';
          error = { code: err.code, message: err.message };
        }
        done += 1;
        await publishProgress({
          releaseId,
          trackIndex: track.index,
          status,
          done,
          total,
          ...(error ? { error } : {}),
        });
      }
      log.info({ event: 'release_matched', releaseId, tracks: total }, 'every track of the release was looked up');
    },
    // A second attempt finds the tracks already matched in the tiers and only redoes what failed.
    { attempts: 2, backoffMs: 5000 },
  );

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

  const routes = matchesRoutes({ service, stats, connect, queueRelease });
  const unsubscribers: Unsubscribe[] = [];
  return {
    name: 'matches',
    plugin: async (app, context) => {
      await app.register(routes, context);
    },
    repository,
    service,
    discogs,
    connect,
    stats,
    clearRelease,
    queueRelease,
    start: async () => {
      unsubscribers.push(
        await bus.subscribe('match_progress', (event) => {
          deps.hub.broadcast(formatSseEvent({ event: 'match_progress', data: event }));
        }),
      );
    },
    schedule: async () => {
      await queue.schedule(CLEANUP_JOB, { cron: '17 3 * * *' }, {});
      if (searches.length > 0) await queue.schedule(DEFERRED_JOB, { everyMs: 15 * 60_000 }, {});
    },
    close: async () => {
      for (const unsubscribe of unsubscribers.splice(0)) await unsubscribe().catch(() => undefined);
    },
  };
}
