/**
 * Headless Chromium for end-to-end tests of the web app, driven by playwright-core (no bundled browser download):
 * Debian's `chromium` package at /usr/bin/chromium (override with CHROMIUM_PATH).
 *
 * Without the binary, browser suites skip (see {@link browserSkipReason}); with REQUIRE_SERVICES=1 (CI) they run
 * anyway and {@link launchBrowser} throws, so a missing browser fails the run instead of silently skipping.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { REQUIRE_SERVICES } from './services.ts';

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
