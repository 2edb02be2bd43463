/**
 * Named background jobs.
 *
 * Semantics every adapter guarantees (checked by `runQueueContract`):
 * - `define` registers exactly one handler per job name; a second handler for a name throws, and so do `add` and
 *   `schedule` of a name without one. Job names are checked again at start-up: `start()` rejects with a
 *   {@link QueueConfigurationError} listing every such mistake made on this queue (even one whose error was caught),
 *   so a worker never starts half-wired.
 * - `add` with a `jobId` already waiting or running is a no-op that returns the existing id (dedupe).
 * - A handler's error is classified by `classifyJobError` (`job-errors.ts`):
 *   - rate limited (an upstream 429, our token bucket refusing): the job waits again, the whole job name pauses for
 *     the Retry-After, and the attempt is not counted;
 *   - permanent (an upstream 4xx, a block, {@link UnrecoverableJobError}): the job fails at once;
 *   - transient (anything else): retried up to `attempts` times in all, waiting `backoffMs * 2^(n-1)` between tries.
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

/** `start()` refused: job names were defined twice, or added or scheduled without a handler. */
export class QueueConfigurationError extends Error {
  override name = 'QueueConfigurationError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`queue cannot start: ${problems.join('; ')}`);
    this.problems = problems;
  }
}
