import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Clock } from '../clock.ts';
import type { TestClock } from './support.ts';

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * A {@link Clock} that moves only when a test calls {@link ManualClock.advance}: timers fire in due order, each at its
 * own time, and the work they start (promise chains, `setImmediate`) runs before the next one fires. Real timers
 * and I/O are untouched, so polling helpers and sockets keep working.
 */
export class ManualClock implements Clock, TestClock {
  #now: number;
  #seq = 0;
  readonly #timers = new Set<Timer>();

  constructor(start = Date.parse('2026-01-01T00:00:00.250Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): () => void {
    const timer: Timer = { at: this.#now + Math.max(0, ms), seq: ++this.#seq, callback };
    this.#timers.add(timer);
    return () => {
      this.#timers.delete(timer);
    };
  }

  /** Moves the clock `ms` forward, firing every timer due on the way (timers they set included). */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#next(target);
      if (!next) break;
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await settle();
    }
    this.#now = Math.max(this.#now, target);
    await settle();
  }

  /** Moves the clock `ms` forward without firing anything, as when the process was suspended; the next `advance` fires
   * what is overdue, late. */
  jump(ms: number): void {
    this.#now += ms;
  }

  /** Timers still pending. */
  get pending(): number {
    return this.#timers.size;
  }

  #next(until: number): Timer | undefined {
    let next: Timer | undefined;
    for (const timer of this.#timers) {
      if (timer.at > until) continue;
      if (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)) next = timer;
    }
    return next;
  }
}

/** Lets the promise chains and immediates started so far run (a few rounds, for chains that hop through both). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextMacrotask();
}
