/**
 * Checks and defaults shared by every `Queue` adapter, so they accept and refuse exactly the same calls.
 */
import type { JobOptions, Schedule } from './queue.ts';

/** Job names are BullMQ queue names too, where `:` is reserved; both adapters accept the same names. */
const JOB_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Checks a job name the same way in every adapter (TypeError when it is not `[A-Za-z0-9_.-]{1,100}`). */
export function assertJobName(name: string): void {
  if (typeof name !== 'string' || !JOB_NAME.test(name)) {
    throw new TypeError(`job name ${JSON.stringify(name)} must match ${String(JOB_NAME)}`);
  }
}

/** Resolved handler options with the port's defaults. */
export function jobDefaults(options: JobOptions = {}): Required<JobOptions> {
  const resolved = { attempts: 3, backoffMs: 1000, concurrency: 1, ...options };
  if (!Number.isInteger(resolved.attempts) || resolved.attempts < 1) throw new RangeError('attempts must be >= 1');
  if (!(resolved.backoffMs >= 0)) throw new RangeError('backoffMs must be >= 0');
  if (!Number.isInteger(resolved.concurrency) || resolved.concurrency < 1) {
    throw new RangeError('concurrency must be >= 1');
  }
  return resolved;
}

/** Checks a `schedule` argument the same way in every adapter. */
export function assertSchedule(every: Schedule): void {
  if ('cron' in every) {
    if (typeof every.cron !== 'string' || every.cron.trim() === '') throw new TypeError('cron pattern is empty');
  } else if (!Number.isInteger(every.everyMs) || every.everyMs < 1) {
    throw new RangeError('everyMs must be a positive integer');
  }
}
