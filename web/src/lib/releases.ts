import type { Release } from './types.ts';

/**
 * Keeps the first occurrence of every id, preserving order. Lists coming from pagination or live events can overlap;
 * a release must never be rendered twice.
 */
export function dedupeById(items: readonly Release[]): Release[] {
  const seen = new Set<number>();
  const out: Release[] = [];
  for (const item of items) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    out.push(item);
  }
  return out;
}

/**
 * Takes a fresh copy of a release from the server, keeping the user's own `liked` flag when the fresh copy
 * does not carry one (SSE events are broadcast to everyone and never include it).
 */
export function withLocalLiked(fresh: Release, previous: Release | undefined): Release {
  if (fresh.liked !== undefined || previous?.liked === undefined) return fresh;
  return { ...fresh, liked: previous.liked };
}

/**
 * Appends a further page ("Load more") to a list. Items already present are refreshed in place
 * rather than duplicated or moved.
 */
export function appendPage(existing: readonly Release[], page: readonly Release[]): Release[] {
  const byId = new Map(page.map((r) => [r.id, r]));
  const refreshed = existing.map((r) => {
    const fresh = byId.get(r.id);
    return fresh ? withLocalLiked(fresh, r) : r;
  });
  const known = new Set(existing.map((r) => r.id));
  return dedupeById([...refreshed, ...page.filter((r) => !known.has(r.id))]);
}

/** Result of {@link upsertRelease}: the new list and whether the release was not in it before. */
export interface UpsertResult {
  items: Release[];
  inserted: boolean;
}

/**
 * Puts a live `new_release` into a list: a release already in the list is replaced in place (it may arrive twice,
 * e.g. replayed after a reconnect), otherwise it goes to the top, since the list is newest first.
 */
export function upsertRelease(items: readonly Release[], release: Release): UpsertResult {
  const index = items.findIndex((r) => r.id === release.id);
  if (index === -1) return { items: [release, ...items], inserted: true };
  const next = items.slice();
  next[index] = withLocalLiked(release, items[index]);
  return { items: next, inserted: false };
}

/**
 * Applies a `release_updated`: replaces the release in place when it is in the list; otherwise returns the list
 * unchanged (an update to something not loaded is not a reason to show it).
 */
export function replaceRelease(items: readonly Release[], release: Release): Release[] {
  const index = items.findIndex((r) => r.id === release.id);
  if (index === -1) return items as Release[];
  const next = items.slice();
  next[index] = withLocalLiked(release, items[index]);
  return next;
}

/** Sets `liked` and adjusts `likes` by the difference on one release; used for optimistic likes and rollbacks. */
export function setLiked(items: readonly Release[], id: number, liked: boolean): Release[] {
  return items.map((r) => {
    if (r.id !== id || Boolean(r.liked) === liked) return r;
    return { ...r, liked, likes: Math.max(0, r.likes + (liked ? 1 : -1)) };
  });
}

/** Applies the server's answer to a like/unlike (authoritative count and state). */
export function applyLikeResult(
  items: readonly Release[],
  result: { id: number; likes: number; liked: boolean },
): Release[] {
  return items.map((r) => (r.id === result.id ? { ...r, likes: result.likes, liked: result.liked } : r));
}

/** Keeps the releases of one language; `null` means all languages. Case-insensitive. */
export function filterByLanguage(items: readonly Release[], language: string | null): Release[] {
  if (!language) return items.slice();
  const wanted = language.toLowerCase();
  return items.filter((r) => r.language.toLowerCase() === wanted);
}

/** The distinct languages (lower-cased) found in the given lists, merged with `known`, sorted alphabetically. */
export function collectLanguages(known: readonly string[], ...lists: ReadonlyArray<readonly Release[]>): string[] {
  const set = new Set(known.map((l) => l.toLowerCase()));
  for (const list of lists) for (const r of list) if (r.language.trim()) set.add(r.language.trim().toLowerCase());
  return [...set].sort((a, b) => a.localeCompare(b));
}

/** A display label for a language code or name: "hindi" → "Hindi". */
export function languageLabel(language: string): string {
  const l = language.trim();
  return l ? l.charAt(0).toUpperCase() + l.slice(1).toLowerCase() : l;
}

/** The ids present in `next` but not in `previous`. */
export function newIds(previous: readonly Release[], next: readonly Release[]): number[] {
  const known = new Set(previous.map((r) => r.id));
  return next.filter((r) => !known.has(r.id)).map((r) => r.id);
}

const SOURCE_NAMES: Record<string, string> = {
  jiosaavn: 'JioSaavn',
  spotify: 'Spotify',
  musicbrainz: 'MusicBrainz',
  youtube: 'YouTube',
  soundcloud: 'SoundCloud',
  discogs: 'Discogs',
};

/** A display name for a source id: "jiosaavn" → "JioSaavn". */
export function sourceLabel(name: string): string {
  return SOURCE_NAMES[name.toLowerCase()] ?? languageLabel(name);
}
