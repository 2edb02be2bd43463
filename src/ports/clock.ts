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

/** The longest delay Node's `setTimeout` honours; a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms, options) {
    // A delay past MAX_TIMER_MS (a yearly cron, say) is waited out in steps, re-armed against the wall clock.
    const due = Date.now() + ms;
    let timer: NodeJS.Timeout;
    const arm = () => {
      const left = due - Date.now();
      timer = setTimeout(left > MAX_TIMER_MS ? arm : callback, Math.min(Math.max(0, left), MAX_TIMER_MS));
      if (options?.unref) timer.unref();
    };
    arm();
    return () => clearTimeout(timer);
  },
};
