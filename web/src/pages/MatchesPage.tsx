import { useCallback, useRef, useState, type KeyboardEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { TokenForm } from '../components/admin/TokenForm.tsx';
import { ReleaseOpener } from '../components/matches/ReleaseOpener.tsx';
import { ReleaseView } from '../components/matches/ReleaseView.tsx';
import { ReviewQueue } from '../components/matches/ReviewQueue.tsx';
import { Stats } from '../components/matches/Stats.tsx';
import { useAdminToken } from '../hooks/useAdminToken.ts';
import { useDocumentTitle } from '../hooks/useDocumentTitle.ts';
import { parseReleaseInput } from '../lib/matches.ts';

/** Props of {@link MatchesPage}. */
export interface MatchesPageProps {
  /** Current time (ms), refreshed periodically, for relative labels. */
  now: number;
}

type View = 'release' | 'queue' | 'stats';
const VIEWS: ReadonlyArray<{ id: View; label: string }> = [
  { id: 'release', label: 'Release' },
  { id: 'queue', label: 'Review queue' },
  { id: 'stats', label: 'Stats' },
];

function viewOf(value: string | null): View {
  return value === 'queue' || value === 'stats' ? value : 'release';
}

/**
 * The Matches review page (`/admin/matches`): open a Discogs release and review its tracks' YouTube/SoundCloud matches
 * (approve, reject, paste a better upload, clear), work through the review queue from the keyboard, and see the stats.
 * The view and the release live in the URL (`/admin/matches?release=123456`, `?view=queue`), so a reload shows the
 * same thing. Asks for the admin token as the Admin page does; a 401/403 forgets it and asks again.
 */
/** Why a Discogs connection failed, in words, by the callback's `reason` code. */
const CONNECT_REASONS: Readonly<Record<string, string>> = {
  not_configured: 'the server has no Discogs app or no ENCRYPTION_KEY configured',
  invalid_callback: 'Discogs came back without a token or verifier',
  denied: 'the authorisation was declined on Discogs',
  unknown_request: 'the request expired or was already used; start again',
  username_mismatch: 'a different Discogs account approved it than the one asked for',
  discogs_refused: 'Discogs refused the exchange',
  rate_limited: 'Discogs asked us to wait; try again shortly',
  discogs_unavailable: 'Discogs could not be reached',
  vault_error: 'the token could not be sealed',
};

/** The outcome of the Discogs connect flow, when the callback redirected here with it. */
function DiscogsConnectResult({ params }: { params: URLSearchParams }) {
  const result = params.get('discogs');
  if (result === 'connected') {
    return (
      <p className="notice notice--ok" role="status" data-testid="discogs-connected">
        Discogs account {params.get('user') ?? ''} connected: release lookups now use it.
      </p>
    );
  }
  if (result === 'error') {
    const reason = params.get('reason') ?? '';
    return (
      <p className="notice notice--error" role="alert" data-testid="discogs-connect-error">
        The Discogs account was not connected:{' '}
        {(Object.hasOwn(CONNECT_REASONS, reason) ? CONNECT_REASONS[reason] : undefined) ?? 'an unexpected error'}.
      </p>
    );
  }
  return null;
}

export function MatchesPage({ now }: MatchesPageProps) {
  useDocumentTitle('Matches review');
  const { token, notice, signIn, signOut, reject } = useAdminToken();
  const [params, setParams] = useSearchParams();
  const view = viewOf(params.get('view'));
  const fromUrl = parseReleaseInput(params.get('release') ?? '');
  const releaseId = fromUrl.ok ? fromUrl.value : null;
  const [opening, setOpening] = useState(false);
  // Opening the release already shown opens it again (its tracks read anew).
  const [reopened, setReopened] = useState(0);
  const tabs = useRef(new Map<View, HTMLButtonElement>());

  const navigate = useCallback(
    (next: { view?: View; release?: number }) => {
      setParams(
        (prev) => {
          const out = new URLSearchParams(prev);
          const v = next.view ?? viewOf(prev.get('view'));
          if (v === 'release') out.delete('view');
          else out.set('view', v);
          if (next.release !== undefined) out.set('release', String(next.release));
          return out;
        },
        // Opening a release is a step worth going back from; switching views is not.
        { replace: next.release === undefined },
      );
    },
    [setParams],
  );

  const openRelease = useCallback((id: number) => navigate({ view: 'release', release: id }), [navigate]);

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const index = VIEWS.findIndex((v) => v.id === view);
    let next: number | null = null;
    if (event.key === 'ArrowRight') next = (index + 1) % VIEWS.length;
    else if (event.key === 'ArrowLeft') next = (index - 1 + VIEWS.length) % VIEWS.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = VIEWS.length - 1;
    const target = next === null ? undefined : VIEWS[next];
    if (!target) return;
    event.preventDefault();
    navigate({ view: target.id });
    tabs.current.get(target.id)?.focus();
  };

  return (
    <div className="admin matches" data-testid="matches-page">
      <div className="page-head matches__head">
        <div>
          <p className="matches__crumb">
            <Link to="/admin" data-testid="matches-back">
              Admin
            </Link>{' '}
            / Matches review
          </p>
          <h1 className="page-head__title">Matches review</h1>
          <p className="page-head__text">
            Playable uploads for Discogs tracks: why each was chosen, and your approvals and corrections.
          </p>
        </div>
        {token && (
          <div className="matches__head-actions">
            <div className="tabs" role="tablist" aria-label="Matches views">
              {VIEWS.map(({ id, label }) => (
                <button
                  key={id}
                  ref={(el) => {
                    if (el) tabs.current.set(id, el);
                    else tabs.current.delete(id);
                  }}
                  type="button"
                  role="tab"
                  id={`matches-tab-${id}`}
                  className={`tab${view === id ? ' tab--active' : ''}`}
                  aria-selected={view === id}
                  aria-controls={view === id ? `matches-panel-${id}` : undefined}
                  tabIndex={view === id ? 0 : -1}
                  onClick={() => navigate({ view: id })}
                  onKeyDown={onTabKey}
                  data-testid={`matches-tab-${id}`}
                >
                  {label}
                </button>
              ))}
            </div>
            <button type="button" className="btn btn--ghost" onClick={signOut} data-testid="forget-token">
              Forget token
            </button>
          </div>
        )}
      </div>
      <DiscogsConnectResult params={params} />
      {token ? (
        <div
          role="tabpanel"
          id={`matches-panel-${view}`}
          aria-labelledby={`matches-tab-${view}`}
          className="matches__panel"
          data-testid={`matches-panel-${view}`}
        >
          {view === 'release' && (
            <>
              <section className="panel" aria-label="Open a release">
                <ReleaseOpener
                  key={releaseId ?? 'none'}
                  initial={releaseId}
                  busy={opening}
                  onOpen={(id) => (id === releaseId ? setReopened((n) => n + 1) : openRelease(id))}
                />
              </section>
              {releaseId === null ? (
                <div className="empty" data-testid="release-none">
                  <p className="empty__title">No release open</p>
                  <p className="empty__text">
                    Paste a Discogs release id or link above to see its tracks, how each was matched, and to approve or
                    correct them.
                  </p>
                </div>
              ) : (
                <ReleaseView
                  key={`${releaseId}:${reopened}`}
                  token={token}
                  releaseId={releaseId}
                  now={now}
                  onAuthError={reject}
                  onBusyChange={setOpening}
                />
              )}
            </>
          )}
          {view === 'queue' && <ReviewQueue token={token} onAuthError={reject} onOpenRelease={openRelease} />}
          {view === 'stats' && <Stats token={token} onAuthError={reject} />}
        </div>
      ) : (
        <TokenForm notice={notice} onSubmit={signIn} />
      )}
    </div>
  );
}
