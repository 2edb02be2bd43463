import swagger from '@fastify/swagger';
import apiReference from '@scalar/fastify-api-reference';
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from './contract.ts';

/** One route as Fastify registered it (HEAD routes included), and whether it is hidden from the document. */
export interface RegisteredRoute {
  method: string;
  url: string;
  hidden: boolean;
}

const ROUTES = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route registered on `app` after the OpenAPI plugin, so a test can hold the document against them. */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return ROUTES.get(app) ?? [];
}

export const OPENAPI_PATH = '/api/openapi.json';
export const DOCS_PATH = '/api/docs';

/**
 * The OpenAPI 3.1 document, generated from the routes' TypeBox schemas by `@fastify/swagger` (register it before any
 * route), served at `/api/openapi.json`, and a reference page at `/api/docs` (Scalar, served from the package: no
 * CDN, works offline).
 */
export async function registerOpenApi(app: FastifyInstance, info: { version: string }): Promise<void> {
  const routes: RegisteredRoute[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const hidden = Boolean(route.schema?.hide);
    for (const method of methods) routes.push({ method: String(method), url: route.url, hidden });
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Backbeat API',
        version: info.version,
        description:
          'Self-hostable real-time music-data backend. Every error answer is `{ error: { code, message } }` with a ' +
          'stable `BACKBEAT_ERR_*` code. Admin routes need `Authorization: Bearer <ADMIN_TOKEN>`; like routes need a ' +
          'guest token from `POST /api/auth/guest`.',
      },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN (printed once at first start)' },
          guestToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'From POST /api/auth/guest' },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN (only when it is set)' },
          shareToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'BEARER_TOKEN, the Share host secret (generated and printed at first start when unset)',
          },
          listenerToken: {
            type: 'http',
            scheme: 'bearer',
            description: "A session's listener token (from start or join); also accepted as ?token=",
          },
        },
        schemas: { ErrorBody: ErrorBody as unknown as Record<string, unknown> },
      },
      tags: [
        { name: 'releases', description: 'New releases from JioSaavn, live over SSE' },
        { name: 'admin', description: 'Operators: token buckets, telemetry' },
        { name: 'system', description: 'Health, metrics, guest sign-in' },
        { name: 'share', description: 'Live sessions: seed 004 polling API, listener and host WebSockets' },
      ],
    },
    hideUntagged: false,
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
  await app.register(apiReference, {
    routePrefix: DOCS_PATH,
    logLevel: 'warn',
    // A reference for this server only: no remote fonts, telemetry, hosted AI agent, MCP or SDK buttons.
    configuration: {
      url: OPENAPI_PATH,
      title: 'Backbeat API',
      withDefaultFonts: false,
      hideClientButton: true,
      telemetry: false,
      showDeveloperTools: 'never',
      agent: { disabled: true },
      mcp: { disabled: true },
    },
  });
}
