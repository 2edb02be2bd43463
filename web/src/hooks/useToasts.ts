import { useCallback, useRef, useState } from 'react';

/** At most this many toasts are on screen; a new one pushes the oldest out. */
export const MAX_TOASTS = 3;
/** Default time a toast stays before dismissing itself. */
export const TOAST_DURATION_MS = 6_000;

/** One notification. `kind` lets styling and tests tell live releases from errors. */
export interface Toast {
  id: number;
  kind: 'release' | 'error';
  title: string;
  detail?: string;
  imageUrl?: string | null;
  /** The release this toast is about, if any (to jump to its card). */
  releaseId?: number;
}

/** What {@link useToasts} exposes. */
export interface ToastQueue {
  toasts: Toast[];
  push: (toast: Omit<Toast, 'id'>) => void;
  dismiss: (id: number) => void;
}

/** A small stack of toasts: newest last, at most {@link MAX_TOASTS}; each one is removed with `dismiss`. */
export function useToasts(max = MAX_TOASTS): ToastQueue {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const push = useCallback(
    (toast: Omit<Toast, 'id'>) => {
      const id = nextId.current++;
      setToasts((prev) => [...prev, { ...toast, id }].slice(-max));
    },
    [max],
  );
  const dismiss = useCallback((id: number) => setToasts((prev) => prev.filter((t) => t.id !== id)), []);
  return { toasts, push, dismiss };
}
