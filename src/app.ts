import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import { AppError } from './errors.ts';
import { GuestAuth, adminGuard } from './http/auth.ts';
import { GuestToken, HealthReport, errorResponses, strictInput } from './http/contract.ts';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './http/error-handler.ts';
import type { HealthRegistry } from './http/health.ts';
import type { HttpModule, ModuleContext } from './http/module.ts';
import { DOCS_PATH, registerOpenApi } from './http/openapi.ts';
import { bearerGuard, registerSecurityHeaders } from './http/security.ts';
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
  /**
   * Redis connection holding the request rate-limit counters (scaled mode), so every process counts against the same
   * limits; without it each process counts in memory. The caller owns (and closes) it.
   */
  rateLimitRedis?: Redis;
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

    const metricsToken = deps.config.metricsToken;
    app.get(
      '/metrics',
      {
        ...(metricsToken ? { preHandler: bearerGuard(metricsToken, 'METRICS_TOKEN') } : {}),
        schema: {
          tags: ['system'],
          summary: metricsToken
            ? 'Prometheus metrics (needs Authorization: Bearer <METRICS_TOKEN>)'
            : 'Prometheus metrics',
          ...(metricsToken ? { security: [{ metricsToken: [] }] } : {}),
          response: {
            200: { description: 'Prometheus text format', content: { 'text/plain': { schema: {} } } },
            ...(metricsToken ? errorResponses(401, 403) : {}),
          },
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
        config: { rateLimit: { max: deps.config.guestTokensPerHour, timeWindow: 3_600_000 } },
        schema: {
          tags: ['system'],
          summary: `A guest user token (for likes; ${deps.config.guestTokensPerHour} an hour per client)`,
          response: { 201: GuestToken, ...errorResponses(415, 429) },
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
    // Node answers an HTTP/1.1 request without Host with an empty 400 (the server is created without that check):
    // the same refusal, in the documented shape.
    app.addHook('onRequest', async (request, reply) => {
      if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
        void reply.header('connection', 'close');
        throw new AppError('BACKBEAT_ERR_VALIDATION', 'headers/host is required');
      }
    });
    await registerSecurityHeaders(app, DOCS_PATH);
    // One limiter for the whole app: a route opts in with `config: { rateLimit: { max, timeWindow } }`. In scaled
    // mode the counters live in Redis, shared by every process; if Redis is away requests are let through.
    await app.register(rateLimit, {
      global: false,
      ...(deps.rateLimitRedis
        ? { redis: deps.rateLimitRedis, nameSpace: `${deps.config.redisPrefix}:rate-limit:`, skipOnError: true }
        : {}),
      errorResponseBuilder: (_request, context) =>
        new AppError('BACKBEAT_ERR_RATE_LIMITED', `Too many requests: retry in ${context.after}`),
    });
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

/**
 * Fastify's `trustProxy` for TRUST_PROXY. A hop count becomes "the nearest `hops` addresses are proxies" (Fastify
 * itself ignores a bare number): the operator who sets it says every peer is a proxy.
 */
function trustProxyOption(
  value: Config['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return typeof value === 'object' ? [...value] : value;
}

/** A Fastify server with Backbeat's server options and {@link appPlugin} registered (ready to `listen` or `inject`). */
export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Per-request lines would drown the event log operators grep; the onResponse hook logs at debug instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Only the proxies TRUST_PROXY names may say who the client is (X-Forwarded-For); by default none.
    trustProxy: trustProxyOption(deps.config.trustProxy),
    requestTimeout: deps.config.requestTimeoutMs,
    http: {
      headersTimeout: deps.config.requestTimeoutMs,
      requestTimeout: deps.config.requestTimeoutMs,
      // How often Node looks for requests past those timeouts.
      connectionsCheckingInterval: Math.min(15_000, Math.max(50, Math.floor(deps.config.requestTimeoutMs / 4))),
      // Checked by an onRequest hook instead, which answers in the documented error shape.
      requireHostHeader: false,
    },
    clientErrorHandler,
    frameworkErrors,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Strict input: only finite numbers, or their JSON text in queries (no Infinity, 1e309, 0x10, null → 0); no NUL.
    ajv: {
      customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false, strictNumbers: true },
      plugins: [strictInput],
    },
  }) as unknown as FastifyInstance;
  await app.register(appPlugin, deps);
  return app;
}
