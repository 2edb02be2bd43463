import {
  appendPage,
  applyLikeResult,
  collectLanguages,
  filterByLanguage,
  newIds,
  replaceRelease,
  setLiked,
  upsertRelease,
} from './releases.ts';
import type { CachedList } from './offlineCache.ts';
import type { Release, ReleaseList, SourceStatus } from './types.ts';

/** At most this many cards are highlighted after a refetch; more than that is a new list, not news. */
export const MAX_FRESH_AFTER_REFETCH = 6;

/** State of the releases list shown on the page. */
export interface FeedState {
  /** Selected language filter; null = all languages. */
  language: string | null;
  items: Release[];
  nextCursor: string | null;
  sources: SourceStatus[];
  asOf: string | null;
  /** When the shown list was last known to match the server (fetch, live event, or stream still open). */
  syncedAt: string | null;
  /** Where `items` came from: nothing yet, the offline cache (or a placeholder), or the server. */
  origin: 'none' | 'cache' | 'network';
  /** `loading`: nothing to show yet; `ready`: a list (maybe empty) is shown; `error`: the fetch failed, nothing to show. */
  status: 'loading' | 'ready' | 'error';
  /** A first-page fetch is in flight. */
  refreshing: boolean;
  loadingMore: boolean;
  /** Message of the last failed first-page fetch; null once a fetch succeeds. */
  fetchError: string | null;
  loadMoreError: string | null;
  /** Languages offered as filter chips (lower-case), accumulated so chips do not disappear while filtering. */
  languages: string[];
  /** Ids to highlight as just arrived. */
  freshIds: number[];
}

/** Everything that changes the feed. */
export type FeedAction =
  | { type: 'cacheLoaded'; cache: CachedList }
  | { type: 'offlineCopy'; language: string | null; cache: CachedList }
  | { type: 'setLanguage'; language: string | null; placeholder: Release[] }
  | { type: 'fetchStart'; mode: 'replace' | 'append' }
  | {
      type: 'fetchSuccess';
      mode: 'replace' | 'append';
      language: string | null;
      response: ReleaseList;
      at: string;
    }
  | { type: 'fetchFailure'; mode: 'replace' | 'append'; language: string | null; message: string }
  | { type: 'newRelease'; release: Release; at: string }
  | { type: 'releaseUpdated'; release: Release; at: string }
  | { type: 'synced'; at: string }
  | { type: 'setLiked'; id: number; liked: boolean }
  | { type: 'likeResult'; id: number; liked: boolean; likes: number | null }
  | { type: 'unfresh'; id: number };

/** The state before anything is loaded. */
export const initialFeedState: Readonly<FeedState> = {
  language: null,
  items: [],
  nextCursor: null,
  sources: [],
  asOf: null,
  syncedAt: null,
  origin: 'none',
  status: 'loading',
  refreshing: false,
  loadingMore: false,
  fetchError: null,
  loadMoreError: null,
  languages: [],
  freshIds: [],
};

function matchesLanguage(release: Release, language: string | null): boolean {
  return language === null || release.language.toLowerCase() === language.toLowerCase();
}

