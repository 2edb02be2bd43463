/** Tones of {@link StatusPill}: green, amber, red, grey, and an animated one for work in progress. */
export type PillTone = 'ok' | 'warn' | 'bad' | 'muted' | 'busy';

/** A small coloured status label. */
export function StatusPill({ tone, children, testId }: { tone: PillTone; children: string; testId?: string }) {
  return (
    <span className={`pill pill--${tone}`} data-testid={testId} data-tone={tone}>
      <span className="pill__dot" aria-hidden="true" />
      {children}
    </span>
  );
}
