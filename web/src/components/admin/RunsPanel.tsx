import { useCallback, useEffect, useState } from 'react';
import { useNow } from '../../hooks/useNow.ts';
import { fetchRun, fetchRuns, startFetch } from '../../lib/adminApi.ts';
import { ApiError } from '../../lib/api.ts';
import { sourceLabel } from '../../lib/releases.ts';
import { formatDurationMs, isRunFinished, mergeRun, runCounts, runDurationMs, runStatusLabel } from '../../lib/runs.ts';
import { formatRelative } from '../../lib/time.ts';
import type { RunStatus, RunSummary } from '../../lib/types.ts';
import { StatusPill, type PillTone } from './StatusPill.tsx';

/** How many runs the list shows. */
const RUN_LIMIT = 20;
/** How often a run in progress is asked about. */
const POLL_MS = 1000;
/** Wait after a failed poll before asking again. */
const POLL_RETRY_MS = 3000;

const TONES: Record<RunStatus, PillTone> = {
  running: 'busy',
  succeeded: 'ok',
  partial: 'warn',
  failed: 'bad',
  abandoned: 'muted',
};

/** The run being followed: started here, or found running when the list loaded. */
interface TrackedRun {
  runId: string;
  /** False when "Fetch now" joined a run that was already in flight. */
  started: boolean;
}

function describe(err: unknown): string {
  if (err instanceof ApiError) return err.message.replace(/[.!]?$/, '.');
  return 'Something went wrong.';
}

function absolute(iso: string | null): string | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms).toLocaleString() : undefined;
}

function errorLine(error: RunSummary['errors'][number]): string {
  const where = [sourceLabel(error.source), error.language, error.page === undefined ? null : `page ${error.page}`]
    .filter(Boolean)
    .join(' · ');
  return `${where}: ${error.message} (${error.code})`;
}

function RunProgress({ run, joined, now }: { run: RunSummary | null; joined: boolean; now: number }) {
  return (
    <div className="run-progress" data-testid="fetch-progress">
      <div className="run-progress__head">
        <span className="spinner" aria-hidden="true" />
        <strong>Fetching new releases…</strong>
        {run && <span className="run-progress__time">{formatDurationMs(runDurationMs(run, now))}</span>}
      </div>
      <div className="progress" aria-hidden="true">
        <span className="progress__bar" />
      </div>
      <p className="run-progress__text">
        {joined ? 'A run was already in progress; following it. ' : ''}
        {run ? `So far: ${runCounts(run)}` : 'Starting…'}
      </p>
    </div>
  );
}

