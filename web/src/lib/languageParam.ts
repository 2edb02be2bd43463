import { LANGUAGE_CODES, languageName } from '../../../src/domain/music.ts';

/** The query parameter holding the language filter of the releases page: `/?language=ml`. */
export const LANGUAGE_PARAM = 'language';

const CODE_OF: ReadonlyMap<string, string> = new Map(
  Object.entries(LANGUAGE_CODES).map(([code, name]) => [name, code]),
);

/**
 * The language filter named by a query string (`?language=ml` or `?language=malayalam`): the JioSaavn language name,
 * or null for no filter, a missing value or a language the API does not know.
 */
export function languageFromSearch(search: string | URLSearchParams): string | null {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const raw = params.get(LANGUAGE_PARAM);
  if (!raw) return null;
  return languageName(raw) ?? null;
}

/** The value written to the URL for a language: its two-letter code where it has one (`malayalam` → `ml`). */
export function languageParamValue(language: string): string {
  const name = language.trim().toLowerCase();
  return CODE_OF.get(name) ?? name;
}

/**
 * The query string with the language filter set (or removed for null), other parameters kept. Returns it with its
 * leading `?`, or an empty string when nothing is left.
 */
export function searchWithLanguage(search: string | URLSearchParams, language: string | null): string {
  const params = new URLSearchParams(search);
  if (language) params.set(LANGUAGE_PARAM, languageParamValue(language));
  else params.delete(LANGUAGE_PARAM);
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** Whether the query string names a language filter that is not one we can show (it should be removed). */
export function hasUnknownLanguage(search: string | URLSearchParams): boolean {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  return params.has(LANGUAGE_PARAM) && languageFromSearch(params) === null;
}
