/**
 * Choosing the MusicBrainz release group for a Spotify album: string normalisation, similarity, and the scoring
 * rule that turns a list of search candidates into one decision (`matched` or `no_match`). Pure: the enrichment
 * worker does the searching and the storing.
 */
import type { Album, MusicBrainzCandidate } from '../domain/album.ts';
import { wordDice } from '../domain/text.ts';

// ---------------------------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------------------------

/** Apostrophes join the letters around them (`Pepper's` = `Peppers`), so they are removed, not turned into spaces. */
const APOSTROPHES = /['‘’ʼ`´＇]/g;
/** A Latin letter with the combining marks that follow it: the only place accents are stripped. */
const LATIN_WITH_MARKS = /\p{Script=Latin}\p{M}*/gu;
const COMBINING_MARKS = /\p{M}/gu;
/** Latin letters that NFD does not decompose, spelled the way an ASCII-only catalogue spells them. */
const LATIN_FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};
const LATIN_FOLDABLE = /[ßæœøłđðþı]/g;
/** Marks left without a letter to sit on (e.g. after punctuation became a space). */
const ORPHAN_MARKS = /(^|[^\p{L}\p{M}\p{N}])\p{M}+/gu;
const NOT_WORD = /[^\p{L}\p{N}\p{M}]+/gu;
const SINGLE_LATIN_LETTER = /^\p{Script=Latin}$/u;

/** `(feat. X)`, `[ft. X]`, `(featuring X)`: guest credits in brackets, with or without the dot. */
const BRACKETED_FEAT = /\s*[([{]\s*(?:feat\b\.?|ft\b\.?|featuring\b)[^()[\]{}]*[)\]}]/giu;
/** ` feat. X`, ` ft. X`, ` featuring X` up to the next bracket or the end; the dot is required (Little Feat). */
const TRAILING_FEAT = /\s+(?:feat\.|ft\.|featuring\s)[^()[\]{}]*/giu;
const BRACKET_GROUP = /\s*[([{]([^()[\]{}]*)[)\]}]/gu;
const DASH_SUFFIX = /\s+[-–—]\s+([^-–—]+)$/u;

/** Words that on their own make a bracket or dash suffix an edition label. */
const EDITION_CORE = new Set([
  'deluxe',
  'expanded',
  'remaster',
  'remastered',
  'anniversary',
  'bonus',
  'explicit',
  'clean',
  'mono',
  'stereo',
]);
/** Words that make an edition label only next to `edition` or `version` (`Special Edition`, not `(Super)`). */
const EDITION_QUALIFIERS = new Set(['special', 'collectors', 'collector', 'super', 'limited', 'legacy', 'digital']);
const EDITION_FILLERS = new Set(['edition', 'version', 'track', 'tracks', 'and', 'the']);
const YEAR = /^\d{4}$/;
const ORDINAL = /^\d+(?:st|nd|rd|th)$/;

/**
 * True when every word of `text` belongs to an edition label (`Deluxe Edition`, `Remastered 2011`,
 * `40th Anniversary Super Deluxe`, `Bonus Track Version`, `Explicit`, `Mono`), so the suffix names a release of the
 * work rather than a different work (`Live`, `Taylor's Version`, `Acoustic` are kept).
 */
function isEditionLabel(text: string): boolean {
  const words = text.split(NOT_WORD).filter((w) => w !== '');
  if (words.length === 0) return false;
  let core = false;
  let qualifier = false;
  let noun = false;
  for (const word of words) {
    if (EDITION_CORE.has(word)) core = true;
    else if (EDITION_QUALIFIERS.has(word)) qualifier = true;
    else if (EDITION_FILLERS.has(word)) noun ||= word === 'edition' || word === 'version';
    else if (!YEAR.test(word) && !ORDINAL.test(word)) return false;
  }
  return core || (qualifier && noun);
}

