import { useCallback, useEffect } from 'react';
import { useLocation, useNavigate, type To } from 'react-router';
import { NewReleasesRow } from '../components/NewReleasesRow.tsx';
import { useDocumentTitle } from '../hooks/useDocumentTitle.ts';
import type { ReleaseFeed } from '../hooks/useReleaseFeed.ts';
import { hasUnknownLanguage, languageFromSearch, searchWithLanguage } from '../lib/languageParam.ts';
import { languageLabel } from '../lib/releases.ts';

/**
 * The releases page. The language filter lives in the URL (`/?language=ml`): the feed follows the URL, so links,
 * reloads and back/forward all show the filter they name; a language the API does not know is dropped from the URL.
 */
export function ReleasesPage({ feed, now }: { feed: ReleaseFeed; now: number }) {
  const location = useLocation();
  const navigate = useNavigate();
  const language = languageFromSearch(location.search);
  const unknownLanguage = hasUnknownLanguage(location.search);
  const { setLanguage } = feed;
  useDocumentTitle(language ? `New ${languageLabel(language)} releases` : 'New releases');

  useEffect(() => {
    if (unknownLanguage) void navigate({ search: searchWithLanguage(location.search, null) }, { replace: true });
  }, [unknownLanguage, location.search, navigate]);

  useEffect(() => {
    setLanguage(language);
  }, [language, setLanguage]);

  const languageLink = useCallback(
    (next: string | null): To => ({ pathname: '/', search: searchWithLanguage(location.search, next) }),
    [location.search],
  );

  return <NewReleasesRow feed={feed} now={now} languageLink={languageLink} />;
}
