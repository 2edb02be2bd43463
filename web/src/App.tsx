import { useCallback } from 'react';
import { ConnectionIndicator } from './components/ConnectionIndicator.tsx';
import { NewReleasesRow } from './components/NewReleasesRow.tsx';
import { ToastStack } from './components/Toasts.tsx';
import { useNow } from './hooks/useNow.ts';
import { useReleaseFeed } from './hooks/useReleaseFeed.ts';
import { useToasts } from './hooks/useToasts.ts';
import type { Release } from './lib/types.ts';

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

/** The Backbeat web app: header with the live indicator, the New Releases section, and toasts. */
export function App() {
  const now = useNow(30_000);
  const { toasts, push, dismiss } = useToasts();

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
  const onLikeError = useCallback((message: string) => push({ kind: 'error', title: message }), [push]);

  const feed = useReleaseFeed({ onNewRelease, onLikeError });

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar__inner">
          <a className="brand" href="/" aria-label="Backbeat home">
            <Logo />
            <span className="brand__name">Backbeat</span>
          </a>
          <ConnectionIndicator state={feed.stream.state} />
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <NewReleasesRow feed={feed} now={now} />
      </main>
      <footer className="footer">
        <p>Music data from JioSaavn. Play opens the release on its source site.</p>
      </footer>
      <ToastStack toasts={toasts} onDismiss={dismiss} />
    </div>
  );
}