/** Pure state transitions of the releases feed (fetches, live events, likes, filter). */
export function feedReducer(state: FeedState, action: FeedAction): FeedState {
  switch (action.type) {
    case 'cacheLoaded': {
      if (state.origin !== 'none') return state;
      const { data, savedAt } = action.cache;
      return {
        ...state,
        items: filterByLanguage(data.items, state.language),
        nextCursor: state.language === null ? data.nextCursor : null,
        sources: data.sources,
        asOf: data.asOf,
        syncedAt: savedAt,
        origin: 'cache',
        status: 'ready',
        languages: collectLanguages(state.languages, data.items),
      };
    }
    case 'offlineCopy': {
      // The service worker's copy of this very request, served while the server is down: shown unless the page
      // already holds something at least as recent.
      if (action.language !== state.language || state.origin === 'network') return state;
      const { data, savedAt } = action.cache;
      if (state.origin === 'cache' && state.syncedAt && Date.parse(state.syncedAt) >= Date.parse(savedAt)) return state;
      return {
        ...state,
        items: filterByLanguage(data.items, state.language),
        nextCursor: data.nextCursor,
        sources: data.sources,
        asOf: data.asOf,
        syncedAt: savedAt,
        origin: 'cache',
        status: 'ready',
        languages: collectLanguages(state.languages, data.items),
      };
    }
    case 'setLanguage': {
      if (action.language === state.language) return state;
      return {
        ...state,
        language: action.language,
        items: action.placeholder,
        nextCursor: null,
        origin: action.placeholder.length > 0 ? 'cache' : 'none',
        status: action.placeholder.length > 0 ? 'ready' : 'loading',
        loadMoreError: null,
        freshIds: [],
      };
    }
    case 'fetchStart':
      return action.mode === 'replace'
        ? { ...state, refreshing: true, status: state.status === 'error' ? 'loading' : state.status }
        : { ...state, loadingMore: true, loadMoreError: null };
    case 'fetchSuccess': {
      if (action.language !== state.language) return state;
      const { response } = action;
      const languages = collectLanguages(state.languages, response.items);
      if (action.mode === 'append') {
        return {
          ...state,
          items: appendPage(state.items, response.items),
          nextCursor: response.nextCursor,
          sources: response.sources,
          asOf: response.asOf,
          loadingMore: false,
          loadMoreError: null,
          languages,
        };
      }
      const added = state.items.length > 0 ? newIds(state.items, response.items) : [];
      const fresh = added.length > 0 && added.length <= MAX_FRESH_AFTER_REFETCH ? added : [];
      const previous = new Map(state.items.map((r) => [r.id, r]));
      return {
        ...state,
        items: response.items.map((r) => {
          const old = previous.get(r.id);
          return r.liked === undefined && old?.liked !== undefined ? { ...r, liked: old.liked } : r;
        }),
        nextCursor: response.nextCursor,
        sources: response.sources,
        asOf: response.asOf,
        syncedAt: action.at,
        origin: 'network',
        status: 'ready',
        refreshing: false,
        fetchError: null,
        languages,
        freshIds: [...new Set([...state.freshIds, ...fresh])],
      };
    }
    case 'fetchFailure': {
      if (action.language !== state.language) return state;
      if (action.mode === 'append') return { ...state, loadingMore: false, loadMoreError: action.message };
      return {
        ...state,
        refreshing: false,
        fetchError: action.message,
        status: state.origin === 'none' ? 'error' : 'ready',
      };
    }
    case 'newRelease': {
      const languages = collectLanguages(state.languages, [action.release]);
      const syncedAt = state.origin === 'network' ? action.at : state.syncedAt;
      if (!matchesLanguage(action.release, state.language)) return { ...state, languages };
      const { items, inserted } = upsertRelease(state.items, action.release);
      return {
        ...state,
        items,
        languages,
        syncedAt,
        freshIds: inserted
          ? [...state.freshIds.filter((id) => id !== action.release.id), action.release.id]
          : state.freshIds,
      };
    }
    case 'releaseUpdated': {
      const items = replaceRelease(state.items, action.release);
      if (items === state.items) return state;
      return { ...state, items, syncedAt: state.origin === 'network' ? action.at : state.syncedAt };
    }
    case 'synced':
      return state.origin === 'network' ? { ...state, syncedAt: action.at } : state;
    case 'setLiked':
      return { ...state, items: setLiked(state.items, action.id, action.liked) };
    case 'likeResult': {
      if (action.likes === null) return { ...state, items: setLiked(state.items, action.id, action.liked) };
      return {
        ...state,
        items: applyLikeResult(state.items, { id: action.id, likes: action.likes, liked: action.liked }),
      };
    }
    case 'unfresh':
      return state.freshIds.includes(action.id)
        ? { ...state, freshIds: state.freshIds.filter((id) => id !== action.id) }
        : state;
  }
}

/** The list as the offline cache stores it, or null while the feed shows something the server did not confirm. */
export function cacheableList(state: FeedState): ReleaseList | null {
  if (state.origin !== 'network' || state.language !== null || !state.asOf) return null;
  return { items: state.items, nextCursor: state.nextCursor, asOf: state.asOf, sources: state.sources };
}
