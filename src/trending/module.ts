import type { Config } from '../config.ts';
import type { HealthRegistry } from '../http/health.ts';
import type { JobModule } from '../http/module.ts';
import { formatSseEvent, type SseHub } from '../http/sse.ts';
import type { DatabaseHandle } from '../infra/db.ts';
import type { Logger } from '../infra/logger.ts';
import type { Metrics } from '../infra/metrics.ts';
import type { Bus, Unsubscribe } from '../ports/bus.ts';
import type { Queue } from '../ports/queue.ts';
import type { BucketSettings, RateLimiter } from '../ports/rate-limiter.ts';
import { RateLimitedError } from '../infra/upstream-errors.ts';
import {
  DEFAULT_MUSICBRAINZ_USER_AGENT,
  MUSICBRAINZ_SERVICE,
  MusicBrainzClient,
} from '../providers/musicbrainz/client.ts';
import { SpotifyClient } from '../providers/spotify/client.ts';
import { mapSpotifyAlbums } from '../providers/spotify/map.ts';
import { ENRICH_JOB, Enricher } from './enrichment.ts';
import { searchTitle } from './mb-match.ts';
import { TrendingRepository } from './repository.ts';
import { trendingRoutes } from './routes.ts';
import { NEW_RELEASES_SOURCE, TRENDING_KEY, TrendingService, type NewReleasesSource } from './service.ts';

/** The queue job that refreshes the document on a schedule (`ENABLE_BACKGROUND_SYNC`). */
export const SYNC_JOB = 'trending.sync';
/** Failed searches of one album before it is marked `failed`. */
const MAX_SEARCH_ATTEMPTS = 3;

/** The `musicbrainz` bucket as it is created: one token, refilled once per `intervalMs` (MusicBrainz: 1 a second). */
export function musicbrainzBucket(intervalMs: number): BucketSettings {
  return { maxTokens: 1, refillRate: 1000 / intervalMs, refillIntervalMs: 1000 };
}

export interface TrendingModule extends JobModule {
  readonly repository: TrendingRepository;
  readonly service: TrendingService;
  readonly enricher: Enricher;
}

export interface TrendingModuleDeps {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  bus: Bus;
  queue: Queue;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  health: HealthRegistry;
  /** The app's SSE stream: trending events go out on it beside the releases' ones. */
  hub: SseHub;
  clock: () => Date;
}

/** Spotify's new releases through the client, mapped; links the mapper refused are logged. */
export function spotifySource(client: SpotifyClient, maxPages: number, logger: Logger): NewReleasesSource {
  return {
    async fetchAll() {
      const all = await client.getAllNewReleases({ limit: 50, maxPages });
      const { items, dropped } = mapSpotifyAlbums(all.items);
      for (const value of dropped) logger.warn({ event: 'upstream_value_dropped', source: 'spotify', ...value });
      return { albums: items, total: all.total };
    },
    async rawPage(query) {
      return await client.getNewReleasesPage(query);
    },
  };
}

/**
 * Wires the Trending job: Spotify and MusicBrainz providers, repository, service (cache, refresh, analytics),
 * enrichment job, routes, scheduled sync, SSE events and health.
 */
