import type { Config } from '../config.ts';
import type { HealthRegistry } from '../http/health.ts';
import type { JobModule } from '../http/module.ts';
import type { Logger } from '../infra/logger.ts';
import type { Metrics } from '../infra/metrics.ts';
import type { Bus } from '../ports/bus.ts';
import type { ShareStore } from '../ports/share-store.ts';
import { ShareRelay } from './relay.ts';
import { shareRoutes } from './routes.ts';
import { ShareService } from './service.ts';

export interface ShareModule extends JobModule {
  readonly service: ShareService;
  readonly relay: ShareRelay;
}

export interface ShareModuleDeps {
  config: Config;
  logger: Logger;
  store: ShareStore;
  /** Carries metadata, audio and ends between processes, so a host on one reaches listeners on all. */
  bus: Bus;
  metrics: Metrics;
  health: HealthRegistry;
  /** The host secret: BEARER_TOKEN, or the generated one. */
  bearerToken: string;
}

/**
 * Wires the Share job: the session service over the share store, the per-process WebSocket relay fed from the bus,
 * the routes (seed 004's seven endpoints, join, the two WebSockets), metrics and health. Share has no background
 * jobs: sessions expire in the store by themselves.
 */
export function createShareModule(deps: ShareModuleDeps): ShareModule {
  const { config, store, metrics } = deps;
  const settings = config.share;
  const log = deps.logger.child({ component: 'share' });
  const received = metrics.counter('backbeat_share_bytes_received_total', 'Audio bytes received from hosts');
  const service = new ShareService({
    store,
    bus: deps.bus,
    logger: log,
    maxSessions: settings.maxSessions,
    onAudioBytes: (bytes) => received.inc(bytes),
  });
  const relay = new ShareRelay({
    bus: deps.bus,
    store,
    service,
    logger: log,
    metrics,
    queueBytes: settings.listenerQueueBytes,
  });
  service.deliverLocally(relay);
  metrics.gauge('backbeat_share_sessions_active', 'Active Share sessions (every process)', [], async (gauge) => {
    gauge.set(await store.activeSessions().catch(() => Number.NaN));
  });
  deps.health.add({
    name: 'share',
    critical: false,
    run: async () => {
      const started = performance.now();
      const active = await store.activeSessions();
      return {
        status: 'ok',
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
        activeSessions: active,
        maxSessions: settings.maxSessions,
        listenersHere: relay.localListeners,
      };
    },
  });

  const routes = shareRoutes({
    service,
    relay,
    settings: {
      bearerToken: deps.bearerToken,
      audioMaxBytes: settings.audioMaxBytes,
      metadataMaxBytes: settings.metadataMaxBytes,
      hostWritesPerSecond: settings.hostWritesPerSecond,
      readsPerMinute: settings.readsPerMinute,
      startsPerMinute: settings.startsPerMinute,
    },
  });
  return {
    name: 'share',
    service,
    relay,
    plugin: async (app, context) => {
      await app.register(routes, context);
    },
    start: () => relay.start(),
    schedule: async () => undefined,
    close: () => relay.close(),
  };
}
