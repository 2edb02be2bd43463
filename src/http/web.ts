import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the built web app (`web/dist`), never its source maps: hashed assets cached for an hour, `index.html`
 * never cached (it names the assets of the current build), and `index.html` for any other GET outside `/api` so
 * client-side routes such as `/admin` load on refresh and from links. Without a build, `/` explains how to make one.
 */
export async function registerWebApp(app: FastifyInstance, root: string): Promise<void> {
  if (!existsSync(root)) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/html')
        .send('<!doctype html><title>Backbeat</title><p>The web app is not built. Run <code>npm run build</code>.</p>'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: true,
    maxAge: '1h',
    index: 'index.html',
    // Source maps (a build may keep them for error reports) are not published: they answer 404.
    allowedPath: (pathName) => !pathName.endsWith('.map'),
  });
  // index.html names the current build's assets and the service worker decides what is cached: both are revalidated
  // on every load, so a new build is picked up at once.
  app.addHook('onSend', async (request, reply) => {
    const type = reply.getHeader('content-type')?.toString() ?? '';
    if (type.startsWith('text/html') || request.url === '/sw.js') void reply.header('cache-control', 'no-cache');
  });
}

/** True for a GET the web app's client-side router answers (not the API, not a file with an extension). */
export function isClientRoute(method: string, path: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (path === '/api' || path.startsWith('/api/') || path === '/metrics' || path.startsWith('/__')) return false;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return !last.includes('.');
}