function RunResult({ run, onDismiss }: { run: RunSummary; onDismiss: () => void }) {
  const tone = TONES[run.status];
  return (
    <div className={`run-result run-result--${tone}`} data-testid="fetch-summary" data-status={run.status}>
      <div className="run-result__head">
        <strong>
          Fetch {runStatusLabel(run.status).toLowerCase()} in {formatDurationMs(runDurationMs(run))}
        </strong>
        <button type="button" className="btn btn--ghost" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
      <dl className="run-result__counts">
        <div>
          <dt>Fetched</dt>
          <dd data-count="fetched">{run.fetched}</dd>
        </div>
        <div>
          <dt>New songs</dt>
          <dd data-count="newSongs">{run.newSongs}</dd>
        </div>
        <div>
          <dt>New albums</dt>
          <dd data-count="newAlbums">{run.newAlbums}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd data-count="updated">{run.updated}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd data-count="errors">{run.errors.length}</dd>
        </div>
      </dl>
      {run.rateLimited && <p className="run-result__note">Rate limited: part of the fetch waited for tokens.</p>}
      {run.errors.length > 0 && (
        <ul className="run-result__errors">
          {run.errors.map((error, i) => (
            <li key={i}>{errorLine(error)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function RunsTable({ runs, now }: { runs: RunSummary[]; now: number }) {
  return (
    <div className="table-wrap">
      {/* Explicit roles: on phones the rows are laid out as cards, which drops the table semantics in some browsers. */}
      <table className="runs" role="table" data-testid="runs-table">
        <caption className="visually-hidden">Latest fetch runs, newest first</caption>
        <thead role="rowgroup">
          <tr role="row">
            <th role="columnheader" scope="col">
              Started
            </th>
            <th role="columnheader" scope="col">
              Trigger
            </th>
            <th role="columnheader" scope="col">
              Status
            </th>
            <th role="columnheader" scope="col">
              Duration
            </th>
            <th role="columnheader" scope="col" className="num">
              Fetched
            </th>
            <th role="columnheader" scope="col" className="num">
              New songs
            </th>
            <th role="columnheader" scope="col" className="num">
              New albums
            </th>
            <th role="columnheader" scope="col" className="num">
              Updated
            </th>
            <th role="columnheader" scope="col" className="num">
              Errors
            </th>
          </tr>
        </thead>
        <tbody role="rowgroup">
          {runs.map((run) => (
            <tr key={run.runId} role="row" data-testid="run-row" data-run-id={run.runId} data-status={run.status}>
              <td role="cell" data-label="Started">
                <time dateTime={run.startedAt} title={absolute(run.startedAt)}>
                  {formatRelative(run.startedAt, now)}
                </time>
              </td>
              <td role="cell" data-label="Trigger">
                {run.trigger}
              </td>
              <td role="cell" data-label="Status">
                <StatusPill tone={TONES[run.status]}>{runStatusLabel(run.status)}</StatusPill>
              </td>
              <td role="cell" data-label="Duration">
                {formatDurationMs(runDurationMs(run, now))}
              </td>
              <td role="cell" data-label="Fetched" className="num">
                {run.fetched}
              </td>
              <td role="cell" data-label="New songs" className="num">
                {run.newSongs}
              </td>
              <td role="cell" data-label="New albums" className="num">
                {run.newAlbums}
              </td>
              <td role="cell" data-label="Updated" className="num">
                {run.updated}
              </td>
              <td
                role="cell"
                data-label="Errors"
                className={`num${run.errors.length > 0 ? ' num--bad' : ''}`}
                title={run.errors.map(errorLine).join('\n') || undefined}
              >
                {run.errors.length}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Props of {@link RunsPanel}. */
export interface RunsPanelProps {
  token: string;
  onAuthError: (error: ApiError) => void;
  /** A followed run finished (other panels may want to reload). */
  onRunFinished: () => void;
}

/**
 * Fetch runs: the latest runs with their summaries, and "Fetch now", which starts a run (or joins the one in flight),
 * follows it until it is no longer running, shows its summary and reloads the list.
 */
export function RunsPanel({ token, onAuthError, onRunFinished }: RunsPanelProps) {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [listVersion, setListVersion] = useState(0);
  const [tracked, setTracked] = useState<TrackedRun | null>(null);
  const [current, setCurrent] = useState<RunSummary | null>(null);
  const [finished, setFinished] = useState<RunSummary | null>(null);
  const [starting, setStarting] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const now = useNow(tracked ? 500 : 30_000);

  const failWith = useCallback(
    (err: unknown, show: (message: string) => void) => {
      if (err instanceof ApiError && err.isAuthError) onAuthError(err);
      else show(describe(err));
    },
    [onAuthError],
  );

  useEffect(() => {
    const controller = new AbortController();
    fetchRuns(token, RUN_LIMIT, controller.signal)
      .then((items) => {
        setRuns(items);
        setListError(null);
        const running = items.find((run) => run.status === 'running');
        if (running) setTracked((prev) => prev ?? { runId: running.runId, started: false });
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) failWith(err, setListError);
      });
    return () => controller.abort();
  }, [token, listVersion, failWith]);

  useEffect(() => {
    if (!tracked) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      let delay = POLL_MS;
      try {
        const run = await fetchRun(token, tracked.runId, controller.signal);
        if (controller.signal.aborted) return;
        setCurrent(run);
        setActionError(null);
        setRuns((prev) => mergeRun(prev ?? [], run, RUN_LIMIT));
        if (isRunFinished(run)) {
          setFinished(run);
          setTracked(null);
          setListVersion((v) => v + 1);
          onRunFinished();
          return;
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && (err.isAuthError || err.status === 404)) {
          setTracked(null);
          failWith(err, setActionError);
          return;
        }
        setActionError(`Lost track of the run for a moment: ${describe(err)} Still trying…`);
        delay = POLL_RETRY_MS;
      }
      timer = setTimeout(() => void poll(), delay);
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [tracked, token, failWith, onRunFinished]);

  const fetchNow = async () => {
    setStarting(true);
    setActionError(null);
    setFinished(null);
    try {
      const accepted = await startFetch(token);
      setCurrent(null);
      setTracked({ runId: accepted.runId, started: accepted.started });
    } catch (err) {
      failWith(err, (message) => setActionError(`Couldn’t start a fetch: ${message}`));
    } finally {
      setStarting(false);
    }
  };

  const busy = starting || tracked !== null;
  const announcement = tracked
    ? 'Fetch running.'
    : finished
      ? `Fetch ${runStatusLabel(finished.status).toLowerCase()}: ${runCounts(finished)}.`
      : '';

  return (
    <section className="panel panel--wide" aria-labelledby="runs-title" data-testid="runs-panel">
      <div className="panel__head">
        <h2 id="runs-title" className="panel__title">
          Fetch runs
        </h2>
        <button
          type="button"
          className="btn btn--primary panel__action"
          onClick={() => void fetchNow()}
          disabled={busy}
          data-testid="fetch-now"
        >
          {busy && <span className="spinner" aria-hidden="true" />}
          {tracked ? 'Fetching…' : starting ? 'Starting…' : 'Fetch now'}
        </button>
      </div>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {actionError && (
        <p className="notice notice--error" role="alert">
          {actionError}
        </p>
      )}
      {tracked && <RunProgress run={current} joined={!tracked.started} now={now} />}
      {!tracked && finished && <RunResult run={finished} onDismiss={() => setFinished(null)} />}
      {listError && (
        <p className="notice notice--error" role="alert">
          Couldn’t load the runs: {listError}
        </p>
      )}
      {runs === null && !listError && <p className="panel__text">Loading runs…</p>}
      {runs?.length === 0 && <p className="panel__text">No fetch has run yet. “Fetch now” starts one.</p>}
      {runs && runs.length > 0 && <RunsTable runs={runs} now={now} />}
    </section>
  );
}
