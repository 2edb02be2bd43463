import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { Config } from './config.ts';
import { GuestAuth, adminGuard } from './http/auth.ts';
import { registerErrorHandling } from './http/error-handler.ts';
import type { HealthRegistry } from './http/health.ts';
import type { Logger } from './infra/logger.ts';
import type { Metrics } from './infra/metrics.ts';

export const WEB_ROOT = fileURLToPath(new URL('../web/dist', import.meta.url));

/** What a job (releases, trending, ...) adds to the app: its routes, given the shared HTTP helpers. */
export interface Feature {
  name: string;
  routes: FastifyPluginAsync<FeatureContext>;
}

export interface FeatureContext {
  requireAdmin: ReturnType<typeof adminGuard>;
  guestAuth: GuestAuth;
}

export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  health: HealthRegistry;
  adminToken: string;
  guestAuth: GuestAuth;
  features: readonly Feature[];
  /** Runs before the server stops accepting requests finishes closing (ends SSE streams, etc.). */
  onPreClose?: () => Promise<void>;
  /** Folder of the built web app; `/` serves it when present. */
  webRoot?: string;
}

export type App = FastifyInstance;

/**
 * Builds the HTTP app as a plugin tree: infrastructure (errors, metrics, logging), then shared routes (health,
 * metrics, auth), then each feature's routes under `/api`. It never listens: `cli.ts` does, and tests call `inject()`.
 */
export async function buildApp(deps: AppDeps): Promise<App> {
  // The pino instance narrows Fastify's logger generic; the rest of the app only needs the base logger type.
  const base = Fastify({
    loggerInstance: deps.logger,
    // Per-request lines would drown the event log operators grep; the onResponse hook logs at debug instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: true,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  }) as unknown as FastifyInstance;
  registerErrorHandling(base);
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500 || route === 'unmatched') return;
    request.log.debug({
      event: 'http_request',
      method: request.method,
      route,
      status: reply.statusCode,
      ms: reply.elapsedTime,
    });
  });

  if (deps.onPreClose) {
    const onPreClose = deps.onPreClose;
    app.addHook('preClose', async () => onPreClose());
  }

  app.get(
    '/api/health',
    {
      schema: {
        response: {
          200: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.Unknown()) }),
          503: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.Unknown()) }),
        },
      },
    },
    async (_request, reply) => {
      const report = await deps.health.report();
      return reply.status(report.status === 'down' ? 503 : 200).send(report);
    },
  );

  app.get('/metrics', async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  app.post(
    '/api/auth/guest',
    {
      schema: {
        response: { 201: Type.Object({ token: Type.String(), userId: Type.String(), expiresAt: Type.String() }) },
      },
    },
    async (_request, reply) => reply.status(201).send(await deps.guestAuth.issueGuest()),
  );

  const context: FeatureContext = { requireAdmin: adminGuard(deps.adminToken), guestAuth: deps.guestAuth };
  for (const feature of deps.features) {
    await app.register(feature.routes, context);
  }

  const webRoot = deps.webRoot ?? WEB_ROOT;
  if (existsSync(webRoot)) {
    await app.register(fastifyStatic, {
      root: webRoot,
      prefix: '/',
      wildcard: true,
      maxAge: '1h',
      index: 'index.html',
    });
    // index.html must not be cached: it names the hashed assets of the current build.
    app.addHook('onSend', async (request, reply) => {
      if (request.url === '/' || request.url.startsWith('/index.html')) void reply.header('cache-control', 'no-cache');
    });
  } else {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><title>Backbeat</title><p>The web app is not built. Run <code>npm run build:web</code>.</p>',
        ),
    );
  }

  return base;
}
