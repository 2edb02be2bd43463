/**
 * The NEW badge and the "recent" list window. Both are computed at read time from stored facts, so they expire by
 * themselves; nothing has to clear a flag.
 *
 * Dates are calendar days without a zone (`YYYY-MM-DD`) and are read as UTC midnight, so every process and client
 * agrees regardless of its own time zone. The window is half-open: `windowDays = 7` and a release date of
 * 2024-12-20 mean NEW from then until, not including, 2024-12-27T00:00:00Z.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** `YYYY-MM-DD` (a real calendar date) as UTC midnight in ms, or null for anything else. */
function utcMidnight(date: string | null): number | null {
  if (date === null) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? ms : null;
}

/**
 * When a release's windows start: its release date (UTC midnight) when it has a valid one, otherwise when we first
 * detected it. A release date AFTER detection (upstream lists it ahead of time) also starts at detection: the
 * release is visible now, and a typo'd far-future date must not keep a badge for years.
 */
export function windowStart(releaseDate: string | null, detectedAt: Date): Date {
  const released = utcMidnight(releaseDate);
  const detected = detectedAt.getTime();
  return new Date(released === null ? detected : Math.min(released, detected));
}

function within(releaseDate: string | null, detectedAt: Date, now: Date, days: number): boolean {
  if (!(days > 0)) return false;
  return now.getTime() < windowStart(releaseDate, detectedAt).getTime() + days * DAY_MS;
}

/**
 * True for `windowDays` days after the release date (after first detection when the date is missing, invalid or
 * later than detection; see {@link windowStart}). `now` before the start (clock skew between processes) counts as
 * new. `windowDays <= 0` is never new.
 */
export function isNew(releaseDate: string | null, detectedAt: Date, now: Date, windowDays = 7): boolean {
  return within(releaseDate, detectedAt, now, windowDays);
}

/** Same rule as {@link isNew} with the list's window: whether a release belongs in the "recent" lists. */
export function isRecent(releaseDate: string | null, detectedAt: Date, now: Date, recentDays = 30): boolean {
  return within(releaseDate, detectedAt, now, recentDays);
}
