/**
 * The web app's shell and Admin area in a real browser (headless Chromium) against a real stack on a real socket:
 * header navigation between Releases and Admin without reloads, deep links, the not-found page, the admin token
 * prompt, "Fetch now" followed to its summary, editing a token bucket, the language filter in the URL, the phone
 * layout of the language chips, and the API reference at /api/docs.
 *
 * One stack and one browser for the file. The tests run in order: the fetch started from Admin is the second run.
 */
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, cardIds, releaseCards, screenshot, startBrowserStack } from '../support/browser.ts';
import { ADMIN_TOKEN, adminHeaders, type Stack, type TestDb } from '../support/stack.ts';

const WAIT = { timeout: 15_000 };
/** sessionStorage key of the admin token (web/src/lib/adminToken.ts). */
const ADMIN_TOKEN_KEY = 'backbeat:admin-token';
/** Enough languages that their chips overflow a phone's width. */
const LANGUAGES = 'hindi,tamil,telugu,punjabi,malayalam,kannada,bengali,marathi';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`test/browser: skipping the browser tests: ${skipReason}`);

interface ApiRelease {
  id: number;
  language: string;
}

interface ApiRun {
  runId: string;
  status: string;
  trigger: string;
  fetched: number;
  newSongs: number;
  newAlbums: number;
  updated: number;
  errors: unknown[];
}

interface ApiBucket {
  service: string;
  maxTokens: number;
  refillRate: number;
}

