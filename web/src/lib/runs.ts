import type { RunStatus, RunSummary } from './types.ts';

/** Whether a run is over (any status but `running`). */
export function isRunFinished(run: Pick<RunSummary, 'status'>): boolean {
  return run.status !== 'running';
}

const STATUS_LABELS: Record<RunStatus, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  partial: 'Partly failed',
  failed: 'Failed',
  abandoned: 'Abandoned',
};

/** A display label for a run status. */
export function runStatusLabel(status: RunStatus): string {
  return STATUS_LABELS[status];
}

/** How long a run took, or has been running at `now`; null when its times are unreadable. */
export function runDurationMs(
  run: Pick<RunSummary, 'startedAt' | 'finishedAt'>,
  now: number = Date.now(),
): number | null {
  const start = Date.parse(run.startedAt);
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  return Math.max(0, end - start);
}

/** A compact duration: "850 ms", "4.2 s", "3 min 5 s". */
export function formatDurationMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The counts of a run in one line: "fetched 80 · 12 new songs · 10 new albums · 0 updated · no errors". */
export function runCounts(run: RunSummary): string {
  return [
    `fetched ${run.fetched}`,
    plural(run.newSongs, 'new song'),
    plural(run.newAlbums, 'new album'),
    `${run.updated} updated`,
    run.errors.length === 0 ? 'no errors' : plural(run.errors.length, 'error'),
  ].join(' · ');
}

/**
 * Puts a run into a newest-first list: replaced in place when present, otherwise inserted by start time; at most
 * `limit` runs are kept.
 */
export function mergeRun(runs: readonly RunSummary[], run: RunSummary, limit = 20): RunSummary[] {
  const index = runs.findIndex((r) => r.runId === run.runId);
  if (index !== -1) {
    const next = runs.slice();
    next[index] = run;
    return next;
  }
  const at = runs.findIndex((r) => r.startedAt < run.startedAt);
  const next = at === -1 ? [...runs, run] : [...runs.slice(0, at), run, ...runs.slice(at)];
  return next.slice(0, limit);
}
