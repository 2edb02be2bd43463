import { describe, expect, it } from 'vitest';
import {
  isCacheableListResponse,
  preferOfflineCopy,
  shellCacheName,
  staleCaches,
  swStrategy,
  type SwStrategy,
} from '../../web/src/lib/swPolicy.ts';

const ORIGIN = 'https://backbeat.example';

describe('service worker strategy', () => {
  it.each<[string, string, string, SwStrategy]>([
    // Pages: every client-side route is the app shell.
    ['GET', '/', 'navigate', 'app-shell'],
    ['GET', '/admin', 'navigate', 'app-shell'],
    ['GET', '/?language=ml', 'navigate', 'app-shell'],
    ['GET', '/no/such/page', 'navigate', 'app-shell'],
    // Pages the API serves itself are not the app.
    ['GET', '/api/docs', 'navigate', 'passthrough'],
    ['GET', '/api/openapi.json', 'navigate', 'passthrough'],
    ['GET', '/metrics', 'navigate', 'passthrough'],
    // Hashed build files.
    ['GET', '/assets/index-BysumAsB.js', 'cors', 'static-asset'],
    ['GET', '/assets/index-BWpm9KSF.css', 'no-cors', 'static-asset'],
    // The list, with any query.
    ['GET', '/api/new-releases', 'cors', 'release-list'],
    ['GET', '/api/new-releases?language=malayalam&limit=24', 'cors', 'release-list'],
    // Never cached: the stream, admin calls, other API reads, writes.
    ['GET', '/api/new-releases/events', 'cors', 'passthrough'],
    ['GET', '/api/new-releases/events?lastEventId=12', 'cors', 'passthrough'],
    ['GET', '/api/new-releases/runs?limit=20', 'cors', 'passthrough'],
    ['GET', '/api/new-releases/runs/0b7c5f5e-9f0e-4c1c-9d6a-2d3c4b5a6f70', 'cors', 'passthrough'],
    ['POST', '/api/new-releases/fetch', 'cors', 'passthrough'],
    ['GET', '/api/admin/rate-limits', 'cors', 'passthrough'],
    ['PUT', '/api/admin/rate-limits/jiosaavn', 'cors', 'passthrough'],
    ['GET', '/api/health', 'cors', 'passthrough'],
    ['GET', '/api/new-releases/songs/12', 'cors', 'passthrough'],
    ['POST', '/api/new-releases/songs/12/like', 'cors', 'passthrough'],
    ['POST', '/api/telemetry', 'cors', 'passthrough'],
    ['POST', '/api/new-releases', 'cors', 'passthrough'],
    ['GET', '/sw.js', 'same-origin', 'passthrough'],
  ])('%s %s (%s) → %s', (method, path, mode, strategy) => {
    expect(swStrategy({ method, url: `${ORIGIN}${path}`, mode }, ORIGIN)).toBe(strategy);
  });

  it('leaves other origins and unreadable URLs alone', () => {
    expect(swStrategy({ method: 'GET', url: 'https://c.saavncdn.com/1-500x500.jpg', mode: 'no-cors' }, ORIGIN)).toBe(
      'passthrough',
    );
    expect(swStrategy({ method: 'GET', url: 'https://evil.example/', mode: 'navigate' }, ORIGIN)).toBe('passthrough');
    expect(swStrategy({ method: 'GET', url: 'not a url', mode: 'cors' }, ORIGIN)).toBe('passthrough');
  });

  it('keeps only complete JSON list answers, and falls back to the copy on server errors', () => {
    expect(isCacheableListResponse(200, 'application/json; charset=utf-8')).toBe(true);
    expect(isCacheableListResponse(200, 'text/html')).toBe(false);
    expect(isCacheableListResponse(200, null)).toBe(false);
    expect(isCacheableListResponse(206, 'application/json')).toBe(false);
    expect(isCacheableListResponse(400, 'application/json')).toBe(false);
    expect(preferOfflineCopy(503)).toBe(true);
    expect(preferOfflineCopy(500)).toBe(true);
    expect(preferOfflineCopy(400)).toBe(false);
    expect(preferOfflineCopy(401)).toBe(false);
  });

  it('deletes the shells of older builds only', () => {
    expect(shellCacheName('abc')).toBe('backbeat-shell-abc');
    expect(staleCaches(['backbeat-shell-old', 'backbeat-shell-abc', 'backbeat-api-v1', 'someone-else'], 'abc')).toEqual(
      ['backbeat-shell-old'],
    );
  });
});
