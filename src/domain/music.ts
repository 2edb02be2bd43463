/**
 * The shared music domain model: what providers produce and jobs consume. Providers import this module, never a job
 * folder.
 */

/** JioSaavn's language names, and the two-letter codes we accept for them. */
export const LANGUAGE_CODES: Readonly<Record<string, string>> = {
  hi: 'hindi',
  en: 'english',
  pa: 'punjabi',
  ta: 'tamil',
  te: 'telugu',
  mr: 'marathi',
  gu: 'gujarati',
  bn: 'bengali',
  kn: 'kannada',
  bh: 'bhojpuri',
  ml: 'malayalam',
  ur: 'urdu',
  hr: 'haryanvi',
  rj: 'rajasthani',
  or: 'odia',
  as: 'assamese',
};
export const LANGUAGE_NAMES: ReadonlySet<string> = new Set(Object.values(LANGUAGE_CODES));

/** Maps `ml` → `malayalam`; returns undefined for an unknown language. */
export function languageName(input: string): string | undefined {
  const key = input.trim().toLowerCase();
  if (LANGUAGE_NAMES.has(key)) return key;
  // Own keys only: `__proto__`, `constructor` and friends are not language codes.
  return Object.hasOwn(LANGUAGE_CODES, key) ? LANGUAGE_CODES[key] : undefined;
}

/**
 * The release model the releases job stores: one normalized upstream item (a song, or an album listed as a whole),
 * whatever the source. Providers' pure mappers produce it; fingerprint, album key and the repositories consume it.
 */

/** Sources that feed the new-releases list; songs are keyed by `source:externalId` so sources never collide. */
export type ReleaseSource = 'jiosaavn';

/** `album` when the upstream listed the album itself rather than one of its songs. */
export type ReleaseKind = 'song' | 'album';

export interface ReleaseInput {
  source: ReleaseSource;
  /** The upstream id of this item (the album id when `kind` is `album`). */
  externalId: string;
  /** Entity-decoded, whitespace-collapsed. */
  title: string;
  /** Display names in upstream order, primary artist first; may be empty when the upstream names nobody. */
  artists: string[];
  /** `externalId` is null when the upstream gives no album id (the album key then falls back to the name). */
  album: { externalId: string | null; name: string };
  /** JioSaavn language name, e.g. `malayalam` (codes such as `ml` are mapped). */
  language: string;
  /** `YYYY-MM-DD`, or null when the upstream gives no full date. */
  releaseDate: string | null;
  /** The large (500x500) artwork. */
  imageUrl: string | null;
  /** The upstream permalink. */
  url: string | null;
  durationSeconds: number | null;
  year: number | null;
  playCount: number | null;
  explicit: boolean;
  label: string | null;
  kind: ReleaseKind;
  /** Number of songs for album items; null for songs. */
  songCount: number | null;
  /** The upstream item as received, kept as metadata. Not part of the fingerprint. */
  raw: unknown;
}

/** Why a mapper could not turn one upstream item into a {@link ReleaseInput}. `index` is its position in the page. */
export interface SkippedItem {
  index: number;
  reason: string;
}

/** What a provider's page mapper returns: the items it could map and the ones it skipped, with reasons. */
export interface MapResult {
  items: ReleaseInput[];
  skipped: SkippedItem[];
}
