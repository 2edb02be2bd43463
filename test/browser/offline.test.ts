/**
 * The service worker in a real browser (headless Chromium) against a real stack: it installs with the app shell of
 * the build, keeps the last `GET /api/new-releases` answers (never admin calls or the SSE stream), and when the server
 * is down a new tab still opens the app — any route — with the kept list, labelled offline.
 *
 * One stack and one browser context (service workers allowed) for the file; the second test stops the server.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, cardIds, releaseCards, screenshot, startBrowserStack } from '../support/browser.ts';
import { ADMIN_TOKEN, type Stack, type TestDb } from '../support/stack.ts';

const WAIT = { timeout: 15_000 };
/** localStorage key of the page's own offline copy (web/src/lib/offlineCache.ts). */
const CACHE_KEY = 'backbeat:new-releases:v1';
/** The service worker's cache of list answers (web/src/lib/swPolicy.ts). */
const LIST_CACHE = 'backbeat-api-v1';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`test/browser: skipping the browser tests: ${skipReason}`);

/** Every cache of the page's origin with the request URLs (path and query) it holds. */
async function cacheContents(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(async () => {
    const out: Record<string, string[]> = {};
    for (const name of await caches.keys()) {
      const keys = await (await caches.open(name)).keys();
      out[name] = keys.map((request) => {
        const u = new URL(request.url);
        return `${u.pathname}${u.search}`;
      });
    }
    return out;
  });
}

describe.skipIf(skipReason !== undefined)(
  `service worker in Chromium (embedded)${skipReason ? ` — skipped: ${skipReason}` : ''}`,
  () => {
    let db: TestDb | undefined;
    let stack: Stack;
    let url: string;
    let browser: Browser | undefined;
    let context: BrowserContext;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      ({ browser, db, stack, url } = await startBrowserStack('browser-offline'));
      const { done } = await stack.container.releases.fetcher.trigger('manual');
      expect((await done).status).toBe('succeeded');
      context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      context.on('weberror', (err) => pageErrors.push(err.error().message));
    });

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await stack?.close();
      await db?.close();
    });

    it('installs with the app shell and keeps list answers, never admin calls or the stream', async () => {
      page = await context.newPage();
      await page.goto(url, { waitUntil: 'load' });
      await releaseCards(page).first().waitFor(WAIT);
      await page.evaluate(async () => {
        await navigator.serviceWorker.ready;
        if (navigator.serviceWorker.controller) return;
        await new Promise((resolve) =>
          navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
        );
      });
      expect(context.serviceWorkers().map((worker) => new URL(worker.url()).pathname)).toEqual(['/sw.js']);

      let contents = await cacheContents(page);
      const shell = Object.keys(contents).filter((name) => name.startsWith('backbeat-shell-'));
      expect(shell).toHaveLength(1);
      const precached = contents[shell[0]!]!;
      expect(precached).toContain('/');
      expect(precached.some((path) => /^\/assets\/.+\.js$/.test(path))).toBe(true);
      expect(precached.some((path) => /^\/assets\/.+\.css$/.test(path))).toBe(true);

      // Controlled now: the next list answers go through the worker and are kept, per URL.
      await page.reload({ waitUntil: 'domcontentloaded' });
      await releaseCards(page).first().waitFor(WAIT);
      await page.locator('[data-testid="connection-state"][data-state="open"]').waitFor(WAIT);
      await page.locator('.chip[data-language="tamil"]').click();
      await page.waitForURL(`${url}/?language=ta`, WAIT);
      await expect
        .poll(async () => (await cacheContents(page))[LIST_CACHE] ?? [], WAIT)
        .toEqual(expect.arrayContaining(['/api/new-releases?limit=24', '/api/new-releases?language=tamil&limit=24']));
      await page.locator('.chip[data-language="all"]').click();
      await page.waitForURL(`${url}/`, WAIT);
      await page.locator('.chip--active[data-language="all"]').waitFor(WAIT);

      const status = await page.evaluate(async (token) => {
        const res = await fetch('/api/admin/rate-limits', { headers: { Authorization: `Bearer ${token}` } });
        return res.status;
      }, ADMIN_TOKEN);
      expect(status).toBe(200);
      contents = await cacheContents(page);
      const everything = Object.values(contents).flat();
      expect(everything.filter((path) => path.startsWith('/api/') && !path.startsWith('/api/new-releases?'))).toEqual(
        [],
      );
      expect(pageErrors).toEqual([]);
    });

    it('opens the app with the kept list, labelled offline, in a new tab while the server is down (stops it)', async () => {
      const shown = await cardIds(page);
      expect(shown.length).toBeGreaterThan(0);
      await stack.app.close();

      const tab = await context.newPage();
      try {
        const response = await tab.goto(url, { waitUntil: 'domcontentloaded' });
        expect(response?.status()).toBe(200);
        await releaseCards(tab).first().waitFor(WAIT);
        expect(await cardIds(tab)).toEqual(shown);
        const banner = tab.getByTestId('offline-banner');
        await banner.waitFor(WAIT);
        expect(await banner.textContent()).toMatch(/^Offline — showing releases from/);

        // The freshness line tells the age of the data, not a green "updated just now".
        const source = tab.locator('[data-testid="source-freshness"] [data-source="jiosaavn"]');
        await expect.poll(() => source.getAttribute('data-status'), WAIT).toBe('offline');
        expect(await source.textContent()).toMatch(/^JioSaavn data from (a moment|\d+ min) ago \(offline\)$/);
        const dot = await source.locator('.freshness__dot').evaluate((el) => getComputedStyle(el).backgroundColor);
        expect(dot).not.toBe('rgb(52, 211, 153)');
        await screenshot(tab, 'sw-offline');
      } finally {
        await tab.close();
      }

      // Without the page's own copy, the worker's kept answer for the same URL fills the page.
      const bare = await context.newPage();
      try {
        await bare.addInitScript((key) => localStorage.removeItem(key), CACHE_KEY);
        await bare.goto(`${url}/?language=ta`, { waitUntil: 'domcontentloaded' });
        await releaseCards(bare).first().waitFor(WAIT);
        const ids = await cardIds(bare);
        expect(ids.length).toBeGreaterThan(0);
        const languages = await releaseCards(bare).evaluateAll((els) =>
          els.map((el) => el.querySelector('.card__meta span:last-child')?.textContent),
        );
        expect(new Set(languages)).toEqual(new Set(['Tamil']));
        await bare.getByTestId('offline-banner').waitFor(WAIT);
      } finally {
        await bare.close();
      }

      // Any route opens: the shell is the same document.
      const admin = await context.newPage();
      try {
        const response = await admin.goto(`${url}/admin`, { waitUntil: 'domcontentloaded' });
        expect(response?.status()).toBe(200);
        await admin.getByTestId('admin-token-form').waitFor(WAIT);
        expect(await admin.getByTestId('nav-admin').getAttribute('aria-current')).toBe('page');
      } finally {
        await admin.close();
      }
      expect(pageErrors).toEqual([]);
    });
  },
);
