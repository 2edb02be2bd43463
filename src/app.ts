import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from './config.ts';
import { GuestAuth, adminGuard } from './http/auth.ts';
import { GuestToken, HealthReport, errorResponses } from './http/contract.ts';
import { registerErrorHandling } from './http/error-handler.ts';
import type { HealthRegistry } from './http/health.ts';
import type { HttpModule, ModuleContext } from './http/module.ts';
import { registerOpenApi } from './http/openapi.ts';
import { registerWebApp } from './http/web.ts';
import type { Logger } from './infra/logger.ts';
import type { Metrics } from './infra/metrics.ts';

export const WEB_ROOT = fileURLToPath(new URL('../web/dist', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/**
 * The longest route parameter the router accepts. Fastify's default (100) is below what route schemas allow (album
 * names up to 300 characters), which made long but valid names answer "no route"; the schemas are the limit.
 */
const MAX_PARAM_LENGTH = 1024;

export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  health: HealthRegistry;
  adminToken: string;
  guestAuth: GuestAuth;
  /** Job and admin modules, each registered once, in this order. */
  modules: readonly HttpModule[];
  /** Runs when the app closes, after every module's own close hooks (the process's container, say). */
  onClose?: () => Promise<void>;
  /** Folder of the built web app; `/` serves it when present. */
  webRoot?: string;
}

export type App = FastifyInstance;

/** Request metrics for every route, and one debug line per answered request. */
function observe(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500 || route === 'unmatched') return;
    request.log.debug({
      event: 'http_request',
      method: request.method,
      route,
      status: reply.statusCode,
      ms: reply.elapsedTime,
    });
  });
}

/** Health, metrics and guest sign-in: the routes every deployment has whatever its jobs. */
function systemRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/api/health',
      {
        schema: {
          tags: ['system'],
          summary: 'Database, Redis and upstream sources; 503 when a critical check is down',
          response: { 200: HealthReport, 503: HealthReport },
        },
      },
      async (_request, reply) => {
        const report = await deps.health.report();
        return reply.status(report.status === 'down' ? 503 : 200).send(report);
      },
    );

    app.get(
      '/metrics',
      {
        schema: {
          tags: ['system'],
          summary: 'Prometheus metrics',
          response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: {} } } } },
        },
      },
      async (_request, reply) => {
        const body = await deps.metrics.registry.metrics();
        return reply.type(deps.metrics.registry.contentType).send(body);
      },
    );

    app.post(
      '/api/auth/guest',
      {
        schema: {
          tags: ['system'],
          summary: 'A guest user token (for likes)',
          response: { 201: GuestToken, ...errorResponses(415) },
        },
      },
      async (_request, reply) => reply.status(201).send(await deps.guestAuth.issueGuest()),
    );
  };
}

/**
 * The whole HTTP app as one plugin: infrastructure first (errors, metrics, OpenAPI), then the system routes, then
 * each module (one registration each), then the web app's static files. It never listens: `cli.ts` does, and tests
 * call `inject()`. Closing the app closes what it was given (`onClose`).
 */
export const appPlugin = fp<AppDeps>(
  async (app, deps) => {
    const webRoot = deps.webRoot ?? WEB_ROOT;
    registerErrorHandling(app, { webApp: true });
    // Only JSON bodies are accepted: other content types answer 415 rather than failing validation as text.
    app.removeContentTypeParser(['text/plain']);
    observe(app, deps.metrics);
    await registerOpenApi(app, { version: VERSION });

    await app.register(systemRoutes(deps));
    const context: ModuleContext = { requireAdmin: adminGuard(deps.adminToken), guestAuth: deps.guestAuth };
    for (const module of deps.modules) {
      await app.register(module.plugin, context);
    }
    await registerWebApp(app, webRoot);

    if (deps.onClose) {
      const onClose = deps.onClose;
      app.addHook('onClose', async () => onClose());
    }
  },
  { name: 'backbeat', fastify: '5.x' },
);

/** A Fastify server with Backbeat's server options and {@link appPlugin} registered (ready to `listen` or `inject`). */
export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Per-request lines would drown the event log operators grep; the onResponse hook logs at debug instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: true,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  }) as unknown as FastifyInstance;
  await app.register(appPlugin, deps);
  return app;
}
