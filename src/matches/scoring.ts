/**
 * Scoring for the Matches job: how well one upload (a YouTube video, a SoundCloud track, a video linked on the
 * Discogs release page) fits one release track, and the choice among a track's candidates: `approved`,
 * `needs_review` or `no_match`. Pure: the match service searches, stores and caches.
 *
 * The score (0..1) is
 *
 *     total = clamp(0.45 × title + 0.30 × artist + 0.25 × duration − penalty, 0, 1)
 *
 * where `duration` counts as 0.6 when either duration is unknown, and `penalty` is the sum of the version
 * penalties ({@link VERSION_PENALTIES}) the upload carries and the track does not claim: a penalised upload stays
 * below the default auto-approval threshold (0.8). Without a duration the best possible score is 0.9, so the title
 * and the artist must both fit to approve.
 */
import type { AudioCandidate, CandidateOrigin } from '../domain/audio.ts';
import { wordDice } from '../domain/text.ts';

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

/** What scoring reads of a track. */
export interface TrackQuery {
  readonly title: string;
  /** The track's credited artists, else the release's. */
  readonly artists: readonly string[];
  readonly durationSeconds: number | null;
  /** The release title: bracketed mentions of it in upload titles are noise, and it can claim a version (`Live`). */
  readonly releaseTitle?: string;
}

/** Why a candidate scored what it did, kept with every stored match so an admin can see why it won. */
export interface ScoreBreakdown {
  /** Title similarity after normalisation, 0..1. */
  readonly title: number;
  /** Best evidence that the upload is by one of the track's artists (uploader, or named in the title), 0..1. */
  readonly artist: number;
  /** Duration closeness, 0..1; null when either duration is unknown. */
  readonly duration: number | null;
  /** Versions the upload is and the track is not, e.g. `['live', 'karaoke']`. */
  readonly penalties: string[];
  /** The sum subtracted for them. */
  readonly penalty: number;
  /** The score, 0..1. */
  readonly total: number;
}

export interface ScoredCandidate {
  readonly candidate: AudioCandidate;
  readonly breakdown: ScoreBreakdown;
}

export interface MatchChoice {
  readonly status: 'approved' | 'needs_review' | 'no_match';
  /** The proposed upload; null on `no_match`. */
  readonly best: ScoredCandidate | null;
  /** The next upload after `best`; null when there is none (and on `no_match`). */
  readonly runnerUp: ScoredCandidate | null;
  /** Every candidate left after rejections and de-duplication, best first. */
  readonly scored: ScoredCandidate[];
  /** A short sentence for logs and the admin view. */
  readonly reason: string;
}

