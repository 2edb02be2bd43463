/**
 * The time source of adapters that keep time themselves (the memory adapters: cache TTLs, queue delays, retries and
 * schedules). Production uses {@link systemClock}; tests pass a manual clock and step it instead of sleeping.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Calls `callback` once, `ms` milliseconds from now; returns a function that cancels it. `unref: true` lets the
   * process exit while the timer is pending (for recurring schedules, which never end on their own).
   */
  setTimeout(callback: () => void, ms: number, options?: { unref?: boolean }): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms, options) {
    const timer = setTimeout(callback, ms);
    if (options?.unref) timer.unref();
    return () => clearTimeout(timer);
  },
};
