/**
 * Checks and defaults shared by every `Queue` adapter, so they accept and refuse exactly the same calls.
 */
import { QueueConfigurationError, type JobHandler, type JobOptions, type Schedule } from './queue.ts';

/** Job names are BullMQ queue names too, where `:` is reserved; both adapters accept the same names. */
const JOB_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Checks a job name the same way in every adapter (TypeError when it is not `[A-Za-z0-9_.-]{1,100}`). */
function assertJobName(name: string): void {
  if (typeof name !== 'string' || !JOB_NAME.test(name)) {
    throw new TypeError(`job name ${JSON.stringify(name)} must match ${String(JOB_NAME)}`);
  }
}

/** Resolved handler options with the port's defaults. */
function jobDefaults(options: JobOptions = {}): Required<JobOptions> {
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

export interface Definition {
  handler: JobHandler<unknown>;
  options: Required<JobOptions>;
}

/**
 * The job names a queue knows, and the wiring mistakes made on it, shared by the adapters so `define`, `add`,
 * `schedule` and `start` refuse the same things with the same messages.
 */
export class JobRegistry {
  readonly #definitions = new Map<string, Definition>();
  readonly #problems = new Set<string>();

  /** Registers `handler` for `name`; throws (and remembers it for `start`) when the name already has one. */
  define<T>(name: string, handler: JobHandler<T>, options?: JobOptions): Definition {
    assertJobName(name);
    if (this.#definitions.has(name)) {
      const problem = `job "${name}" is defined twice (one handler per name)`;
      this.#problems.add(problem);
      throw new Error(problem);
    }
    const definition = { handler: handler as JobHandler<unknown>, options: jobDefaults(options) };
    this.#definitions.set(name, definition);
    return definition;
  }

  /**
   * The definition of `name`; throws when it has none, and remembers it for `start` when the name was being `use`d
   * (a job added or scheduled without a handler; a mere lookup, e.g. counts, is not a wiring mistake).
   */
  require(name: string, use?: 'added' | 'scheduled'): Definition {
    assertJobName(name);
    const definition = this.#definitions.get(name);
    if (definition) return definition;
    const problem = `job "${name}" is ${use ?? 'used'} but has no handler (define it first)`;
    if (use) this.#problems.add(problem);
    throw new Error(problem);
  }

  get(name: string): Definition | undefined {
    return this.#definitions.get(name);
  }

  entries(): IterableIterator<[string, Definition]> {
    return this.#definitions.entries();
  }

  /** Throws a {@link QueueConfigurationError} listing every mistake made so far, if any. */
  assertStartable(): void {
    if (this.#problems.size > 0) throw new QueueConfigurationError([...this.#problems]);
  }
}
