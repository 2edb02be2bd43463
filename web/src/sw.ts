/**
 * The offline service worker, built by `vite.config.ts` into `dist/sw.js` (one self-contained script). It keeps the
 * app shell of the current build (index.html and the hashed assets) and the last answers to `GET /api/new-releases`,
 * so a tab opened while the server is down still shows the app and the last list, labelled offline. Which request
 * gets which treatment is decided by {@link swStrategy}.
 */
import {
  isCacheableListResponse,
  LIST_CACHE,
  OFFLINE_COPY_HEADER,
  preferOfflineCopy,
  shellCacheName,
  staleCaches,
  swStrategy,
} from './lib/swPolicy.ts';

/** Files of this build to keep, injected at build time: `/` (index.html) and every hashed asset. */
declare const __BACKBEAT_PRECACHE__: readonly string[];
/** Identifies this build; the shell cache is named after it. */
declare const __BACKBEAT_BUILD__: string;

// The DOM typings this project compiles against have no service worker scope; these are the parts used here.
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface ServiceWorkerScope {
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const scope = self as unknown as ServiceWorkerScope;
const SHELL = shellCacheName(__BACKBEAT_BUILD__);
/** The cache key of the app shell: every client-side route is this one document. */
const SHELL_KEY = '/';

scope.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll(__BACKBEAT_PRECACHE__.map((path) => new Request(path, { cache: 'reload' })));
      await scope.skipWaiting();
    })(),
  );
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(staleCaches(names, __BACKBEAT_BUILD__).map((name) => caches.delete(name)));
      await scope.clients.claim();
    })(),
  );
});

async function appShell(event: FetchEvent): Promise<Response> {
  const { request } = event;
  try {
    const response = await fetch(request);
    if (response.ok && (response.headers.get('content-type') ?? '').includes('text/html')) {
      const copy = response.clone();
      event.waitUntil(caches.open(SHELL).then((cache) => cache.put(SHELL_KEY, copy)));
    }
    return response;
  } catch {
    const cached = await caches.match(SHELL_KEY, { cacheName: SHELL });
    return cached ?? Response.error();
  }
}

async function staticAsset(event: FetchEvent): Promise<Response> {
  const { request } = event;
  const cached = await caches.match(request, { cacheName: SHELL });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    event.waitUntil(caches.open(SHELL).then((cache) => cache.put(request, copy)));
  }
  return response;
}

async function keepListAnswer(request: Request, response: Response): Promise<void> {
  const headers = new Headers(response.headers);
  headers.set(OFFLINE_COPY_HEADER, new Date().toISOString());
  const body = await response.arrayBuffer();
  const cache = await caches.open(LIST_CACHE);
  await cache.put(
    request.url,
    new Response(body, { status: response.status, statusText: response.statusText, headers }),
  );
}

async function releaseList(event: FetchEvent): Promise<Response> {
  const { request } = event;
  const kept = () => caches.match(request.url, { cacheName: LIST_CACHE, ignoreVary: true });
  let response: Response;
  try {
    response = await fetch(request);
  } catch {
    return (await kept()) ?? Response.error();
  }
  if (isCacheableListResponse(response.status, response.headers.get('content-type'))) {
    event.waitUntil(keepListAnswer(request, response.clone()).catch(() => undefined));
  } else if (preferOfflineCopy(response.status)) {
    return (await kept()) ?? response;
  }
  return response;
}

scope.addEventListener('fetch', (event) => {
  switch (swStrategy(event.request, scope.location.origin)) {
    case 'app-shell':
      event.respondWith(appShell(event));
      return;
    case 'static-asset':
      event.respondWith(staticAsset(event));
      return;
    case 'release-list':
      event.respondWith(releaseList(event));
      return;
    case 'passthrough':
      return;
  }
});
