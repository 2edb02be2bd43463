/**
 * Pure conversion of raw JioSaavn items (`api-types.ts`) to the releases domain model. No I/O: tested on
 * recorded-shape fixtures. The upstream is untrusted, so every field is read defensively and an item that cannot
 * be identified (no id or no title) is skipped and reported rather than thrown.
 */
import he from 'he';
import { languageName, type MapResult, type ReleaseInput } from '../../domain/music.ts';
import type {
  JioSaavnAlbumsPage,
  JioSaavnArtist,
  JioSaavnFlatSong,
  JioSaavnV4Album,
  JioSaavnV4Song,
} from './api-types.ts';

export interface MapOptions {
  /** The language the page was requested for; used only when an item does not name its own. */
  language?: string;
}

/**
 * A value of an item the mapper refused and replaced by null (the item itself is kept): a link that is not an
 * absolute `https:`/`http:` URL (`javascript:`, `data:`, relative, malformed). The caller logs it; the mapper is pure.
 */
export interface DroppedValue {
  /** Position of the item in the page (0 for a single item). */
  index: number;
  field: 'url' | 'imageUrl';
  reason: string;
  /** The refused value, cut to 200 characters, for the log. */
  value: string;
}

export type MapItemResult =
  { ok: true; release: ReleaseInput; dropped: Omit<DroppedValue, 'index'>[] } | { ok: false; reason: string };

/** {@link MapResult} plus the values dropped from kept items (see {@link DroppedValue}). */
export interface JioSaavnMapResult extends MapResult {
  dropped: DroppedValue[];
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F]/g;

/**
 * Decodes HTML entities (`&quot;` → `"`), turns control characters (NUL included, which PostgreSQL refuses in text)
 * into spaces, collapses runs of whitespace and trims. Non-strings become `''`.
 */

export function cleanText(value: unknown): string {
  if (typeof value !== 'string') return '';
  return he.decode(value).replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * An upstream link as the API may serve it: an absolute `https:` or `http:` URL without credentials or control
 * characters, as given (trimmed). Anything else (`javascript:`, `data:`, relative, malformed) is refused with the
 * reason; empty or non-string is simply absent (null, no reason).
 */
export function checkUrl(value: unknown): { url: string | null; refused?: string } {
  if (typeof value !== 'string' || value.trim() === '') return { url: null };
  const text = value.trim();
  // eslint-disable-next-line no-control-regex -- control characters make a URL unsafe to serve
  if (/[\u0000-\u001F\u007F\s]/.test(text)) return { url: null, refused: 'contains whitespace or control characters' };
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return { url: null, refused: 'not an absolute URL' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return { url: null, refused: `scheme ${parsed.protocol} is not http(s)` };
  }
  if (parsed.username !== '' || parsed.password !== '') return { url: null, refused: 'carries credentials' };
  return { url: text };
}

/**
 * A non-negative number from JioSaavn's string-typed numbers (`"257"` → 257); `""`, `"abc"`, negatives and
 * non-finite values → null.
 */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : null;
}

/**
 * The 500x500 variant of a JioSaavn artwork URL (the CDN serves `50x50`, `150x150` and `500x500` of each image);
 * empty or non-string → null.
 */
export function largeImage(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '' || checkUrl(value).url === null) return null;
  // Lookarounds, not \b: artist images use `_150x150.jpg`, and `_` is a word character.
  return value.trim().replace(/(?<!\d)(?:150x150|50x50)(?!\d)/g, '500x500');
}

/**
 * Reads a release date: `YYYY-MM-DD` (a real calendar date) → that date and its year; `YYYY` alone → no date but
 * the year; anything else → both null.
 */
export function parseReleaseDate(value: unknown): { date: string | null; year: number | null } {
  const text = typeof value === 'string' ? value.trim() : '';
  const full = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (full) {
    const [year, month, day] = [Number(full[1]), Number(full[2]), Number(full[3])];
    const d = new Date(Date.UTC(year, month - 1, day));
    // Date.UTC rolls 2024-02-30 over to March; a round trip rejects it.
    const valid = d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
    return valid && year >= 1000 ? { date: text, year } : { date: null, year: null };
  }
  return { date: null, year: parseYear(text) };
}

function parseYear(value: unknown): number | null {
  const n = toNumber(value);
  return n !== null && Number.isInteger(n) && n >= 1000 && n <= 9999 ? n : null;
}

function parseId(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  // eslint-disable-next-line no-control-regex -- an id with control characters identifies nothing we can store
  return trimmed === '' || /[\u0000-\u001F\u007F]/.test(trimmed) ? null : trimmed;
}

