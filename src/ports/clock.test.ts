import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, systemClock } from './clock.ts';

describe('systemClock.setTimeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits out delays longer than a Node timer can hold instead of firing at once', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const days33 = 33 * 86_400_000;
    expect(days33).toBeGreaterThan(MAX_TIMER_MS);
    systemClock.setTimeout(fired, days33);
    vi.advanceTimersByTime(1000);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(days33 - MAX_TIMER_MS - 1000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('cancels a long delay at any step', () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const cancel = systemClock.setTimeout(fired, 40 * 86_400_000);
    vi.advanceTimersByTime(MAX_TIMER_MS + 5);
    cancel();
    vi.advanceTimersByTime(40 * 86_400_000);
    expect(fired).not.toHaveBeenCalled();
  });
});