export interface ChooseMatchOptions {
  /** Minimum total for `approved` (`MATCH_AUTO_APPROVE`, 0.8 by default in the settings). */
  readonly autoApprove: number;
  /** How close (in total) another upload above `autoApprove` must be to make the choice ambiguous. */
  readonly ambiguityMargin?: number;
  /** URLs an admin rejected for this track: never proposed again. */
  readonly rejectedUrls?: ReadonlySet<string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Weights and thresholds
// ---------------------------------------------------------------------------------------------------------------

/**
 * Weights of the total. Title weighs most: the wrong title is the wrong song. Artist and duration together can
 * carry a perfect title to 1, but a perfect title with a perfect artist and no duration fit reaches 0.75 (a live
 * cut or an extended video of the right song), and a perfect title and duration by an unknown uploader reach 0.70
 * (a cover): both below 0.8, so both go to review.
 */
export const SCORE_WEIGHTS = {
  title: 0.45,
  artist: 0.3,
  duration: 0.25,
  /** The duration value used when either duration is unknown: neither evidence for nor against. */
  unknownDuration: 0.6,
  /**
   * The least artist evidence of a video linked on the release's own Discogs page: users curate those links for
   * this release, so they are by its artists even when the title and channel do not say so.
   */
  releaseVideoArtist: 0.6,
  /** Title similarity mixes the core titles (brackets removed) and the full titles (bracket content kept). */
  titleCore: 0.8,
} as const;

/** Duration closeness: 1 within `fullSeconds`, falling quadratically to 0 at `zeroSeconds`. */
export const DURATION_SCORE = { fullSeconds: 3, zeroSeconds: 30 } as const;

/** Uploads this long (and three times the track's length) are loops, mixes or full albums, not the track. */
export const HOUR_LONG_SECONDS = 20 * 60;

/**
 * Subtracted from the total for each version the upload is and the track is not (the track's title or its release
 * title naming the version claims it). All but `version` exceed 0.2, so each blocks auto-approval (at 0.8) on its
 * own; `version` does with the title similarity its bracket already costs.
 */
export const VERSION_PENALTIES = {
  live: 0.35,
  cover: 0.4,
  remix: 0.35,
  karaoke: 0.5,
  instrumental: 0.45,
  acapella: 0.45,
  slowed: 0.45,
  sped_up: 0.45,
  nightcore: 0.5,
  '8d': 0.4,
  loop: 0.5,
  hour_long: 0.6,
  full_album: 0.5,
  acoustic: 0.25,
  demo: 0.25,
  reaction: 0.5,
  tutorial: 0.45,
  bass_boosted: 0.35,
  snippet: 0.4,
  /** `(… Version)` of a kind no other label names (`78rpm Version`, `Taylor's Version`): the smallest doubt. */
  version: 0.2,
} as const;

export type VersionLabel = keyof typeof VERSION_PENALTIES;

/** Thresholds of {@link chooseMatch} besides `autoApprove`. */
export const CHOICE_THRESHOLDS = {
  /** Default `ambiguityMargin`. */
  ambiguityMargin: 0.05,
  /** Below this total the best candidate is not worth an admin's time: `no_match`. */
  noMatchTotal: 0.4,
  /** Below this title similarity no upload carries the track's title: `no_match`. */
  noMatchTitle: 0.5,
  /** Two uploads count as the same song when both fit the title and the artist this well (and carry one version). */
  sameSongTitle: 0.9,
  sameSongArtist: 0.5,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------------------------

/** Apostrophes (and Hebrew geresh/gershayim) join the letters around them: `Don't` = `Dont`, `י״א` = `יא`. */
const APOSTROPHES = /['‘’ʼ`´＇׳״]/gu;
/** A straight double quote between two letters is a Hebrew abbreviation mark typed on a Latin keyboard (`י"א`). */
const QUOTE_BETWEEN_LETTERS = /(?<=\p{L})"(?=\p{L})/gu;
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
const LATIN_FOLDABLE = /[ßæœøłđðþı]/gu;
const OPENING_BRACKETS = /[【「『〔〈《]/gu;
const CLOSING_BRACKETS = /[】」』〕〉》]/gu;
/** Vertical bars of every kind separate parts of an upload title (`Song | Artist`, `Christmas In Jazz ǀ …`). */
const BARS = /[|ǀ│¦]/gu;
const NOT_WORD = /[^\p{L}\p{N}\p{M}]+/gu;
const ORPHAN_MARKS = /(^|[^\p{L}\p{M}\p{N}])\p{M}+/gu;
const SINGLE_LATIN_LETTER = /^\p{Script=Latin}$/u;

/**
 * NFKC (so styled Unicode letters like `𝘴𝘱𝘺` and full-width forms read as plain letters), lowercase, accents
 * stripped from Latin letters only (Cyrillic, Hebrew, kana keep theirs), apostrophes removed, every bracket kind
 * turned into `(`/`)` and every bar into ` | `.
 */
function fold(s: string): string {
  return s
    .replace(QUOTE_BETWEEN_LETTERS, '')
    .replace(APOSTROPHES, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(LATIN_WITH_MARKS, (m) => m.normalize('NFD').replace(COMBINING_MARKS, ''))
    .replace(LATIN_FOLDABLE, (c) => LATIN_FOLDS[c] ?? c)
    .replace(OPENING_BRACKETS, '(')
    .replace(CLOSING_BRACKETS, ')')
    .replace(BARS, ' | ');
}

/** Punctuation to spaces, `&` read as `and`, whitespace collapsed, runs of single Latin letters joined (`R.E.M.`). */
function words(s: string): string {
  const spaced = s.replace(/&/gu, ' and ').replace(NOT_WORD, ' ').replace(ORPHAN_MARKS, '$1').trim();
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

/** Innermost bracket groups (nested groups surface as the inner ones are replaced). */
const BRACKET_GROUP = /[([{]([^()[\]{}]*)[)\]}]/gu;
const STRAY_BRACKETS = /[()[\]{}]/gu;

/** Guest and producer credits: `(feat. X)`, `[ft X]`, `(with X)`, `(mit X)` (German interface), `(prod. X)`. */
const CREDIT = /^\s*(?:feat\b|ft\b|featuring\b|with\b|mit\b|avec\b|w\/|prod\b|produced by\b)/u;
/** ` feat. X`, ` ft. X`, ` featuring X`, ` w/ X` outside brackets, up to the next bracket, bar or dash. */
const TRAILING_CREDIT = /\s+(?:feat\.|ft\.|featuring\s|w\/)[^()[\]{}|]*?(?=$|[([{|]|\s[-–—]\s)/gu;
/** Bracket content that only says where the song comes from: `(From "Green Book" Original Soundtrack)`. */
const SOURCE = /^\s*(?:from\b|ost\b|original (?:motion picture )?soundtrack\b)/u;

/** Words that make a bracket group packaging rather than the song: `(Official Video)`, `[HD]`, `(Lyrics)`. */
const NOISE_CORE = new Set([
  'official',
  'officiel',
  'oficial',
  'offizielles',
  'video',
  'videoclip',
  'clip',
  'audio',
  'lyric',
  'lyrics',
  'letra',
  'paroles',
  'visualizer',
  'visualiser',
  'hd',
  'hq',
  '4k',
  'uhd',
  '1080p',
  '720p',
  'mv',
  'explicit',
  'clean',
  'dirty',
  'premiere',
]);
/**
 * Words that may stand beside those in such a group (`Official Music Video`, `Full HD`, `Video Remastered`) but do
 * not make one alone: `(Original)`, `(Single Version)` and `(Remastered)` say something about the recording.
 */
const NOISE_WORDS = new Set([
  ...NOISE_CORE,
  'music',
  'musique',
  'musica',
  'new',
  'full',
  'color',
  'colour',
  'stereo',
  'mono',
  'version',
  'original',
  'single',
  'album',
  'radio',
  'edit',
  'remaster',
  'remastered',
  'the',
  'and',
  'with',
  'by',
  'in',
]);
const YEAR = /^(?:19|20)\d\d$/u;

function isNoise(text: string): boolean {
  const ws = words(text).split(' ');
  if (ws.length === 0 || ws[0] === '') return false;
  let core = false;
  for (const w of ws) {
    if (NOISE_CORE.has(w)) core = true;
    else if (!NOISE_WORDS.has(w) && !YEAR.test(w)) return false;
  }
  return core;
}

/** Trailing packaging words outside brackets: `Song Lyrics`, `Song Official Music Video`, `Song HD`. */
const TRAILING_NOISE =
  /\s+(?:(?:official\s+)?(?:music\s+)?(?:lyrics?\s+)?(?:video|audio|visuali[sz]er)|lyrics?|hd|hq|4k|official)\s*$/u;

/** Words that, all together, name an edition rather than a different recording: ` - Remastered 1999`. */
const EDITION_WORDS = new Set([
  'remaster',
  'remastered',
  'master',
  'mastered',
  'deluxe',
  'expanded',
  'anniversary',
  'bonus',
  'edition',
  'version',
  'track',
  'single',
  'album',
  'radio',
  'edit',
  'mono',
  'stereo',
  'mix',
  'digital',
]);
const EDITION_CORE = new Set(['remaster', 'remastered', 'master', 'mastered', 'deluxe', 'expanded', 'anniversary']);
const ORDINAL = /^\d+(?:st|nd|rd|th)$/u;
const DASH_SUFFIX = /\s+[-–—]\s+([^-–—]+)$/u;

function isEditionLabel(text: string): boolean {
  const ws = words(text).split(' ');
  let core = false;
  for (const w of ws) {
    if (EDITION_CORE.has(w)) core = true;
    else if (!EDITION_WORDS.has(w) && !YEAR.test(w) && !ORDINAL.test(w)) return false;
  }
  return core;
}

const MASTERING = /\b(?:remastered|remaster|mastered|master)\b/gu;

/** One spelling for the remastering words, so `(2017 Master)` reads like `- 2011 Remaster`. */
function canonicalEdition(label: string): string {
  return words(label).replace(MASTERING, 'remaster');
}

/**
 * Removes what is packaging rather than the song from a folded title: credit, noise and source bracket groups (and
 * groups naming the release), trailing credits and trailing noise words. Other bracket groups (`(Live)`,
 * `(Jauz Remix)`, `(Remastered 1999)`, `(coffee for your head)`) are kept.
 */
function clean(folded: string, releaseWords: string): string {
  const placeholders: string[] = [];
  let t = folded.replace(TRAILING_CREDIT, ' ');
  for (;;) {
    const before = t;
    t = t.replace(BRACKET_GROUP, (_group, inner: string) => {
      const restored = restore(inner, placeholders);
      if (CREDIT.test(restored) || SOURCE.test(restored) || isNoise(restored)) return ' ';
      const innerWords = words(restored);
      if (releaseWords !== '' && innerWords.split(' ').length >= 2 && releaseWords.includes(innerWords)) return ' ';
      const content = isEditionLabel(restored) ? canonicalEdition(restored) : restored;
      placeholders.push(`(${content})`);
      return `\u0000${placeholders.length - 1}\u0000`;
    });
    if (t === before) break;
  }
  t = restore(t, placeholders).replace(STRAY_BRACKETS, (b) => (b === '(' || b === '[' || b === '{' ? ' (' : ') '));
  // Unbalanced brackets are left to `words`, which treats them as punctuation.
  for (;;) {
    const trimmed = t.replace(TRAILING_NOISE, '');
    if (trimmed === t || words(trimmed) === '') break;
    t = trimmed;
  }
  return t.replace(/\s+/gu, ' ').trim();
}

function restore(s: string, placeholders: readonly string[]): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u0000(\d+)\u0000/gu, (_m, i: string) => placeholders[Number(i)] ?? '');
}

/** The text with its bracket groups removed (all of them, at any depth). */
function withoutBrackets(s: string): string {
  let t = s;
  for (;;) {
    const before = t;
    t = t.replace(BRACKET_GROUP, ' ');
    if (t === before) return t.replace(STRAY_BRACKETS, ' ');
  }
}

/**
 * The comparable forms of a title: `full` keeps bracket content that is not packaging (`remastered 1999`,
 * `jauz remix`), `core` drops every bracket group and a trailing ` - <edition>` suffix. Exported for tests.
 */
export function normaliseTitle(title: string, releaseTitle = ''): { full: string; core: string } {
  const text = clean(fold(title), words(fold(releaseTitle)));
  let fullText = text;
  let coreText = withoutBrackets(text);
  const dash = DASH_SUFFIX.exec(coreText);
  if (dash?.[1] !== undefined && isEditionLabel(dash[1])) {
    coreText = coreText.slice(0, dash.index);
    const fullDash = DASH_SUFFIX.exec(fullText);
    if (fullDash?.[1] !== undefined) fullText = `${fullText.slice(0, fullDash.index)} ${canonicalEdition(fullDash[1])}`;
  }
  const full = words(fullText);
  const core = words(coreText) || full;
  return { full: full || words(fold(title)), core: core || words(fold(title)) };
}

/** Channel suffixes and words that say nothing about who performs. */
const TOPIC_SUFFIX = /\s*-\s*topic\s*$/u;
const CHANNEL_WORDS = /\b(?:official|officiel|oficial|channel|tv)\b/gu;
const COMPACT_CHANNEL_SUFFIX = /(?:vevo|official|music|tv|channel|records)$/u;

/**
 * The comparable form of a person or band name: folded, punctuation and spaces removed, a leading `the` dropped
 * (`The Smiths` = `smiths`). Exported for tests.
 */
export function normaliseName(name: string): string {
  const w = words(fold(name));
  return (w.startsWith('the ') ? w.slice(4) : w).replace(/ /gu, '');
}

/** The parts of a credit or channel name: `A, B & C`, `A und B`, `A x B`, `A feat. B`, `A / B`, `A - B`. */
const NAME_JOINS =
  /\s*[,;/+]\s*|\s+(?:and|und|et|y|x|×|vs\.?|feat\.?|ft\.?|featuring|with|mit)\s+|\s+[-–—]\s+|\s*&\s*/u;

function nameParts(s: string): string[] {
  return s.split(NAME_JOINS).filter((p) => p.trim() !== '');
}

/** Uploader variants: as written, without ` - Topic`, `VEVO` and `Official`, and split into its credited names. */
function uploaderNames(uploader: string): string[] {
  const folded = fold(uploader).replace(TOPIC_SUFFIX, '').trim();
  if (folded === '') return [];
  const names = new Set<string>();
  const add = (s: string): void => {
    const compact = normaliseName(s);
    if (compact === '') return;
    names.add(compact);
    let stripped = compact;
    while (COMPACT_CHANNEL_SUFFIX.test(stripped)) stripped = stripped.replace(COMPACT_CHANNEL_SUFFIX, '');
    if (stripped !== '') names.add(stripped);
  };
  add(folded);
  add(folded.replace(CHANNEL_WORDS, ' '));
  for (const part of nameParts(folded)) add(part.replace(CHANNEL_WORDS, ' '));
  return [...names];
}

/** Artist names that say nothing about who performs. */
const NO_ARTIST = new Set(['various', 'variousartists', 'unknownartist', 'unknown', 'anonymous']);

function trackArtistNames(track: TrackQuery): string[] {
  return [...new Set(track.artists.map(normaliseName))].filter((n) => n !== '' && !NO_ARTIST.has(n));
}

// ---------------------------------------------------------------------------------------------------------------
// Similarity
// ---------------------------------------------------------------------------------------------------------------

/**
 * Similarity of two normalised strings, 0..1 (equal strings are 1): the mean of the word-set Dice coefficient and
 * the character-pair Dice coefficient when both have two or more words, the character-pair coefficient alone
 * otherwise (so scripts written without spaces still grade partial overlap). Exported for tests.
 */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const ta = a.split(' ').filter((t) => t !== '');
  const tb = b.split(' ').filter((t) => t !== '');
  if (ta.length === 0 || tb.length === 0) return 0;
  return wordDice(ta, tb);
}

/**
 * How much a name similarity says about identity: up to 0.7 names share letters by chance or by one containing the
 * other (`marshmello` vs `marshmallow aids` is 0.61, `bedoes` vs `bedoes 2115` 0.71), from 0.9 they are spelling
 * variants (`Gioachino`/`Gioacchino` is 0.97).
 */
function nameEvidence(a: string, b: string): number {
  if (a === b) return 1;
  const sim = wordDice([a], [b]);
  return clamp((sim - 0.7) / 0.2);
}

// ---------------------------------------------------------------------------------------------------------------
// Title
// ---------------------------------------------------------------------------------------------------------------

/** Separators between the parts of an upload title, outside brackets: ` - `, ` | `, ` // `, `: `, ` ~ `, ` • `. */
const SEPARATOR = /\s*[-–—]\s+|\s+[-–—]\s*|\s*\|\s*|\s+\/\/?\s+|\/\/|:\s+|\s+[~•]\s+/uy;
const MAX_SEGMENTS = 6;

/** Splits at separators outside brackets; at most {@link MAX_SEGMENTS} parts (the rest stays in the last). */
function segmentsOf(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth += 1;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth -= 1;
    else if (depth === 0 && parts.length < MAX_SEGMENTS - 1) {
      SEPARATOR.lastIndex = i;
      const m = SEPARATOR.exec(s);
      if (m !== null && m[0].length > 0) {
        parts.push(s.slice(start, i));
        i += m[0].length;
        start = i;
        continue;
      }
    }
    i += 1;
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => words(p) !== '');
}

const LEADING_TRACK_NUMBER = /^\s*\d{1,3}(?:\s*[.)]\s*|\s+)(?=\S)/u;
const QUOTED = /["“”«»„]([^"“”«»„]+)["“”«»„]/gu;

interface TitleForms {
  readonly full: string;
  readonly core: string;
}

function formsOf(text: string, stripNumber: boolean): TitleForms[] {
  const texts = [text];
  if (stripNumber && LEADING_TRACK_NUMBER.test(text)) texts.push(text.replace(LEADING_TRACK_NUMBER, ''));
  return texts.map((t) => {
    const full = words(t);
    return { full, core: words(withoutBrackets(t)) || full };
  });
}

/**
 * The ways an upload title may carry the track's title: every run of consecutive parts (`Artist - Title`,
 * `Title - Artist`, `07. Title - (Composer) - [Album]`), quoted parts (`Artist "Title"`), and the whole title with
 * the track's artists' names removed; each with and without a leading track number.
 */
function titleForms(cleanedText: string, trackTitle: TitleForms, artists: readonly string[]): TitleForms[] {
  const stripNumber = !/^\d/u.test(trackTitle.full);
  const segments = segmentsOf(cleanedText);
  const forms: TitleForms[] = [];
  for (let i = 0; i < segments.length; i++) {
    for (let j = i; j < segments.length; j++) {
      forms.push(...formsOf(segments.slice(i, j + 1).join(' '), stripNumber));
    }
  }
  for (const m of cleanedText.matchAll(QUOTED)) if (m[1] !== undefined) forms.push(...formsOf(m[1], stripNumber));
  let withoutArtists = ` ${words(cleanedText)} `;
  for (const artist of artists) {
    if (artist.length >= 3) withoutArtists = withoutArtists.replaceAll(` ${artist} `, ' ');
  }
  const stripped = withoutArtists.trim();
  if (stripped !== '' && stripped !== words(cleanedText)) forms.push(...formsOf(stripped, stripNumber));
  return forms;
}

/**
 * The most a title form scores when it lacks a number of the track's title: `Part 1` and `Part 3`, `Vol. 2` and
 * `Vol. 3` are different tracks however alike the rest reads, so such an upload is at best proposed for review.
 */
const TITLE_NUMBER_MISMATCH = 0.5;

const numbersOf = (text: string): string[] =>
  text
    .split(' ')
    .filter((token) => /^\d+$/u.test(token))
    .map((token) => String(Number(token)));

function titleScore(track: TitleForms, forms: readonly TitleForms[]): number {
  const w = SCORE_WEIGHTS.titleCore;
  const numbers = numbersOf(track.core);
  let best = 0;
  for (const form of forms) {
    const full = similarity(track.full, form.full);
    const mixed = w * similarity(track.core, form.core) + (1 - w) * full;
    let fit = Math.max(full, mixed);
    if (numbers.length > 0) {
      const present = new Set(numbersOf(form.full));
      if (!numbers.every((n) => present.has(n))) fit = Math.min(fit, TITLE_NUMBER_MISMATCH);
    }
    best = Math.max(best, fit);
    if (best === 1) break;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Artist
// ---------------------------------------------------------------------------------------------------------------

/** Credit in the title outside brackets (`Artist - Title`) is nearly as good as the uploader being the artist. */
const TITLE_ARTIST = 0.9;
/**
 * Credit only inside brackets (`Title (Artist)`) is weak: covers and piano versions name the original that way, so
 * it never lifts an unknown uploader's perfect title and duration to approval (0.45 + 0.09 + 0.25 < 0.8).
 */
const BRACKETED_ARTIST = 0.3;

function artistScore(
  artists: readonly string[],
  artistWordRuns: readonly string[],
  uploader: string,
  cleanedText: string,
  trackTitleFull: string,
  origin: CandidateOrigin,
): number {
  let best = origin === 'release_videos' ? SCORE_WEIGHTS.releaseVideoArtist : 0;
  const uploaders = uploaderNames(uploader);
  for (const artist of artists) {
    for (const name of uploaders) best = Math.max(best, nameEvidence(artist, name));
  }
  if (best === 1) return 1;

  // Names in the title, skipping an artist whose name is part of the track title itself (`club2020` by club2020).
  const outside = ` ${words(withoutBrackets(cleanedText))} `;
  const all = ` ${words(cleanedText)} `;
  const paddedTitle = ` ${trackTitleFull} `;
  artists.forEach((artist, i) => {
    const run = artistWordRuns[i] ?? '';
    if (run === '' || paddedTitle.includes(` ${run} `)) return;
    if (outside.includes(` ${run} `)) best = Math.max(best, TITLE_ARTIST);
    else if (all.includes(` ${run} `)) best = Math.max(best, BRACKETED_ARTIST);
    for (const segment of segmentsOf(cleanedText)) {
      // A part that is one bracket group is a credit (`- (Sir Edward Elgar) -`); brackets inside a part are not.
      const unwrapped = /^\([^()]*\)$/u.test(segment) ? segment.slice(1, -1) : withoutBrackets(segment);
      for (const part of nameParts(unwrapped)) {
        const name = normaliseName(part);
        if (name !== '' && !paddedTitle.includes(` ${words(part)} `)) {
          best = Math.max(best, TITLE_ARTIST * nameEvidence(artist, name));
        }
      }
    }
  });
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Duration
// ---------------------------------------------------------------------------------------------------------------

const knownDuration = (s: number | null): number | null => (s !== null && Number.isFinite(s) && s > 0 ? s : null);

/**
 * Duration closeness, 0..1: 1 within 3 s, then ((30 − d) / 27)², 0 from 30 s (10 s off gives 0.55, 20 s 0.14).
 * Null when either duration is unknown (null, zero or negative). Exported for tests.
 */
export function durationScore(trackSeconds: number | null, candidateSeconds: number | null): number | null {
  const a = knownDuration(trackSeconds);
  const b = knownDuration(candidateSeconds);
  if (a === null || b === null) return null;
  const d = Math.abs(a - b);
  if (d <= DURATION_SCORE.fullSeconds) return 1;
  if (d >= DURATION_SCORE.zeroSeconds) return 0;
  const x = (DURATION_SCORE.zeroSeconds - d) / (DURATION_SCORE.zeroSeconds - DURATION_SCORE.fullSeconds);
  return x * x;
}

// ---------------------------------------------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------------------------------------------

/** How each version shows in a (folded) title. */
const VERSION_PATTERNS: ReadonlyArray<readonly [VersionLabel, RegExp]> = [
  [
    'karaoke',
    /\bkaraoke\b|\bmade (?:famous|popular) by\b|\boriginally performed by\b|\bin the style of\b|\bas performed by\b|\bsing ?along\b|\bminus one\b/u,
  ],
  ['instrumental', /\binstrumental\b|\binst\b|\boff ?vocal\b|\bno vocals?\b|\bwithout vocals?\b|\bbacking track\b/u],
  ['acapella', /\ba ?cc?app?ella\b|\bvocals? only\b/u],
  ['nightcore', /\bnightcore\b/u],
  ['slowed', /\bslowed\b|\breverb\b|\bslow(?:ed)? down\b/u],
  ['sped_up', /\bsped up\b|\bspeed up\b|\bspeeded up\b/u],
  ['8d', /\b[89]d(?: audio)?\b|\b16d\b/u],
  ['loop', /\bloop(?:ed)?\b|\b\d+ ?(?:hours?|hrs?)\b|\bone hour\b/u],
  ['full_album', /\bfull (?:album|ep|soundtrack|ost)\b|\bcomplete album\b/u],
  [
    'live',
    /\blive\b|\bunplugged\b|\bin concert\b|\bconcert\b|\bfestival\b|\btour\b|\ben vivo\b|\bao vivo\b|\bsessions?\b/u,
  ],
  [
    'cover',
    /\bcover(?:s|ed)?\b|\btribute\b|\bparody\b|\b(?:8|16) ?bit\b|\bemulation\b|\blullaby\b|\bmusic box\b|\bpiano (?:version|cover)\b/u,
  ],
  ['remix', /\bremix(?:es|ed)?\b|\brmx\b|\bbootleg\b|\bmash ?up\b|\brework\b|\bre ?rub\b|\brefix\b/u],
  ['acoustic', /\bacoustic\b|\bakustik\b/u],
  ['demo', /\bdemo\b/u],
  ['reaction', /\breaction\b|\breacts?\b|\breacting\b|\breview\b|\bfirst time hearing\b/u],
  ['tutorial', /\btutorial\b|\blesson\b|\bhow to play\b|\bchords\b/u],
  ['bass_boosted', /\bbass ?boost(?:ed)?\b/u],
  ['snippet', /\bsnippet\b|\bpreview\b|\bteaser\b|\btrailer\b/u],
];

/** Versions a channel name alone gives away (`Sunfly Karaoke`, `Cover Guru`, `Nightcore Central`). */
const UPLOADER_VERSIONS = new Set<VersionLabel>(['karaoke', 'cover', 'nightcore', 'slowed', 'sped_up', '8d']);

/** `(Jauz Remix)`, `(Roll Deep Mix)`: a bracketed mix other than the original, radio, album or single mix. */
const BRACKETED_MIX = /\(([^()]*\bmix)\)/gu;
const PLAIN_MIX = /\b(?:original|radio|album|single|main|clean|dirty|explicit|extended|mono|stereo|club|dj)\s+mix$/u;
/** `(78rpm Version)`, `(Vocal Version)`: a version of a kind no other label names. */
const BRACKETED_VERSION = /\(([^()]*\bversion)\)/gu;
const PLAIN_VERSION =
  /\b(?:original|radio|album|single|main|clean|dirty|explicit|extended|mono|stereo|full|long|short|remastered|lp|ep|uncut|uncensored|censored|english|spanish)\s+version$/u;

/** The versions a text names. Exported for tests. */
export function versionsOf(text: string): Set<VersionLabel> {
  const t = ` ${words(fold(text))} `;
  const found = new Set<VersionLabel>();
  for (const [label, pattern] of VERSION_PATTERNS) if (pattern.test(t)) found.add(label);
  const bracketed = fold(text);
  for (const m of bracketed.matchAll(BRACKETED_MIX)) {
    const inner = words(m[1] ?? '');
    if (!PLAIN_MIX.test(inner) && inner !== 'mix') found.add('remix');
  }
  for (const m of bracketed.matchAll(BRACKETED_VERSION)) {
    const inner = words(m[1] ?? '');
    const named = [...versionsOf(inner)].length > 0;
    if (!named && !PLAIN_VERSION.test(inner) && inner !== 'version') found.add('version');
  }
  return found;
}

function penaltiesOf(track: TrackQuery, candidate: AudioCandidate, claimed: Set<VersionLabel>): VersionLabel[] {
  const found = versionsOf(candidate.title);
  for (const label of versionsOf(candidate.uploader)) if (UPLOADER_VERSIONS.has(label)) found.add(label);
  const seconds = knownDuration(candidate.durationSeconds);
  const trackSeconds = knownDuration(track.durationSeconds);
  if (seconds !== null && seconds >= HOUR_LONG_SECONDS && (trackSeconds === null || seconds >= 3 * trackSeconds)) {
    found.add('hour_long');
  }
  return [...found].filter((label) => !claimed.has(label)).sort();
}

/**
 * `Live` opening a name (`Live Wires`, `Live Forever`, `Live and Let Die`) rather than saying where a recording was
 * made (`Live at Leeds`, `Live in Berlin`, `Song (Live)`, `Live 1975`): such a title claims no live version.
 */
const LIVE_AS_WORD = /(?<![\p{L}\p{N}])live\s+(?!(?:at|in|from|on|aus|au|a|à|en)(?![\p{L}\p{N}]))(?=\p{L})/giu;

/** The versions the track claims: named in its title or its release title, or an hour-long track itself. */
function claimedVersions(track: TrackQuery): Set<VersionLabel> {
  const claimed = versionsOf(`${track.title} | ${track.releaseTitle ?? ''}`.replace(LIVE_AS_WORD, ''));
  const seconds = knownDuration(track.durationSeconds);
  if (seconds !== null && seconds >= HOUR_LONG_SECONDS) claimed.add('hour_long');
  return claimed;
}

// ---------------------------------------------------------------------------------------------------------------
// Scoring
// ---------------------------------------------------------------------------------------------------------------

function clamp(x: number, lo = 0, hi = 1): number {
  return Math.min(hi, Math.max(lo, x));
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/** What scoring derives from a track once, for all of its candidates. */
interface PreparedTrack {
  readonly query: TrackQuery;
  readonly title: TitleForms;
  readonly artists: string[];
  readonly artistRuns: string[];
  readonly releaseWords: string;
  readonly claimed: Set<VersionLabel>;
}

function prepare(track: TrackQuery): PreparedTrack {
  const artists = trackArtistNames(track);
  const runs = artists.map((name) => {
    const original = track.artists.find((a) => normaliseName(a) === name) ?? '';
    const w = words(fold(original));
    return w.length >= 3 ? w : '';
  });
  return {
    query: track,
    title: normaliseTitle(track.title, track.releaseTitle),
    artists,
    artistRuns: runs,
    releaseWords: words(fold(track.releaseTitle ?? '')),
    claimed: claimedVersions(track),
  };
}

function score(t: PreparedTrack, candidate: AudioCandidate): ScoreBreakdown {
  const cleaned = clean(fold(candidate.title), t.releaseWords);
  const title = round(titleScore(t.title, titleForms(cleaned, t.title, t.artistRuns)));
  const artist = round(
    artistScore(t.artists, t.artistRuns, candidate.uploader, cleaned, t.title.full, candidate.origin),
  );
  const durationRaw = durationScore(t.query.durationSeconds, candidate.durationSeconds);
  const duration = durationRaw === null ? null : round(durationRaw);
  const penalties = penaltiesOf(t.query, candidate, t.claimed);
  const penalty = round(penalties.reduce((sum, label) => sum + VERSION_PENALTIES[label], 0));
  const w = SCORE_WEIGHTS;
  const base = w.title * title + w.artist * artist + w.duration * (duration ?? w.unknownDuration);
  return { title, artist, duration, penalties, penalty, total: round(clamp(base - penalty)) };
}

/** Scores one upload for one track (see the module comment for the formula). */
export function scoreCandidate(track: TrackQuery, candidate: AudioCandidate): ScoreBreakdown {
  return score(prepare(track), candidate);
}

// ---------------------------------------------------------------------------------------------------------------
// Choice
// ---------------------------------------------------------------------------------------------------------------

const ORIGIN_RANK: Readonly<Record<CandidateOrigin, number>> = {
  release_videos: 0,
  youtube_search: 1,
  soundcloud_search: 2,
};

/**
 * 2 for a `- Topic` channel (art tracks generated from the label's delivery: the album audio, no video intro), 1 for
 * a `VEVO` or self-declared official channel, 0 otherwise.
 */
function uploaderRank(uploader: string): number {
  const f = fold(uploader);
  if (TOPIC_SUFFIX.test(f)) return 2;
  return /vevo\s*$/u.test(f) || /\bofficial\b/u.test(f) ? 1 : 0;
}

/**
 * The comparable form of an upload URL: a YouTube video id (`www.`, `music.`, `m.`, `youtu.be` and `/shorts/` links
 * are the same video), otherwise the URL without query, fragment and trailing slash, host lowercased. Exported for
 * tests.
 */
export function canonicalUrl(url: string): string {
  const trimmed = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return trimmed;
  }
  const host = parsed.hostname.toLowerCase().replace(/^(?:www|m|music)\./u, '');
  if (host === 'youtube.com' || host === 'youtu.be' || host === 'youtube-nocookie.com') {
    const id =
      host === 'youtu.be'
        ? parsed.pathname.slice(1)
        : (parsed.searchParams.get('v') ?? /^\/(?:shorts|embed|live)\/([^/]+)/u.exec(parsed.pathname)?.[1] ?? '');
    if (id !== '') return `youtube:${id}`;
  }
  return `${host}${parsed.pathname.replace(/\/+$/u, '')}`;
}

/**
 * Best first: total, then release videos, then `- Topic` channels, then VEVO/official channels, then plays, then id
 * and URL (deterministic).
 */
function compareScored(a: ScoredCandidate, b: ScoredCandidate): number {
  const ca = a.candidate;
  const cb = b.candidate;
  return (
    b.breakdown.total - a.breakdown.total ||
    ORIGIN_RANK[ca.origin] - ORIGIN_RANK[cb.origin] ||
    uploaderRank(cb.uploader) - uploaderRank(ca.uploader) ||
    (cb.plays ?? -1) - (ca.plays ?? -1) ||
    compareStrings(ca.id, cb.id) ||
    compareStrings(ca.url, cb.url)
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One entry per upload (same platform and id, or same canonical URL). Of an upload seen twice — a release video
 * that the search found again — the better origin is kept (release videos, then YouTube search, then SoundCloud),
 * with what it lacks (duration, uploader, plays, thumbnail) taken from the other sighting.
 */
function dedupe(candidates: readonly AudioCandidate[]): AudioCandidate[] {
  const byKey = new Map<string, AudioCandidate>();
  const order: string[] = [];
  for (const c of candidates) {
    const key = c.platform === 'youtube' && c.id !== '' ? `youtube:${c.id}` : canonicalUrl(c.url);
    const seen = byKey.get(key);
    if (seen === undefined) {
      byKey.set(key, c);
      order.push(key);
      continue;
    }
    const [keep, other] = ORIGIN_RANK[c.origin] < ORIGIN_RANK[seen.origin] ? [c, seen] : [seen, c];
    byKey.set(key, {
      ...keep,
      durationSeconds: knownDuration(keep.durationSeconds) ?? other.durationSeconds,
      uploader: keep.uploader !== '' ? keep.uploader : other.uploader,
      plays: keep.plays ?? other.plays,
      thumbnailUrl: keep.thumbnailUrl ?? other.thumbnailUrl,
    });
  }
  return order.map((key) => byKey.get(key)).filter((c): c is AudioCandidate => c !== undefined);
}

/**
 * Two uploads of the same song by the same artist in the same version (an official video and its `- Topic` art
 * track, a re-upload): both fit the track's title and artist and carry the same version labels. Proposing either is
 * right, so their closeness is no ambiguity. Their lengths are not compared: when the track's duration is known it
 * has already ranked them, and when it is not nothing tells the cuts apart, so the tie-breaks choose (the `- Topic`
 * album audio first).
 */
function sameSong(a: ScoredCandidate, b: ScoredCandidate): boolean {
  const t = CHOICE_THRESHOLDS;
  const ba = a.breakdown;
  const bb = b.breakdown;
  if (ba.title < t.sameSongTitle || bb.title < t.sameSongTitle) return false;
  if (ba.artist < t.sameSongArtist || bb.artist < t.sameSongArtist) return false;
  return ba.penalties.join() === bb.penalties.join();
}

const fixed = (x: number): string => x.toFixed(2);

function describe(s: ScoredCandidate): string {
  const b = s.breakdown;
  const by = s.candidate.uploader !== '' ? ` by ${s.candidate.uploader}` : '';
  const parts = [
    `title ${fixed(b.title)}`,
    `artist ${fixed(b.artist)}`,
    `duration ${b.duration === null ? 'unknown' : fixed(b.duration)}`,
  ];
  if (b.penalties.length > 0) parts.push(`${b.penalties.join('/')} −${fixed(b.penalty)}`);
  return `"${s.candidate.title}"${by} scores ${fixed(b.total)} (${parts.join(', ')})`;
}

/**
 * Chooses the upload for a track among its candidates.
 *
 * Candidates whose URL an admin rejected are dropped; an upload seen twice counts once (see {@link dedupe}). The
 * rest rank by total, then release videos first, then `- Topic`, then VEVO/official channels, then plays, then id.
 *
 * - `no_match`: nothing left, or the best total is below 0.4, or no upload's title fits the track's (title < 0.5).
 * - `approved`: the best total is ≥ `autoApprove`, and no other upload also ≥ `autoApprove` is within
 *   `ambiguityMargin` (0.05) of it — unless that upload is the same song ({@link sameSong}). Two different songs,
 *   artists or versions that fit equally well are a real ambiguity; the same song uploaded twice is not.
 * - `needs_review`: everything else (below `autoApprove`, or ambiguous), with the best candidate proposed.
 */
export function chooseMatch(
  track: TrackQuery,
  candidates: readonly AudioCandidate[],
  options: ChooseMatchOptions,
): MatchChoice {
  const choice = chooseWithLength(track, candidates, options);
  if (track.durationSeconds !== null || choice.status !== 'approved') return choice;
  // Discogs often has no length for a track, and then a wrong-length upload of the right title by the right artist
  // scores as high as the right one. The length the uploads agree on stands in for it: two different uploads of the
  // song (official, Topic, lyric…) within 3 s of each other. Without such agreement the choice goes to review.
  const inferred = consensusLength(choice.scored);
  if (inferred === null) {
    return {
      ...choice,
      status: 'needs_review',
      reason: `track length unknown and no two uploads agree on one: ${choice.reason}`,
    };
  }
  const rescored = chooseWithLength({ ...track, durationSeconds: inferred.seconds }, candidates, options);
  return {
    ...rescored,
    reason: `length ${inferred.seconds} s agreed by ${inferred.uploads} uploads; ${rescored.reason}`,
  };
}

/** Uploads that count as the song itself: a close title, the right artist, no version penalty, a known length. */
const LENGTH_WITNESS = { title: 0.9, artist: 0.75, toleranceSeconds: 3 } as const;

/**
 * The length most uploads of the song agree on (within 3 s), when at least two different uploads do; the median of
 * that group. Null when no two agree.
 */
export function consensusLength(scored: readonly ScoredCandidate[]): { seconds: number; uploads: number } | null {
  const witnesses = scored.filter(
    (s) =>
      s.candidate.durationSeconds !== null &&
      s.breakdown.title >= LENGTH_WITNESS.title &&
      s.breakdown.artist >= LENGTH_WITNESS.artist &&
      s.breakdown.penalties.length === 0,
  );
  let best: number[] = [];
  for (const w of witnesses) {
    const d = w.candidate.durationSeconds as number;
    const group = witnesses
      .map((o) => o.candidate.durationSeconds as number)
      .filter((o) => Math.abs(o - d) <= LENGTH_WITNESS.toleranceSeconds);
    if (group.length > best.length) best = group;
  }
  if (best.length < 2) return null;
  const sorted = [...best].sort((x, y) => x - y);
  return { seconds: sorted[Math.floor(sorted.length / 2)] as number, uploads: best.length };
}

function chooseWithLength(
  track: TrackQuery,
  candidates: readonly AudioCandidate[],
  options: ChooseMatchOptions,
): MatchChoice {
  const { autoApprove } = options;
  const margin = options.ambiguityMargin ?? CHOICE_THRESHOLDS.ambiguityMargin;
  if (!(autoApprove >= 0 && autoApprove <= 1))
    throw new RangeError(`autoApprove must be within 0..1, got ${autoApprove}`);
  if (!(margin >= 0 && margin <= 1)) throw new RangeError(`ambiguityMargin must be within 0..1, got ${margin}`);

  const rejected = new Set([...(options.rejectedUrls ?? [])].map(canonicalUrl));
  const left = candidates.filter((c) => !rejected.has(canonicalUrl(c.url)));
  const droppedNote = left.length < candidates.length ? ` (${candidates.length - left.length} rejected dropped)` : '';
  const prepared = prepare(track);
  const scored = dedupe(left)
    .map((candidate) => ({ candidate, breakdown: score(prepared, candidate) }))
    .sort(compareScored);

  const best = scored[0];
  if (best === undefined) {
    return { status: 'no_match', best: null, runnerUp: null, scored, reason: `no candidates${droppedNote}` };
  }
  const runnerUp = scored[1] ?? null;
  const b = best.breakdown;
  if (b.total < CHOICE_THRESHOLDS.noMatchTotal || b.title < CHOICE_THRESHOLDS.noMatchTitle) {
    return {
      status: 'no_match',
      best: null,
      runnerUp: null,
      scored,
      reason: `no upload fits: the best, ${describe(best)}, is below the floor${droppedNote}`,
    };
  }
  const runnerNote = runnerUp === null ? '' : `; runner-up ${describe(runnerUp)}`;
  if (b.total < autoApprove) {
    return {
      status: 'needs_review',
      best,
      runnerUp,
      scored,
      reason: `below ${fixed(autoApprove)}: ${describe(best)}${runnerNote}${droppedNote}`,
    };
  }
  const rival = scored
    .slice(1)
    .find((s) => s.breakdown.total >= autoApprove && b.total - s.breakdown.total < margin && !sameSong(best, s));
  if (rival !== undefined) {
    return {
      status: 'needs_review',
      best,
      runnerUp,
      scored,
      reason: `ambiguous: ${describe(best)} and ${describe(rival)} fit within ${fixed(margin)}${droppedNote}`,
    };
  }
  return { status: 'approved', best, runnerUp, scored, reason: `${describe(best)}${runnerNote}${droppedNote}` };
}
