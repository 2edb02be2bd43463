/**
 * The Matches review page (`/admin/matches`) in a real browser (headless Chromium) against a real stack on a real
 * socket, with the sandbox's Discogs, YouTube and SoundCloud emulations: a release opened by its Discogs link, its
 * tracks computed on first sight, approve, reject (the rejected upload never proposed again, even after a clear), a
 * pasted better upload, the tiers after a reload (cache and database), the review queue driven from the keyboard, and
 * the stats. Nothing on the page needs the internet: thumbnails come from the sandbox, and upload links (YouTube
 * watch pages) are never followed except by the `o` key, whose new tab is answered locally.
 *
 * One stack and one browser for the file; the tests run in order and build on each other.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MatchStats, ReleaseMatches, ReviewQueue } from '../../src/matches/contract.ts';
import { SANDBOX_DISCOGS_USER_TOKEN } from '../../src/providers/discogs/sandbox.ts';
import {
  SANDBOX_SOUNDCLOUD_CLIENT_ID,
  SANDBOX_SOUNDCLOUD_CLIENT_SECRET,
} from '../../src/providers/soundcloud/sandbox.ts';
import { SANDBOX_YOUTUBE_API_KEY } from '../../src/providers/youtube/sandbox.ts';
import { audioCatalog, audioTruth } from '../../src/sandbox/audio-catalog.ts';
import { browserSkipReason, screenshot, startBrowserStack } from '../support/browser.ts';
import { ADMIN_TOKEN, adminHeaders, type Stack, type TestDb } from '../support/stack.ts';

const WAIT = { timeout: 15_000 };
/** The seed of the sandbox `startStack` creates. */
const SANDBOX_SEED = 7;

const skipReason = browserSkipReason();
if (skipReason) console.warn(`test/browser: skipping the browser tests: ${skipReason}`);

