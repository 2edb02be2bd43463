/**
 * Pure conversion of raw Spotify simplified albums (`api-types.ts`) to the domain `Album`. No I/O: tested on
 * recorded payloads. The upstream is untrusted, so every field is read defensively: an album that cannot be
 * identified (no id or no name) is skipped and counted, a link that is not an absolute http(s) URL is dropped and
 * reported, and nothing here throws.
 */
import type { Album, AlbumArtist, AlbumImage, AlbumType, ReleaseDatePrecision } from '../../domain/album.ts';
import type { SpotifyNewReleasesResponse } from './api-types.ts';

/** A link refused by the mapper and left out of the album (the album itself is kept). The caller logs it. */
export interface DroppedValue {
  /** The album the link belonged to. */
  albumId: string;
  /** `spotifyUrl` for `external_urls.spotify`, `imageUrl` for an entry of `images`. */
  field: 'spotifyUrl' | 'imageUrl';
  /** The refused value, cut to 200 characters. */
  value: string;
}

export interface SpotifyMapResult {
  /** Mapped albums in the order given, each id once. */
  items: Album[];
  /** Items left out: not an object, no id or no name, or an id already listed earlier in the same input. */
  skipped: number;
  dropped: DroppedValue[];
}

const ALBUM_TYPES: ReadonlySet<string> = new Set<AlbumType>(['album', 'single', 'compilation']);

/** The shape of `release_date` for each precision Spotify declares. */
const DATE_SHAPES: Readonly<Record<ReleaseDatePrecision, RegExp>> = {
  year: /^(\d{4})$/,
  month: /^(\d{4})-(\d{2})$/,
  day: /^(\d{4})-(\d{2})-(\d{2})$/,
};

// eslint-disable-next-line no-control-regex -- C0 and C1 control characters are exactly what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/g;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Text as it may be stored and shown: control characters (NUL included, which PostgreSQL refuses in text) become
 * spaces, runs of whitespace collapse to one, and the ends are trimmed. Non-strings become `''`.
 */
function cleanText(value: unknown): string {
  if (typeof value !== 'string') return '';
  return value.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
}

/** An id we can key on: a non-empty string without control characters or whitespace, else null. */
function parseId(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  // eslint-disable-next-line no-control-regex -- an id with control characters identifies nothing we can store
  return trimmed === '' || /[\u0000-\u001F\u007F-\u009F\s]/.test(trimmed) ? null : trimmed;
}

/**
 * An absolute `https:`/`http:` URL without credentials, whitespace or control characters, as given (trimmed); any
 * other string (`javascript:`, `data:`, relative, malformed) is `refused`. Empty or non-string is absent (null).
 */
function checkUrl(value: unknown): { url: string | null; refused?: string } {
  if (typeof value !== 'string' || value.trim() === '') return { url: null };
  const text = value.trim();
  const refused = { url: null, refused: text.slice(0, 200) };
  // eslint-disable-next-line no-control-regex -- control characters make a URL unsafe to serve
  if (/[\u0000-\u001F\u007F-\u009F\s]/.test(text)) return refused;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return refused;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return refused;
  if (parsed.username !== '' || parsed.password !== '') return refused;
  return { url: text };
}

