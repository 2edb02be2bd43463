/**
 * The Browse page (`/browse`) in a real browser (headless Chromium) against a real stack on a real socket, with the
 * sandbox's Spotify and MusicBrainz emulations: the cached charts shown at once, MusicBrainz badges arriving live as
 * enrichment decides, an album's chart history over two refreshes, the guest collection, the stats view, the admin
 * Trending panel, and Spotify refusing (403) while the cached charts stay on screen.
 *
 * One stack and one browser for the file; the tests run in order and build on each other (the first sync is the
 * first point of every history, the chart advanced in the third is what the later ones show). MusicBrainz is made
 * fast for the second test: the sandbox answers without its 1 request/second limit and the `musicbrainz` bucket is
 * widened through the admin API.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_ROOT } from '../../src/app.ts';
import { SANDBOX_SPOTIFY_CLIENT_ID, SANDBOX_SPOTIFY_CLIENT_SECRET } from '../../src/providers/spotify/sandbox.ts';
import type {
  EnrichmentProgress,
  ForcedSyncResult,
  SyncResult,
  TrendingDocument,
} from '../../src/trending/contract.ts';
import { browserSkipReason, launchBrowser, quietFetchCron, screenshot } from '../support/browser.ts';
import { ADMIN_TOKEN, adminHeaders, openTestDb, startStack, type Stack, type TestDb } from '../support/stack.ts';

const WAIT = { timeout: 15_000 };
/** Long enough for every album of a chart to be searched at the widened pace. */
const ENRICH_WAIT = { timeout: 45_000 };

const skipReason = browserSkipReason();
if (skipReason) console.warn(`test/browser: skipping the browser tests: ${skipReason}`);

