import { describe, expect, it } from 'vitest';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from '../infra/upstream-errors.ts';
import { backoffDelayMs, classifyJobError } from './job-errors.ts';
import { UnrecoverableJobError } from './queue.ts';

const upstream = (kind: UpstreamError['kind'], status: number | null) =>
  new UpstreamError('svc', `svc: ${kind}`, { kind, status, attempts: 1 });
const bullUnrecoverable = Object.assign(new Error('bullmq says stop'), { name: 'UnrecoverableError' });
const cyclic = new Error('cyclic');
(cyclic as { cause?: unknown }).cause = cyclic;

describe('classifyJobError', () => {
  it.each<[string, unknown, ReturnType<typeof classifyJobError>]>([
    [
      'an upstream 429',
      new UpstreamRateLimitedError('svc', { retryAfterMs: 30_000, attempts: 1 }),
      { kind: 'rate_limited', delayMs: 30_000 },
    ],
    [
      'our bucket paused',
      new RateLimitedError('svc', { reason: 'paused', retryAfterMs: 1500.2, attempts: 0 }),
      { kind: 'rate_limited', delayMs: 1501 },
    ],
    [
      'our bucket empty',
      new RateLimitedError('svc', { reason: 'empty', retryAfterMs: 86_400, attempts: 2 }),
      { kind: 'rate_limited', delayMs: 86_400 },
    ],
    [
      'a Retry-After of 0',
      new UpstreamRateLimitedError('svc', { retryAfterMs: 0, attempts: 1 }),
      { kind: 'rate_limited', delayMs: 1 },
    ],
    ['an upstream 404', upstream('client', 404), { kind: 'permanent' }],
    ['an upstream 400', upstream('client', 400), { kind: 'permanent' }],
    ['a WAF block', upstream('blocked', 200), { kind: 'permanent' }],
    ['UnrecoverableJobError', new UnrecoverableJobError('bad input'), { kind: 'permanent' }],
    ["BullMQ's UnrecoverableError", bullUnrecoverable, { kind: 'permanent' }],
    ['an upstream 503', upstream('server', 503), { kind: 'transient' }],
    ['a network error', upstream('network', null), { kind: 'transient' }],
    ['a timeout', upstream('timeout', null), { kind: 'transient' }],
    ['a malformed body', upstream('malformed', 200), { kind: 'transient' }],
    ['a plain Error', new Error('boom'), { kind: 'transient' }],
    ['a thrown string', 'boom', { kind: 'transient' }],
    ['undefined', undefined, { kind: 'transient' }],
    [
      'a 404 wrapped by the handler',
      new Error('album 42 failed', { cause: upstream('client', 404) }),
      { kind: 'permanent' },
    ],
    [
      'a 429 wrapped twice',
      new Error('run failed', {
        cause: new Error('page 2', { cause: new UpstreamRateLimitedError('svc', { retryAfterMs: 5, attempts: 1 }) }),
      }),
      { kind: 'rate_limited', delayMs: 5 },
    ],
    [
      'a bucket refusal caused by a 5xx (the outer error decides)',
      new RateLimitedError('svc', { reason: 'empty', retryAfterMs: 100, attempts: 2, cause: upstream('server', 500) }),
      { kind: 'rate_limited', delayMs: 100 },
    ],
    ['a cyclic cause chain', cyclic, { kind: 'transient' }],
  ])('%s', (_label, error, expected) => {
    expect(classifyJobError(error)).toEqual(expected);
  });
});

describe('backoffDelayMs', () => {
  it.each([
    [1000, 1, 1000],
    [1000, 2, 2000],
    [1000, 3, 4000],
    [100, 5, 1600],
    [0, 4, 0],
    [1000, 40, 2 ** 31 - 1],
  ])('backoff %i after attempt %i is %i ms', (backoffMs, attempt, expected) => {
    expect(backoffDelayMs(backoffMs, attempt)).toBe(expected);
  });
});
