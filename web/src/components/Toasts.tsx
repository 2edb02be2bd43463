import { useEffect, useState } from 'react';
import { TOAST_DURATION_MS, type Toast } from '../hooks/useToasts.ts';

/** Props of {@link ToastStack}. */
export interface ToastStackProps {
  toasts: Toast[];
  onDismiss: (id: number) => void;
  durationMs?: number;
}

function ToastItem({
  toast,
  onDismiss,
  durationMs,
}: {
  toast: Toast;
  onDismiss: (id: number) => void;
  durationMs: number;
}) {
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    if (paused) return;
    const timer = setTimeout(() => onDismiss(toast.id), durationMs);
    return () => clearTimeout(timer);
  }, [paused, toast.id, onDismiss, durationMs]);

  return (
    <li
      className={`toast toast--${toast.kind}`}
      role="status"
      aria-live="polite"
      aria-atomic="true"
      data-testid="toast"
      data-kind={toast.kind}
      data-release-id={toast.releaseId}
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
    >
      {toast.kind === 'release' && (
        <span className="toast__art" aria-hidden="true">
          {toast.imageUrl ? <img src={toast.imageUrl} alt="" /> : <span className="toast__note">♪</span>}
        </span>
      )}
      <p className="toast__text">
        <strong>{toast.title}</strong>
        {toast.detail && <span> {toast.detail}</span>}
      </p>
      <button
        type="button"
        className="toast__close"
        aria-label="Dismiss notification"
        onClick={() => onDismiss(toast.id)}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M6 6l12 12M18 6 6 18" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
        </svg>
      </button>
      {!paused && <span className="toast__timer" style={{ animationDuration: `${durationMs}ms` }} aria-hidden="true" />}
    </li>
  );
}

/** Bottom-corner stack of toasts; each auto-dismisses (paused while hovered or focused) and can be closed. */
export function ToastStack({ toasts, onDismiss, durationMs = TOAST_DURATION_MS }: ToastStackProps) {
  return (
    <section className="toasts" aria-label="Notifications">
      <ol className="toasts__list">
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} onDismiss={onDismiss} durationMs={durationMs} />
        ))}
      </ol>
    </section>
  );
}
