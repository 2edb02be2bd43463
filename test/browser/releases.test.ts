/**
 * The web app in a real browser (headless Chromium) against a real stack on a real socket: the page lists the
 * releases the API serves, a release detected while the page is open arrives live (toast, card on top, telemetry)
 * without a reload, and the offline copy keeps the page useful while the API or the whole server is unreachable.
 *
 * One stack and one browser for the file; the tests run in order and build on each other (the list fetched in the
 * first is the offline copy of the third). The server is stopped by the last test.
 */
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, cardIds, releaseCards, screenshot, startBrowserStack } from '../support/browser.ts';
import { type Stack, type TestDb } from '../support/stack.ts';

const WAIT = { timeout: 15_000 };
/** localStorage key of the offline copy (web/src/lib/offlineCache.ts). */
const CACHE_KEY = 'backbeat:new-releases:v1';
const ANTHEM = 'Browser Test Anthem';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`test/browser: skipping the browser tests: ${skipReason}`);

interface ApiRelease {
  id: number;
  title: string;
  artists: string[];
  album: { name: string };
  isNew: boolean;
}

const connectionState = (page: Page) => page.getByTestId('connection-state');

async function waitForState(page: Page, state: string, timeout = WAIT.timeout): Promise<void> {
  await page.locator(`[data-testid="connection-state"][data-state="${state}"]`).waitFor({ timeout });
}