/**
 * The upstream item as kept in `metadata`, without NUL characters in its strings and keys (PostgreSQL's `jsonb`
 * refuses U+0000, which would fail the whole page). The same object when it has none.
 */
export function withoutNul(value: unknown): unknown {
  if (!JSON.stringify(value ?? null).includes('\\u0000')) return value;
  const strip = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replaceAll('\u0000', '');
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replaceAll('\u0000', ''), strip(x)]));
    }
    return v;
  };
  return strip(value);
}

function parseDuration(value: unknown): number | null {
  const n = toNumber(value);
  return n !== null && n > 0 ? Math.round(n) : null;
}

function parseExplicit(value: unknown): boolean {
  return value === true || value === 'true' || toNumber(value) === 1;
}

function orNull(text: string): string | null {
  return text === '' ? null : text;
}

/** Order-preserving, case-insensitive de-duplication of cleaned names (album items list the composer twice). */
function uniqueNames(names: readonly unknown[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of names) {
    const clean = cleanText(name);
    const key = clean.toLowerCase();
    if (clean === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(clean);
  }
  return out;
}

/** `"A, B"` → `['A', 'B']` (JioSaavn's display lists use ", "; names with commas are not a concern seen upstream). */
function splitArtists(value: unknown): string[] {
  return uniqueNames(cleanText(value).split(','));
}

function artistNames(list: readonly JioSaavnArtist[] | undefined): string[] {
  return Array.isArray(list) ? uniqueNames(list.map((a) => (isRecord(a) ? a.name : undefined))) : [];
}

/**
 * Artists from a v4 subtitle, which reads "A, B - <title or album>"; only when the suffix matches, because other
 * subtitles (albums, playlists) are not artist lists.
 */
function subtitleArtists(subtitle: unknown, suffixes: readonly string[]): string[] {
  const text = cleanText(subtitle);
  for (const suffix of suffixes) {
    if (suffix !== '' && text.endsWith(` - ${suffix}`)) return splitArtists(text.slice(0, -(suffix.length + 3)));
  }
  return [];
}

function firstNonEmpty(...lists: (() => string[])[]): string[] {
  for (const list of lists) {
    const names = list();
    if (names.length > 0) return names;
  }
  return [];
}

function mapLanguage(value: unknown, options: MapOptions): string {
  const own = cleanText(value).toLowerCase();
  if (own !== '') return languageName(own) ?? own;
  const requested = options.language === undefined ? undefined : languageName(options.language);
  return requested ?? 'unknown';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function mapV4Song(item: JioSaavnV4Song, id: string, title: string, options: MapOptions): ReleaseInput {
  const info = isRecord(item.more_info) ? item.more_info : {};
  // A song without an album name is treated as its own single, so unrelated album-less songs never share a key.
  const albumName = cleanText(info.album) || title;
  const dated = parseReleaseDate(info.release_date);
  return {
    source: 'jiosaavn',
    externalId: id,
    title,
    artists: firstNonEmpty(
      () => artistNames(info.artistMap?.primary_artists),
      () => splitArtists(info.music),
      () => subtitleArtists(item.subtitle, [title, albumName]),
      () => artistNames(info.artistMap?.artists),
    ),
    album: { externalId: parseId(info.album_id), name: albumName },
    language: mapLanguage(item.language, options),
    releaseDate: dated.date,
    // Links are checked and set by withSafeLinks.
    imageUrl: null,
    url: null,
    durationSeconds: parseDuration(info.duration),
    year: parseYear(item.year) ?? dated.year,
    playCount: toNumber(item.play_count),
    explicit: parseExplicit(item.explicit_content),
    label: orNull(cleanText(info.label)),
    kind: 'song',
    songCount: null,
    raw: withoutNul(item),
  };
}

function mapV4Album(item: JioSaavnV4Album, id: string, title: string, options: MapOptions): ReleaseInput {
  const info = isRecord(item.more_info) ? item.more_info : {};
  const dated = parseReleaseDate(info.release_date);
  return {
    source: 'jiosaavn',
    externalId: id,
    title,
    // Album items in recorded data have empty primary_artists and credit the composer under `artists`.
    artists: firstNonEmpty(
      () => artistNames(info.artistMap?.primary_artists),
      () => splitArtists(info.music),
      () => subtitleArtists(item.subtitle, [title]),
      () => artistNames(info.artistMap?.artists),
    ),
    album: { externalId: id, name: title },
    language: mapLanguage(item.language, options),
    releaseDate: dated.date,
    // Links are checked and set by withSafeLinks.
    imageUrl: null,
    url: null,
    durationSeconds: null,
    year: parseYear(item.year) ?? dated.year,
    playCount: toNumber(item.play_count),
    explicit: parseExplicit(item.explicit_content),
    label: orNull(cleanText(info.label)),
    kind: 'album',
    songCount: toNumber(info.song_count),
    raw: withoutNul(item),
  };
}

function mapFlatSong(item: JioSaavnFlatSong, id: string, title: string, options: MapOptions): ReleaseInput {
  const albumName = cleanText(item.album) || title;
  const dated = parseReleaseDate(item.release_date);
  return {
    source: 'jiosaavn',
    externalId: id,
    title,
    artists: firstNonEmpty(
      () => splitArtists(item.primary_artists),
      () => splitArtists(item.music),
      () => splitArtists(item.singers),
    ),
    album: { externalId: parseId(item.albumid), name: albumName },
    language: mapLanguage(item.language, options),
    releaseDate: dated.date,
    // Links are checked and set by withSafeLinks.
    imageUrl: null,
    url: null,
    durationSeconds: parseDuration(item.duration),
    year: parseYear(item.year) ?? dated.year,
    playCount: toNumber(item.play_count),
    explicit: parseExplicit(item.explicit_content),
    label: orNull(cleanText(item.label)),
    kind: 'song',
    songCount: null,
    raw: withoutNul(item),
  };
}

/** Checks the links of a mapped release: a refused one becomes null and is reported. */
function withSafeLinks(
  release: ReleaseInput,
  links: { url: unknown; image: unknown },
): Extract<MapItemResult, { ok: true }> {
  const dropped: Omit<DroppedValue, 'index'>[] = [];
  const url = checkUrl(links.url);
  if (url.refused) dropped.push({ field: 'url', reason: url.refused, value: String(links.url).slice(0, 200) });
  const image = checkUrl(links.image);
  if (image.refused) {
    dropped.push({ field: 'imageUrl', reason: image.refused, value: String(links.image).slice(0, 200) });
  }
  return { ok: true, release: { ...release, url: url.url, imageUrl: image.url && largeImage(image.url) }, dropped };
}

/**
 * Maps one raw item of either shape (v4 song or album, flat song) to a {@link ReleaseInput}, or says why it cannot:
 * not an object, no id, no title, or a type other than song/album (playlists, radio stations, …). Links that are not
 * `https:`/`http:` URLs become null and are listed in `dropped`.
 */
export function mapJioSaavnItem(item: unknown, options: MapOptions = {}): MapItemResult {
  if (!isRecord(item)) return { ok: false, reason: 'not an object' };
  const id = parseId(item.id);
  if (id === null) return { ok: false, reason: 'missing id' };

  // Flat items name the song `song`; v4 items name it `title`.
  if (typeof item.song === 'string') {
    const flat = item as JioSaavnFlatSong;
    const type = cleanText(flat.type);
    if (type !== '' && type !== 'song') return { ok: false, reason: `unsupported flat item type "${type}"` };
    const title = cleanText(flat.song);
    if (title === '') return { ok: false, reason: 'missing title' };
    return withSafeLinks(mapFlatSong(flat, id, title, options), { url: flat.perma_url, image: flat.image });
  }

  const title = cleanText(item.title);
  if (title === '') return { ok: false, reason: 'missing title' };
  switch (item.type) {
    case 'song':
      return withSafeLinks(mapV4Song(item as unknown as JioSaavnV4Song, id, title, options), {
        url: item.perma_url,
        image: item.image,
      });
    case 'album':
      return withSafeLinks(mapV4Album(item as unknown as JioSaavnV4Album, id, title, options), {
        url: item.perma_url,
        image: item.image,
      });
    default:
      return { ok: false, reason: `unsupported item type "${cleanText(item.type) || 'none'}"` };
  }
}

/**
 * Maps a list of raw items in order. Never throws on bad items: each one that cannot be mapped is reported in
 * `skipped` with its index in `items` and the reason; each refused link of a kept item in `dropped`.
 */
export function mapJioSaavnItems(items: readonly unknown[], options: MapOptions = {}): JioSaavnMapResult {
  const result: JioSaavnMapResult = { items: [], skipped: [], dropped: [] };
  items.forEach((item, index) => {
    const mapped = mapJioSaavnItem(item, options);
    if (mapped.ok) {
      result.items.push(mapped.release);
      for (const dropped of mapped.dropped) result.dropped.push({ index, ...dropped });
    } else result.skipped.push({ index, reason: mapped.reason });
  });
  return result;
}

/** Maps a `content.getAlbums` page (as returned by `JioSaavnClient.getNewReleases`); see {@link mapJioSaavnItems}. */
export function mapNewReleasesPage(page: JioSaavnAlbumsPage, options: MapOptions = {}): JioSaavnMapResult {
  return mapJioSaavnItems(page.data, options);
}
