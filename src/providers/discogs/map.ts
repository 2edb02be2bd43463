/**
 * Pure conversion of a raw Discogs release (`api-types.ts`) to the domain {@link Release}. No I/O: tested on
 * recorded payloads. The client has checked the envelope (a numeric `id`, a `tracklist` array); every other field is
 * read defensively, and nothing here throws.
 *
 * Track indexes are the `trackIndex` of every stored match, so the walk over the tracklist is fixed: headings are
 * skipped, an `index` row contributes its `sub_tracks` (or itself when it has none), and every other track counts,
 * even one without a title, so an index always names the same row of the release page.
 */
import type { Release, ReleaseTrack, ReleaseVideo } from '../../domain/audio.ts';
import type { DiscogsRelease } from './api-types.ts';

// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/g;

/** `m:ss` (minutes may exceed 59: Discogs writes long tracks as `63:12`) or `h:mm:ss`. */
const DURATION = /^(?:(\d+):([0-5]\d)|(\d+):([0-5]\d):([0-5]\d))$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Trimmed text without control characters; non-strings become `''`. */
function text(value: unknown): string {
  return typeof value === 'string' ? value.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim() : '';
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/**
 * A Discogs duration in seconds: `"3:45"` → 225, `"1:02:03"` → 3723. Empty, zero (`"0:00"`, which Discogs shows for
 * an unknown length) or anything else unreadable is null.
 */
export function parseDiscogsDuration(value: unknown): number | null {
  const match = DURATION.exec(text(value));
  if (!match) return null;
  const [, m, s, h, hm, hs] = match;
  const seconds = h === undefined ? Number(m) * 60 + Number(s) : Number(h) * 3600 + Number(hm) * 60 + Number(hs);
  return seconds > 0 ? seconds : null;
}

/**
 * The name a credit is printed under, cleaned for matching: the name variation (`anv`) when present, else the
 * canonical name, without Discogs' homonym suffix (`Nirvana (2)` → `Nirvana`) or the trailing `*` Discogs uses to
 * mark a name variation in display strings. `''` when there is no name.
 */
export function discogsArtistName(credit: unknown): string {
  if (!isRecord(credit)) return '';
  const name = text(credit.anv) || text(credit.name);
  return name
    .replace(/\*+$/, '')
    .trim()
    .replace(/\s+\(\d+\)$/, '')
    .replace(/\*+$/, '')
    .trim();
}

/** The cleaned names of a credit list, in order, each once. */
function artistNames(credits: unknown): string[] {
  const names: string[] = [];
  for (const credit of list(credits)) {
    const name = discogsArtistName(credit);
    if (name !== '' && !names.includes(name)) names.push(name);
  }
  return names;
}

/** `http:`/`https:` absolute URL, else null. */
function httpUrl(value: unknown): string | null {
  const candidate = text(value);
  if (candidate === '' || /\s/.test(candidate)) return null;
  try {
    const url = new URL(candidate);
    return url.protocol === 'https:' || url.protocol === 'http:' ? candidate : null;
  } catch {
    return null;
  }
}

/** A sub-track's title with its index row's title in front, unless it already starts with it (`Sysyphus: Part 1`). */
function subTrackTitle(indexTitle: string, subTitle: string): string {
  if (indexTitle === '') return subTitle;
  if (subTitle === '') return indexTitle;
  if (subTitle.toLowerCase().startsWith(indexTitle.toLowerCase())) return subTitle;
  return `${indexTitle}: ${subTitle}`;
}

/** A playable row before it gets its index: an index row's artists stand in for sub-tracks credited with none. */
type Playable = Omit<ReleaseTrack, 'index'>;

function playable(row: Record<string, unknown>, title: string, inheritedArtists: readonly string[]): Playable {
  const own = artistNames(row.artists);
  return {
    position: text(row.position),
    title,
    durationSeconds: parseDiscogsDuration(row.duration),
    artists: own.length > 0 ? own : inheritedArtists,
  };
}

/** The playable tracks of a tracklist, in order (see the module comment). */
function playableTracks(tracklist: unknown): ReleaseTrack[] {
  const tracks: Playable[] = [];
  for (const row of list(tracklist)) {
    if (!isRecord(row)) continue;
    // 2012-era releases have no `type_`: every row is a track.
    const type = row.type_ === undefined ? 'track' : row.type_;
    if (type === 'track') {
      tracks.push(playable(row, text(row.title), []));
    } else if (type === 'index') {
      const subTracks = list(row.sub_tracks).filter(isRecord);
      if (subTracks.length === 0) {
        tracks.push(playable(row, text(row.title), []));
        continue;
      }
      const indexTitle = text(row.title);
      const indexArtists = artistNames(row.artists);
      for (const sub of subTracks) tracks.push(playable(sub, subTrackTitle(indexTitle, text(sub.title)), indexArtists));
    }
    // `heading` (and any type Discogs may add) is not a track.
  }
  return tracks.map((track, index) => ({ index, ...track }));
}

/** The release's curated videos with an http(s) URL, in Discogs' order (duplicates kept: the release lists them). */
function releaseVideos(videos: unknown): ReleaseVideo[] {
  const out: ReleaseVideo[] = [];
  for (const video of list(videos)) {
    if (!isRecord(video)) continue;
    const url = httpUrl(video.uri);
    if (url === null) continue;
    const duration = video.duration;
    out.push({
      url,
      title: text(video.title),
      durationSeconds: typeof duration === 'number' && Number.isFinite(duration) && duration > 0 ? duration : null,
      description: typeof video.description === 'string' ? video.description.trim() : '',
    });
  }
  return out;
}

/**
 * The release as the Matches job needs it: title, cleaned release artists (`Various` as Discogs writes it), year
 * (null when Discogs says 0), the playable tracks with 0-based indexes, the curated videos, and the canonical page
 * URL `https://www.discogs.com/release/<id>`.
 */
export function mapDiscogsRelease(raw: DiscogsRelease): Release {
  const year = raw.year;
  return {
    id: raw.id,
    title: text(raw.title),
    artists: artistNames(raw.artists),
    year: typeof year === 'number' && Number.isInteger(year) && year > 0 ? year : null,
    tracks: playableTracks(raw.tracklist),
    videos: releaseVideos(raw.videos),
    url: `https://www.discogs.com/release/${raw.id}`,
  };
}
