import { describe, expect, it } from 'vitest';
import { offlineSourceSentence, sourceSentence } from '../../web/src/components/SourceFreshness.tsx';
import type { SourceStatus } from '../../web/src/lib/types.ts';

const now = Date.parse('2024-03-10T12:00:00.000Z');
const ok: SourceStatus = { name: 'jiosaavn', status: 'ok', lastSuccessAt: '2024-03-10T11:59:50.000Z', lastError: null };

describe('source freshness line', () => {
  it('online: tells when the source last updated', () => {
    expect(sourceSentence(ok, now)).toBe('JioSaavn updated just now');
    expect(sourceSentence({ ...ok, status: 'degraded', lastError: 'HTTP 503' }, now)).toBe(
      'JioSaavn degraded: HTTP 503',
    );
  });

  it('offline: tells the real age of the data on screen, growing as time passes', () => {
    expect(offlineSourceSentence(ok, null, now)).toBe('JioSaavn data from a moment ago (offline)');
    expect(offlineSourceSentence(ok, null, now + 25 * 60_000)).toBe('JioSaavn data from 25 min ago (offline)');
    expect(offlineSourceSentence(ok, null, now + 3 * 3_600_000)).toBe('JioSaavn data from 3 h ago (offline)');
  });

  it('offline without a last success: the age of the list sync, else unknown', () => {
    const never: SourceStatus = { ...ok, status: 'unknown', lastSuccessAt: null };
    expect(offlineSourceSentence(never, '2024-03-10T11:50:00.000Z', now)).toBe(
      'JioSaavn data from 10 min ago (offline)',
    );
    expect(offlineSourceSentence(never, null, now)).toBe('JioSaavn data of unknown age (offline)');
  });
});
