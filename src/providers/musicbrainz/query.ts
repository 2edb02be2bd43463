/**
 * Lucene query strings for MusicBrainz WS/2 search (`?query=`), built from untrusted titles and artist names. Pure:
 * no I/O. Field names are MusicBrainz' search fields (UPSTREAMS.md §3): `releasegroup` and `release` for the title,
 * `artist` for the credited artist name.
 *
 * Values always go in quoted phrases, so a title is searched as a phrase rather than parsed as query syntax. Inside a
 * phrase only `"` and `\` are special to the Lucene query parser, but it accepts a backslash before any character
 * and drops it, so every special character is escaped there too: one escaping rule for quoted and bare use, and a
 * value can never end the phrase or inject an operator (`AC/DC`, `Title (Deluxe) [2024]`, `Rock && Roll`).
 */

/** Every character the Lucene query parser treats as syntax (`&&` and `||` are escaped character by character). */
const LUCENE_SPECIAL = /[+\-!(){}[\]^"~*?:\\/&|]/g;

/** C0 and C1 control characters (tab, newline and NUL included); letters of every script are kept. */
const CONTROL_CHARACTERS = /\p{Cc}/gu;

/** A title with artist names, as the caller knows the album (e.g. from a Spotify new-releases page). */
export interface SearchTerms {
  readonly title: string;
  /** Credited artists, primary first; only the first non-blank one is searched. */
  readonly artists: readonly string[];
}

/**
 * Backslash-escapes every Lucene special character (`+ - ! ( ) { } [ ] ^ " ~ * ? : \ / & |`) so the text is read as
 * literal characters. Nothing else changes: other characters, any script and whitespace are left as they are (see
 * {@link normalizeSearchText} for cleaning).
 */
export function escapeLucene(text: string): string {
  return text.replace(LUCENE_SPECIAL, '\\$&');
}

/**
 * Text as it is worth searching: control characters become spaces, runs of whitespace (Unicode spaces included)
 * collapse to one space, and the ends are trimmed. Non-Latin scripts are kept as they are.
 */
export function normalizeSearchText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/gu, ' ').trim();
}

/** `field:"<escaped text>"` for normalized, non-empty text. */
function phrase(field: string, text: string): string {
  return `${field}:"${escapeLucene(text)}"`;
}

function termsQuery(titleField: string, terms: SearchTerms): string {
  const title = normalizeSearchText(terms.title);
  if (title === '') throw new RangeError('a MusicBrainz search needs a non-blank title');
  const artist = terms.artists.map(normalizeSearchText).find((name) => name !== '');
  return artist === undefined
    ? phrase(titleField, title)
    : `${phrase(titleField, title)} AND ${phrase('artist', artist)}`;
}

/**
 * The release-group search for an album: `releasegroup:"<title>" AND artist:"<primary artist>"`, both phrases
 * normalized and escaped; without the artist clause when no artist name is given. Throws `RangeError` when the title
 * is blank after normalization (an empty phrase is not a search).
 */
export function releaseGroupQuery(terms: SearchTerms): string {
  return termsQuery('releasegroup', terms);
}

/** The release search for an album: `release:"<title>" AND artist:"<primary artist>"`; as {@link releaseGroupQuery}. */
export function releaseQuery(terms: SearchTerms): string {
  return termsQuery('release', terms);
}
