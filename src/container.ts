import { join } from 'node:path';
import type { Config } from './config.ts';
import { buildApp, type App } from './app.ts';
import { GuestAuth } from './http/auth.ts';
import { HealthRegistry, pingCheck } from './http/health.ts';
import { openDatabase, type DatabaseHandle } from './infra/db.ts';
import { createLogger, type Logger } from './infra/logger.ts';
import { Metrics } from './infra/metrics.ts';
import { resolveSecret, type ResolvedSecret } from './infra/secrets.ts';
import type { Bus } from './ports/bus.ts';
import type { Cache } from './ports/cache.ts';
import { MemoryBus } from './ports/memory/bus.ts';
import { MemoryCache } from './ports/memory/cache.ts';
import { MemoryQueue } from './ports/memory/queue.ts';
import type { Queue } from './ports/queue.ts';
import type { RateLimiter } from './ports/rate-limiter.ts';
import { RedisBus } from './ports/redis/bus.ts';
import { RedisCache } from './ports/redis/cache.ts';
import { closeRedis, createRedis, whenReady, type Redis } from './ports/redis/connection.ts';
import { BullMqQueue } from './ports/redis/queue.ts';
import { SqlRateLimiter } from './ports/sql-rate-limiter.ts';
import { createAdminModule, type AdminModule } from './admin/module.ts';
import type { JobModule } from './http/module.ts';
import { SseHub } from './http/sse.ts';
import { MUSICBRAINZ_SERVICE } from './providers/musicbrainz/client.ts';
import { createReleasesModule, type ReleasesModule } from './releases/module.ts';
import { createTrendingModule, musicbrainzBucket, type TrendingModule } from './trending/module.ts';
import { createMatchesModule, MATCHES_BUCKETS, type MatchesModule } from './matches/module.ts';
import type { ShareStore, ShareStoreSettings } from './ports/share-store.ts';
import { MemoryShareStore } from './ports/memory/share-store.ts';
import { RedisShareStore } from './ports/redis/share-store.ts';
import { createShareModule, type ShareModule } from './share/module.ts';

/** What a process does: `serve` answers HTTP, `worker` runs jobs, `all` both, `cli` neither (one-off commands). */
export type Role = 'serve' | 'worker' | 'all' | 'cli';

export interface Container {
  readonly config: Config;
  readonly logger: Logger;
  readonly mode: 'embedded' | 'scaled';
  readonly role: Role;
  readonly database: DatabaseHandle;
  readonly cache: Cache;
  readonly bus: Bus;
  readonly queue: Queue;
  readonly rateLimiter: RateLimiter;
  readonly metrics: Metrics;
  readonly health: HealthRegistry;
  readonly adminToken: ResolvedSecret;
  /** The Share host secret: BEARER_TOKEN, or generated and stored like the admin token. */
  readonly shareToken: ResolvedSecret;
  readonly guestAuth: GuestAuth;
  readonly releases: ReleasesModule;
  readonly trending: TrendingModule;
  readonly matches: MatchesModule;
  readonly share: ShareModule;
  readonly admin: AdminModule;
  /** Every job module, in registration order. */
  readonly jobs: readonly JobModule[];
  /**
   * Builds the HTTP app over this container (serve and all roles). With `closeContainer`, closing the app also
   * closes the container (a server process); tests that share a container leave it open.
   */
  buildApp(options?: { closeContainer?: boolean }): Promise<App>;
  /** Starts this role's background work: job workers and schedules for `worker`/`all`. */
  start(): Promise<void>;
  /** Waits for in-flight jobs and runs, then closes every adapter and the database (unless it was lent to us). */
  close(): Promise<void>;
}

export interface ContainerOptions {
  role: Role;
  logger?: Logger;
  /** A database opened (and migrated) by the caller; the container will not close it. Tests share one per file. */
  database?: DatabaseHandle;
  clock?: () => Date;
}

const isWorker = (role: Role) => role === 'worker' || role === 'all';
const servesHttp = (role: Role) => role === 'serve' || role === 'all';

/**
 * Wires one process: opens the database (and applies migrations), picks the adapters for the mode (PGlite + memory
 * when `DATABASE_URL`/`REDIS_URL` are unset; PostgreSQL + Redis when set), resolves generated secrets, and builds each
 * job's module. Nothing outside this file and the adapters knows which mode runs.
 */
