import { Cron } from 'croner';
import type { Logger } from '../../infra/logger.ts';
import { systemClock, type Clock } from '../clock.ts';
import { backoffDelayMs, classifyJobError } from '../job-errors.ts';
import type { AddOptions, JobHandler, JobOptions, Queue, Schedule } from '../queue.ts';
import { assertSchedule, JobRegistry, type Definition } from '../queue-support.ts';

interface MemoryJob {
  id: string;
  name: string;
  /** The data as JSON: handlers get a copy, as with BullMQ. */
  json: string;
  dedupeKey: string | undefined;
  attempts: number;
  backoffMs: number;
  attemptsMade: number;
  state: 'delayed' | 'waiting' | 'active';
}

/** What a started {@link MemoryQueue} offers the backend. */
interface MemoryWorker {
  /** Free handler slots for `name` in this worker (0 when it has no handler or is closing). */
  free(name: string): number;
  /** Runs the handler; resolves with the thrown error, or `undefined` on success. Never rejects. */
  run(job: MemoryJob): Promise<unknown>;
}

interface ScheduleEntry {
  /** The registration's settings as JSON, to recognise a re-registration of the same schedule. */
  key: string;
  stop(): void;
}

/**
 * The shared state of in-process queues: waiting and delayed jobs, dedupe keys, schedules and counters. Every
 * {@link MemoryQueue} built on one backend sees the same jobs, the way BullMQ queues on one Redis do: a job added
 * through one queue is worked by any started queue that defined its name, and a schedule registered through several
 * queues ticks once. A `MemoryQueue` created without a backend gets its own.
 *
 * The state lives while at least one queue on it is open: when the last one closes, schedules and timers stop and
 * pending jobs are dropped (nothing survives the process in embedded mode; durable state lives in the database).
 *
 * Delays, retries and schedules run on the backend's {@link Clock} (the system clock by default; tests pass a manual
 * one). Cron schedules are computed with croner and fired by that clock, one timer per next tick.
 */
export class MemoryQueueBackend {
  readonly #clock: Clock;
  #seq = 0;
  #open = 0;
  readonly #waiting = new Map<string, MemoryJob[]>();
  readonly #delayTimers = new Map<MemoryJob, () => void>();
  /** Job names paused by a rate-limited job: until when, and the timer that resumes them. */
  readonly #limits = new Map<string, { until: number; cancel: () => void }>();
  readonly #active = new Set<MemoryJob>();
  readonly #dedupe = new Map<string, MemoryJob>();
  readonly #finished = new Map<string, { completed: number; failed: number }>();
  readonly #schedules = new Map<string, ScheduleEntry>();
  readonly #workers: MemoryWorker[] = [];
  #nextWorker = 0;

  constructor(options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Registers an open queue; the returned function releases it (the last release resets the backend). */
  open(): () => void {
    this.#open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#open === 0) this.#reset();
    };
  }