describe.skipIf(skipReason !== undefined)(
  `web app in Chromium (embedded)${skipReason ? ` — skipped: ${skipReason}` : ''}`,
  () => {
    let db: TestDb | undefined;
    let stack: Stack;
    let url: string;
    let browser: Browser | undefined;
    let context: BrowserContext;
    let page: Page;
    const pageErrors: string[] = [];
    const requests: Request[] = [];

    beforeAll(async () => {
      ({ browser, db, stack, url } = await startBrowserStack('browser'));
      // This suite covers the page's own offline copy; the service worker has its own suite (offline.test.ts).
      context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
      context.on('weberror', (err) => pageErrors.push(err.error().message));
      context.on('request', (request) => requests.push(request));
    });

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await stack?.close();
      await db?.close();
    });

    async function runFetch() {
      const { done } = await stack.container.releases.fetcher.trigger('manual');
      const run = await done;
      expect(run.status).toBe('succeeded');
      return run;
    }

    it('shows the releases the API serves, with NEW badges, and goes live', async () => {
      const run = await runFetch();
      expect(run.newAlbums).toBeGreaterThan(0);

      page = await context.newPage();
      const listRequest = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/new-releases', WAIT);
      const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
      expect(response?.status()).toBe(200);
      expect(await page.title()).not.toBe('');

      // Whatever page size the app asks for, the grid shows exactly that answer, in order.
      const requested = new URL((await listRequest).url());
      expect(requested.searchParams.get('limit')).toBe('24');
      const api = await stack.app.inject({ url: `${requested.pathname}${requested.search}` });
      expect(api.statusCode).toBe(200);
      const items = api.json<{ items: ApiRelease[] }>().items;
      expect(items.length).toBeGreaterThan(0);

      await releaseCards(page).first().waitFor(WAIT);
      await expect.poll(() => cardIds(page), WAIT).toEqual(items.map((i) => i.id));

      const recent = items.filter((i) => i.isNew);
      expect(recent.length).toBeGreaterThan(0);
      await expect(page.getByTestId('new-badge').count()).resolves.toBe(recent.length);
      for (const item of items) {
        const badge = page.locator(
          `[data-testid="release-card"][data-release-id="${item.id}"] [data-testid="new-badge"]`,
        );
        if (item.isNew) expect(await badge.isVisible()).toBe(true);
        else expect(await badge.count()).toBe(0);
      }
      const first = releaseCards(page).first();
      expect(await first.locator('.card__title').textContent()).toBe(items[0]!.title);
      expect(await first.getByTestId('like-button').isVisible()).toBe(true);

      await waitForState(page, 'open');
      expect(await page.getByTestId('offline-banner').count()).toBe(0);
      expect(pageErrors).toEqual([]);
    });

    it('shows a release detected while the page is open, live, without a reload', async () => {
      await waitForState(page, 'open');
      const before = await cardIds(page);
      await page.evaluate(() => {
        (window as unknown as { __marker?: number }).__marker = 1;
      });
      let navigations = 0;
      const onNavigate = (frame: unknown) => {
        if (frame === page.mainFrame()) navigations += 1;
      };
      page.on('framenavigated', onNavigate);
      const telemetry = page.waitForResponse(
        (r) => new URL(r.url()).pathname === '/api/telemetry' && r.request().method() === 'POST',
        WAIT,
      );

      const album = stack.sandbox.jiosaavn.release({ language: 'hindi', songs: 2, title: ANTHEM });
      const run = await runFetch();
      expect(run.newAlbums).toBe(1);
      const latest = (await stack.app.inject({ url: '/api/new-releases?limit=5' })).json<{ items: ApiRelease[] }>();
      const anthem = latest.items.find((i) => i.album.name === album.title);
      expect(anthem, `no release of album "${album.title}" in the API`).toBeDefined();
      const id = anthem!.id;

      const toast = page.locator(`[data-testid="toast"][data-release-id="${id}"]`);
      await toast.waitFor(WAIT);
      expect(await toast.textContent()).toContain(`New release: ${anthem!.title} — ${anthem!.artists.join(', ')}`);

      await expect.poll(() => cardIds(page), WAIT).toEqual([id, ...before]);
      const top = releaseCards(page).first();
      expect(await top.getAttribute('data-fresh')).toBe('true');
      expect(await top.locator('.card__title').textContent()).toBe(anthem!.title);
      expect(await top.textContent()).toContain(ANTHEM);
      expect(await top.getByTestId('new-badge').isVisible()).toBe(true);

      const posted = await telemetry;
      expect(posted.status()).toBe(202);
      expect(posted.request().postDataJSON()).toMatchObject({
        event: 'client_new_release_received',
        songId: id,
        eventId: expect.any(Number) as number,
      });

      expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(1);
      page.off('framenavigated', onNavigate);
      expect(navigations).toBe(0);
      // Only the first load asked for the list: the new card came over the stream.
      const listRequests = requests.filter(
        (r) => r.frame().page() === page && new URL(r.url()).pathname === '/api/new-releases',
      );
      expect(listRequests).toHaveLength(1);

      await screenshot(page, 'live');
      expect(pageErrors).toEqual([]);
    });

    it('shows the offline copy while the API is unreachable, then syncs when it is back', async () => {
      const cached = await page.evaluate((key) => localStorage.getItem(key), CACHE_KEY);
      expect(cached, 'the page saved no offline copy').not.toBeNull();
      const copy = JSON.parse(cached!) as { savedAt: string; data: { items: ApiRelease[] } };
      const cachedIds = copy.data.items.map((i) => i.id);
      expect(cachedIds).toEqual(await cardIds(page));

      const offline = await context.newPage();
      try {
        await offline.route('**/api/**', (route) => route.abort('connectionrefused'));
        await offline.goto(url, { waitUntil: 'domcontentloaded' });

        const banner = offline.getByTestId('offline-banner');
        await banner.waitFor(WAIT);
        expect(await banner.textContent()).toMatch(/Offline — showing releases from (a moment|\d+ minutes?) ago/);
        expect(await cardIds(offline)).toEqual(cachedIds);
        // The stream cannot connect either (it turns `offline` after 5 s; the last test waits for that).
        expect(['connecting', 'reconnecting', 'offline']).toContain(
          await connectionState(offline).getAttribute('data-state'),
        );
        await screenshot(offline, 'offline-api');

        await offline.unrouteAll({ behavior: 'ignoreErrors' });
        // The retry timers (list: 5 s after the failure; stream: 1 s, 2 s, … with jitter) bring it back unaided.
        await waitForState(offline, 'open');
        await banner.waitFor({ state: 'detached', ...WAIT });
        // Synced: the first page as the server answers it now (the live arrival included).
        const fresh = (await stack.app.inject({ url: '/api/new-releases?limit=24' })).json<{ items: ApiRelease[] }>();
        expect(fresh.items.map((i) => i.id)).toEqual(cachedIds.slice(0, 24));
        await expect.poll(() => cardIds(offline), WAIT).toEqual(fresh.items.map((i) => i.id));
      } finally {
        await offline.close();
      }
      expect(pageErrors).toEqual([]);
    });

    it('keeps the list on screen with an offline banner when the server stops (stops the server)', async () => {
      await waitForState(page, 'open');
      const shown = await cardIds(page);
      await stack.app.close();

      await waitForState(page, 'offline');
      const banner = page.getByTestId('offline-banner');
      await banner.waitFor(WAIT);
      expect(await banner.textContent()).toContain('Offline');
      expect(await cardIds(page)).toEqual(shown);
      await screenshot(page, 'offline-server');
      expect(pageErrors).toEqual([]);
    });
  },
);