export function createTrendingModule(deps: TrendingModuleDeps): TrendingModule {
  const { config, bus, queue, health, clock } = deps;
  const settings = config.trending;
  const log = deps.logger.child({ component: 'trending' });
  const repository = new TrendingRepository(deps.database.db);

  const credentials =
    settings.spotifyClientId && settings.spotifyClientSecret
      ? { clientId: settings.spotifyClientId, clientSecret: settings.spotifyClientSecret }
      : undefined;
  const spotify = credentials
    ? new SpotifyClient({
        apiUrl: config.upstreams.spotifyApi,
        accountsUrl: config.upstreams.spotifyAccounts,
        ...credentials,
        timeoutMs: config.upstreamTimeoutMs,
        rateLimiter: deps.rateLimiter,
        logger: log,
      })
    : undefined;
  const musicbrainz = new MusicBrainzClient({
    baseUrl: config.upstreams.musicbrainz,
    userAgent: settings.musicbrainzUserAgent ?? DEFAULT_MUSICBRAINZ_USER_AGENT,
    timeoutMs: config.upstreamTimeoutMs,
    rateLimiter: deps.rateLimiter,
    logger: log,
  });

  /**
   * MusicBrainz counts a request when it arrives, while the bucket spends the token before the request leaves: a
   * request slow to leave (the first of a process that is still warming up) arrives late, and the next one, on time,
   * arrives too soon after it (a 503). Holding the bucket for one token's interval from each answer keeps arrivals
   * that far apart however late a request left. The interval is the bucket's own, so an operator's retuning applies;
   * a bucket retuned to allow bursts (more than one token) is left to its tokens.
   */
  const spaceFromAnswer = async () => {
    try {
      const bucket = await deps.rateLimiter.find(MUSICBRAINZ_SERVICE);
      if (!bucket || bucket.maxTokens > 1 || bucket.refillRate <= 0) return;
      const intervalMs = bucket.refillIntervalMs / bucket.refillRate;
      await deps.rateLimiter.pause(MUSICBRAINZ_SERVICE, new Date(Date.now() + intervalMs));
    } catch (err) {
      // The answer is kept either way: the token bucket alone still paces the next request.
      log.warn({ event: 'musicbrainz_spacing_failed', err }, 'could not hold the musicbrainz bucket after an answer');
    }
  };

  const enricher = new Enricher({
    repository,
    search: async (album) => {
      let sent = true;
      try {
        const answer = await musicbrainz.searchReleaseGroups({
          title: searchTitle(album.name),
          artists: album.artists.map((a) => a.name),
          limit: 10,
        });
        return answer.candidates;
      } catch (err) {
        // Our bucket refused before anything was sent: nothing to space from (holding it would only push back the
        // next request).
        if (err instanceof RateLimitedError && err.attempts === 0) sent = false;
        throw err;
      } finally {
        if (sent) await spaceFromAnswer();
      }
    },
    queue,
    bus,
    logger: log,
    cacheKey: TRENDING_KEY,
    maxAttempts: MAX_SEARCH_ATTEMPTS,
  });

  const service = new TrendingService({
    repository,
    spotify: spotify ? spotifySource(spotify, settings.spotifyMaxPages, log) : null,
    bus,
    logger: log,
    clock,
    cacheDurationMs: settings.cacheDurationMs,
    rankingWindowDays: settings.rankingWindowDays,
    // Long enough for every page with its retries; a dead holder's lease lapses after it.
    leaseMs: Math.max(60_000, settings.spotifyMaxPages * config.upstreamTimeoutMs * 4 + 10_000),
    musicbrainzLimit: async () => {
      const bucket = await deps.rateLimiter.find(MUSICBRAINZ_SERVICE);
      return bucket ? bucket.refillRate / (bucket.refillIntervalMs / 1000) : null;
    },
    onQueued: async (ids) => {
      if (settings.enrichment) await enricher.enqueue(ids);
    },
  });

  const decisions = deps.metrics.counter('backbeat_musicbrainz_decisions_total', 'MusicBrainz outcomes by status', [
    'status',
  ]);

  queue.define<{ albumId: string }>(
    ENRICH_JOB,
    async ({ albumId }) => {
      const outcome = await enricher.enrich(albumId);
      if (outcome !== 'already_decided' && outcome !== 'retry') decisions.inc({ status: outcome });
    },
    // Attempts are counted in the database (MAX_SEARCH_ATTEMPTS); the queue's own are a ceiling above them.
    { attempts: MAX_SEARCH_ATTEMPTS + 2, backoffMs: 5000 },
  );
  queue.define(
    SYNC_JOB,
    async () => {
      // A document expiring within a tenth of the period is refreshed now rather than served stale before the next tick.
      const result = await service.refresh({
        force: false,
        reason: 'schedule',
        marginMs: settings.cacheDurationMs / 10,
      });
      if (result.outcome === 'failed') log.warn({ event: 'trending_sync_failed', error: result.error });
    },
    { attempts: 1 },
  );

  health.add({
    name: 'spotify',
    critical: false,
    run: async () => {
      if (!service.enabled) {
        return { status: 'disabled', reason: 'SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET are not set' };
      }
      const entry = await repository.getEntry(TRENDING_KEY);
      const state = entry?.metadata.sources?.[NEW_RELEASES_SOURCE];
      return {
        status: !state || state.status === 'ok' ? 'ok' : 'degraded',
        state: state?.status ?? 'unknown',
        endpoints: { [NEW_RELEASES_SOURCE]: state?.status === 'unavailable' ? 'unavailable' : 'available' },
        lastSuccessAt: state?.lastSuccessAt ?? null,
        lastError: state?.lastError ?? null,
        ...(state?.lastErrorCode ? { lastErrorCode: state.lastErrorCode } : {}),
      };
    },
  });
  health.add({
    name: 'musicbrainz',
    critical: false,
    run: async () => {
      if (!settings.enrichment) return { status: 'disabled', reason: 'ENABLE_MUSICBRAINZ_ENRICHMENT=false' };
      const counts = await repository.matchCounts();
      return { status: 'ok', ...counts };
    },
  });

  const routes = trendingRoutes({ service, rawPerMinute: settings.rawPerMinute });
  const unsubscribers: Unsubscribe[] = [];
  return {
    name: 'trending',
    plugin: async (app, context) => {
      await app.register(routes, context);
    },
    repository,
    service,
    enricher,
    start: async () => {
      unsubscribers.push(
        await bus.subscribe('trending_refreshed', (event) => {
          service.invalidate();
          deps.hub.broadcast(formatSseEvent({ event: 'trending_refreshed', data: event }));
        }),
      );
      unsubscribers.push(
        await bus.subscribe('musicbrainz_match', (event) => {
          service.invalidate();
          deps.hub.broadcast(formatSseEvent({ event: 'musicbrainz_match', data: event }));
        }),
      );
    },
    schedule: async () => {
      if (settings.enrichment) {
        const queued = await enricher.enqueuePending();
        if (queued > 0) log.info({ event: 'musicbrainz_requeued', albums: queued }, 'albums queued for MusicBrainz');
      }
      if (service.enabled && settings.backgroundSync) {
        // Fires once now (a fresh install gets data), then every period, once per tick across workers.
        await queue.schedule(SYNC_JOB, { everyMs: settings.cacheDurationMs }, {});
      }
    },
    close: async () => {
      await service.drain();
      for (const unsubscribe of unsubscribers.splice(0)) await unsubscribe().catch(() => undefined);
    },
  };
}
