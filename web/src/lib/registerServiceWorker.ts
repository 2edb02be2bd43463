/** Path of the service worker script, served from the root so it controls every page of the app. */
export const SERVICE_WORKER_URL = '/sw.js';

/**
 * Registers the service worker (see `web/src/sw.ts`) once the page has loaded, so it never competes with the first
 * render. Without service worker support (or on plain http other than localhost) the app simply runs without it.
 */
export function registerServiceWorker(): void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  const register = () => {
    navigator.serviceWorker
      .register(SERVICE_WORKER_URL, { scope: '/', updateViaCache: 'none' })
      .catch((err: unknown) => console.warn('Backbeat: the offline service worker could not be registered', err));
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
