import {
  useCallback,
  useLayoutEffect,
  useRef,
  useState,
  type FocusEvent,
  type KeyboardEvent,
  type ReactNode,
} from 'react';

/** Props of {@link ChipScroller}. */
export interface ChipScrollerProps {
  /** Accessible name of the group, e.g. "Filter by language". */
  label: string;
  children: ReactNode;
  testId?: string;
}

interface Edges {
  /** Content is hidden before the visible part (scrolled away from the start). */
  start: boolean;
  /** Content is hidden after the visible part. */
  end: boolean;
}

const ITEM_SELECTOR = '.chip';

function ChevronIcon({ direction }: { direction: 'left' | 'right' }) {
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true">
      <path
        d={direction === 'left' ? 'M15 5l-7 7 7 7' : 'M9 5l7 7-7 7'}
        fill="none"
        stroke="currentColor"
        strokeWidth="2.2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

/**
 * A horizontally scrolling row of chips that shows when there is more: the edge that hides chips fades out and gets
 * an arrow button. Keyboard: every chip is in the tab order and is scrolled fully into view when focused; the arrow
 * keys, Home and End move between chips. The arrow buttons repeat what scrolling and the keys already do, so they are
 * for pointers only and stay out of the tab order.
 */
export function ChipScroller({ label, children, testId }: ChipScrollerProps) {
  const rowRef = useRef<HTMLDivElement>(null);
  const [edges, setEdges] = useState<Edges>({ start: false, end: false });

  const measure = useCallback(() => {
    const row = rowRef.current;
    if (!row) return;
    const max = row.scrollWidth - row.clientWidth;
    const start = row.scrollLeft > 1;
    const end = row.scrollLeft < max - 1;
    setEdges((prev) => (prev.start === start && prev.end === end ? prev : { start, end }));
  }, []);

  useLayoutEffect(() => {
    const row = rowRef.current;
    if (!row) return;
    measure();
    row.addEventListener('scroll', measure, { passive: true });
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(measure);
    observer?.observe(row);
    for (const child of Array.from(row.children)) observer?.observe(child);
    return () => {
      row.removeEventListener('scroll', measure);
      observer?.disconnect();
    };
  }, [measure, children]);

  const scrollByPage = (direction: -1 | 1) => {
    const row = rowRef.current;
    if (!row) return;
    const smooth = !window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    row.scrollBy({ left: direction * Math.max(120, row.clientWidth * 0.7), behavior: smooth ? 'smooth' : 'auto' });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const row = rowRef.current;
    if (!row || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const items = Array.from(row.querySelectorAll<HTMLElement>(ITEM_SELECTOR));
    const index = items.findIndex((item) => item === document.activeElement);
    if (index === -1) return;
    let next: number | null = null;
    if (event.key === 'ArrowRight') next = Math.min(items.length - 1, index + 1);
    else if (event.key === 'ArrowLeft') next = Math.max(0, index - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = items.length - 1;
    if (next === null) return;
    event.preventDefault();
    items[next]?.focus();
  };

  const onFocus = (event: FocusEvent<HTMLDivElement>) => {
    if (event.target instanceof HTMLElement && event.target.matches(ITEM_SELECTOR)) {
      event.target.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
  };

  return (
    <div
      className={`scroller${edges.start ? ' scroller--start' : ''}${edges.end ? ' scroller--end' : ''}`}
      data-testid={testId}
      data-overflow-start={edges.start}
      data-overflow-end={edges.end}
    >
      <button
        type="button"
        className="scroller__button scroller__button--start"
        tabIndex={-1}
        aria-hidden="true"
        hidden={!edges.start}
        data-testid={testId ? `${testId}-prev` : undefined}
        onClick={() => scrollByPage(-1)}
      >
        <ChevronIcon direction="left" />
      </button>
      <div className="chips" role="group" aria-label={label} ref={rowRef} onKeyDown={onKeyDown} onFocus={onFocus}>
        {children}
      </div>
      <button
        type="button"
        className="scroller__button scroller__button--end"
        tabIndex={-1}
        aria-hidden="true"
        hidden={!edges.end}
        data-testid={testId ? `${testId}-next` : undefined}
        onClick={() => scrollByPage(1)}
      >
        <ChevronIcon direction="right" />
      </button>
    </div>
  );
}
