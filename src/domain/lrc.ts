/**
 * LRC lyrics: a parser and the "which line is playing" lookup. Pure (strings and arrays only) so the server parses
 * a session's lyrics once and the web app can run the same code.
 *
 * What is accepted, on purpose no more:
 * - a time tag is `[m:ss]`, `[m:ss.f]`, `[m:ss.ff]` or `[m:ss.fff]` with 1–4 minute digits (so `[75:02.10]` works),
 *   1–2 second digits below 60, and a fraction read as tenths, hundredths or milliseconds. Anything else in
 *   brackets (`[00:75.00]`, `[aa:bb]`, `[Chorus]`) is not a time and stays part of the text;
 * - several time tags before one text (`[00:12.00][01:30.50]Chorus`) give one line per tag;
 * - an ID tag (`[ti:…]`, `[ar:…]`, `[al:…]`, `[au:…]`, `[lr:…]`, `[by:…]`, `[length:…]`, `[offset:…]`, `[re:…]`,
 *   `[ve:…]`, `[tool:…]`, `[#:…]`) at the start of a line goes to `tags` (key lower-cased, value trimmed, the last
 *   one wins). Only these keys: `[Chorus: Someone]` in plain lyrics is text, not a tag;
 * - enhanced LRC word times (`<00:12.50>word`) are removed from the text;
 * - a time tag with no text is kept as a blank line: an instrumental gap a display should show as such.
 */

/** One line of lyrics; `time` is seconds into the track with the file's offset applied. */
export interface LrcLine {
  time: number;
  text: string;
}

export interface ParsedLyrics {
  /**
   * true when at least one valid time tag was found. Then `lines` holds the timed lines only, sorted by time (equal
   * times keep their order in the file); text lines with no time tag have no place in time and are left out.
   * false for plain text: `lines` holds its lines in order, all at time 0, with each run of blank lines (a stanza
   * break) kept as one blank line and none at the start or end. Do not follow plain lyrics with
   * {@link lyricPosition}: every line is at 0, so it would always point at the last one.
   */
  synced: boolean;
  lines: LrcLine[];
  /** ID tags by lower-case key (`ti`, `ar`, `al`, `by`, `length`, `offset`, …), values as written. */
  tags: Record<string, string>;
  /**
   * The `[offset:±ms]` tag as a number (0 when absent or not an integer). As in the LRC convention a positive offset
   * makes the lyrics appear earlier: each line's time is its tag's time minus `offsetMs / 1000`, never below 0. The
   * times in `lines` already have it applied.
   */
  offsetMs: number;
}

/** The ID tag keys recognised at the start of a line. */
const ID_TAG_KEYS = new Set(['ti', 'ar', 'al', 'au', 'lr', 'by', 'length', 'offset', 're', 've', 'tool', '#']);

/** Anchored, no nested quantifiers: a failed match costs a few steps whatever the input. */
const TIME_TAG = /^(\d{1,4}):(\d{1,2})(?:\.(\d{1,3}))?$/;
const WORD_TIME = /<\d{1,4}:\d{1,2}(?:\.\d{1,3})?>/g;
const OFFSET_VALUE = /^[+-]?\d{1,9}$/;

/** Milliseconds of a time tag's content, or null when it is not a valid time. */
function timeTagMs(content: string): number | null {
  const match = TIME_TAG.exec(content.trim());
  if (!match) return null;
  const minutes = Number(match[1]);
  const seconds = Number(match[2]);
  if (seconds >= 60) return null;
  const fraction = match[3] ?? '';
  // ".5" is half a second, ".05" five hundredths, ".005" five milliseconds.
  const fractionMs = fraction === '' ? 0 : Number(fraction.padEnd(3, '0'));
  return minutes * 60_000 + seconds * 1000 + fractionMs;
}

/** The tag of `[key:value]` when `key` is a recognised ID tag. */
function idTag(content: string): [string, string] | null {
  const colon = content.indexOf(':');
  if (colon <= 0) return null;
  const key = content.slice(0, colon).trim().toLowerCase();
  if (!ID_TAG_KEYS.has(key)) return null;
  return [key, content.slice(colon + 1).trim()];
}