/** Records what the page's Content-Security-Policy blocked, as a console error the suite collects. */
const CSP_REPORTER = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
});`;

const catalog = audioCatalog(SANDBOX_SEED);
const truth = audioTruth(SANDBOX_SEED);
/** The release reviewed in the page. */
const release = catalog.releases[0]!;
/** Its Discogs link as an admin would paste it (`/release/<id>-<Artist>-<Title>`). */
const releaseLink = `https://www.discogs.com/release/${release.id}-${`${release.artists[0]?.name ?? ''} ${release.title}`
  .replace(/[^A-Za-z0-9]+/g, '-')
  .replace(/^-|-$/g, '')}`;
/** Other releases opened through the API, so the review queue has several tracks from several releases. */
const others = [catalog.releases[1]!, catalog.releases[2]!, catalog.releases[4]!];

const tracks = (page: Page) => page.locator('[data-testid="tracklist"] > [data-testid="track"]');
const trackRow = (page: Page, index: number) =>
  page.locator(`[data-testid="tracklist"] > [data-testid="track"][data-track-index="${index}"]`);
const chosenUrl = (row: Locator) => row.locator('[data-testid="chosen"]').getAttribute('data-url');
const queueItems = (page: Page) => page.locator('[data-testid="queue-list"] [data-testid="queue-item"]');

async function attributes(locator: Locator, name: string): Promise<string[]> {
  return locator.evaluateAll((els, attr) => els.map((el) => el.getAttribute(attr) ?? ''), name);
}

describe.skipIf(skipReason !== undefined)(
  `Matches review page in Chromium (embedded)${skipReason ? ` — skipped: ${skipReason}` : ''}`,
  () => {
    let db: TestDb | undefined;
    let stack: Stack | undefined;
    let url: string;
    let browser: Browser | undefined;
    let context: BrowserContext;
    /** The page kept open from the first test to the last. */
    let page: Page;
    const pageErrors: string[] = [];
    const consoleErrors: string[] = [];
    /** The upload rejected in the second test. */
    let rejectedUrl: string;
    let rejectedIndex: number;

    beforeAll(async () => {
      ({ browser, db, stack, url } = await startBrowserStack('browser-matches', {
        YOUTUBE_API_KEY: SANDBOX_YOUTUBE_API_KEY,
        SOUNDCLOUD_CLIENT_ID: SANDBOX_SOUNDCLOUD_CLIENT_ID,
        SOUNDCLOUD_CLIENT_SECRET: SANDBOX_SOUNDCLOUD_CLIENT_SECRET,
        DISCOGS_USER_TOKEN: SANDBOX_DISCOGS_USER_TOKEN,
      }));
      context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
      await context.addInitScript(CSP_REPORTER);
      // Upload links point at the real platforms: a tab opened on one is answered here, never from the internet.
      await context.route(/^https?:\/\/([a-z0-9-]+\.)*(youtube\.com|youtu\.be|soundcloud\.com)\//, (route) =>
        route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>upload</title>' }),
      );
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

    async function api<T>(path: string): Promise<T> {
      const res = await stack!.app.inject({ method: 'GET', url: path, headers: adminHeaders });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<T>();
    }

    it('opens a release from its Discogs link: every track computed, with status, tier, chosen upload and scores', async () => {
      page = await context.newPage();
      await page.goto(`${url}/admin`, { waitUntil: 'domcontentloaded' });
      const form = page.getByTestId('admin-token-form');
      await form.waitFor(WAIT);
      await form.getByLabel('Admin token', { exact: true }).fill(ADMIN_TOKEN);
      await form.getByRole('button', { name: 'Continue' }).click();
      await page.getByTestId('health-panel').or(page.getByTestId('buckets-panel')).first().waitFor(WAIT);

      // From the Admin page, as an admin would; the token given there is kept for the tab.
      await page.getByTestId('admin-matches-link').click();
      await page.waitForURL(`${url}/admin/matches`, WAIT);
      await page.getByTestId('matches-page').waitFor(WAIT);
      expect(await page.title()).toBe('Matches review · Backbeat');
      expect(await page.getByTestId('admin-token-form').count()).toBe(0);
      expect(await page.getByTestId('nav-admin').getAttribute('aria-current')).toBe('page');
      await page.getByTestId('release-none').waitFor(WAIT);

      // Not a release: said so, nothing asked.
      const input = page.getByTestId('release-input');
      await input.fill('https://www.discogs.com/master/12345-Some-Master');
      await page.getByTestId('release-open').click();
      expect(await page.getByTestId('release-input-error').textContent()).toMatch(/master release/);
      expect(await input.getAttribute('aria-invalid')).toBe('true');

      await input.fill(releaseLink);
      await page.getByTestId('release-open').click();
      await page.waitForURL(`${url}/admin/matches?release=${release.id}`, WAIT);
      await page.getByTestId('release-view').waitFor(WAIT);
      expect(await page.getByTestId('release-title').textContent()).toBe(release.title);

      const rows = tracks(page);
      expect(await rows.count()).toBe(release.tracks.length);
      expect(await attributes(rows, 'data-track-index')).toEqual(release.tracks.map((t) => String(t.index)));
      // First sight: every track was computed (release videos, then searches).
      expect(
        await attributes(page.locator('[data-testid="tracklist"] [data-testid="match-source"]'), 'data-source'),
      ).toEqual(release.tracks.map(() => 'computed'));
      const statuses = await attributes(rows, 'data-status');
      for (const status of statuses) expect(['approved', 'needs_review', 'no_match', 'deferred']).toContain(status);
      expect(statuses.filter((s) => s === 'approved').length, 'an approved track to reject').toBeGreaterThan(1);
      expect(statuses, 'a track needing review').toContain('needs_review');
      // The summary counts what the rows show.
      for (const status of ['approved', 'needs_review', 'no_match', 'deferred']) {
        expect(await page.getByTestId(`summary-${status}`).getAttribute('data-count'), status).toBe(
          String(statuses.filter((s) => s === status).length),
        );
      }

      // A row: position, title, duration, status, chosen upload (linked), confidence, breakdown, runner-up.
      const first = trackRow(page, 0);
      const t0 = release.tracks[0]!;
      expect(await first.locator('.mtrack__pos').textContent()).toBe(t0.position);
      expect(await first.getByTestId('track-title').textContent()).toBe(t0.title);
      expect(await first.getByTestId('track-duration').textContent()).toMatch(/^\d+:\d{2}$/);
      expect(await first.getByTestId('match-status').textContent()).toBe(
        statuses[0] === 'approved' ? 'Approved' : 'Needs review',
      );
      const chosen = first.getByTestId('chosen');
      const link = chosen.getByTestId('upload-link');
      expect(await link.getAttribute('href')).toBe(await chosen.getAttribute('data-url'));
      expect(await link.getAttribute('target')).toBe('_blank');
      expect(await link.getAttribute('rel')).toContain('noopener');
      expect(await chosen.getByTestId('confidence').textContent()).toMatch(/^Confidence: \d+%$/);
      expect(await attributes(chosen.locator('[data-testid="breakdown"] [data-part]'), 'data-part')).toEqual([
        'title',
        'artist',
        'duration',
        'penalties',
      ]);
      expect(await first.getByTestId('runner-up').count()).toBe(1);
      // Thumbnails come from the sandbox (as they would from the platforms' CDNs) and load.
      const thumb = chosen.getByTestId('thumbnail');
      await expect
        .poll(
          () => thumb.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth),
          WAIT,
        )
        .toBeGreaterThan(0);
      expect(await page.getByTestId('track-error').count()).toBe(0);
      await screenshot(page, 'matches-release', true);
      expectNoErrors();
    });

    it('approves, rejects (never proposing the rejected upload again), clears and takes a pasted better upload', async () => {
      const statuses = await attributes(tracks(page), 'data-status');
      const reviewIndex = statuses.indexOf('needs_review');
      const approvedIndexes = statuses.flatMap((s, i) => (s === 'approved' ? [i] : []));
      rejectedIndex = approvedIndexes[0]!;
      const pastedIndex = approvedIndexes[1]!;

      // Approve the track needing review: its proposed upload becomes the approved match.
      const review = trackRow(page, reviewIndex);
      const proposed = await chosenUrl(review);
      await review.getByTestId('action-approve').click();
      await expect.poll(() => review.getAttribute('data-status'), WAIT).toBe('approved');
      expect(await chosenUrl(review)).toBe(proposed);
      expect(await review.getByTestId('action-approve').isDisabled()).toBe(true);
      expect(await review.getByTestId('action-approve').textContent()).toBe('Approved');
      expect(await page.getByTestId('summary-needs_review').getAttribute('data-count')).toBe(
        String(statuses.filter((s) => s === 'needs_review').length - 1),
      );

      // Reject an approved track: another candidate is proposed for review.
      const rejected = trackRow(page, rejectedIndex);
      rejectedUrl = (await chosenUrl(rejected))!;
      await rejected.getByTestId('action-reject').click();
      await expect.poll(() => rejected.getAttribute('data-status'), WAIT).not.toBe('approved');
      expect(['needs_review', 'no_match']).toContain(await rejected.getAttribute('data-status'));
      expect(await attributes(rejected.locator('[data-testid="chosen"]'), 'data-url')).not.toContain(rejectedUrl);
      const shownUrls = await attributes(
        rejected.locator('[data-testid="chosen"], [data-testid="runner-up"]'),
        'data-url',
      );
      expect(shownUrls).not.toContain(rejectedUrl);

      // Clear it: matched again from scratch, and the rejected upload is still never proposed.
      await rejected.getByTestId('action-clear').click();
      await expect.poll(() => rejected.getByTestId('match-source').getAttribute('data-source'), WAIT).toBe('computed');
      await expect.poll(() => rejected.getByTestId('track-actions').getAttribute('data-pending'), WAIT).toBeNull();
      expect(await chosenUrl(rejected)).not.toBe(rejectedUrl);
      expect(await attributes(rejected.locator('[data-testid="runner-up"]'), 'data-url')).not.toContain(rejectedUrl);

      // Paste a better upload: validated first, then approved as the admin's choice.
      const pasted = trackRow(page, pastedIndex);
      const entry = truth.tracks.find((t) => t.releaseId === release.id && t.trackIndex === pastedIndex)!;
      const current = await chosenUrl(pasted);
      const ids = entry.acceptableByPlatform.youtube;
      const better = `https://youtu.be/${ids.find((id) => !current?.includes(id)) ?? ids[0] ?? 'dQw4w9WgXcQ'}`;
      await pasted.getByTestId('action-paste').click();
      const urlInput = pasted.getByTestId('better-url-input');
      expect(await urlInput.evaluate((el) => el === document.activeElement)).toBe(true);
      await urlInput.fill('https://vimeo.com/123456');
      await pasted.getByTestId('better-url-submit').click();
      expect(await pasted.getByTestId('better-url-error').textContent()).toMatch(/YouTube .*SoundCloud/);
      await urlInput.fill(better);
      await pasted.getByTestId('better-url-submit').click();
      await pasted.getByTestId('better-url-form').waitFor({ state: 'detached', ...WAIT });
      await expect.poll(() => chosenUrl(pasted), WAIT).toBe(better);
      expect(await pasted.getAttribute('data-status')).toBe('approved');
      expect(await pasted.getByTestId('action-error').count()).toBe(0);

      // The server agrees.
      const answer = await api<ReleaseMatches>(`/api/admin/releases/${release.id}/audio-match`);
      const byIndex = new Map(answer.tracks.map((t) => [t.trackIndex, t]));
      expect(byIndex.get(reviewIndex)?.match).toMatchObject({
        matchUrl: proposed,
        approved: true,
        verifiedBy: 'admin',
      });
      expect(byIndex.get(pastedIndex)?.match).toMatchObject({ matchUrl: better, approved: true, confidence: 1 });
      expect(byIndex.get(rejectedIndex)?.match?.matchUrl).not.toBe(rejectedUrl);
      await screenshot(page, 'matches-actions', true);
      expectNoErrors();
    });

    it('shows the tiers that answer after a reload: the cache, or the database for a decided no-match', async () => {
      const before = await attributes(tracks(page), 'data-status');
      await page.reload({ waitUntil: 'domcontentloaded' });
      await page.getByTestId('release-view').waitFor(WAIT);
      expect(await tracks(page).count()).toBe(release.tracks.length);
      expect(await attributes(tracks(page), 'data-status')).toEqual(before);
      const tiers = await attributes(
        page.locator('[data-testid="tracklist"] [data-testid="match-source"]'),
        'data-source',
      );
      for (const tier of tiers) expect(['cache', 'database']).toContain(tier);
      expect(tiers).toContain('cache');
      // A cache answer still shows why the match won (the stored breakdown), and never the rejected upload.
      const rejected = trackRow(page, rejectedIndex);
      expect(await chosenUrl(rejected)).not.toBe(rejectedUrl);
      const cached = page.locator('[data-testid="track"][data-source="cache"]').first();
      expect(await cached.getByTestId('breakdown-missing').count()).toBe(0);
      expect(await cached.getByTestId('breakdown').count()).toBeGreaterThan(0);
      expectNoErrors();
    });

    it('works through the review queue from the keyboard, most confident first', async () => {
      // Tracks needing review in other releases too.
      for (const other of others) await api(`/api/admin/releases/${other.id}/audio-match`);
      const queue = await api<ReviewQueue>('/api/admin/matches/review');
      expect(queue.items.length, 'tracks to review').toBeGreaterThan(1);

      await page.getByTestId('matches-tab-queue').click();
      await page.waitForURL(/view=queue/, WAIT);
      await queueItems(page).first().waitFor(WAIT);
      const keys = () =>
        queueItems(page).evaluateAll((els) =>
          els.map((el) => `${el.getAttribute('data-release-id')}:${el.getAttribute('data-track-index')}`),
        );
      expect(await keys()).toEqual(queue.items.map((t) => `${t.releaseId}:${t.trackIndex}`));
      const scores = (await attributes(queueItems(page).getByTestId('queue-confidence'), 'data-score')).map(Number);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(await page.getByTestId('queue-hint').textContent()).toMatch(
        /j.*next.*k.*previous.*a.*approve.*r.*reject.*o.*open/,
      );

      // Focus the list: the first item is active, with a visible focus ring.
      const list = page.getByTestId('queue-list');
      await list.focus();
      const active = () => page.locator('[data-testid="queue-item"][aria-selected="true"]');
      expect(await active().getAttribute('data-track-index')).toBe(String(queue.items[0]!.trackIndex));
      expect(await active().evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
      await screenshot(page, 'matches-queue');

      // j / ArrowDown move down, k / ArrowUp back.
      await page.keyboard.press('j');
      expect(await active().getAttribute('data-track-index')).toBe(String(queue.items[1]!.trackIndex));
      expect(await list.getAttribute('aria-activedescendant')).toBe(await active().getAttribute('id'));
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('k');
      const first = queue.items[0]!;
      expect(await active().getAttribute('data-release-id')).toBe(String(first.releaseId));

      // o opens the upload in a new tab (answered locally).
      const popup = page.waitForEvent('popup', WAIT);
      await page.keyboard.press('o');
      const opened = await popup;
      expect(opened.url()).toBe(first.match?.matchUrl);
      await opened.close();
      await list.focus();

      // a approves the first item: it leaves the queue, the next one is active, focus stays on the list.
      const firstKey = `${first.releaseId}:${first.trackIndex}`;
      await page.keyboard.press('a');
      await expect.poll(keys, WAIT).not.toContain(firstKey);
      expect(await page.getByTestId('queue-status').textContent()).toMatch(/^Approved “/);
      expect(await list.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await active().getAttribute('data-release-id')).toBe(String(queue.items[1]!.releaseId));
      const after = await api<ReviewQueue>('/api/admin/matches/review');
      expect(after.items.map((t) => `${t.releaseId}:${t.trackIndex}`)).not.toContain(firstKey);
      const approved = await api<ReleaseMatches>(`/api/admin/releases/${first.releaseId}/audio-match`);
      expect(approved.tracks.find((t) => t.trackIndex === first.trackIndex)).toMatchObject({ status: 'approved' });

      // r rejects the next one: another candidate is proposed (or none is left).
      const second = queue.items[1]!;
      await page.keyboard.press('r');
      await expect.poll(() => page.getByTestId('queue-status').textContent(), WAIT).toMatch(/^Rejected/);
      const rejectedNow = await api<ReleaseMatches>(`/api/admin/releases/${second.releaseId}/audio-match`);
      expect(rejectedNow.tracks.find((t) => t.trackIndex === second.trackIndex)?.match?.matchUrl).not.toBe(
        second.match?.matchUrl,
      );
      expect(await page.getByTestId('queue-action-error').count()).toBe(0);
      expectNoErrors();
    });

    it('shows the stats: matches per platform and tracks per status', async () => {
      await page.getByTestId('matches-tab-stats').click();
      await page.waitForURL(/view=stats/, WAIT);
      await page.getByTestId('stats-platform').first().waitFor(WAIT);
      const stats = await api<MatchStats>('/api/admin/matches/stats');
      expect(stats.platforms.length).toBeGreaterThan(0);
      const rows = page.getByTestId('stats-platform');
      expect(await attributes(rows, 'data-platform')).toEqual(stats.platforms.map((p) => p.platform));
      expect(await attributes(rows, 'data-total')).toEqual(stats.platforms.map((p) => String(p.totalMatches)));
      expect(await attributes(rows, 'data-approved')).toEqual(stats.platforms.map((p) => String(p.approvedCount)));
      for (const [status, count] of Object.entries(stats.statuses)) {
        expect(
          await page.locator(`[data-testid="stats-status"][data-status="${status}"]`).getAttribute('data-count'),
          status,
        ).toBe(String(count));
      }
      expect(
        Number(await page.locator('[data-testid="stats-status"][data-status="approved"]').getAttribute('data-count')),
      ).toBeGreaterThan(0);
      expect(await page.getByTestId('stats-cache').textContent()).toContain(`${stats.cache.matchKeys} match`);
      await screenshot(page, 'matches-stats');
      expectNoErrors();
    });

    it('says how a Discogs account connection ended when the callback sends the browser back', async () => {
      await page.goto(`${url}/admin/matches?discogs=connected&user=crate-digger`, { waitUntil: 'domcontentloaded' });
      expect(await page.getByTestId('discogs-connected').textContent()).toContain('crate-digger');
      await page.goto(`${url}/admin/matches?discogs=error&reason=unknown_request`, { waitUntil: 'domcontentloaded' });
      expect(await page.getByTestId('discogs-connect-error').textContent()).toContain('expired or was already used');
      await page.goto(`${url}/admin/matches?discogs=error&reason=__proto__`, { waitUntil: 'domcontentloaded' });
      expect(await page.getByTestId('discogs-connect-error').textContent()).toContain('an unexpected error');
      expectNoErrors();
    });
  },
);
