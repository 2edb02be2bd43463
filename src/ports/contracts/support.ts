/**
 * Shared pieces of the port contract suites: the options every `runXContract` takes, a test registrar that honours
 * documented skips (and refuses a skip naming no test, so a renamed test cannot be skipped silently), the test clock
 * and polling.
 */
import { afterAll, afterEach, it } from 'vitest';

export interface ContractSkip {
  /** Why the adapter cannot honour these tests; shown in the test name. */
  reason: string;
  /** Exact test names. */
  tests: string[];
}

export interface ContractOptions<T> {
  /** Adapter name shown in the describe block. */
  name: string;
  /** A new instance on the shared backend; instances from one factory must see each other's data. */
  create: () => Promise<T>;
  /** Runs after each test, once every instance the test created is closed. */
  cleanup?: () => Promise<void>;
  skip?: ContractSkip[];
  /**
   * The clock the adapter keeps time by (TTLs, delays, backoff, schedules). Adapters built on an injected clock pass
   * the same manual clock here, and the suite steps it instead of sleeping; the default is real time, for adapters
   * whose time is kept by their backend (Redis expiry, BullMQ delays and schedulers), where each step is a real wait.
   */
  clock?: TestClock;
}

/** What a contract suite needs of a clock: read it, and let time pass. */
export interface TestClock {
  now(): number;
  /** Lets `ms` milliseconds pass, firing whatever the adapter scheduled in them. */
  advance(ms: number): Promise<void>;
}

/** Real time: `advance` sleeps. */
export const realTime: TestClock = { now: () => Date.now(), advance: (ms) => sleep(ms) };

/**
 * Returns `test(name, fn)` that registers a vitest test, or a skipped one with its reason when listed in `skip`.
 * After the suite is defined, call `done()` to check that every skipped name exists.
 */
export function contractTests(skip: ContractSkip[] = []): {
  test: (name: string, fn: () => Promise<void>, timeoutMs?: number) => void;
  done: () => void;
} {
  const reasons = new Map<string, string>();
  for (const entry of skip) for (const name of entry.tests) reasons.set(name, entry.reason);
  const defined = new Set<string>();
  return {
    test(name, fn, timeoutMs) {
      defined.add(name);
      const reason = reasons.get(name);
      if (reason === undefined) it(name, fn, timeoutMs);
      else it.skip(`${name} (skipped: ${reason})`, fn);
    },
    done() {
      const unknown = [...reasons.keys()].filter((name) => !defined.has(name));
      if (unknown.length > 0) throw new Error(`contract skip names unknown tests: ${unknown.join(', ')}`);
    },
  };
}

/**
 * Tracks instances a test opens and closes them after it (close must be idempotent: a test may close one itself),
 * then runs `cleanup`.
 */
export function instances<T extends { close(): Promise<void> }>(
  create: () => Promise<T>,
  cleanup?: () => Promise<void>,
): () => Promise<T> {
  const open: T[] = [];
  const closeAll = async () => {
    await Promise.allSettled(open.splice(0).map((instance) => instance.close()));
  };
  afterEach(async () => {
    await closeAll();
    await cleanup?.();
  });
  afterAll(closeAll);
  return async () => {
    const instance = await create();
    open.push(instance);
    return instance;
  };
}

/** Resolves after `ms` milliseconds of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 5 ms until it holds; rejects with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

let counter = 0;
/** `label` plus a short suffix unique in this process, for names inside one test run (jobs, buckets, keys). */
export function unique(label: string): string {
  counter++;
  return `${label}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
