import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../infra/upstream-errors.ts';
import { classifyJobError } from '../ports/job-errors.ts';
import type { RunError, RunSummary } from './contract.ts';
import { runFailure } from './fetcher.ts';

function summary(status: RunSummary['status'], errors: RunError[] = []): RunSummary {
  return {
    runId: '00000000-0000-4000-8000-000000000001',
    status,
    trigger: 'schedule',
    startedAt: '2026-11-29T10:00:00.000Z',
    finishedAt: '2026-11-29T10:00:05.000Z',
    fetched: 0,
    newSongs: 0,
    newAlbums: 0,
    updated: 0,
    rateLimited: errors.some((e) => e.code === 'rate_limited'),
    errors,
  };
}

const limited = (retryAfterMs: number): RunError => ({
  source: 'jiosaavn',
  language: 'hindi',
  page: 1,
  code: 'rate_limited',
  message: 'upstream answered 429',
  retryAfterMs,
});
const failed = (code: string): RunError => ({ source: 'jiosaavn', language: 'tamil', page: 1, code, message: code });

describe('runFailure: how a finished run ends its queue job', () => {
  it.each<[string, RunSummary, ReturnType<typeof classifyJobError> | undefined]>([
    ['a run that succeeded completes the job', summary('succeeded'), undefined],
    ['a partial run completes the job (its errors are on the run)', summary('partial', [failed('server')]), undefined],
    [
      'a run stopped by rate limits waits out the longest retry-after',
      summary('failed', [limited(1500), limited(30_000)]),
      { kind: 'rate_limited', delayMs: 30_000 },
    ],
    [
      'a rate limit wins over other failures of the same run',
      summary('failed', [failed('server'), limited(2000)]),
      { kind: 'rate_limited', delayMs: 2000 },
    ],
    [
      'only permanent failures: unrecoverable',
      summary('failed', [failed('client'), failed('blocked')]),
      { kind: 'permanent' },
    ],
    [
      'a transient failure among them: retried',
      summary('failed', [failed('blocked'), failed('timeout')]),
      { kind: 'transient' },
    ],
    ['a crash of the run itself: retried', summary('failed', [failed('internal')]), { kind: 'transient' }],
  ])('%s', (_label, run, expected) => {
    const failure = runFailure(run);
    if (expected === undefined) {
      expect(failure).toBeUndefined();
      return;
    }
    expect(failure).toBeInstanceOf(Error);
    expect(classifyJobError(failure)).toEqual(expected);
    expect(failure!.message).toMatch(
      expected.kind === 'rate_limited' ? /rate limited/ : /fetch run .* failed \(jiosaavn/,
    );
  });

  it('names the source of the rate limit', () => {
    const failure = runFailure(summary('failed', [limited(1000)]));
    expect(failure).toBeInstanceOf(RateLimitedError);
    expect((failure as RateLimitedError).service).toBe('jiosaavn');
  });
});
