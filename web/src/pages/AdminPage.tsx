import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { HealthPanel } from '../components/admin/HealthPanel.tsx';
import { RateLimitsPanel } from '../components/admin/RateLimitsPanel.tsx';
import { RunsPanel } from '../components/admin/RunsPanel.tsx';
import { TokenForm } from '../components/admin/TokenForm.tsx';
import { TrendingPanel } from '../components/admin/TrendingPanel.tsx';
import { useAdminToken } from '../hooks/useAdminToken.ts';
import { useDocumentTitle } from '../hooks/useDocumentTitle.ts';

/**
 * The admin area: asks for the admin token once per tab, then shows the sources' health, the fetch runs (with
 * "Fetch now"), the trending enrichment (with "Sync now") and the editable token buckets. Any 401/403 forgets the
 * token and asks again.
 */
export function AdminPage({ now }: { now: number }) {
  useDocumentTitle('Admin');
  const { token, notice, signIn, signOut, reject } = useAdminToken();
  // A finished run changes the sources' state and takes tokens: both panels reload.
  const [runsFinished, setRunsFinished] = useState(0);
  const onRunFinished = useCallback(() => setRunsFinished((n) => n + 1), []);

  return (
    <div className="admin" data-testid="admin-page">
      <div className="page-head">
        <div>
          <h1 className="page-head__title">Admin</h1>
          <p className="page-head__text">Sources, fetch runs, trending enrichment and upstream rate limits.</p>
        </div>
        <div className="admin__head-actions">
          <Link className="btn btn--secondary" to="/admin/matches" data-testid="admin-matches-link">
            Matches review
          </Link>
          {token && (
            <button type="button" className="btn btn--ghost" onClick={signOut} data-testid="forget-token">
              Forget token
            </button>
          )}
        </div>
      </div>
      {token ? (
        <div className="admin__panels">
          <HealthPanel now={now} reloadKey={runsFinished} />
          <RunsPanel token={token} onAuthError={reject} onRunFinished={onRunFinished} />
          <TrendingPanel token={token} now={now} onAuthError={reject} />
          <RateLimitsPanel token={token} now={now} reloadKey={runsFinished} onAuthError={reject} />
        </div>
      ) : (
        <TokenForm notice={notice} onSubmit={signIn} />
      )}
    </div>
  );
}
