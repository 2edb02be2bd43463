import type { Config } from '../config.ts';
import type { HealthRegistry } from '../http/health.ts';
import type { JobModule } from '../http/module.ts';
import type { SseHub } from '../http/sse.ts';
import type { DatabaseHandle } from '../infra/db.ts';
import type { Logger } from '../infra/logger.ts';
import type { Metrics } from '../infra/metrics.ts';
import type { Bus, Unsubscribe } from '../ports/bus.ts';
import type { Cache } from '../ports/cache.ts';
import type { Queue } from '../ports/queue.ts';
import type { RateLimiter } from '../ports/rate-limiter.ts';
import { JioSaavnClient } from '../providers/jiosaavn/client.ts';
import { mapNewReleasesPage } from '../providers/jiosaavn/map.ts';
import { ReleaseFetcher, runFailure, type ReleaseSourceAdapter } from './fetcher.ts';
import type { ReleaseEvent } from './contract.ts';
import { releasePresenter } from './present.ts';
import { ReleasesRepository } from './repository.ts';
import { releasesRoutes } from './routes.ts';
import { ReleasesService } from './service.ts';
import { ReleaseStream } from './stream.ts';

export const FETCH_JOB = 'releases.fetch';

/**
 * The releases job: `plugin` holds its routes (and ends its SSE streams when the server closes), `start` subscribes
 * the SSE hub to the bus, `schedule` registers the recurring fetch on `FETCH_CRON` and, with `FETCH_ON_START`, one
 * fetch now; `close` waits for this process's runs, then unsubscribes.
 */
export interface ReleasesModule extends JobModule {
  readonly repository: ReleasesRepository;
  readonly service: ReleasesService;
  readonly fetcher: ReleaseFetcher;
  readonly stream: ReleaseStream;
}

export interface ReleasesModuleDeps {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  bus: Bus;
  cache: Cache;
  queue: Queue;
  rateLimiter: RateLimiter;
  metrics: Metrics;
  health: HealthRegistry;
  /** The app's SSE stream (shared with other jobs' events); this module replays and ends it. */
  hub: SseHub;
  clock: () => Date;
}

/**
 * JioSaavn's `content.getAlbums`, fetched then converted. A link the mapper refused (not `https:`/`http:`) is logged
 * as `upstream_value_dropped` and the item is kept without it.
 */
export function jiosaavnSource(client: JioSaavnClient, logger?: Logger): ReleaseSourceAdapter {
  return {
    name: 'jiosaavn',
    async fetchPage({ language, page, size }) {
      const raw = await client.getNewReleases({ language, page, size });
      const { items, skipped, dropped } = mapNewReleasesPage(raw, { language });
      for (const value of dropped) {
        logger?.warn({ event: 'upstream_value_dropped', source: 'jiosaavn', language, page, ...value });
      }
      return { items, skipped, lastPage: raw.last_page === true };
    },
  };
}

/** Wires the releases job: repository, provider, fetcher, read service, SSE stream, routes, job and health check. */
export function createReleasesModule(deps: ReleasesModuleDeps): ReleasesModule {
  const { config, logger, bus, queue, metrics, health, clock } = deps;
  const log = logger.child({ component: 'releases' });
  const repository = new ReleasesRepository(deps.database.db);
  const client = new JioSaavnClient({
    baseUrl: config.upstreams.jiosaavn,
    timeoutMs: config.upstreamTimeoutMs,
    rateLimiter: deps.rateLimiter,
    logger: log,
  });
  const sources = [jiosaavnSource(client, log)];
  const present = releasePresenter(config.releases.newWindowDays);
  const service = new ReleasesService({
    repository,
    sourceNames: sources.map((s) => s.name),
    clock,
    present,
    recentWindowDays: config.releases.recentWindowDays,
    cache: deps.cache,
    logger: log,
  });

  const runsTotal = metrics.counter('backbeat_fetch_runs_total', 'Finished new-release fetch runs by status', [
    'status',
  ]);
  const songsTotal = metrics.counter('backbeat_releases_detected_total', 'Songs detected by fetch runs', ['kind']);
  const fetcher = new ReleaseFetcher({
    repository,
    sources,
    bus,
    logger: log,
    languages: config.releases.languages,
    pages: config.releases.pages,
    pageSize: config.releases.pageSize,
    staleAfterMs: config.releases.runStaleAfterMs,
    heartbeatMs: Math.max(250, Math.floor(config.releases.runStaleAfterMs / 6)),
    present,
    clock,
    onDataChanged: () => service.invalidate(),
    onRunFinished: (run) => {
      runsTotal.inc({ status: run.status });
      songsTotal.inc({ kind: 'new_song' }, run.newSongs);
      songsTotal.inc({ kind: 'new_album' }, run.newAlbums);
      songsTotal.inc({ kind: 'updated' }, run.updated);
    },
  });

  const hub = deps.hub;
  const stream = new ReleaseStream({ hub, repository, replayLimit: config.releases.sseReplayLimit, logger: log });
  metrics.gauge('backbeat_sse_connections', 'Open SSE connections', [], (g) => g.set(hub.size));
  metrics.gauge('backbeat_sse_dropped_total', 'SSE connections dropped for not keeping up', [], (g) =>
    g.set(hub.stats().dropped),
  );

  health.add({
    name: 'jiosaavn',
    critical: false,
    run: async () => {
      const [source] = await service.sources();
      return {
        status: source?.status === 'degraded' ? 'degraded' : 'ok',
        state: source?.status ?? 'unknown',
        lastSuccessAt: source?.lastSuccessAt ?? null,
        // The public form only (a code and a catalog message): the stored detail is for the log and operators.
        lastError: source?.lastError ?? null,
        ...(source?.lastErrorCode ? { lastErrorCode: source.lastErrorCode } : {}),
      };
    },
  });

  queue.define<{ trigger?: string }>(
    FETCH_JOB,
    async () => {
      const { done } = await fetcher.trigger('schedule');
      const failure = runFailure(await done);
      if (failure) throw failure;
    },
    { attempts: 1 },
  );

  const routes = releasesRoutes({ service, fetcher, stream });
  const unsubscribers: Unsubscribe[] = [];
  return {
    name: 'releases',
    plugin: async (app, context) => {
      // Streams end before the server waits for open requests, or an SSE client would hold it open.
      app.addHook('preClose', () => hub.close());
      await app.register(routes, context);
    },
    repository,
    service,
    fetcher,
    stream,
    start: async () => {
      const onEvent = (payload: ReleaseEvent) => {
        service.forgetLocal();
        stream.broadcast(payload);
      };
      unsubscribers.push(await bus.subscribe('new_release', onEvent));
      unsubscribers.push(await bus.subscribe('release_updated', onEvent));
    },
    schedule: async () => {
      await queue.schedule(FETCH_JOB, { cron: config.releases.fetchCron }, { trigger: 'schedule' });
      if (config.releases.fetchOnStart) {
        // One id per minute: several workers starting together queue one fetch, not one each.
        const minute = Math.floor(clock().getTime() / 60_000);
        await queue.add(FETCH_JOB, { trigger: 'start' }, { jobId: `releases:fetch:start:${minute}` });
      }
    },
    close: async () => {
      await fetcher.drain();
      for (const unsubscribe of unsubscribers.splice(0)) await unsubscribe().catch(() => undefined);
      await hub.close();
    },
  };
}
