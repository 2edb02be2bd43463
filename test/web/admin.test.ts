import { describe, expect, it } from 'vitest';
import { checkDetails } from '../../web/src/components/admin/HealthPanel.tsx';
import { bucketDraft, draftToUpdate, fieldOfMessage, perInterval } from '../../web/src/lib/bucketForm.ts';
import {
  formatDurationMs,
  isRunFinished,
  mergeRun,
  runCounts,
  runDurationMs,
  runStatusLabel,
} from '../../web/src/lib/runs.ts';
import type { RunSummary } from '../../web/src/lib/types.ts';

function run(id: string, startedAt: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: id,
    status: 'succeeded',
    trigger: 'manual',
    startedAt,
    finishedAt: null,
    fetched: 0,
    newSongs: 0,
    newAlbums: 0,
    updated: 0,
    rateLimited: false,
    errors: [],
    ...overrides,
  };
}

describe('fetch runs', () => {
  it('is finished in any status but running', () => {
    expect(isRunFinished({ status: 'running' })).toBe(false);
    for (const status of ['succeeded', 'partial', 'failed', 'abandoned'] as const) {
      expect(isRunFinished({ status })).toBe(true);
    }
    expect(runStatusLabel('partial')).toBe('Partly failed');
  });

  it('measures a run, finished or still going', () => {
    const started = '2024-03-10T12:00:00.000Z';
    expect(runDurationMs({ startedAt: started, finishedAt: '2024-03-10T12:00:02.500Z' })).toBe(2500);
    expect(runDurationMs({ startedAt: started, finishedAt: null }, Date.parse('2024-03-10T12:01:00.000Z'))).toBe(
      60_000,
    );
    expect(runDurationMs({ startedAt: 'garbage', finishedAt: null })).toBeNull();
    expect(formatDurationMs(null)).toBe('—');
    expect(formatDurationMs(850)).toBe('850 ms');
    expect(formatDurationMs(4200)).toBe('4.2 s');
    expect(formatDurationMs(42_000)).toBe('42 s');
    expect(formatDurationMs(185_000)).toBe('3 min 5 s');
    expect(formatDurationMs(120_000)).toBe('2 min');
  });

  it('sums a run up in one line', () => {
    const summary = run('a', '2024-03-10T12:00:00.000Z', { fetched: 80, newSongs: 1, newAlbums: 10 });
    expect(runCounts(summary)).toBe('fetched 80 · 1 new song · 10 new albums · 0 updated · no errors');
    const failing = { ...summary, errors: [{ source: 'jiosaavn', code: 'x', message: 'y' }] };
    expect(runCounts(failing)).toContain('1 error');
  });

  it('merges a followed run into the newest-first list', () => {
    const list = [run('c', '2024-03-10T12:02:00.000Z'), run('a', '2024-03-10T12:00:00.000Z')];
    const updated = mergeRun(list, run('a', '2024-03-10T12:00:00.000Z', { status: 'failed' }));
    expect(updated.map((r) => [r.runId, r.status])).toEqual([
      ['c', 'succeeded'],
      ['a', 'failed'],
    ]);
    expect(mergeRun(list, run('b', '2024-03-10T12:01:00.000Z')).map((r) => r.runId)).toEqual(['c', 'b', 'a']);
    expect(mergeRun(list, run('d', '2024-03-10T12:03:00.000Z')).map((r) => r.runId)).toEqual(['d', 'c', 'a']);
    expect(mergeRun(list, run('z', '2024-03-10T11:00:00.000Z'), 2).map((r) => r.runId)).toEqual(['c', 'a']);
    expect(list.map((r) => r.runId)).toEqual(['c', 'a']);
  });
});

describe('token bucket form', () => {
  const bucket = { maxTokens: 100, refillRate: 2.5 };

  it('sends only what changed, nothing when nothing did', () => {
    expect(draftToUpdate(bucket, bucketDraft(bucket))).toEqual({ ok: true, update: null });
    expect(draftToUpdate(bucket, { maxTokens: '40', refillRate: '2.5' })).toEqual({
      ok: true,
      update: { maxTokens: 40 },
    });
    expect(draftToUpdate(bucket, { maxTokens: ' 100 ', refillRate: '0.5' })).toEqual({
      ok: true,
      update: { refillRate: 0.5 },
    });
  });

  it('leaves ranges and integer rules to the server, refusing only what is not a number', () => {
    expect(draftToUpdate(bucket, { maxTokens: '2.5', refillRate: '-1' })).toEqual({
      ok: true,
      update: { maxTokens: 2.5, refillRate: -1 },
    });
    expect(draftToUpdate(bucket, { maxTokens: '', refillRate: '1' })).toMatchObject({ ok: false, field: 'maxTokens' });
    expect(draftToUpdate(bucket, { maxTokens: '1', refillRate: 'lots' })).toMatchObject({
      ok: false,
      field: 'refillRate',
      message: 'Refill rate must be a number.',
    });
  });

  it('puts a server validation message next to the field it names', () => {
    expect(fieldOfMessage('body /maxTokens must be integer')).toBe('maxTokens');
    expect(fieldOfMessage('body/refillRate must be >= 0')).toBe('refillRate');
    expect(fieldOfMessage('body must NOT have fewer than 1 properties')).toBeNull();
  });

  it('reads refill intervals in words', () => {
    expect(perInterval(1000)).toBe('per second');
    expect(perInterval(60_000)).toBe('per minute');
    expect(perInterval(86_400_000)).toBe('per day');
    expect(perInterval(300_000)).toBe('every 5 min');
    expect(perInterval(2500)).toBe('every 2.5 s');
  });
});

describe('health check details', () => {
  const now = Date.parse('2024-03-10T12:00:00.000Z');

  it('tells a source’s last success and last error', () => {
    expect(
      checkDetails(
        {
          status: 'degraded',
          state: 'degraded',
          lastSuccessAt: '2024-03-10T11:55:00.000Z',
          lastError: 'HTTP 503 from api.php',
        },
        now,
      ),
    ).toEqual(['Last successful fetch 5 min ago', 'Last error: HTTP 503 from api.php']);
    expect(checkDetails({ status: 'ok', state: 'unknown', lastSuccessAt: null, lastError: null }, now)).toEqual([
      'No successful fetch yet',
    ]);
  });

  it('tells a service’s latency, mode or error, and any other plain detail', () => {
    expect(checkDetails({ status: 'ok', latencyMs: 1.2 }, now)).toEqual(['Answered in 1.2 ms']);
    expect(checkDetails({ status: 'disabled', mode: 'embedded' }, now)).toEqual(['Embedded mode']);
    expect(checkDetails({ status: 'down', error: 'no answer within 2000 ms', pool: 4, nested: {} }, now)).toEqual([
      'Error: no answer within 2000 ms',
      'pool: 4',
    ]);
  });
});