/** NFKC, lowercase, accents stripped from Latin letters only; apostrophes removed. */
function foldCharacters(s: string): string {
  return s
    .replace(APOSTROPHES, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(LATIN_WITH_MARKS, (m) => m.normalize('NFD').replace(COMBINING_MARKS, ''))
    .replace(LATIN_FOLDABLE, (c) => LATIN_FOLDS[c] ?? c);
}

function removeFeaturing(s: string): string {
  return s.replace(BRACKETED_FEAT, '').replace(TRAILING_FEAT, '');
}

/** Punctuation to spaces, whitespace collapsed, runs of single Latin letters joined (`R.E.M.` = `REM`). */
function toWords(s: string): string {
  const spaced = s.replace(NOT_WORD, ' ').replace(ORPHAN_MARKS, '$1').trim();
  if (spaced === '') return '';
  const out: string[] = [];
  let run = '';
  for (const token of spaced.split(' ')) {
    if (SINGLE_LATIN_LETTER.test(token)) {
      run += token;
      continue;
    }
    if (run !== '') out.push(run);
    run = '';
    out.push(token);
  }
  if (run !== '') out.push(run);
  return out.join(' ');
}

/** What a name becomes when normalisation leaves nothing (`÷`, `+`): the folded characters themselves. */
function fallback(folded: string): string {
  return folded.replace(/\s+/gu, ' ').trim();
}

/**
 * The comparable form of an album title: NFKC, lowercase, accents stripped from Latin letters only (kana, hangul,
 * Cyrillic, Arabic and Indic marks are kept), `&` and ` + ` read as `and`, guest credits removed, edition suffixes
 * (`(Deluxe Edition)`, ` - Remastered 2011`, `[Bonus Track Version]`, `(Explicit)`, …) removed, punctuation to
 * spaces, whitespace collapsed. A title made only of symbols (`÷`) keeps its symbols.
 */
export function normaliseTitle(s: string): string {
  const folded = foldCharacters(s);
  const t = withoutEditionLabels(removeFeaturing(folded.replace(/&/g, ' and ').replace(/\s\+\s/g, ' and ')));
  // A title that is nothing but an edition label (`(Deluxe)`) keeps it rather than becoming empty.
  const words = toWords(t) || toWords(removeFeaturing(folded));
  return words || fallback(folded);
}

/** Removes edition labels in brackets anywhere and after a trailing dash, repeatedly (`X - Deluxe (Explicit)`). */
function withoutEditionLabels(title: string): string {
  let t = title;
  for (;;) {
    const before = t;
    t = t.replace(BRACKET_GROUP, (group, inner: string) => (isEditionLabel(foldCharacters(inner)) ? '' : group));
    const dash = DASH_SUFFIX.exec(t);
    if (dash?.[1] !== undefined && isEditionLabel(foldCharacters(dash[1]))) t = t.slice(0, dash.index);
    if (t === before) return t;
  }
}

/**
 * The title to search MusicBrainz with: the Spotify title in its own spelling (case, accents and script kept, as
 * MusicBrainz indexes them) without guest credits and edition labels, whitespace collapsed; the trimmed title
 * itself when nothing else would remain. Lucene escaping is the query builder's job.
 */
export function searchTitle(name: string): string {
  const stripped = withoutEditionLabels(removeFeaturing(name)).replace(/\s+/gu, ' ').trim();
  return stripped || name.replace(/\s+/gu, ' ').trim();
}

/** The comparable form of an artist name: as {@link normaliseTitle} without edition removal, a leading `the` dropped. */
export function normaliseArtist(s: string): string {
  const folded = foldCharacters(s);
  const words = toWords(removeFeaturing(folded.replace(/&/g, ' and ').replace(/\s\+\s/g, ' and ')));
  if (words === '') return fallback(folded);
  return words.startsWith('the ') ? words.slice(4) : words;
}

// ---------------------------------------------------------------------------------------------------------------
// Similarity
// ---------------------------------------------------------------------------------------------------------------

function tokensOf(s: string): string[] {
  return s.split(/\s+/u).filter((t) => t !== '');
}

/**
 * Similarity of two normalised strings, 0..1 (equal strings are 1). When both strings have two or more words it is
 * the mean of the token-set Dice coefficient (the same words in any order) and the character-bigram Dice
 * coefficient (spelling variants: `abbeyroad` vs `abbey road`); when either is a single word, and so for scripts
 * written without spaces (Japanese, Chinese), it is the bigram Dice alone, which still grades partial overlap.
 */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const ta = tokensOf(a);
  const tb = tokensOf(b);
  if (ta.length === 0 || tb.length === 0) return ta.length === tb.length ? 1 : 0;
  return wordDice(ta, tb);
}

