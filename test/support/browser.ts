/**
 * Headless Chromium for end-to-end tests of the web app, driven by playwright-core (no bundled browser download):
 * Debian's `chromium` package at /usr/bin/chromium (override with CHROMIUM_PATH).
 *
 * Without the binary, browser suites skip (see {@link browserSkipReason}); with REQUIRE_SERVICES=1 (CI) they run
 * anyway and {@link launchBrowser} throws, so a missing browser fails the run instead of silently skipping.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WEB_ROOT } from '../../src/app.ts';
import { REQUIRE_SERVICES } from './services.ts';
import { openTestDb, startStack, type Stack, type TestDb } from './stack.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** True when the Chromium binary exists. */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * Why browser suites must skip, or undefined when they must run: they run when Chromium is installed, and always
 * under REQUIRE_SERVICES=1 (where {@link launchBrowser} then fails loudly).
 */
export function browserSkipReason(): string | undefined {
  if (chromiumAvailable() || REQUIRE_SERVICES) return undefined;
  return `${CHROMIUM_PATH} not found (apt-get install -y chromium, or set CHROMIUM_PATH)`;
}

/**
 * Launches headless Chromium. Resolves to undefined when the binary is absent, except under REQUIRE_SERVICES=1,
 * where absence throws.
 */
export async function launchBrowser(): Promise<Browser | undefined> {
  if (!chromiumAvailable()) {
    if (REQUIRE_SERVICES) {
      throw new Error(
        `REQUIRE_SERVICES=1 but Chromium is missing at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
      );
    }
    return undefined;
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS, timeout: 30_000 });
}

/**
 * A `FETCH_CRON` that never fires while a browser test runs, so every fetch run is one the test started: once a day,
 * twelve hours from `now` (in local time, as the scheduler reads cron patterns).
 */
export function quietFetchCron(now = new Date()): string {
  return `${now.getMinutes()} ${(now.getHours() + 12) % 24} * * *`;
}

/** A browser and a listening stack on its own embedded database, for one browser test file. */
export interface BrowserStack {
  browser: Browser;
  db: TestDb;
  stack: Stack;
  url: string;
}

/**
 * Checks the web app is built, launches Chromium and starts a listening stack (embedded) whose schedule never fires
 * during the test (see {@link quietFetchCron}). The caller closes the browser, the stack and the database.
 */
export async function startBrowserStack(label: string, env: Record<string, string> = {}): Promise<BrowserStack> {
  const index = join(WEB_ROOT, 'index.html');
  if (!existsSync(index)) {
    throw new Error(`${index} is missing: build the web app first (npm run build:web; npm test does it for you)`);
  }
  const browser = await launchBrowser();
  if (!browser) throw new Error('Chromium could not be launched');
  const db = await openTestDb('embedded', label);
  const stack = await startStack({ db, listen: true, env: { FETCH_CRON: quietFetchCron(), ...env } });
  if (!stack.url) throw new Error('the stack is not listening');
  return { browser, db, stack, url: stack.url };
}

/** Saves a screenshot of `page` under the temp folder (settled: finite animations finished) and prints its path. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  const path = join(tmpdir(), `backbeat-browser-${name}-${process.pid}.png`);
  await page.screenshot({ path, fullPage, animations: 'disabled' });
  console.info(`screenshot: ${path}`);
  return path;
}

/** The release cards on the page, and their release ids in page order. */
export const releaseCards = (page: Page) => page.locator('[data-testid="release-card"]');

export async function cardIds(page: Page): Promise<number[]> {
  const ids = await releaseCards(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-release-id')));
  return ids.map(Number);
}
