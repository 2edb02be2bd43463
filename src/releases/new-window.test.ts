import { describe, expect, it } from 'vitest';
import { isNew, isRecent, windowStart } from './new-window.ts';

const t = (iso: string) => new Date(iso);
const DETECTED = t('2024-12-21T09:00:00Z');

describe('isNew', () => {
  it.each<[string, string | null, Date, Date, number | undefined, boolean]>([
    ['on the release day', '2024-12-20', DETECTED, t('2024-12-21T10:00:00Z'), undefined, true],
    ['the last millisecond of day 7', '2024-12-20', DETECTED, t('2024-12-26T23:59:59.999Z'), undefined, true],
    [
      'exactly 7 days after the release date (UTC midnight)',
      '2024-12-20',
      DETECTED,
      t('2024-12-27T00:00:00Z'),
      undefined,
      false,
    ],
    ['long after', '2024-12-20', DETECTED, t('2025-02-01T00:00:00Z'), undefined, false],
    [
      'an old release detected today (catalogue re-list)',
      '2023-01-01',
      DETECTED,
      t('2024-12-21T10:00:00Z'),
      undefined,
      false,
    ],
    ['no release date: 7 days from detection', null, DETECTED, t('2024-12-28T08:59:59.999Z'), undefined, true],
    ['no release date: ends 7 days after detection', null, DETECTED, t('2024-12-28T09:00:00Z'), undefined, false],
    ['an invalid date counts as missing', '2024-13-45', DETECTED, t('2024-12-27T12:00:00Z'), undefined, true],
    [
      'a future date starts at detection, not years later',
      '2099-01-01',
      DETECTED,
      t('2024-12-27T12:00:00Z'),
      undefined,
      true,
    ],
    [
      'a future date does not keep the badge past detection + window',
      '2099-01-01',
      DETECTED,
      t('2024-12-28T09:00:00Z'),
      undefined,
      false,
    ],
    ['a custom window of 1 day', '2024-12-20', DETECTED, t('2024-12-20T23:59:59Z'), 1, true],
    ['a custom window of 1 day, ended', '2024-12-20', DETECTED, t('2024-12-21T00:00:00Z'), 1, false],
    ['a zero window is never new', '2024-12-20', DETECTED, t('2024-12-20T00:00:00Z'), 0, false],
    ['now slightly before detection (clock skew)', null, DETECTED, t('2024-12-21T08:59:59Z'), undefined, true],
  ])('%s', (_label, releaseDate, detectedAt, now, windowDays, expected) => {
    expect(isNew(releaseDate, detectedAt, now, windowDays)).toBe(expected);
  });

  it('reads dates as UTC midnight whatever offset `now` was written in', () => {
    // 2024-12-27T05:29:59+05:30 is 2024-12-26T23:59:59Z: still inside the window.
    expect(isNew('2024-12-20', DETECTED, t('2024-12-27T05:29:59+05:30'))).toBe(true);
    // 2024-12-27T05:30:00+05:30 is exactly 2024-12-27T00:00:00Z: the window has ended.
    expect(isNew('2024-12-20', DETECTED, t('2024-12-27T05:30:00+05:30'))).toBe(false);
    // 2024-12-26T20:00:00-05:00 is 2024-12-27T01:00:00Z, although it is still the 26th in New York.
    expect(isNew('2024-12-20', DETECTED, t('2024-12-26T20:00:00-05:00'))).toBe(false);
  });
});

describe('isRecent', () => {
  it.each<[string, string | null, Date, number | undefined, boolean]>([
    ['29 days after release', '2024-12-01', t('2024-12-30T23:59:59Z'), undefined, true],
    ['30 days after release (boundary)', '2024-12-01', t('2024-12-31T00:00:00Z'), undefined, false],
    ['no date, within 30 days of detection', null, t('2024-12-30T00:00:00Z'), undefined, true],
    ['no date, 30 days after detection', null, t('2024-12-31T12:00:00Z'), undefined, false],
    ['custom 90-day window', '2024-10-01', t('2024-12-21T00:00:00Z'), 90, true],
  ])('%s', (_label, releaseDate, now, recentDays, expected) => {
    expect(isRecent(releaseDate, t('2024-12-01T12:00:00Z'), now, recentDays)).toBe(expected);
  });
});

describe('windowStart', () => {
  it.each<[string | null, Date, string]>([
    ['2024-12-20', DETECTED, '2024-12-20T00:00:00.000Z'],
    [null, DETECTED, DETECTED.toISOString()],
    ['2024-12-22', DETECTED, DETECTED.toISOString()],
    ['2024-02-30', DETECTED, DETECTED.toISOString()],
  ])('windowStart(%j, detected) = %s', (releaseDate, detectedAt, expected) => {
    expect(windowStart(releaseDate, detectedAt).toISOString()).toBe(expected);
  });
});