/** A positive whole number of pixels, else null (Spotify sends null for sizes it does not know). */
function pixels(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/** Sort key for "largest first": the area when both sides are known, one side squared, and unknown sizes last. */
function imageSize(image: AlbumImage): number {
  if (image.width !== null && image.height !== null) return image.width * image.height;
  const side = image.width ?? image.height;
  return side === null ? -1 : side * side;
}

function mapImages(value: unknown, albumId: string, dropped: DroppedValue[]): AlbumImage[] {
  if (!Array.isArray(value)) return [];
  const images: AlbumImage[] = [];
  const seen = new Set<string>();
  for (const entry of value) {
    if (!isRecord(entry)) continue;
    const checked = checkUrl(entry.url);
    if (checked.refused !== undefined) dropped.push({ albumId, field: 'imageUrl', value: checked.refused });
    if (checked.url === null || seen.has(checked.url)) continue;
    seen.add(checked.url);
    images.push({ url: checked.url, width: pixels(entry.width), height: pixels(entry.height) });
  }
  // Spotify lists sizes largest first in most answers but not all (the 2024 capture lists 300, 64, 640).
  return images.sort((a, b) => imageSize(b) - imageSize(a));
}

/** Credited artists in order, each id once; an artist without an id or a name is left out, as it cannot be keyed. */
function mapArtists(value: unknown): AlbumArtist[] {
  if (!Array.isArray(value)) return [];
  const artists: AlbumArtist[] = [];
  const seen = new Set<string>();
  for (const entry of value) {
    if (!isRecord(entry)) continue;
    const id = parseId(entry.id);
    const name = cleanText(entry.name);
    if (id === null || name === '' || seen.has(id)) continue;
    seen.add(id);
    artists.push({ id, name });
  }
  return artists;
}

function isRealDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2024-02-30 over to March; a round trip rejects it.
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * `release_date` and its precision, both null when the date is absent or unreadable. The precision is Spotify's own
 * when it is one of year|month|day and the date has that shape; with no (or another) precision, the date is kept and
 * the precision is null, since a reader cannot tell a truncated date from a declared one.
 */
function mapReleaseDate(
  date: unknown,
  precision: unknown,
): { releaseDate: string | null; releaseDatePrecision: ReleaseDatePrecision | null } {
  const text = typeof date === 'string' ? date.trim() : '';
  for (const [shape, pattern] of Object.entries(DATE_SHAPES) as [ReleaseDatePrecision, RegExp][]) {
    const match = pattern.exec(text);
    if (!match) continue;
    const [year, month, day] = [Number(match[1]), Number(match[2] ?? 1), Number(match[3] ?? 1)];
    // Spotify dates some catalogue entries `0000`; that is no date at all.
    if (year < 1000 || !isRealDate(year, month, day)) break;
    return { releaseDate: text, releaseDatePrecision: precision === shape ? shape : null };
  }
  return { releaseDate: null, releaseDatePrecision: null };
}

function mapAlbumType(value: unknown): AlbumType {
  const type = cleanText(value).toLowerCase();
  return ALBUM_TYPES.has(type) ? (type as AlbumType) : 'album';
}

function mapTotalTracks(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

/** Maps one album, collecting refused links in `dropped`; null when it has no usable id or name. */
function mapAlbum(raw: unknown, dropped: DroppedValue[]): Album | null {
  if (!isRecord(raw)) return null;
  const id = parseId(raw.id);
  const name = cleanText(raw.name);
  if (id === null || name === '') return null;

  const externalUrls = isRecord(raw.external_urls) ? raw.external_urls : {};
  const link = checkUrl(externalUrls.spotify);
  if (link.refused !== undefined) dropped.push({ albumId: id, field: 'spotifyUrl', value: link.refused });

  return {
    id,
    name,
    artists: mapArtists(raw.artists),
    ...mapReleaseDate(raw.release_date, raw.release_date_precision),
    type: mapAlbumType(raw.album_type),
    totalTracks: mapTotalTracks(raw.total_tracks),
    images: mapImages(raw.images, id, dropped),
    spotifyUrl: link.url,
  };
}

/**
 * Maps one raw simplified album to an {@link Album}, or null when it is not an object or has no id or no name.
 * Links that are not absolute http(s) URLs are left out (use {@link mapSpotifyAlbums} to have them reported).
 */
export function mapSpotifyAlbum(raw: unknown): Album | null {
  return mapAlbum(raw, []);
}

/**
 * Maps raw simplified albums in order. Never throws: an item that cannot be mapped, or whose id was already
 * listed, is counted in `skipped` (the first occurrence wins, keeping its chart position); each refused link of a
 * kept album is listed in `dropped`.
 */
export function mapSpotifyAlbums(raw: readonly unknown[]): SpotifyMapResult {
  const result: SpotifyMapResult = { items: [], skipped: 0, dropped: [] };
  const seen = new Set<string>();
  for (const item of raw) {
    const dropped: DroppedValue[] = [];
    const album = mapAlbum(item, dropped);
    if (album === null || seen.has(album.id)) {
      result.skipped++;
      continue;
    }
    seen.add(album.id);
    result.items.push(album);
    result.dropped.push(...dropped);
  }
  return result;
}

/**
 * Maps a `GET /v1/browse/new-releases` answer (as `SpotifyClient.getNewReleasesPage` returns it); see
 * {@link mapSpotifyAlbums}. An answer without an `albums.items` array maps to no albums.
 */
export function mapNewReleasesPage(raw: SpotifyNewReleasesResponse): SpotifyMapResult {
  const albums: unknown = isRecord(raw) ? raw.albums : undefined;
  const items = isRecord(albums) && Array.isArray(albums.items) ? (albums.items as unknown[]) : [];
  return mapSpotifyAlbums(items);
}
