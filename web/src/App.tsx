import { lazy, Suspense, useCallback, useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { Link, NavLink, Route, Routes, useLocation } from 'react-router';
import { ConnectionIndicator } from './components/ConnectionIndicator.tsx';
import { ToastStack } from './components/Toasts.tsx';
import { BrowseSkeleton } from './components/trending/BrowseSkeleton.tsx';
import { PageLoadBoundary } from './components/trending/PageLoadBoundary.tsx';
import { useNow } from './hooks/useNow.ts';
import { useReleaseFeed } from './hooks/useReleaseFeed.ts';
import { useToasts } from './hooks/useToasts.ts';
import { languageFromSearch, searchWithLanguage } from './lib/languageParam.ts';
import type { Release } from './lib/types.ts';
import { AdminPage } from './pages/AdminPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { ReleasesPage } from './pages/ReleasesPage.tsx';

// The Browse page carries the charting library; it loads when first visited, not with the app.
const BrowsePage = lazy(() => import('./pages/BrowsePage.tsx').then((m) => ({ default: m.BrowsePage })));
// The Matches review page is for admins only: it loads when first visited.
const MatchesPage = lazy(() => import('./pages/MatchesPage.tsx').then((m) => ({ default: m.MatchesPage })));
// The Share pages carry the audio player and streamer: they load when first visited.
const ShareListenPage = lazy(() => import('./pages/ShareListenPage.tsx').then((m) => ({ default: m.ShareListenPage })));
const ShareHostPage = lazy(() => import('./pages/ShareHostPage.tsx').then((m) => ({ default: m.ShareHostPage })));

/** Shown while the Matches review page's code loads. */
function MatchesFallback() {
  return (
    <div aria-busy="true" data-testid="matches-loading">
      <p className="visually-hidden" role="status">
        Loading the Matches review…
      </p>
      <span className="skeleton skeleton--freshness" aria-hidden="true" />
    </div>
  );
}

/** A Share page, loaded on first visit. */
function ShareRoute({ page }: { page: ReactNode }) {
  return (
    <PageLoadBoundary what="the Share page">
      <Suspense
        fallback={
          <p className="visually-hidden" role="status" data-testid="share-loading">
            Loading Share…
          </p>
        }
      >
        {page}
      </Suspense>
    </PageLoadBoundary>
  );
}

function Logo() {
  return (
    <svg className="brand__logo" viewBox="0 0 32 32" aria-hidden="true">
      <defs>
        <linearGradient id="brand-gradient" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#ff5c8a" />
          <stop offset="1" stopColor="#8b5cf6" />
        </linearGradient>
      </defs>
      <rect width="32" height="32" rx="9" fill="url(#brand-gradient)" />
      <path d="M9 19v-6M14 23V9M19 20v-8M24 18v-4" stroke="#fff" strokeWidth="2.6" strokeLinecap="round" />
    </svg>
  );
}

const navClass = ({ isActive }: { isActive: boolean }) => `nav__link${isActive ? ' nav__link--active' : ''}`;

/** After a move to another page: back to the top, and focus on the new page's content for screen readers. */
function usePageChangeFocus(main: RefObject<HTMLElement | null>) {
  const { pathname } = useLocation();
  const previous = useRef(pathname);
  useEffect(() => {
    if (previous.current === pathname) return;
    previous.current = pathname;
    window.scrollTo(0, 0);
    // A page that put focus somewhere itself (e.g. the admin token field) keeps it.
    if (main.current && !main.current.contains(document.activeElement)) main.current.focus({ preventScroll: true });
  }, [pathname, main]);
}

/**
 * The Backbeat web app: a header (brand, navigation, live indicator), the page of the current route, and toasts.
 * The releases feed and its live stream belong to the app, not to a page, so moving between pages keeps the list,
 * the connection and the live indicator as they are.
 */
export function App() {
  const location = useLocation();
  const now = useNow(30_000);
  const { toasts, push, dismiss } = useToasts();
  const main = useRef<HTMLElement>(null);
  usePageChangeFocus(main);

  const onNewRelease = useCallback(
    (release: Release) =>
      push({
        kind: 'release',
        title: 'New release:',
        detail:
          `${release.title} — ${release.artists.join(', ') || 'Unknown artist'}` +
          (release.album.name && release.album.name !== release.title ? ` (${release.album.name})` : ''),
        imageUrl: release.imageUrl,
        releaseId: release.id,
      }),
    [push],
  );
  const onActionError = useCallback((message: string) => push({ kind: 'error', title: message }), [push]);

  // The first list request already asks for the language a deep link names.
  const [initialLanguage] = useState(() => (location.pathname === '/' ? languageFromSearch(location.search) : null));
  const feed = useReleaseFeed({ initialLanguage, onNewRelease, onLikeError: onActionError });
  // "Releases" leads back to the filter last shown.
  const releasesLink = { pathname: '/', search: searchWithLanguage('', feed.state.language) };

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar__inner">
          <Link className="brand" to="/" aria-label="Backbeat home">
            <Logo />
            <span className="brand__name">Backbeat</span>
          </Link>
          <nav className="nav" aria-label="Main">
            <NavLink className={navClass} to={releasesLink} end data-testid="nav-releases">
              Releases
            </NavLink>
            <NavLink className={navClass} to="/browse" data-testid="nav-browse">
              Browse
            </NavLink>
            <NavLink className={navClass} to="/share" data-testid="nav-share">
              Share
            </NavLink>
            <NavLink className={navClass} to="/admin" data-testid="nav-admin">
              Admin
            </NavLink>
          </nav>
          <ConnectionIndicator state={feed.stream.state} />
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1} ref={main}>
        <Routes>
          <Route path="/" element={<ReleasesPage feed={feed} now={now} />} />
          <Route
            path="/browse"
            element={
              <PageLoadBoundary>
                <Suspense fallback={<BrowseSkeleton />}>
                  <BrowsePage now={now} stream={feed.stream} onError={onActionError} />
                </Suspense>
              </PageLoadBoundary>
            }
          />
          <Route path="/admin" element={<AdminPage now={now} />} />
          <Route
            path="/admin/matches"
            element={
              <PageLoadBoundary what="the Matches review">
                <Suspense fallback={<MatchesFallback />}>
                  <MatchesPage now={now} />
                </Suspense>
              </PageLoadBoundary>
            }
          />
          <Route path="/share" element={<ShareRoute page={<ShareListenPage />} />} />
          <Route path="/share/host" element={<ShareRoute page={<ShareHostPage />} />} />
          <Route path="/share/:code" element={<ShareRoute page={<ShareListenPage />} />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
      <footer className="footer">
        <p>
          Music data from JioSaavn and Spotify, album links from MusicBrainz. Play opens the release on its source site.
        </p>
      </footer>
      <ToastStack toasts={toasts} onDismiss={dismiss} />
    </div>
  );
}
