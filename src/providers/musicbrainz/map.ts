/**
 * Pure conversion of MusicBrainz search answers (`api-types.ts`) to {@link MusicBrainzCandidate}s. No I/O: tested on
 * recorded answers. The upstream is untrusted, so every field is read defensively: an item without an id or a title
 * cannot be identified and is skipped (and counted), anything else missing or unreadable falls back to null, `[]`
 * or a score of 0.
 */
import type { MusicBrainzCandidate } from '../../domain/album.ts';
import type { MusicBrainzReleaseGroupSearch, MusicBrainzReleaseSearch } from './api-types.ts';

/** Candidates in the order MusicBrainz ranked them. */
export interface MusicBrainzSearchResult {
  readonly candidates: MusicBrainzCandidate[];
  /** MusicBrainz' total number of matches (beyond this page); the number of items when the answer omits it. */
  readonly count: number;
  /** Items of this page that could not be identified (no id or no title) and were left out. */
  readonly skipped: number;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/g;

/** A partial date as MusicBrainz writes it. */
const PARTIAL_DATE = /^\d{4}(?:-\d{2}(?:-\d{2})?)?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Trimmed text without control characters (they never belong in a title or name); non-strings become `''`. */
function text(value: unknown): string {
  return typeof value === 'string' ? value.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim() : '';
}

function orNull(value: string): string | null {
  return value === '' ? null : value;
}

/** The search score as a number in 0–100: numbers as they are, `"100"` (old answers) parsed, anything else 0. */
export function parseScore(value: unknown): number {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? +value : NaN;
  return Number.isFinite(n) ? Math.min(100, Math.max(0, n)) : 0;
}

/** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; `""` (unknown upstream) or anything else → null. */
function partialDate(value: unknown): string | null {
  const date = text(value);
  return PARTIAL_DATE.test(date) ? date : null;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(text).filter((s) => s !== '') : [];
}

/**
 * The credit as MusicBrainz prints it (each credited name followed by its join phrase, `Lady Gaga & Bruno Mars`) and
 * the artists behind it. A credited name falls back to the artist's own name; an artist without an id is printed but
 * not listed.
 */
export function readArtistCredit(value: unknown): Pick<MusicBrainzCandidate, 'artistCredit' | 'artists'> {
  const credits = Array.isArray(value) ? value.filter(isRecord) : [];
  let printed = '';
  const artists: { id: string; name: string }[] = [];
  for (const credit of credits) {
    const artist = isRecord(credit.artist) ? credit.artist : {};
    const name = text(credit.name) || text(artist.name);
    // Join phrases carry their own spacing (" & ", ", ", " feat. "), so they are appended untrimmed.
    const joinphrase = typeof credit.joinphrase === 'string' ? credit.joinphrase.replace(CONTROL_CHARACTERS, ' ') : '';
    printed += name + joinphrase;
    const id = text(artist.id);
    const artistName = text(artist.name) || name;
    if (id !== '' && artistName !== '') artists.push({ id, name: artistName });
  }
  return { artistCredit: printed.replace(/\s+/g, ' ').trim(), artists };
}

/** The first release with status Official, else the first release listed, else null. */
function representativeRelease(value: unknown): string | null {
  const ids = (Array.isArray(value) ? value.filter(isRecord) : [])
    .map((release) => ({ id: text(release.id), official: text(release.status) === 'Official' }))
    .filter((release) => release.id !== '');
  return (ids.find((release) => release.official) ?? ids[0])?.id ?? null;
}

function totalCount(value: unknown, items: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : items;
}

/**
 * Maps a `/ws/2/release-group` search answer, keeping MusicBrainz' order. Each release group becomes a candidate
 * whose release is the first Official one it lists (else its first, else null); items without id or title are
 * skipped and counted.
 */
export function mapReleaseGroupSearch(raw: MusicBrainzReleaseGroupSearch): MusicBrainzSearchResult {
  const items: unknown[] = Array.isArray(raw['release-groups']) ? raw['release-groups'] : [];
  const candidates: MusicBrainzCandidate[] = [];
  for (const item of items) {
    if (!isRecord(item)) continue;
    const releaseGroupId = text(item.id);
    const title = text(item.title);
    if (releaseGroupId === '' || title === '') continue;
    candidates.push({
      releaseGroupId,
      releaseId: representativeRelease(item.releases),
      title,
      ...readArtistCredit(item['artist-credit']),
      score: parseScore(item.score),
      primaryType: orNull(text(item['primary-type'])),
      secondaryTypes: stringList(item['secondary-types']),
      firstReleaseDate: partialDate(item['first-release-date']),
      disambiguation: orNull(text(item.disambiguation)),
    });
  }
  return { candidates, count: totalCount(raw.count, items.length), skipped: items.length - candidates.length };
}

/**
 * Maps a `/ws/2/release` search answer, keeping MusicBrainz' order. Each release becomes a candidate for its release
 * group (`release-group.id`) with the release itself as `releaseId`; title, types and disambiguation are the
 * group's (the release's title when the group gives none). Release search answers do not carry the group's first
 * release date, so `firstReleaseDate` is that date when present, else the release's own date. Items without a
 * release id, a release-group id or any title are skipped and counted.
 */
export function mapReleaseSearch(raw: MusicBrainzReleaseSearch): MusicBrainzSearchResult {
  const items: unknown[] = Array.isArray(raw.releases) ? raw.releases : [];
  const candidates: MusicBrainzCandidate[] = [];
  for (const item of items) {
    if (!isRecord(item)) continue;
    const group = isRecord(item['release-group']) ? item['release-group'] : {};
    const releaseId = text(item.id);
    const releaseGroupId = text(group.id);
    const title = text(group.title) || text(item.title);
    if (releaseId === '' || releaseGroupId === '' || title === '') continue;
    candidates.push({
      releaseGroupId,
      releaseId,
      title,
      ...readArtistCredit(item['artist-credit']),
      score: parseScore(item.score),
      primaryType: orNull(text(group['primary-type'])),
      secondaryTypes: stringList(group['secondary-types']),
      firstReleaseDate: partialDate(group['first-release-date']) ?? partialDate(item.date),
      disambiguation: orNull(text(group.disambiguation)),
    });
  }
  return { candidates, count: totalCount(raw.count, items.length), skipped: items.length - candidates.length };
}