/** Records what the page's Content-Security-Policy blocked, as a console error the suite collects. */
const CSP_REPORTER = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
});`;

const albumCards = (page: Page) => page.locator('[data-testid="new-releases-grid"] [data-testid="album-card"]');

async function gridIds(page: Page): Promise<string[]> {
  return albumCards(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-album-id') ?? ''));
}

const card = (page: Page, albumId: string) =>
  page.locator(`[data-testid="new-releases-grid"] [data-testid="album-card"][data-album-id="${albumId}"]`);

describe.skipIf(skipReason !== undefined)(
  `Browse page in Chromium (embedded)${skipReason ? ` — skipped: ${skipReason}` : ''}`,
  () => {
    let db: TestDb | undefined;
    let stack: Stack | undefined;
    let url: string;
    let browser: Browser | undefined;
    let context: BrowserContext;
    /** The Browse page kept open from the first test to the last. */
    let page: Page;
    const pageErrors: string[] = [];
    const consoleErrors: string[] = [];
    /** The new-releases chart of the first sync. */
    let firstChart: string[] = [];

    beforeAll(async () => {
      const index = join(WEB_ROOT, 'index.html');
      if (!existsSync(index)) {
        throw new Error(`${index} is missing: build the web app first (npm run build:web; npm test does it for you)`);
      }
      browser = await launchBrowser();
      if (!browser) throw new Error('Chromium could not be launched');
      db = await openTestDb('embedded', 'browser-browse');
      // As startBrowserStack, plus Spotify credentials and a MusicBrainz sandbox without its 1/s limit (the bucket
      // still paces the searches until the second test widens it).
      stack = await startStack({
        db,
        listen: true,
        env: {
          FETCH_CRON: quietFetchCron(),
          SPOTIFY_CLIENT_ID: SANDBOX_SPOTIFY_CLIENT_ID,
          SPOTIFY_CLIENT_SECRET: SANDBOX_SPOTIFY_CLIENT_SECRET,
        },
        sandboxOptions: { musicbrainzMinIntervalMs: 0 },
      });
      if (!stack.url) throw new Error('the stack is not listening');
      url = stack.url;
      context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
      await context.addInitScript(CSP_REPORTER);
      context.on('weberror', (err) => pageErrors.push(err.error().message));
      context.on('console', (msg) => {
        if (msg.type() === 'error') consoleErrors.push(`${msg.text()} (${msg.location().url})`);
      });
    });

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await stack?.close();
      await db?.close();
    });

    function expectNoErrors(): void {
      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
    }

    async function api<T>(path: string, init: { method?: 'GET' | 'POST' | 'PUT'; payload?: object } = {}) {
      const res = await stack!.app.inject({
        method: init.method ?? 'GET',
        url: path,
        headers: path.startsWith('/api/admin/') ? adminHeaders : {},
        ...(init.payload ? { payload: init.payload } : {}),
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<T>();
    }

    const forceSync = () => api<ForcedSyncResult>('/api/admin/trending/sync', { method: 'POST' });

    async function signIn(admin: Page): Promise<void> {
      const form = admin.getByTestId('admin-token-form');
      await form.waitFor(WAIT);
      await form.getByLabel('Admin token', { exact: true }).fill(ADMIN_TOKEN);
      await form.getByRole('button', { name: 'Continue' }).click();
    }

    it('shows the cached charts at once: new releases in chart order, fresh, artists and popular albums', async () => {
      const synced = await api<SyncResult>('/api/spotify/sync');
      expect(synced.source).toBe('fresh');
      firstChart = stack!.sandbox.spotify.currentChart().ids;
      expect(synced.data.newReleases.map((a) => a.id)).toEqual(firstChart);

      page = await context.newPage();
      const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
      expect(response?.status()).toBe(200);
      // Reached from the header, as a visitor would.
      await page.getByTestId('nav-browse').click();
      await page.waitForURL(`${url}/browse`, WAIT);
      await page.getByTestId('browse-page').waitFor(WAIT);
      expect(await page.title()).toBe('Browse · Backbeat');
      expect(await page.getByTestId('nav-browse').getAttribute('aria-current')).toBe('page');

      await albumCards(page).first().waitFor(WAIT);
      await expect.poll(() => gridIds(page), WAIT).toEqual(firstChart);
      const positions = await albumCards(page)
        .locator('[data-testid="chart-position"]')
        .evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-position'))));
      expect(positions).toEqual(firstChart.map((_, i) => i + 1));
      const first = synced.data.newReleases[0]!;
      expect(await albumCards(page).first().locator('.card__title').textContent()).toBe(first.name);

      const freshness = page.getByTestId('trending-freshness');
      await expect.poll(() => freshness.getAttribute('data-state'), WAIT).toBe('fresh');
      expect(await page.getByTestId('freshness-label').textContent()).toMatch(/^Updated (just now|\d+ ?\w+ ago)$/);
      expect(await page.getByTestId('source-problem').count()).toBe(0);

      expect(synced.data.trendingArtists.length).toBeGreaterThan(0);
      expect(synced.data.popularAlbums.length).toBeGreaterThan(0);
      const artists = page.locator('[data-testid="trending-artists"] [data-testid="artist-card"]');
      expect(await artists.count()).toBe(synced.data.trendingArtists.length);
      expect(await artists.first().locator('.artist__name').textContent()).toContain(
        synced.data.trendingArtists[0]!.name,
      );
      const popular = page.locator('[data-testid="popular-albums-grid"] [data-testid="album-card"]');
      expect(await popular.evaluateAll((els) => els.map((el) => el.getAttribute('data-album-id')))).toEqual(
        synced.data.popularAlbums.map((a) => a.id),
      );
      expect(await page.getByTestId('browse-skeleton').count()).toBe(0);
      expect(await page.getByTestId('collection-empty').isVisible()).toBe(true);
      expectNoErrors();
    });

    it('turns queued albums into MusicBrainz badges live as enrichment decides, without a reload', async () => {
      await albumCards(page).first().waitFor(WAIT);
      await page.evaluate(() => {
        (window as unknown as { __marker?: number }).__marker = 1;
      });
      let navigations = 0;
      const onNavigate = (frame: unknown) => {
        if (frame === page.mainFrame()) navigations += 1;
      };
      page.on('framenavigated', onNavigate);

      // Albums MusicBrainz has under the same title and artist, still waiting for their search (at 1/s so far).
      const truth = new Map(stack!.sandbox.spotify.truth().map((t) => [t.spotifyId, t]));
      const queued = await page
        .locator('[data-testid="new-releases-grid"] [data-testid="album-card"][data-mb-status="queued"]')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-album-id') ?? ''));
      const candidates = queued.filter((id) => truth.get(id)?.trap === 'plain' && truth.get(id)?.releaseGroupId);
      expect(candidates.length, 'no plain album is still queued').toBeGreaterThan(0);
      // The last of them in the chart: the least likely to be decided before the bucket is widened.
      const albumId = candidates.at(-1)!;
      const expected = truth.get(albumId)!.releaseGroupId!;
      const status = card(page, albumId).getByTestId('mb-status');
      expect(await status.getAttribute('data-status')).toBe('queued');
      expect(await status.textContent()).toBe('MusicBrainz: queued');

      await api('/api/admin/rate-limits/musicbrainz', {
        method: 'PUT',
        payload: { maxTokens: 10, refillRate: 10, refillIntervalMs: 1000 },
      });

      const badge = card(page, albumId).getByTestId('mb-badge');
      await badge.waitFor(ENRICH_WAIT);
      expect(await badge.getAttribute('data-album-id')).toBe(albumId);
      expect(await badge.getAttribute('data-release-group-id')).toBe(expected);
      expect(await badge.getAttribute('href')).toBe(`https://musicbrainz.org/release-group/${expected}`);
      expect(await card(page, albumId).getAttribute('data-mb-status')).toBe('matched');

      // Every badge on the page names the album's true release group.
      const badges = await page
        .locator('[data-testid="new-releases-grid"] [data-testid="mb-badge"]')
        .evaluateAll((els) =>
          els.map((el) => [el.getAttribute('data-album-id') ?? '', el.getAttribute('data-release-group-id')]),
        );
      expect(badges.length).toBeGreaterThan(0);
      for (const [id, group] of badges) expect(group, `badge of ${id}`).toBe(truth.get(id!)?.releaseGroupId);

      // Let the rest of the chart be decided, so the screenshot and the later tests see the page settled.
      await expect
        .poll(() => api<EnrichmentProgress>('/api/admin/trending/enrichment').then((p) => p.counts.queued), {
          ...ENRICH_WAIT,
          interval: 500,
        })
        .toBe(0);
      const decided = await api<TrendingDocument>('/api/cache/trending');
      const matched = Object.values(decided.metadata.mbMatches).filter((m) => m.status === 'matched').length;
      await expect
        .poll(() => page.locator('[data-testid="new-releases-grid"] [data-testid="mb-badge"]').count(), WAIT)
        .toBe(matched);
      expect(await page.locator('[data-testid="new-releases-grid"] [data-mb-status="queued"]').count()).toBe(0);
      const summary = await page.getByTestId('enrichment-summary').textContent();
      expect(summary).toContain(`${decided.metadata.enrichment.matched} matched`);

      expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(1);
      page.off('framenavigated', onNavigate);
      expect(navigations).toBe(0);
      await screenshot(page, 'browse-badges');
      expectNoErrors();
    });

    it('opens an album’s chart history: two refreshes, two points', async () => {
      stack!.sandbox.spotify.advance(2);
      const secondChart = stack!.sandbox.spotify.currentChart().ids;
      const result = await forceSync();
      expect(result.outcome).toBe('refreshed');
      // The page hears of the refresh over the stream and reads the charts again.
      await expect.poll(() => gridIds(page), WAIT).toEqual(secondChart);

      const both = secondChart.find((id) => firstChart.includes(id));
      expect(both, 'no album in both charts').toBeDefined();
      const albumId = both!;
      const name = await card(page, albumId).getByTestId('album-open').textContent();
      await card(page, albumId).getByTestId('album-open').click();

      const dialog = page.getByTestId('appearance-dialog');
      await dialog.waitFor(WAIT);
      expect(await dialog.getAttribute('data-album-id')).toBe(albumId);
      expect(await dialog.getByRole('heading', { level: 2 }).textContent()).toBe(name);
      const chart = dialog.getByTestId('appearance-chart');
      await chart.waitFor(WAIT);
      expect(await chart.getAttribute('role')).toBe('img');
      expect(await chart.getAttribute('data-points')).toBe('2');
      await chart.locator('.recharts-line-curve').first().waitFor(WAIT);
      const summary = dialog.getByTestId('appearance-summary');
      expect(await summary.locator('dd[data-field="count"]').textContent()).toBe('2');
      const peak = Math.min(firstChart.indexOf(albumId), secondChart.indexOf(albumId)) + 1;
      expect(await summary.locator('dd[data-field="peakPosition"]').textContent()).toBe(`#${peak}`);
      expect(await chart.getAttribute('aria-label')).toContain('2 appearances');
      await screenshot(page, 'browse-chart-dialog');

      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached', ...WAIT });
      expectNoErrors();
    });

    it('adds an album to the guest collection, keeps it across a reload and removes it', async () => {
      const albumId = (await gridIds(page))[0]!;
      const button = card(page, albumId).getByTestId('collection-button');
      expect(await button.getAttribute('data-state')).toBe('idle');
      await button.click();
      await expect.poll(() => button.getAttribute('data-state'), WAIT).toBe('added');

      const panel = page.getByTestId('collection-panel');
      const items = panel.getByTestId('collection-item');
      await expect
        .poll(() => items.evaluateAll((els) => els.map((el) => el.getAttribute('data-album-id'))), WAIT)
        .toEqual([albumId]);
      expect(await panel.getByTestId('collection-count').textContent()).toBe('1 album');

      await page.reload({ waitUntil: 'domcontentloaded' });
      await albumCards(page).first().waitFor(WAIT);
      await expect
        .poll(() => items.evaluateAll((els) => els.map((el) => el.getAttribute('data-album-id'))), WAIT)
        .toEqual([albumId]);
      await expect.poll(() => button.getAttribute('data-state'), WAIT).toBe('added');

      await items.first().getByTestId('collection-remove').click();
      await panel.getByTestId('collection-empty').waitFor(WAIT);
      expect(await items.count()).toBe(0);
      await expect.poll(() => button.getAttribute('data-state'), WAIT).toBe('idle');
      expectNoErrors();
    });

    it('shows the stats view with its charts and the ranking rule', async () => {
      await page.getByTestId('tab-stats').click();
      await page.waitForURL(`${url}/browse?view=stats`, WAIT);
      // The URL changes before the tab re-renders: wait for the selected tab rather than read it at once.
      await page.locator('[data-testid="tab-stats"][aria-selected="true"]').waitFor(WAIT);
      const stats = page.getByTestId('stats-view');
      await stats.waitFor(WAIT);
      expect(await page.getByTestId('stats-window').inputValue()).toBe('7');
      const rule = page.getByTestId('ranking-rule');
      await rule.waitFor(WAIT);
      expect(await rule.textContent()).toMatch(/points/);
      await expect.poll(() => page.getByTestId('stats-window-summary').textContent(), WAIT).toMatch(/^2 refreshes/);

      const perSource = page.getByTestId('stats-per-source-chart');
      await perSource.locator('.recharts-bar-rectangle').first().waitFor(WAIT);
      expect(await perSource.getAttribute('aria-label')).toMatch(/over 2 refreshes/);
      const persistent = page.getByTestId('stats-persistent-chart');
      await persistent.locator('.recharts-bar-rectangle').first().waitFor(WAIT);
      expect(await page.getByTestId('stats-new-entries').locator('li').count()).toBeGreaterThan(0);
      await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header at the top of the full-page shot
      await screenshot(page, 'browse-stats', true);

      await page.getByTestId('tab-charts').click();
      await page.waitForURL(`${url}/browse`, WAIT);
      await albumCards(page).first().waitFor(WAIT);
      expectNoErrors();
    });

    it('shows the admin Trending panel with the enrichment counts, and "Sync now" with its outcome', async () => {
      const admin = await context.newPage();
      try {
        await admin.goto(`${url}/admin`, { waitUntil: 'domcontentloaded' });
        await signIn(admin);
        const panel = admin.getByTestId('trending-panel');
        await panel.waitFor(WAIT);
        const counts = panel.getByTestId('enrichment-counts');
        await counts.waitFor(WAIT);
        const progress = await api<EnrichmentProgress>('/api/admin/trending/enrichment');
        // Read at once: the panel polls every 3 s, and the second chart's newcomers may still be deciding.
        const shown = () =>
          counts
            .locator('dd[data-count]')
            .evaluateAll((els) =>
              Object.fromEntries(els.map((el) => [el.getAttribute('data-count') ?? '', Number(el.textContent)])),
            );
        await expect.poll(async () => (await shown()).total, WAIT).toBe(progress.total);
        const { queued, matched, no_match: noMatch, failed } = await shown();
        expect(matched).toBeGreaterThan(0);
        expect(queued! + matched! + noMatch! + failed!).toBe(progress.total);

        const answered = admin.waitForResponse(
          (r) => new URL(r.url()).pathname === '/api/admin/trending/sync' && r.request().method() === 'POST',
          WAIT,
        );
        await panel.getByTestId('trending-sync-now').click();
        expect((await answered).status()).toBe(200);
        const result = panel.getByTestId('trending-sync-result');
        await result.waitFor(WAIT);
        expect(await result.getAttribute('data-outcome')).toBe('refreshed');
        expect(await result.textContent()).toMatch(/Refreshed from Spotify: \d+ albums/);
        expect(await panel.getByTestId('trending-sync-now').isEnabled()).toBe(true);
        // The header is sticky: scrolled back up, it is not drawn across the middle of a full-page screenshot.
        await admin.evaluate(() => window.scrollTo(0, 0));
        await screenshot(admin, 'browse-admin-trending', true);
      } finally {
        await admin.close();
      }
      expectNoErrors();
    });

    it('keeps the cached charts on screen and says why when Spotify refuses (403)', async () => {
      // On the charts view whatever the test before left open.
      if (!page.url().endsWith('/browse')) await page.goto(`${url}/browse`, { waitUntil: 'domcontentloaded' });
      await albumCards(page).first().waitFor(WAIT);
      const shown = await gridIds(page);
      expect(shown).toEqual(stack!.sandbox.spotify.currentChart().ids);

      stack!.sandbox.faults.add({ target: 'spotify', endpoint: 'new-releases', kind: 'endpoint_removed' });
      const result = await forceSync();
      expect(result).toMatchObject({ outcome: 'failed', errorCode: 'upstream_unavailable' });

      // Live: the failed refresh is announced on the stream and the page reads the document again.
      const problem = page.getByTestId('source-problem');
      await problem.waitFor(WAIT);
      expect(await problem.getAttribute('data-status')).toBe('unavailable');
      expect(await problem.textContent()).toMatch(/unavailable \(403\): showing data from/);
      expect(await gridIds(page)).toEqual(shown);
      await screenshot(page, 'browse-spotify-403');

      // A new visit shows the same: the cache answers, Spotify's refusal in words.
      await page.reload({ waitUntil: 'domcontentloaded' });
      await albumCards(page).first().waitFor(WAIT);
      await problem.waitFor(WAIT);
      expect(await problem.textContent()).toMatch(/unavailable \(403\)/);
      expect(await gridIds(page)).toEqual(shown);
      expect(await page.getByTestId('browse-skeleton').count()).toBe(0);
      expectNoErrors();
    });
  },
);