interface RawLine {
  /** Tag times in ms before the offset; empty for a line without a time. */
  timesMs: number[];
  text: string;
}

/**
 * Reads the bracket groups at the start of one line (already trimmed): time tags, or ID tags when no time came
 * first. Each group is scanned once, so a line costs time linear in its length whatever its brackets.
 */
function readLine(line: string, tags: Record<string, string>): RawLine | null {
  const timesMs: number[] = [];
  let pos = 0;
  let sawIdTag = false;
  while (pos < line.length && line.charCodeAt(pos) === 0x5b /* [ */) {
    const close = line.indexOf(']', pos + 1);
    if (close < 0) break;
    const content = line.slice(pos + 1, close);
    const ms = timeTagMs(content);
    if (ms !== null) {
      timesMs.push(ms);
    } else if (timesMs.length > 0) {
      break;
    } else {
      const tag = idTag(content);
      if (!tag) break;
      tags[tag[0]] = tag[1];
      sawIdTag = true;
    }
    pos = close + 1;
  }
  const text = stripWordTimes(line.slice(pos)).trim();
  // A line made only of ID tags is not lyrics.
  if (sawIdTag && timesMs.length === 0 && text === '') return null;
  return { timesMs, text };
}

function stripWordTimes(text: string): string {
  return text.includes('<') ? text.replace(WORD_TIME, '') : text;
}

/**
 * Parses LRC (or plain text) lyrics. Never throws: whatever is not a time or an ID tag is text. Accepts a byte-order
 * mark, CRLF, CR or LF newlines and surrounding whitespace. Runs in time linear in the input (the contract caps
 * lyrics at 64 KiB; that parses in a few milliseconds).
 */
export function parseLrc(input: string): ParsedLyrics {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const tags: Record<string, string> = {};
  const raw: RawLine[] = [];
  let synced = false;
  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    const line = readLine(rawLine.trim(), tags);
    if (!line) continue;
    if (line.timesMs.length > 0) synced = true;
    raw.push(line);
  }

  const offsetTag = tags.offset;
  const offsetMs = offsetTag !== undefined && OFFSET_VALUE.test(offsetTag) ? Number(offsetTag) : 0;

  if (!synced) return { synced, lines: plainLines(raw), tags, offsetMs };

  const lines: LrcLine[] = [];
  for (const line of raw) {
    for (const ms of line.timesMs) lines.push({ time: Math.max(0, ms - offsetMs) / 1000, text: line.text });
  }
  // Array.prototype.sort is stable (ES2019), so equal times keep the file's order.
  lines.sort((a, b) => a.time - b.time);
  return { synced, lines, tags, offsetMs };
}

/** Plain text: every line at time 0, runs of blank lines collapsed to one, none at either end. */
function plainLines(raw: readonly RawLine[]): LrcLine[] {
  const lines: LrcLine[] = [];
  let pendingBlank = false;
  for (const { text } of raw) {
    if (text === '') {
      pendingBlank = lines.length > 0;
      continue;
    }
    if (pendingBlank) lines.push({ time: 0, text: '' });
    pendingBlank = false;
    lines.push({ time: 0, text });
  }
  return lines;
}

export interface LyricPosition {
  /** The last line whose time is ≤ the elapsed time; -1 before the first line (or with no lines). */
  lineIndex: number;
  /** When the line after `lineIndex` starts, in seconds; null after the last line. */
  nextLineAt: number | null;
}

/**
 * Where playback is in lines sorted by time (as {@link parseLrc} returns them), by binary search. Of several lines
 * with one time the last is current, since the earlier ones last no time at all. A NaN elapsed time counts as before
 * the start.
 */
export function lyricPosition(lines: readonly { time: number }[], elapsedSeconds: number): LyricPosition {
  let lo = 0;
  let hi = lines.length;
  if (!Number.isNaN(elapsedSeconds)) {
    // Invariant: lines[< lo] are ≤ elapsed, lines[≥ hi] are > elapsed.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lines[mid]!.time <= elapsedSeconds) lo = mid + 1;
      else hi = mid;
    }
  }
  return { lineIndex: lo - 1, nextLineAt: lines[lo]?.time ?? null };
}