/** The join phrases of a MusicBrainz artist credit, so each credited name can be compared on its own. */
const CREDIT_JOINS = /\s+(?:feat\.?|ft\.?|featuring|with|vs\.?|x|&|and|\+)\s+|\s*[,;]\s*/giu;

/**
 * How well the album's primary artist (`albumArtists[0]`) matches the candidate, 0..1: the best similarity against
 * each credited artist, the full artist credit and each name of the credit split at its join phrases
 * (`A feat. B`, `A & B`, `A, B & C`); with two or more album artists, their joined names are also compared with
 * the full credit (two Spotify artists vs a duo credited as one). 0 when the album has no artist.
 */
export function artistSimilarity(albumArtists: readonly string[], candidate: MusicBrainzCandidate): number {
  const primaryName = albumArtists[0];
  if (primaryName === undefined) return 0;
  const primary = normaliseArtist(primaryName);
  const names = new Set<string>();
  for (const artist of candidate.artists) names.add(normaliseArtist(artist.name));
  names.add(normaliseArtist(candidate.artistCredit));
  const creditParts = candidate.artistCredit.split(CREDIT_JOINS).filter((p) => p.trim() !== '');
  for (const part of creditParts) names.add(normaliseArtist(part));
  names.delete('');
  let best = 0;
  for (const name of names) best = Math.max(best, similarity(primary, name));
  if (albumArtists.length > 1) {
    const joined = albumArtists.map(normaliseArtist).join(' and ');
    best = Math.max(best, similarity(joined, creditParts.map(normaliseArtist).join(' and ')));
    for (const name of names) best = Math.max(best, similarity(joined, name));
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Decision
// ---------------------------------------------------------------------------------------------------------------

export interface MatchDecision {
  readonly status: 'matched' | 'no_match';
  /** The chosen candidate; null on `no_match`. */
  readonly candidate: MusicBrainzCandidate | null;
  /**
   * 0..1. On `matched` the chosen candidate's; on `no_match` the best-ranked candidate's (the one that fell short),
   * 0 when there were no candidates. The similarity fields and `mbScore` follow the same rule (null without candidates).
   */
  readonly confidence: number;
  readonly mbScore: number | null;
  readonly titleSimilarity: number | null;
  readonly artistSimilarity: number | null;
  /** A short sentence for logs and the admin view. */
  readonly reason: string;
  /** The best candidate of another release group, for judging how clear-cut the choice was. */
  readonly runnerUp: { readonly releaseGroupId: string; readonly confidence: number } | null;
}

export interface MatchOptions {
  /** Minimum confidence (0..1) for `matched`; default {@link MATCH_THRESHOLD}`.confidence`. */
  readonly minScore?: number;
}

/**
 * Weights of the confidence score; they add up to 1, so a perfect candidate scores 1. Artist weighs most: a group
 * with the same title by another artist and MusicBrainz score 100 reaches at most 0.58, below the threshold.
 */
export const MATCH_WEIGHTS = {
  title: 0.32,
  artist: 0.42,
  mbScore: 0.2,
  yearBonus: 0.03,
  typeBonus: 0.03,
  /** Subtracted per secondary type (Live, Compilation, Remix, DJ-mix) the Spotify album does not claim. */
  secondaryTypePenalty: 0.15,
} as const;

/** All three must hold for `matched`. */
export const MATCH_THRESHOLD = { confidence: 0.75, artist: 0.75, title: 0.7 } as const;

/** What matching reads of an album. */
export type MatchAlbum = Pick<Album, 'name' | 'artists' | 'releaseDate' | 'type'>;

interface Scored {
  readonly candidate: MusicBrainzCandidate;
  readonly score: number;
  readonly confidence: number;
  readonly title: number;
  readonly artist: number;
  readonly mbScore: number;
  readonly penalised: readonly string[];
}

/** Which secondary types the Spotify album itself claims, from its title words and album type. */
function claimedSecondaryTypes(album: MatchAlbum): Set<string> {
  const tokens = tokensOf(normaliseTitle(album.name));
  const words = new Set(tokens);
  const text = ` ${tokens.join(' ')} `;
  const has = (...ws: string[]): boolean => ws.some((w) => words.has(w));
  const claimed = new Set<string>();
  if (has('live', 'unplugged', 'concert', 'tour')) claimed.add('live');
  if (
    album.type === 'compilation' ||
    has('compilation', 'anthology', 'collection', 'essentials', 'essential', 'hits') ||
    text.includes(' best of ')
  ) {
    claimed.add('compilation');
  }
  if (tokens.some((w) => w.startsWith('remix'))) claimed.add('remix');
  if (has('dj', 'mixed', 'mixtape') || text.includes(' mix ')) claimed.add('dj-mix');
  return claimed;
}

const PENALISED_TYPES = new Map([
  ['live', 'Live'],
  ['compilation', 'Compilation'],
  ['remix', 'Remix'],
  ['dj-mix', 'DJ-mix'],
]);

function typeMatches(albumType: MatchAlbum['type'], candidate: MusicBrainzCandidate): boolean {
  const primary = candidate.primaryType?.toLowerCase() ?? null;
  switch (albumType) {
    case 'album':
      return primary === 'album';
    // Spotify files EPs under `single`.
    case 'single':
      return primary === 'single' || primary === 'ep';
    case 'compilation':
      return candidate.secondaryTypes.some((t) => t.toLowerCase() === 'compilation');
  }
}

const yearOf = (date: string | null): string | null => (date && /^\d{4}/.test(date) ? date.slice(0, 4) : null);
const round = (x: number): number => Math.round(x * 10_000) / 10_000;
const fixed = (x: number): string => x.toFixed(2);

function score(album: MatchAlbum, title: string, claimed: Set<string>, candidate: MusicBrainzCandidate): Scored {
  const w = MATCH_WEIGHTS;
  const titleSim = round(similarity(title, normaliseTitle(candidate.title)));
  const artistSim = round(
    artistSimilarity(
      album.artists.map((a) => a.name),
      candidate,
    ),
  );
  const mbScore = Number.isFinite(candidate.score) ? Math.min(100, Math.max(0, candidate.score)) : 0;
  const albumYear = yearOf(album.releaseDate);
  const penalised = candidate.secondaryTypes
    .map((t) => t.toLowerCase())
    .filter((t) => PENALISED_TYPES.has(t) && !claimed.has(t))
    .map((t) => PENALISED_TYPES.get(t) ?? t);
  const raw =
    w.title * titleSim +
    w.artist * artistSim +
    (w.mbScore * mbScore) / 100 +
    (albumYear !== null && albumYear === yearOf(candidate.firstReleaseDate) ? w.yearBonus : 0) +
    (typeMatches(album.type, candidate) ? w.typeBonus : 0) -
    w.secondaryTypePenalty * new Set(penalised).size;
  const confidence = round(Math.min(1, Math.max(0, raw)));
  return { candidate, score: round(raw), confidence, title: titleSim, artist: artistSim, mbScore, penalised };
}

/** Higher score first, then higher MusicBrainz score, then release-group id: the same input always ranks the same. */
function compareScored(a: Scored, b: Scored): number {
  return (
    b.score - a.score ||
    b.mbScore - a.mbScore ||
    (a.candidate.releaseGroupId < b.candidate.releaseGroupId
      ? -1
      : a.candidate.releaseGroupId > b.candidate.releaseGroupId
        ? 1
        : 0)
  );
}

/**
 * Chooses the release group for a Spotify album among MusicBrainz search candidates.
 *
 * Confidence = 0.32 × title similarity + 0.42 × artist similarity + 0.20 × MusicBrainz score / 100
 * + 0.03 when the first-release year equals the album's release year + 0.03 when the primary type fits the album
 * type (album → Album; single → Single or EP; compilation → Compilation) − 0.15 per secondary type among Live,
 * Compilation, Remix and DJ-mix that the Spotify title (or album type) does not claim; clamped to 0..1.
 *
 * `matched` requires confidence ≥ 0.75 (or `options.minScore`) AND artist similarity ≥ 0.75 AND title similarity
 * ≥ 0.7 for the best-ranked candidate; otherwise `no_match`. Candidates rank by confidence before clamping, then
 * MusicBrainz score, then release-group id; a group listed twice counts once (its best entry).
 */
export function chooseMusicBrainzMatch(
  album: MatchAlbum,
  candidates: readonly MusicBrainzCandidate[],
  options: MatchOptions = {},
): MatchDecision {
  const minScore = options.minScore ?? MATCH_THRESHOLD.confidence;
  if (!(minScore >= 0 && minScore <= 1)) throw new RangeError(`minScore must be within 0..1, got ${minScore}`);

  const title = normaliseTitle(album.name);
  const claimed = claimedSecondaryTypes(album);
  const ranked: Scored[] = [];
  const seen = new Set<string>();
  for (const s of candidates.map((c) => score(album, title, claimed, c)).sort(compareScored)) {
    if (seen.has(s.candidate.releaseGroupId)) continue;
    seen.add(s.candidate.releaseGroupId);
    ranked.push(s);
  }

  const best = ranked[0];
  if (best === undefined) {
    return {
      status: 'no_match',
      candidate: null,
      confidence: 0,
      mbScore: null,
      titleSimilarity: null,
      artistSimilarity: null,
      reason: 'no candidates',
      runnerUp: null,
    };
  }
  const second = ranked[1];
  const runnerUp = second ? { releaseGroupId: second.candidate.releaseGroupId, confidence: second.confidence } : null;

  const shortfalls: string[] = [];
  if (best.confidence < minScore) shortfalls.push(`confidence ${fixed(best.confidence)} < ${fixed(minScore)}`);
  if (best.artist < MATCH_THRESHOLD.artist) {
    shortfalls.push(`artist ${fixed(best.artist)} < ${fixed(MATCH_THRESHOLD.artist)}`);
  }
  if (best.title < MATCH_THRESHOLD.title)
    shortfalls.push(`title ${fixed(best.title)} < ${fixed(MATCH_THRESHOLD.title)}`);

  const figures =
    `title ${fixed(best.title)}, artist ${fixed(best.artist)}, MusicBrainz score ${best.mbScore}` +
    (best.penalised.length > 0 ? `, ${best.penalised.join('/')} penalised` : '') +
    `, confidence ${fixed(best.confidence)}` +
    (runnerUp ? `; runner-up ${fixed(runnerUp.confidence)}` : '');
  const matched = shortfalls.length === 0;
  return {
    status: matched ? 'matched' : 'no_match',
    candidate: matched ? best.candidate : null,
    confidence: best.confidence,
    mbScore: best.mbScore,
    titleSimilarity: best.title,
    artistSimilarity: best.artist,
    reason: matched
      ? figures
      : `best candidate "${best.candidate.title}" by ${best.candidate.artistCredit} falls short (${shortfalls.join(', ')}): ${figures}`,
    runnerUp,
  };
}
