import { useEffect, useState } from 'react';
import { ApiError } from '../../lib/api.ts';
import { formatScore, platformLabel, statusLabel, statusTone } from '../../lib/matches.ts';
import { fetchMatchStats } from '../../lib/matchesApi.ts';
import { TRACK_STATUSES, type MatchStats } from '../../lib/types.ts';
import { StatusPill } from '../admin/StatusPill.tsx';

/** Props of {@link Stats}. */
export interface StatsProps {
  token: string;
  onAuthError: (error: ApiError) => void;
}

function describe(err: unknown): string {
  return err instanceof ApiError ? err.message.replace(/[.!]?$/, '.') : 'Something went wrong.';
}

/** The statuses in their usual order, then any other the server counts. */
function statusRows(statuses: MatchStats['statuses']): Array<[string, number]> {
  const known: Array<[string, number]> = TRACK_STATUSES.map((s) => [s, statuses[s] ?? 0]);
  const others = Object.entries(statuses).filter(([s]) => !(TRACK_STATUSES as readonly string[]).includes(s));
  return [...known, ...others];
}

/** Matches per platform (total, approved, average confidence), tracks per status and cache keys. */
export function Stats({ token, onAuthError }: StatsProps) {
  const [stats, setStats] = useState<MatchStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    fetchMatchStats(token, controller.signal)
      .then((next) => {
        setStats(next);
        setError(null);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.isAuthError) onAuthError(err);
        else setError(describe(err));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [token, reloads, onAuthError]);

  const totals = stats?.platforms.reduce(
    (sum, p) => ({ total: sum.total + p.totalMatches, approved: sum.approved + p.approvedCount }),
    { total: 0, approved: 0 },
  );

  return (
    <section className="panel" aria-labelledby="match-stats-title" aria-busy={loading} data-testid="match-stats">
      <div className="panel__head">
        <h2 id="match-stats-title" className="panel__title">
          Stats
        </h2>
        <button
          type="button"
          className="btn btn--ghost panel__action"
          onClick={() => setReloads((n) => n + 1)}
          disabled={loading}
          data-testid="stats-reload"
        >
          {loading ? 'Loading…' : 'Reload'}
        </button>
      </div>
      {error && (
        <p className="notice notice--error" role="alert" data-testid="stats-error">
          Couldn’t load the stats: {error}
        </p>
      )}
      {stats === null && !error && <p className="panel__text">Loading the stats…</p>}
      {stats && (
        <div className="mstats">
          <div className="mstats__block">
            <h3 className="checks__title">Per platform</h3>
            {stats.platforms.length === 0 ? (
              <p className="panel__text" data-testid="stats-empty">
                No match stored yet: open a release to match its tracks.
              </p>
            ) : (
              <div className="table-wrap">
                <table className="mtable" data-testid="stats-platforms">
                  <thead>
                    <tr>
                      <th scope="col">Platform</th>
                      <th scope="col" className="num">
                        Matches
                      </th>
                      <th scope="col" className="num">
                        Approved
                      </th>
                      <th scope="col" className="num">
                        <abbr title="Average confidence">Avg conf.</abbr>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {stats.platforms.map((p) => (
                      <tr
                        key={p.platform}
                        data-testid="stats-platform"
                        data-platform={p.platform}
                        data-total={p.totalMatches}
                        data-approved={p.approvedCount}
                      >
                        <th scope="row">{platformLabel(p.platform)}</th>
                        <td className="num">{p.totalMatches}</td>
                        <td className="num">{p.approvedCount}</td>
                        <td className="num">{p.avgConfidence === null ? '–' : formatScore(p.avgConfidence)}</td>
                      </tr>
                    ))}
                  </tbody>
                  {totals && stats.platforms.length > 1 && (
                    <tfoot>
                      <tr>
                        <th scope="row">All</th>
                        <td className="num">{totals.total}</td>
                        <td className="num">{totals.approved}</td>
                        <td />
                      </tr>
                    </tfoot>
                  )}
                </table>
              </div>
            )}
          </div>
          <div className="mstats__block">
            <h3 className="checks__title">Tracks per status</h3>
            <ul className="mstats__statuses" data-testid="stats-statuses">
              {statusRows(stats.statuses).map(([status, n]) => (
                <li key={status} data-testid="stats-status" data-status={status} data-count={n}>
                  <StatusPill tone={statusTone(status)}>{statusLabel(status)}</StatusPill>
                  <strong className="mstats__count">{n}</strong>
                </li>
              ))}
            </ul>
            <p className="panel__text mstats__cache" data-testid="stats-cache">
              Cache: {stats.cache.matchKeys} match {stats.cache.matchKeys === 1 ? 'key' : 'keys'} of{' '}
              {stats.cache.totalKeys}
              {stats.cache.memoryUsage ? ` · ${stats.cache.memoryUsage}` : ''}
            </p>
          </div>
        </div>
      )}
    </section>
  );
}
