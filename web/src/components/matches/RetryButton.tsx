import { useEffect, useState } from 'react';

/** "Try again", held back until `retryAt` (a 429's Retry-After) with the seconds left on it. */
export function RetryButton({ retryAt, onRetry }: { retryAt: number | null; onRetry: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  const waiting = retryAt !== null && retryAt > now;
  useEffect(() => {
    if (retryAt === null || retryAt <= Date.now()) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [retryAt, waiting]);
  const seconds = retryAt === null ? 0 : Math.ceil((retryAt - now) / 1000);
  return (
    <button type="button" className="btn btn--primary" onClick={onRetry} disabled={waiting} data-testid="retry">
      {waiting ? `Try again in ${seconds} s` : 'Try again'}
    </button>
  );
}
