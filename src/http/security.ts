import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../errors.ts';
import { bearerToken, safeEqual } from './auth.ts';

type Directives = Record<string, string[] | null>;

/**
 * The web app's policy: its own scripts, styles, API and service worker only. Covers and previews come from upstream
 * CDNs (and from the sandbox over plain HTTP in the demo), so images and media may load from any http(s) origin.
 * No framing, no plugins, no inline script or style attributes.
 */
const APP_DIRECTIVES: Directives = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:', 'https:', 'http:'],
  'manifest-src': ["'self'"],
  'media-src': ["'self'", 'https:', 'http:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'worker-src': ["'self'"],
};

/**
 * The API reference (Scalar, `/api/docs`) starts itself from an inline script and injects its styles at run time, so
 * its pages alone may run inline scripts and styles; everything it loads still comes from this server.
 */
const DOCS_DIRECTIVES: Directives = {
  ...APP_DIRECTIVES,
  'img-src': ["'self'", 'data:', 'blob:', 'https:'],
  'script-src': ["'self'", "'unsafe-inline'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'worker-src': ["'self'", 'blob:'],
};

const COMMON = {
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
} as const satisfies FastifyHelmetOptions;

const policy = (directives: Directives) => ({ useDefaults: false, directives });

/**
 * Security headers on every answer (`@fastify/helmet`): `Content-Security-Policy` (no framing: `frame-ancestors
 * 'none'` and `X-Frame-Options: DENY`), `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
 * `Strict-Transport-Security` and the cross-origin isolation headers. Routes under `docsPath` get the reference
 * page's looser script and style policy. Register it before any route.
 */
export async function registerSecurityHeaders(app: FastifyInstance, docsPath: string): Promise<void> {
  const docs = { ...COMMON, contentSecurityPolicy: policy(DOCS_DIRECTIVES) };
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.url === docsPath || route.url.startsWith(`${docsPath}/`)) {
      route.config = { ...route.config, helmet: docs } as RouteOptions['config'];
    }
  });
  await app.register(helmet, { ...COMMON, contentSecurityPolicy: policy(APP_DIRECTIVES) });
}

/** A preHandler requiring `Authorization: Bearer <token>` (401 without one, 403 with another). */
export function bearerGuard(token: string, name: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const given = bearerToken(request);
    if (!given) throw new AppError('BACKBEAT_ERR_UNAUTHORIZED', `This route needs Authorization: Bearer <${name}>`);
    if (!safeEqual(given, token)) throw new AppError('BACKBEAT_ERR_FORBIDDEN', `The ${name} is not valid`);
  };
}