describe.skipIf(skipReason !== undefined)(
  `web app shell and Admin in Chromium (embedded)${skipReason ? ` — skipped: ${skipReason}` : ''}`,
  () => {
    let db: TestDb | undefined;
    let stack: Stack;
    let url: string;
    let browser: Browser | undefined;
    let context: BrowserContext;
    const pageErrors: string[] = [];
    const requests: Request[] = [];

    beforeAll(async () => {
      ({ browser, db, stack, url } = await startBrowserStack('browser-app', {
        RELEASE_LANGUAGES: LANGUAGES,
        RELEASE_PAGES: '1',
      }));
      const { done } = await stack.container.releases.fetcher.trigger('manual');
      expect((await done).status).toBe('succeeded');
      // Service workers are the offline suite's subject; here every request must reach the server (and page.route).
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

    const listRequests = (page: Page) =>
      requests.filter((r) => r.frame().page() === page && new URL(r.url()).pathname === '/api/new-releases');

    async function signIn(page: Page, token = ADMIN_TOKEN): Promise<void> {
      const form = page.getByTestId('admin-token-form');
      await form.waitFor(WAIT);
      await form.getByLabel('Admin token', { exact: true }).fill(token);
      await form.getByRole('button', { name: 'Continue' }).click();
    }

    it('moves between Releases and Admin from the header without reloading, keeping the live stream', async () => {
      const page = await context.newPage();
      try {
        let loads = 0;
        page.on('load', () => (loads += 1));
        await page.goto(url, { waitUntil: 'domcontentloaded' });
        await releaseCards(page).first().waitFor(WAIT);
        await page.locator('[data-testid="connection-state"][data-state="open"]').waitFor(WAIT);
        const shown = await cardIds(page);
        await page.evaluate(() => {
          (window as unknown as { __marker?: number }).__marker = 1;
        });
        const nav = page.getByRole('navigation', { name: 'Main' });
        expect(await nav.getByRole('link').allTextContents()).toEqual(['Releases', 'Browse', 'Share', 'Admin']);
        expect(await page.getByTestId('nav-releases').getAttribute('aria-current')).toBe('page');

        await page.getByTestId('nav-admin').click();
        await page.waitForURL(`${url}/admin`, WAIT);
        await page.getByTestId('admin-page').waitFor(WAIT);
        expect(await page.getByTestId('nav-admin').getAttribute('aria-current')).toBe('page');
        expect(await page.getByTestId('nav-releases').getAttribute('aria-current')).toBeNull();
        expect(await page.title()).toBe('Admin · Backbeat');
        // The stream belongs to the app: leaving the releases page neither closes it nor changes the indicator.
        expect(await page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');

        await page.getByTestId('nav-releases').click();
        await page.waitForURL(`${url}/`, WAIT);
        await releaseCards(page).first().waitFor(WAIT);
        expect(await cardIds(page)).toEqual(shown);
        // The list was kept, not fetched again.
        expect(listRequests(page)).toHaveLength(1);

        await page.goBack();
        await page.waitForURL(`${url}/admin`, WAIT);
        await page.getByTestId('admin-page').waitFor(WAIT);
        await page.goForward();
        await page.waitForURL(`${url}/`, WAIT);
        await releaseCards(page).first().waitFor(WAIT);

        expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(1);
        expect(loads).toBe(1);
        expect(pageErrors).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('opens /admin from a deep link and shows a not-found page for unknown paths', async () => {
      const page = await context.newPage();
      try {
        const admin = await page.goto(`${url}/admin`, { waitUntil: 'domcontentloaded' });
        expect(admin?.status()).toBe(200);
        await page.getByTestId('admin-token-form').waitFor(WAIT);
        expect(await page.getByTestId('nav-admin').getAttribute('aria-current')).toBe('page');

        const missing = await page.goto(`${url}/no/such/page`, { waitUntil: 'domcontentloaded' });
        expect(missing?.status()).toBe(200);
        const notFound = page.getByTestId('not-found');
        await notFound.waitFor(WAIT);
        expect(await notFound.textContent()).toContain('/no/such/page');
        expect(await page.title()).toBe('Page not found · Backbeat');
        await notFound.getByRole('link', { name: 'Go to New Releases' }).click();
        await page.waitForURL(`${url}/`, WAIT);
        await releaseCards(page).first().waitFor(WAIT);
        expect(pageErrors).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('asks for the admin token, refuses a wrong one with a message, keeps a good one for the tab only', async () => {
      const page = await context.newPage();
      try {
        await page.goto(`${url}/admin`, { waitUntil: 'domcontentloaded' });
        const form = page.getByTestId('admin-token-form');
        await form.waitFor(WAIT);
        await screenshot(page, 'admin-token');

        await form.getByRole('button', { name: 'Continue' }).click();
        expect(await page.getByTestId('admin-token-notice').textContent()).toContain('Enter the admin token');

        await signIn(page, 'not-the-token');
        const notice = page.getByTestId('admin-token-notice');
        await expect.poll(() => notice.textContent(), WAIT).toContain('refused the admin token (403)');
        expect(await page.evaluate((key) => sessionStorage.getItem(key), ADMIN_TOKEN_KEY)).toBeNull();

        const before = requests.length;
        await signIn(page);
        await page.getByTestId('runs-panel').waitFor(WAIT);
        await page.locator('[data-testid="health-check"][data-check="jiosaavn"]').waitFor(WAIT);
        expect(await page.evaluate((key) => sessionStorage.getItem(key), ADMIN_TOKEN_KEY)).toBe(ADMIN_TOKEN);
        expect(await page.evaluate((key) => localStorage.getItem(key), ADMIN_TOKEN_KEY)).toBeNull();
        expect(page.url()).toBe(`${url}/admin`);
        const adminCalls = requests
          .slice(before)
          .filter((r) => r.frame().page() === page && new URL(r.url()).pathname === '/api/admin/rate-limits');
        expect(adminCalls.length).toBeGreaterThan(0);
        for (const call of adminCalls) {
          expect(await call.headerValue('authorization')).toBe(`Bearer ${ADMIN_TOKEN}`);
          expect(call.url()).not.toContain(ADMIN_TOKEN);
        }

        // Asked once: a reload keeps the token (sessionStorage).
        await page.reload({ waitUntil: 'domcontentloaded' });
        await page.getByTestId('runs-panel').waitFor(WAIT);

        // A 401 on any admin call forgets the token and asks again, saying why.
        await page.route('**/api/admin/rate-limits', (route) =>
          route.fulfill({
            status: 401,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'BACKBEAT_ERR_UNAUTHORIZED', message: 'The token expired' } }),
          }),
        );
        await page.getByTestId('buckets-panel').getByRole('button', { name: 'Reload' }).click();
        await expect
          .poll(() => page.getByTestId('admin-token-notice').textContent(), WAIT)
          .toBe('The server refused the admin token (401): The token expired. Enter it again.');
        expect(await page.evaluate((key) => sessionStorage.getItem(key), ADMIN_TOKEN_KEY)).toBeNull();
        await page.unroute('**/api/admin/rate-limits');

        await signIn(page);
        await page.getByTestId('forget-token').click();
        await page.getByTestId('admin-token-form').waitFor(WAIT);
        expect(await page.evaluate((key) => sessionStorage.getItem(key), ADMIN_TOKEN_KEY)).toBeNull();
        expect(pageErrors).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('starts a fetch with "Fetch now", follows it and shows its summary', async () => {
      const page = await context.newPage();
      try {
        await page.goto(`${url}/admin`, { waitUntil: 'domcontentloaded' });
        await signIn(page);
        const rows = page.getByTestId('run-row');
        await rows.first().waitFor(WAIT);
        expect(await rows.count()).toBe(1);

        const album = stack.sandbox.jiosaavn.release({ language: 'tamil', songs: 2, title: 'Admin Fetch Anthem' });
        const accepted = page.waitForResponse(
          (r) => new URL(r.url()).pathname === '/api/new-releases/fetch' && r.request().method() === 'POST',
          WAIT,
        );
        await page.getByTestId('fetch-now').click();
        const answer = await accepted;
        expect(answer.status()).toBe(202);
        const { runId, statusUrl } = (await answer.json()) as { runId: string; statusUrl: string };

        const summary = page.getByTestId('fetch-summary');
        await summary.waitFor(WAIT);
        const run = (
          await stack.app.inject({ url: `/api/new-releases/runs/${runId}`, headers: adminHeaders })
        ).json<ApiRun>();
        expect(run.status).toBe('succeeded');
        expect(run.newAlbums).toBeGreaterThanOrEqual(1);
        expect(await summary.getAttribute('data-status')).toBe(run.status);
        const count = async (name: string) => Number(await summary.locator(`dd[data-count="${name}"]`).textContent());
        expect({
          fetched: await count('fetched'),
          newSongs: await count('newSongs'),
          newAlbums: await count('newAlbums'),
          updated: await count('updated'),
          errors: await count('errors'),
        }).toEqual({
          fetched: run.fetched,
          newSongs: run.newSongs,
          newAlbums: run.newAlbums,
          updated: run.updated,
          errors: run.errors.length,
        });
        expect(await summary.textContent()).toContain('Fetch succeeded in');

        // The run was followed through its status URL, and the refreshed list shows it first.
        const polls = requests.filter((r) => r.frame().page() === page && new URL(r.url()).pathname === statusUrl);
        expect(polls.length).toBeGreaterThan(0);
        await expect.poll(() => rows.count(), WAIT).toBe(2);
        expect(await rows.first().getAttribute('data-run-id')).toBe(runId);
        expect(await rows.first().getAttribute('data-status')).toBe('succeeded');
        expect(await page.getByTestId('fetch-now').isEnabled()).toBe(true);

        const latest = (await stack.app.inject({ url: '/api/new-releases?limit=50' })).json<{
          items: Array<ApiRelease & { album: { name: string } }>;
        }>();
        expect(latest.items.some((item) => item.album.name === album.title)).toBe(true);
        await screenshot(page, 'admin-fetch', true);
        expect(pageErrors).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('edits a token bucket, showing the server’s validation errors inline', async () => {
      const page = await context.newPage();
      try {
        await page.goto(`${url}/admin`, { waitUntil: 'domcontentloaded' });
        await signIn(page);
        const bucket = page.locator('[data-testid="bucket"][data-service="jiosaavn"]');
        await bucket.waitFor(WAIT);
        const maxTokens = bucket.getByLabel('Max tokens');
        const refillRate = bucket.getByLabel('Refill rate');
        const save = bucket.getByTestId('bucket-save');
        expect(await save.isDisabled()).toBe(true);

        const put = () =>
          page.waitForResponse(
            (r) => new URL(r.url()).pathname === '/api/admin/rate-limits/jiosaavn' && r.request().method() === 'PUT',
            WAIT,
          );

        await maxTokens.fill('2.5');
        let answer = put();
        await save.click();
        expect((await answer).status()).toBe(400);
        const error = bucket.getByTestId('bucket-error');
        await error.waitFor(WAIT);
        expect(await error.textContent()).toMatch(/maxTokens.*integer/);
        expect(await maxTokens.getAttribute('aria-invalid')).toBe('true');

        await maxTokens.fill('40');
        await refillRate.fill('-1');
        answer = put();
        await save.click();
        expect((await answer).status()).toBe(400);
        await expect.poll(() => error.textContent(), WAIT).toMatch(/refillRate.*>= ?0/);
        expect(await refillRate.getAttribute('aria-invalid')).toBe('true');
        expect(await maxTokens.getAttribute('aria-invalid')).toBeNull();
        await screenshot(page, 'admin-bucket-error', true);

        await refillRate.fill('0.5');
        answer = put();
        await save.click();
        const saved = await answer;
        expect(saved.status()).toBe(200);
        expect(saved.request().postDataJSON()).toEqual({ maxTokens: 40, refillRate: 0.5 });
        await expect.poll(() => bucket.getByTestId('bucket-saved').textContent(), WAIT).toBe('Saved');
        expect(await bucket.getByTestId('bucket-error').count()).toBe(0);
        expect(await bucket.getByTestId('bucket-state').textContent()).toContain('of 40 tokens available');
        const stored = (
          await stack.app.inject({ url: '/api/admin/rate-limits/jiosaavn', headers: adminHeaders })
        ).json<ApiBucket>();
        expect(stored).toMatchObject({ maxTokens: 40, refillRate: 0.5 });
        expect(await save.isDisabled()).toBe(true);
        expect(pageErrors).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('keeps the language filter in the URL: links, reload and back/forward', async () => {
      const page = await context.newPage();
      try {
        await page.goto(url, { waitUntil: 'domcontentloaded' });
        await releaseCards(page).first().waitFor(WAIT);
        const active = page.locator('[data-testid="language-filter"] .chip--active');
        expect(await active.textContent()).toBe('All');

        await page.locator('.chip[data-language="tamil"]').click();
        await page.waitForURL(`${url}/?language=ta`, WAIT);
        const tamil = (await stack.app.inject({ url: '/api/new-releases?language=tamil&limit=24' })).json<{
          items: ApiRelease[];
        }>();
        expect(tamil.items.length).toBeGreaterThan(0);
        await expect.poll(() => cardIds(page), WAIT).toEqual(tamil.items.map((i) => i.id));
        expect(await active.textContent()).toBe('Tamil');
        expect(await page.title()).toBe('New Tamil releases · Backbeat');

        await page.reload({ waitUntil: 'domcontentloaded' });
        await expect.poll(() => cardIds(page), WAIT).toEqual(tamil.items.map((i) => i.id));
        expect(await active.textContent()).toBe('Tamil');
        // The reload asked for the filtered list straight away.
        const afterReload = listRequests(page).at(-1);
        expect(new URL(afterReload!.url()).searchParams.get('language')).toBe('tamil');

        await page.goBack();
        await page.waitForURL(`${url}/`, WAIT);
        await expect.poll(() => active.textContent(), WAIT).toBe('All');
        await page.goForward();
        await page.waitForURL(`${url}/?language=ta`, WAIT);
        await expect.poll(() => active.textContent(), WAIT).toBe('Tamil');

        // The Releases link brings the filter back after a visit to Admin.
        await page.getByTestId('nav-admin').click();
        await page.waitForURL(`${url}/admin`, WAIT);
        await page.getByTestId('nav-releases').click();
        await page.waitForURL(`${url}/?language=ta`, WAIT);

        // A shared link with a two-letter code, and one with a language the API does not know.
        await page.goto(`${url}/?language=ml`, { waitUntil: 'domcontentloaded' });
        await expect.poll(() => active.textContent(), WAIT).toBe('Malayalam');
        const malayalam = listRequests(page).at(-1);
        expect(new URL(malayalam!.url()).searchParams.get('language')).toBe('malayalam');
        await page.goto(`${url}/?language=klingon`, { waitUntil: 'domcontentloaded' });
        await page.waitForURL(`${url}/`, WAIT);
        await expect.poll(() => active.textContent(), WAIT).toBe('All');
        expect(pageErrors).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('on a phone, shows that the language chips scroll and reaches every chip by keyboard', async () => {
      const phone = await browser!.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        serviceWorkers: 'block',
      });
      phone.on('weberror', (err) => pageErrors.push(err.error().message));
      try {
        const page = await phone.newPage();
        await page.goto(url, { waitUntil: 'domcontentloaded' });
        const filter = page.getByTestId('language-filter');
        await filter.waitFor(WAIT);
        const row = filter.locator('.chips');
        const chips = row.locator('.chip');
        expect(await chips.count()).toBe(LANGUAGES.split(',').length + 1);
        await expect.poll(() => filter.getAttribute('data-overflow-end'), WAIT).toBe('true');
        expect(await filter.getAttribute('data-overflow-start')).toBe('false');
        expect(await page.getByTestId('language-filter-next').isVisible()).toBe(true);
        expect(await page.getByTestId('language-filter-prev').isVisible()).toBe(false);
        const rowBox = (await row.boundingBox())!;
        const lastBox = (await chips.last().boundingBox())!;
        expect(lastBox.x + lastBox.width).toBeGreaterThan(rowBox.x + rowBox.width);
        await screenshot(page, 'phone-chips');

        // Pointer: the arrow scrolls the row, and the start edge now shows there is more behind.
        await page.getByTestId('language-filter-next').click();
        await expect.poll(() => row.evaluate((el) => el.scrollLeft), WAIT).toBeGreaterThan(0);
        await expect.poll(() => filter.getAttribute('data-overflow-start'), WAIT).toBe('true');

        // Keyboard: Tab lands on the chips; End jumps to the last one, which scrolls fully into view.
        await row.evaluate((el) => el.scrollTo({ left: 0 }));
        await page.locator('.chip[data-language="all"]').focus();
        await page.keyboard.press('End');
        const last = chips.last();
        expect(await last.evaluate((el) => el === document.activeElement)).toBe(true);
        await expect
          .poll(async () => {
            const box = (await last.boundingBox())!;
            const view = (await row.boundingBox())!;
            return box.x >= view.x && box.x + box.width <= view.x + view.width;
          }, WAIT)
          .toBe(true);
        await expect.poll(() => filter.getAttribute('data-overflow-end'), WAIT).toBe('false');
        await page.keyboard.press('ArrowLeft');
        const count = await chips.count();
        expect(await chips.nth(count - 2).evaluate((el) => el === document.activeElement)).toBe(true);
        await page.keyboard.press('Enter');
        await page.waitForURL(/\?language=/, WAIT);
        await screenshot(page, 'phone-chips-end');

        // The header fits the phone: brand, both links and the indicator, nothing wider than the screen.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        expect(await page.getByTestId('nav-admin').isVisible()).toBe(true);
        expect(await page.getByTestId('connection-state').isVisible()).toBe(true);
        expect(pageErrors).toEqual([]);
      } finally {
        await phone.close();
      }
    });

    it('serves the API reference at /api/docs', async () => {
      const page = await context.newPage();
      try {
        const response = await page.goto(`${url}/api/docs`, { waitUntil: 'domcontentloaded' });
        expect(response?.status()).toBe(200);
        const text = () => page.evaluate(() => document.body.innerText);
        await expect.poll(text, { timeout: 30_000 }).toContain('Backbeat API');
        await expect.poll(text, { timeout: 30_000 }).toMatch(/\/api\/new-releases/);
        await expect.poll(text, WAIT).toMatch(/most recent fetch runs/i);
        await screenshot(page, 'api-docs');
      } finally {
        await page.close();
      }
    });
  },
);