export async function createContainer(config: Config, options: ContainerOptions): Promise<Container> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const mode = config.redisUrl ? 'scaled' : 'embedded';
  const ownsDatabase = !options.database;
  const database =
    options.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') }));
  const closers: (() => Promise<void>)[] = [];
  try {
    if (ownsDatabase) await database.migrate();

    const adapterLogger = logger.child({ component: 'redis' });
    const redis = config.redisUrl
      ? { url: config.redisUrl, prefix: config.redisPrefix, logger: adapterLogger }
      : undefined;
    const cache: Cache = redis ? new RedisCache(redis) : new MemoryCache();
    closers.push(() => cache.close());
    const bus: Bus = redis ? new RedisBus(redis) : new MemoryBus();
    closers.push(() => bus.close());
    const queue: Queue = redis
      ? new BullMqQueue(redis)
      : new MemoryQueue({ logger: logger.child({ component: 'queue' }) });
    closers.push(() => queue.close());
    const rateLimiter = new SqlRateLimiter({
      db: database.db,
      serviceDefaults: {
        [MUSICBRAINZ_SERVICE]: musicbrainzBucket(config.trending.musicbrainzIntervalMs),
        ...MATCHES_BUCKETS,
      },
    });
    // Request rate limits (telemetry, guest tokens, likes) count in Redis so every process shares one budget.
    let rateLimitRedis: Redis | undefined;
    if (redis && servesHttp(options.role)) {
      const connection = createRedis(redis.url, {
        role: 'command',
        name: `${redis.prefix}:rate-limit`,
        logger: adapterLogger,
      });
      rateLimitRedis = connection;
      closers.push(() => closeRedis(connection));
    }

    const shareSettings: ShareStoreSettings = {
      sessionMs: config.share.sessionTtlMs,
      metadataMs: config.share.metadataTtlMs,
      audioMs: config.share.audioTtlMs,
      graceMs: config.share.graceMs,
      maxChunks: 50,
    };
    const shareStore: ShareStore = redis
      ? new RedisShareStore({ ...redis, settings: shareSettings })
      : new MemoryShareStore({ settings: shareSettings });
    closers.push(() => shareStore.close());

    const metrics = new Metrics();
    const health = new HealthRegistry();
    health.add(pingCheck('database', true, () => database.ping()));
    if (redis) {
      health.add(pingCheck('redis', false, async () => Promise.all([cache.ping(), bus.ping()]).then(() => undefined)));
    } else {
      health.add({ name: 'redis', critical: false, run: async () => ({ status: 'disabled', mode: 'embedded' }) });
    }

    const secretStore =
      database.kind === 'pglite'
        ? ({ kind: 'file', dataDir: config.dataDir } as const)
        : ({ kind: 'database', db: database.db } as const);
    const adminToken = await resolveSecret({ name: 'admin-token', configured: config.adminToken, store: secretStore });
    const shareToken = await resolveSecret({
      name: 'share-token',
      configured: config.bearerToken,
      store: secretStore,
    });
    const jwtSecret = await resolveSecret({ name: 'jwt-secret', configured: config.jwtSecret, store: secretStore });
    const guestAuth = new GuestAuth(jwtSecret.value);

    const clock = options.clock ?? (() => new Date());
    // One SSE stream per process for every job's events (releases replays its own; trending's carry no id).
    const hub = new SseHub({
      heartbeatMs: config.releases.sseHeartbeatMs,
      retryMs: 3000,
      maxConnections: config.releases.sseMaxConnections,
      maxPerClient: config.releases.sseMaxPerIp,
      logger: logger.child({ component: 'sse' }),
    });
    const releases = createReleasesModule({
      config,
      logger,
      database,
      bus,
      cache,
      queue,
      rateLimiter,
      metrics,
      health,
      hub,
      clock,
    });
    const trending = createTrendingModule({
      config,
      logger,
      database,
      bus,
      queue,
      rateLimiter,
      metrics,
      health,
      hub,
      clock,
    });
    const matches = createMatchesModule({
      config,
      logger,
      database,
      cache,
      queue,
      rateLimiter,
      metrics,
      health,
      bus,
      hub,
    });
    const share = createShareModule({
      config,
      logger,
      store: shareStore,
      bus,
      metrics,
      health,
      bearerToken: shareToken.value,
    });
    const jobs: JobModule[] = [releases, trending, matches, share];
    for (const job of jobs) closers.push(() => job.close());
    const admin = createAdminModule({ rateLimiter, logger });

    let closed = false;
    const container: Container = {
      config,
      logger,
      mode,
      role: options.role,
      database,
      cache,
      bus,
      queue,
      rateLimiter,
      metrics,
      health,
      adminToken,
      shareToken,
      guestAuth,
      releases,
      trending,
      matches,
      share,
      admin,
      jobs,
      buildApp: async (appOptions = {}) => {
        // A process starting with Redis reachable counts from its first request; one started during an outage
        // serves without limits until Redis is back.
        if (rateLimitRedis) await whenReady(rateLimitRedis).catch(() => undefined);
        return buildApp({
          config,
          logger,
          metrics,
          health,
          adminToken: adminToken.value,
          guestAuth,
          modules: [...jobs, admin],
          ...(rateLimitRedis ? { rateLimitRedis } : {}),
          ...(appOptions.closeContainer ? { onClose: () => container.close() } : {}),
        });
      },
      start: async () => {
        if (servesHttp(options.role)) {
          for (const job of jobs) await job.start();
        }
        if (isWorker(options.role)) {
          for (const job of jobs) await job.schedule();
          await queue.start();
        }
      },
      close: async () => {
        if (closed) return;
        closed = true;
        // Reverse order of creation: the module drains its runs before the queue and bus close under it.
        for (const close of closers.reverse()) {
          await close().catch((err: unknown) => logger.warn({ event: 'close_failed', err }));
        }
        if (ownsDatabase) await database.close();
      },
    };
    return container;
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    if (ownsDatabase) await database.close();
    throw err;
  }
}
