/**
 * How a job handler's error ends the attempt, the same way in every {@link Queue} adapter.
 *
 * - `rate_limited`: the upstream (or our own token bucket) said "not now". The job goes back to waiting, the whole
 *   job name pauses for `delayMs`, and the attempt is not counted: waiting out a rate limit is not a failure.
 *   BullMQ: `queue.rateLimit(delayMs)` then `Worker.RateLimitError()`.
 * - `permanent`: trying again cannot help (an upstream 4xx other than 429, a block, {@link UnrecoverableJobError}).
 *   The job fails at once, whatever attempts are left. BullMQ: `UnrecoverableError`.
 * - `transient`: anything else (5xx, network, timeout, malformed body, errors we know nothing about). The job is
 *   retried after {@link backoffDelayMs} while attempts are left. BullMQ: its exponential backoff, same formula.
 */
import { RateLimitedError, UpstreamFailure, UpstreamRateLimitedError } from '../infra/upstream-errors.ts';
import { UnrecoverableJobError } from './queue.ts';

export type JobErrorClass =
  | { kind: 'rate_limited'; /** How long the job name pauses. */ delayMs: number }
  | { kind: 'permanent' }
  | { kind: 'transient' };

/** Causes followed at most, so a cyclic `cause` chain cannot loop. */
const MAX_CAUSES = 8;
/** The longest delay a timer can hold (about 24.8 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Classifies a job handler's error (see the module comment). The first error in the `cause` chain that says more
 * than "something failed" decides, so a handler may wrap an upstream error in its own.
 */
export function classifyJobError(error: unknown): JobErrorClass {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSES && current instanceof Error; depth++) {
    // BullMQ's own UnrecoverableError is recognised by name: the memory adapter must not depend on BullMQ.
    if (current instanceof UnrecoverableJobError || current.name === 'UnrecoverableError') return { kind: 'permanent' };
    if (current instanceof UpstreamRateLimitedError || current instanceof RateLimitedError) {
      return { kind: 'rate_limited', delayMs: clampDelay(current.retryAfterMs) };
    }
    if (current instanceof UpstreamFailure) return current.retryable ? { kind: 'transient' } : { kind: 'permanent' };
    current = current.cause;
  }
  return { kind: 'transient' };
}

/** The wait before retry `attempt + 1` after attempt `attempt` (1-based) failed: `backoffMs * 2^(attempt-1)`. */
export function backoffDelayMs(backoffMs: number, attempt: number): number {
  return clampDelay(backoffMs * 2 ** Math.max(0, attempt - 1), 0);
}

function clampDelay(ms: number, min = 1): number {
  if (Number.isNaN(ms)) return min;
  return Math.min(MAX_DELAY_MS, Math.max(min, Math.ceil(ms)));
}
