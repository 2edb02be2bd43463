import { Queue as BullQueue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { classifyJobError } from '../job-errors.ts';
import type { AddOptions, JobHandler, JobOptions, Queue, Schedule } from '../queue.ts';
import { assertSchedule, JobRegistry, type Definition } from '../queue-support.ts';
import { closeRedis, createRedis, pingRedis, whenReady, type AdapterLogger, type Redis } from './connection.ts';

export interface BullMqQueueOptions {
  url: string;
  /** BullMQ key prefix (its `prefix` option): keys are `${prefix}:${jobName}:...`. */
  prefix: string;
  logger?: AdapterLogger;
}

/** Finished jobs kept for inspection and counts; older ones are trimmed by BullMQ. */
const KEEP_COMPLETED = { count: 1000, age: 24 * 60 * 60 };
const KEEP_FAILED = { count: 5000, age: 7 * 24 * 60 * 60 };
/** At most one log line per this interval for BullMQ's own 'error' events (they repeat on every reconnect). */
const ERROR_LOG_INTERVAL_MS = 30_000;
/**
 * The Worker limiter. BullMQ honours a manual `queue.rateLimit(ms)` across workers only when the worker has a limiter
 * (`moveToActive` reads its `max`); this one is far above any real job rate, so only manual limits ever apply.
 */
const MANUAL_RATE_LIMIT_ONLY = { max: 1_000_000, duration: 1000 };

/**
 * The BullMQ {@link Queue} for scaled mode: one BullMQ queue per job name under the BullMQ prefix `prefix`, and, once
 * `start()` is called, one BullMQ Worker per defined name (`concurrency` from the definition).
 *
 * - `add` with a `jobId` uses BullMQ deduplication (its key is held until the job completes or fails for good), so a
 *   duplicate is a no-op returning the existing job's id, and the same key can be enqueued again afterwards. Job ids
 *   themselves are BullMQ's; custom BullMQ job ids are not used because they would block a re-enqueue for as long as
 *   the finished job is retained and they may not contain `:`.
 * - Handler errors, classified by `classifyJobError`: rate limited → `queue.rateLimit(delayMs)` and
 *   `Worker.RateLimitError()` (the job goes back to waiting without using an attempt, and every worker of the name
 *   waits out the limit); permanent → BullMQ's `UnrecoverableError`, which ends the job without retries; transient →
 *   rethrown, retried by `attempts` and `{ type: 'exponential', delay: backoffMs }`, i.e. `backoffMs * 2^(n-1)`.
 * - `schedule` is a BullMQ job scheduler (`upsertJobScheduler`), stored in Redis: whichever worker takes each tick's
 *   job runs it, so a tick runs once across all processes. `everyMs` fires once at registration, then every interval.
 * - Finished jobs are trimmed (1000 completed for a day, 5000 failed for a week).
 *
 * Connections: one producer connection without an offline queue (enqueueing fails fast while Redis is away) shared by
 * every BullMQ queue, and, in processes that `start()`, one worker connection (`maxRetriesPerRequest: null`, which
 * BullMQ requires) that each Worker duplicates for its blocking reads. `close()` closes all of them.
 */
export class BullMqQueue implements Queue {
  readonly #url: string;
  readonly #prefix: string;
  readonly #logger: AdapterLogger | undefined;
  readonly #producer: Redis;
  #workerConnection: Redis | undefined;
  readonly #jobs = new JobRegistry();
  readonly #queues = new Map<string, BullQueue>();
  readonly #workers = new Map<string, Worker>();
  #started = false;
  #workersPending = false;
  #closing: Promise<void> | undefined;
  #lastErrorLog = 0;

  constructor(options: BullMqQueueOptions) {
    this.#url = options.url;
    this.#prefix = options.prefix;
    this.#logger = options.logger;
    this.#producer = createRedis(options.url, {
      role: 'command',
      name: `${options.prefix}:queue`,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  define<T>(name: string, handler: JobHandler<T>, options?: JobOptions): void {
    this.#assertOpen();
    this.#jobs.define(name, handler, options);
    if (this.#started) this.#startWorkers();
  }

  async add<T>(name: string, data: T, options: AddOptions = {}): Promise<string> {
    if (options.delayMs !== undefined && !(options.delayMs >= 0)) throw new RangeError('delayMs must be >= 0');
    const queue = await this.#queue(name, 'added');
    const job = await queue.add(name, data, {
      ...(options.jobId !== undefined ? { deduplication: { id: options.jobId } } : {}),
      ...(options.delayMs ? { delay: options.delayMs } : {}),
    });
    return job.id as string;
  }

  async schedule<T>(name: string, every: Schedule, data: T): Promise<void> {
    assertSchedule(every);
    const queue = await this.#queue(name, 'scheduled');
    const definition = this.#jobs.get(name) as Definition;
    const { attempts, backoff, removeOnComplete, removeOnFail } = this.#jobOptions(definition);
    await queue.upsertJobScheduler(name, 'cron' in every ? { pattern: every.cron } : { every: every.everyMs }, {
      name,
      data,
      opts: { attempts, backoff, removeOnComplete, removeOnFail },
    });
  }

  async unschedule(name: string): Promise<void> {
    const queue = await this.#queue(name);
    await queue.removeJobScheduler(name);
  }

  async start(): Promise<void> {
    this.#assertOpen();
    this.#jobs.assertStartable();
    if (this.#started) return;
    this.#started = true;
    this.#workerConnection = createRedis(this.#url, {
      role: 'worker',
      name: `${this.#prefix}:worker`,
      ...(this.#logger ? { logger: this.#logger } : {}),
    });
    this.#startWorkers();
  }

  async counts(name: string): Promise<{ waiting: number; active: number; failed: number; completed: number }> {
    const queue = await this.#queue(name);
    const c = await queue.getJobCounts(
      'waiting',
      'paused',
      'delayed',
      'prioritized',
      'waiting-children',
      'active',
      'failed',
      'completed',
    );
    const n = (state: string) => c[state] ?? 0;
    return {
      waiting: n('waiting') + n('paused') + n('delayed') + n('prioritized') + n('waiting-children'),
      active: n('active'),
      failed: n('failed'),
      completed: n('completed'),
    };
  }

  async ping(): Promise<void> {
    await pingRedis(this.#producer);
    if (this.#workerConnection) await pingRedis(this.#workerConnection);
  }

  /** Stops the workers (waiting for running handlers), then closes the queues and the connections. */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#workers.values()].map((worker) => worker.close()));
      await Promise.allSettled([...this.#queues.values()].map((queue) => queue.close()));
      if (this.#workerConnection) await closeRedis(this.#workerConnection);
      await closeRedis(this.#producer);
    })();
    return this.#closing;
  }

  /**
   * Creates a Worker for each definition without one, once the worker connection is ready. BullMQ objects are only
   * built on a ready connection: one built on a connection that never connects rejects (unhandled) when closed.
   */
  #startWorkers(): void {
    const connection = this.#workerConnection;
    if (!connection || this.#closing) return;
    if (connection.status !== 'ready') {
      if (!this.#workersPending) {
        this.#workersPending = true;
        connection.once('ready', () => {
          this.#workersPending = false;
          this.#startWorkers();
        });
      }
      return;
    }
    for (const [name, definition] of this.#jobs.entries()) {
      if (!this.#workers.has(name)) this.#startWorker(connection, name, definition);
    }
  }

  #startWorker(connection: Redis, name: string, definition: Definition): void {
    const worker = new Worker(name, (job: Job) => this.#process(name, definition, job), {
      connection,
      prefix: this.#prefix,
      concurrency: definition.options.concurrency,
      limiter: MANUAL_RATE_LIMIT_ONLY,
    });
    worker.on('error', (error) => this.#logError(name, error));
    worker.on('failed', (job, error) => {
      this.#logger?.warn(
        { event: 'job_attempt_failed', job: { id: job?.id, name, attempt: job?.attemptsMade }, err: error.message },
        'job attempt failed',
      );
    });
    this.#workers.set(name, worker);
  }

  async #process(name: string, definition: Definition, job: Job): Promise<void> {
    // attemptsMade counts finished attempts, so the running one is attemptsMade + 1.
    const info = { id: job.id as string, attempt: job.attemptsMade + 1, name: job.name };
    try {
      await definition.handler(job.data, info);
    } catch (error) {
      const failure = classifyJobError(error);
      const err = error instanceof Error ? error.message : String(error);
      switch (failure.kind) {
        case 'rate_limited': {
          const queue = this.#closing ? this.#queues.get(name) : await this.#queue(name);
          // Closing before this queue existed: fail the attempt instead; the job is retried as a transient failure.
          if (!queue) throw error;
          await queue.rateLimit(failure.delayMs);
          this.#logger?.info(
            { event: 'job_rate_limited', job: info, delayMs: failure.delayMs, err },
            'job rate limited',
          );
          throw Worker.RateLimitError();
        }
        case 'permanent':
          throw error instanceof UnrecoverableError ? error : new UnrecoverableError(err);
        case 'transient':
          throw error;
      }
    }
  }

  #jobOptions(definition: Definition): JobsOptions {
    return {
      attempts: definition.options.attempts,
      backoff: { type: 'exponential', delay: definition.options.backoffMs },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    };
  }

  /** The BullMQ queue of `name`, created on first use once the producer connection is ready (see #startWorkers). */
  async #queue(name: string, use?: 'added' | 'scheduled'): Promise<BullQueue> {
    this.#assertOpen();
    const definition = this.#jobs.require(name, use);
    await whenReady(this.#producer);
    this.#assertOpen();
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new BullQueue(name, {
        connection: this.#producer,
        prefix: this.#prefix,
        defaultJobOptions: this.#jobOptions(definition),
      });
      queue.on('error', (error) => this.#logError(name, error));
      this.#queues.set(name, queue);
    }
    return queue;
  }

  #logError(name: string, error: Error): void {
    const now = Date.now();
    if (now - this.#lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
    this.#lastErrorLog = now;
    this.#logger?.error({ event: 'queue_error', job: name, err: error.message }, 'BullMQ error');
  }

  #assertOpen(): void {
    if (this.#closing) throw new Error('queue closed');
  }
}
