/**
 * Named background jobs.
 *
 * Semantics every adapter guarantees (checked by `runQueueContract`):
 * - `define` registers exactly one handler per job name before `start`; a second handler for a name, or `add` of an
 *   unknown name, throws.
 * - `add` with a `jobId` already waiting or running is a no-op that returns the existing id (dedupe).
 * - A handler that throws is retried up to `attempts` times in all, waiting `backoffMs * 2^(n-1)` between tries;
 *   throwing {@link UnrecoverableJobError} ends the job at once.
 * - `schedule` registers a recurring job (cron pattern or fixed interval) that fires once per tick across all processes
 *   sharing the backend, however many workers run. Re-registering the same schedule replaces it.
 * - Only processes that called `start()` run handlers (API-only processes enqueue but never work).
 * - `close` stops taking new jobs and waits for running handlers to finish.
 */
export interface Queue {
  define<T>(name: string, handler: JobHandler<T>, options?: JobOptions): void;
  add<T>(name: string, data: T, options?: AddOptions): Promise<string>;
  schedule<T>(name: string, every: Schedule, data: T): Promise<void>;
  /** Removes a recurring schedule. */
  unschedule(name: string): Promise<void>;
  /** Starts working jobs in this process. */
  start(): Promise<void>;
  /** Counts of jobs by state, for health and metrics. */
  counts(name: string): Promise<{ waiting: number; active: number; failed: number; completed: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type JobHandler<T> = (data: T, job: { id: string; attempt: number; name: string }) => Promise<void>;

export interface JobOptions {
  /** Total tries including the first (default 3). */
  attempts?: number;
  /** Base backoff in milliseconds; doubles each retry (default 1000). */
  backoffMs?: number;
  /** How many jobs of this name run at once in one process (default 1). */
  concurrency?: number;
}

export interface AddOptions {
  jobId?: string;
  delayMs?: number;
}

export type Schedule = { cron: string } | { everyMs: number };

/** Thrown by a handler to end a job without retries (a permanent failure, e.g. an upstream 4xx). */
export class UnrecoverableJobError extends Error {
  override name = 'UnrecoverableJobError';
}