  /** Adds a worker that takes jobs; the returned function removes it. */
  attach(worker: MemoryWorker): () => void {
    this.#workers.push(worker);
    for (const name of this.#waiting.keys()) this.#dispatch(name);
    return () => {
      const index = this.#workers.indexOf(worker);
      if (index >= 0) this.#workers.splice(index, 1);
    };
  }

  /** Enqueues a job, or returns the id of the job already holding `jobId` for that name while it is pending. */
  add(name: string, data: unknown, options: Required<JobOptions>, add: AddOptions = {}): string {
    return this.#create(name, data, options, add).id;
  }

  /**
   * Starts the recurring schedule `name`, or replaces it when its settings differ; registering the same settings
   * again (every worker process does at start-up) changes nothing. `everyMs` fires once at once, then every interval.
   */
  schedule(name: string, every: Schedule, data: unknown, options: Required<JobOptions>): void {
    const key = JSON.stringify({ every, data, options });
    if (this.#schedules.get(name)?.key === key) return;
    this.unschedule(name);
    let pending: MemoryJob | undefined;
    // One job per tick, and never a second one while the previous tick's job still waits for a worker
    // (BullMQ's job schedulers behave the same: the next run is created when the current one starts).
    const tick = () => {
      if (pending?.state === 'waiting') return;
      pending = this.#create(name, data, options, {});
    };
    const stop = 'cron' in every ? this.#cronTimer(every.cron, tick) : this.#intervalTimer(every.everyMs, tick);
    this.#schedules.set(name, { key, stop });
  }

  /**
   * Calls `tick` at once, then every `everyMs` on a fixed grid: a late tick does not shift the next ones, and ticks
   * missed entirely (the process was suspended) are skipped, not fired in a burst.
   */
  #intervalTimer(everyMs: number, tick: () => void): () => void {
    const start = this.#clock.now();
    let n = 0;
    let cancel = () => {};
    const fire = () => {
      tick();
      n = Math.max(n + 1, Math.floor((this.#clock.now() - start) / everyMs) + 1);
      const due = start + n * everyMs;
      cancel = this.#clock.setTimeout(fire, Math.max(0, due - this.#clock.now()), { unref: true });
    };
    fire();
    return () => cancel();
  }

  /** Calls `tick` at each time the cron pattern names, from now on. */
  #cronTimer(pattern: string, tick: () => void): () => void {
    const cron = new Cron(pattern);
    let cancel = () => {};
    let stopped = false;
    const arm = (after: number) => {
      const next = cron.nextRun(new Date(after));
      if (!next || stopped) return;
      const due = next.getTime();
      cancel = this.#clock.setTimeout(
        () => {
          tick();
          // From the tick just fired (or now, when the timer ran late), so a tick is never fired twice.
          arm(Math.max(due, this.#clock.now()));
        },
        Math.max(0, due - this.#clock.now()),
        { unref: true },
      );
    };
    arm(this.#clock.now());
    return () => {
      stopped = true;
      cancel();
    };
  }

  unschedule(name: string): void {
    this.#schedules.get(name)?.stop();
    this.#schedules.delete(name);
  }

  counts(name: string): { waiting: number; active: number; failed: number; completed: number } {
    let delayed = 0;
    for (const job of this.#delayTimers.keys()) if (job.name === name) delayed++;
    let active = 0;
    for (const job of this.#active) if (job.name === name) active++;
    const finished = this.#finished.get(name) ?? { completed: 0, failed: 0 };
    return { waiting: (this.#waiting.get(name)?.length ?? 0) + delayed, active, ...finished };
  }

  /** Offers waiting jobs of `name` to workers with a free slot (round robin), e.g. after a handler finished. */
  wake(name: string): void {
    this.#dispatch(name);
  }

  #enqueue(job: MemoryJob, delayMs: number): void {
    if (delayMs > 0) {
      job.state = 'delayed';
      const cancel = this.#clock.setTimeout(() => {
        this.#delayTimers.delete(job);
        this.#enqueue(job, 0);
      }, delayMs);
      this.#delayTimers.set(job, cancel);
      return;
    }
    job.state = 'waiting';
    let list = this.#waiting.get(job.name);
    if (!list) this.#waiting.set(job.name, (list = []));
    list.push(job);
    this.#dispatch(job.name);
  }

  #create(name: string, data: unknown, options: Required<JobOptions>, add: AddOptions): MemoryJob {
    const dedupeKey = add.jobId === undefined ? undefined : `${name}\u0000${add.jobId}`;
    const existing = dedupeKey === undefined ? undefined : this.#dedupe.get(dedupeKey);
    if (existing) return existing;
    const json = JSON.stringify(data) as string | undefined;
    const job: MemoryJob = {
      id: String(++this.#seq),
      name,
      json: json ?? 'null',
      dedupeKey,
      attempts: options.attempts,
      backoffMs: options.backoffMs,
      attemptsMade: 0,
      state: 'waiting',
    };
    if (dedupeKey !== undefined) this.#dedupe.set(dedupeKey, job);
    this.#enqueue(job, add.delayMs ?? 0);
    return job;
  }

  #dispatch(name: string): void {
    const list = this.#waiting.get(name);
    if (this.#limits.has(name)) return;
    while (list && list.length > 0) {
      const worker = this.#pickWorker(name);
      if (!worker) return;
      const job = list.shift() as MemoryJob;
      if (list.length === 0) this.#waiting.delete(name);
      job.state = 'active';
      job.attemptsMade++;
      this.#active.add(job);
      void worker.run(job).then((error) => this.#settle(job, error));
    }
  }

  #pickWorker(name: string): MemoryWorker | undefined {
    const count = this.#workers.length;
    for (let i = 0; i < count; i++) {
      const worker = this.#workers[(this.#nextWorker + i) % count] as MemoryWorker;
      if (worker.free(name) > 0) {
        this.#nextWorker = (this.#nextWorker + i + 1) % count;
        return worker;
      }
    }
    return undefined;
  }

  /**
   * Ends an attempt. Rate limited: the job goes back to the head of the line without using the attempt, and its name
   * pauses. Transient: retried after the backoff while attempts are left. Otherwise it completes or fails for good.
   */
  #settle(job: MemoryJob, error: unknown): void {
    this.#active.delete(job);
    if (this.#open === 0) return;
    const failure = error === undefined ? undefined : classifyJobError(error);
    if (failure?.kind === 'rate_limited') {
      job.attemptsMade--;
      job.state = 'waiting';
      let list = this.#waiting.get(job.name);
      if (!list) this.#waiting.set(job.name, (list = []));
      list.unshift(job);
      this.#rateLimit(job.name, failure.delayMs);
    } else if (failure?.kind === 'transient' && job.attemptsMade < job.attempts) {
      this.#enqueue(job, backoffDelayMs(job.backoffMs, job.attemptsMade));
    } else {
      if (job.dedupeKey !== undefined && this.#dedupe.get(job.dedupeKey) === job) this.#dedupe.delete(job.dedupeKey);
      let finished = this.#finished.get(job.name);
      if (!finished) this.#finished.set(job.name, (finished = { completed: 0, failed: 0 }));
      if (error === undefined) finished.completed++;
      else finished.failed++;
    }
    this.#dispatch(job.name);
  }

  /** Pauses `name` for `delayMs` (or longer, when it is already paused longer); jobs running now finish. */
  #rateLimit(name: string, delayMs: number): void {
    const until = this.#clock.now() + delayMs;
    const current = this.#limits.get(name);
    if (current && current.until >= until) return;
    current?.cancel();
    const cancel = this.#clock.setTimeout(() => {
      this.#limits.delete(name);
      this.#dispatch(name);
    }, delayMs);
    this.#limits.set(name, { until, cancel });
  }

  #reset(): void {
    for (const limit of this.#limits.values()) limit.cancel();
    this.#limits.clear();
    for (const entry of this.#schedules.values()) entry.stop();
    this.#schedules.clear();
    for (const cancel of this.#delayTimers.values()) cancel();
    this.#delayTimers.clear();
    this.#waiting.clear();
    this.#dedupe.clear();
    this.#active.clear();
    this.#finished.clear();
    this.#workers.length = 0;
  }
}

export interface MemoryQueueOptions {
  /** Shared state with other in-process queues (see {@link MemoryQueueBackend}); a private one by default. */
  backend?: MemoryQueueBackend;
  /** The clock of the private backend (ignored with `backend`, which has its own); the system clock by default. */
  clock?: Clock;
  /** Receives a warning for each failed attempt, and an info line for each rate-limited one. */
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/**
 * The in-process {@link Queue} for embedded mode. Jobs, dedupe keys, retries (exponential backoff, timers) and
 * schedules (croner for cron patterns; `everyMs` also fires once when registered, as BullMQ does) live in a
 * {@link MemoryQueueBackend}. Job data is copied through JSON. Handlers run only after `start()`;
 * `close()` stops taking jobs and resolves when the running handlers have finished.
 *
 * Ids are assigned by the backend ("1", "2", ...); `AddOptions.jobId` is the dedupe key, held while the job waits,
 * runs or waits for a retry, and released when it completes or fails for good (then the same key enqueues anew).
 *
 * Handler errors follow `classifyJobError`, as BullMQ's: a rate-limited job goes back to the head of its name's line
 * with its attempt given back, and no job of that name starts until the delay is over (running ones finish); a
 * permanent error fails the job at once; a transient one is retried after the backoff while attempts are left.
 */
export class MemoryQueue implements Queue {
  readonly #backend: MemoryQueueBackend;
  readonly #release: () => void;
  readonly #logger: Pick<Logger, 'info' | 'warn'> | undefined;
  readonly #jobs = new JobRegistry();
  readonly #running = new Map<string, number>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #detach: (() => void) | undefined;
  #closed = false;

  constructor(options: MemoryQueueOptions = {}) {
    this.#backend = options.backend ?? new MemoryQueueBackend(options.clock ? { clock: options.clock } : {});
    this.#logger = options.logger;
    this.#release = this.#backend.open();
  }

  define<T>(name: string, handler: JobHandler<T>, options?: JobOptions): void {
    this.#assertOpen();
    this.#jobs.define(name, handler, options);
    if (this.#detach) this.#backend.wake(name);
  }

  async add<T>(name: string, data: T, options: AddOptions = {}): Promise<string> {
    this.#assertOpen();
    const definition = this.#jobs.require(name, 'added');
    if (options.delayMs !== undefined && !(options.delayMs >= 0)) throw new RangeError('delayMs must be >= 0');
    return this.#backend.add(name, data, definition.options, options);
  }

  async schedule<T>(name: string, every: Schedule, data: T): Promise<void> {
    this.#assertOpen();
    const definition = this.#jobs.require(name, 'scheduled');
    assertSchedule(every);
    this.#backend.schedule(name, every, data, definition.options);
  }

  async unschedule(name: string): Promise<void> {
    this.#assertOpen();
    this.#backend.unschedule(name);
  }

  async start(): Promise<void> {
    this.#assertOpen();
    this.#jobs.assertStartable();
    if (this.#detach) return;
    this.#detach = this.#backend.attach({
      free: (name) => this.#free(name),
      run: (job) => this.#run(job),
    });
  }

  async counts(name: string): Promise<{ waiting: number; active: number; failed: number; completed: number }> {
    return this.#backend.counts(name);
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#detach?.();
    }
    await Promise.allSettled([...this.#inFlight]);
    this.#release();
  }

  #free(name: string): number {
    const definition = this.#jobs.get(name);
    if (!definition || this.#closed) return 0;
    return definition.options.concurrency - (this.#running.get(name) ?? 0);
  }

  #run(job: MemoryJob): Promise<unknown> {
    const definition = this.#jobs.get(job.name) as Definition;
    this.#running.set(job.name, (this.#running.get(job.name) ?? 0) + 1);
    const info = { id: job.id, attempt: job.attemptsMade, name: job.name };
    const run = (async () => {
      try {
        await definition.handler(JSON.parse(job.json), info);
        return undefined;
      } catch (error) {
        const err = error instanceof Error ? error.message : String(error);
        const failure = classifyJobError(error);
        if (failure.kind === 'rate_limited') {
          this.#logger?.info(
            { event: 'job_rate_limited', job: info, delayMs: failure.delayMs, err },
            'job rate limited',
          );
        } else {
          this.#logger?.warn(
            { event: 'job_attempt_failed', job: info, failure: failure.kind, err },
            'job attempt failed',
          );
        }
        // The backend tells success from failure by `undefined`; a handler that throws `undefined` still failed.
        return error ?? new Error('job handler threw undefined');
      } finally {
        this.#running.set(job.name, (this.#running.get(job.name) ?? 1) - 1);
      }
    })();
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
    return run;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('queue closed');
  }
}
