import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatFullDate,
  formatRelative,
  formatReleaseDate,
  parseCalendarDate,
} from '../../web/src/lib/time.ts';

const NOW = Date.parse('2024-03-10T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('formatRelative', () => {
  it.each([
    [0, 'just now', 'just now'],
    [30_000, 'just now', 'just now'],
    [50_000, '1 min ago', '1 minute ago'],
    [5 * MIN, '5 min ago', '5 minutes ago'],
    [59 * MIN + 50_000, '1 h ago', '1 hour ago'],
    [3 * HOUR + 10 * MIN, '3 h ago', '3 hours ago'],
    [23 * HOUR, '23 h ago', '23 hours ago'],
    [DAY + HOUR, 'yesterday', 'yesterday'],
    [4 * DAY, '4 days ago', '4 days ago'],
    [20 * DAY, 'Feb 19', 'Feb 19'],
    [400 * DAY, 'Feb 4, 2023', 'Feb 4, 2023'],
  ])('%d ms ago → %s / %s', (ms, short, long) => {
    expect(formatRelative(ago(ms), NOW, 'short')).toBe(short);
    expect(formatRelative(ago(ms), NOW, 'long')).toBe(long);
  });

  it('treats a time slightly in the future (clock skew) as just now', () => {
    expect(formatRelative(new Date(NOW + 5 * MIN), NOW)).toBe('just now');
  });

  it('accepts Date, string and number inputs and returns empty for garbage', () => {
    expect(formatRelative(new Date(NOW - 2 * MIN), new Date(NOW))).toBe('2 min ago');
    expect(formatRelative(NOW - 2 * MIN, NOW)).toBe('2 min ago');
    expect(formatRelative('not a date', NOW)).toBe('');
  });
});

describe('formatReleaseDate', () => {
  const now = new Date(2024, 2, 10, 15, 30); // local 10 March 2024

  it.each([
    ['2024-03-10', 'Today'],
    ['2024-03-09', 'Yesterday'],
    ['2024-03-11', 'Tomorrow'],
    ['2024-03-06', '4 days ago'],
    ['2024-03-03', 'Mar 3'],
    ['2024-04-20', 'Apr 20'],
    ['2023-12-25', 'Dec 25, 2023'],
  ])('%s → %s', (date, label) => {
    expect(formatReleaseDate(date, now)).toBe(label);
  });

  it('returns null without a usable date', () => {
    expect(formatReleaseDate(null, now)).toBeNull();
    expect(formatReleaseDate('', now)).toBeNull();
    expect(formatReleaseDate('soon', now)).toBeNull();
  });
});

describe('parseCalendarDate / formatFullDate', () => {
  it('parses YYYY-MM-DD (and a timestamp prefix) as UTC midnight', () => {
    expect(parseCalendarDate('2024-03-10')).toBe(Date.UTC(2024, 2, 10));
    expect(parseCalendarDate('2024-03-10T23:59:00Z')).toBe(Date.UTC(2024, 2, 10));
    expect(parseCalendarDate('10/03/2024')).toBeNull();
  });

  it('formats a full date for tooltips', () => {
    expect(formatFullDate('2024-03-10')).toBe('10 March 2024');
    expect(formatFullDate(null)).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [215, '3:35'],
    [59, '0:59'],
    [60, '1:00'],
    [3725, '1:02:05'],
    [214.6, '3:35'],
  ])('%d s → %s', (seconds, label) => {
    expect(formatDuration(seconds)).toBe(label);
  });

  it('returns null for missing, zero, negative or invalid durations', () => {
    expect(formatDuration(null)).toBeNull();
    expect(formatDuration(undefined)).toBeNull();
    expect(formatDuration(0)).toBeNull();
    expect(formatDuration(-3)).toBeNull();
    expect(formatDuration(Number.NaN)).toBeNull();
  });
});
