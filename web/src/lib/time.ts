const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** `short` gives "5 min ago" (compact UI lines), `long` gives "5 minutes ago" (sentences such as banners). */
export type RelativeStyle = 'short' | 'long';

function toMillis(value: Date | string | number): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return Date.parse(value);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const shortMonthDay = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const shortMonthDayYear = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  timeZone: 'UTC',
});

/**
 * How long ago `then` was, relative to `now`: "just now", "5 min ago" / "5 minutes ago", "3 h ago" / "3 hours ago",
 * "yesterday", "4 days ago", then a calendar date ("Mar 4", or "Mar 4, 2023" in another year).
 * Times slightly in the future (clock skew) read as "just now". Returns an empty string for an unparseable input.
 */
export function formatRelative(
  then: Date | string | number,
  now: Date | string | number = Date.now(),
  style: RelativeStyle = 'short',
): string {
  const t = toMillis(then);
  const n = toMillis(now);
  if (!Number.isFinite(t) || !Number.isFinite(n)) return '';
  const diff = n - t;
  if (diff < 45_000) return 'just now';
  if (diff < HOUR) {
    const m = Math.max(1, Math.round(diff / MINUTE));
    if (m >= 60) return style === 'short' ? '1 h ago' : '1 hour ago';
    return style === 'short' ? `${m} min ago` : `${plural(m, 'minute')} ago`;
  }
  if (diff < DAY) {
    const h = Math.max(1, Math.floor(diff / HOUR));
    return style === 'short' ? `${h} h ago` : `${plural(h, 'hour')} ago`;
  }
  const days = Math.floor(diff / DAY);
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  const thenDate = new Date(t);
  const sameYear = thenDate.getUTCFullYear() === new Date(n).getUTCFullYear();
  return (sameYear ? shortMonthDay : shortMonthDayYear).format(thenDate);
}

/** Parses a calendar date `YYYY-MM-DD` into UTC midnight milliseconds, or null when it is not one. */
export function parseCalendarDate(value: string | null | undefined): number | null {
  if (!value) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isFinite(ms) ? ms : null;
}

/**
 * A short label for a release date (`YYYY-MM-DD`), judged against the local calendar day of `now`:
 * "Today", "Yesterday", "3 days ago" (up to 6), "Tomorrow", otherwise "Mar 4" (same year) or "Mar 4, 2023".
 * Returns null when there is no usable date.
 */
export function formatReleaseDate(value: string | null | undefined, now: Date = new Date()): string | null {
  const date = parseCalendarDate(value);
  if (date === null) return null;
  const today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  const days = Math.round((today - date) / DAY);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days === -1) return 'Tomorrow';
  if (days > 1 && days < 7) return `${days} days ago`;
  const sameYear = new Date(date).getUTCFullYear() === now.getFullYear();
  return (sameYear ? shortMonthDay : shortMonthDayYear).format(new Date(date));
}

/** A full, unambiguous date for tooltips, e.g. "4 March 2024"; null when there is no usable date. */
export function formatFullDate(value: string | null | undefined): string | null {
  const date = parseCalendarDate(value);
  if (date === null) return null;
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(date),
  );
}

/** Formats a duration in seconds as `m:ss` (or `h:mm:ss`); null for a missing or invalid duration. */
export function formatDuration(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return null;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
