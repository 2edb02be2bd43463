/**
 * Pure conversion of YouTube answers (`api-types.ts`) and of a release's curated video links to
 * {@link AudioCandidate}s. No I/O: tested on recorded payloads. Every field is read defensively; an item without a
 * usable video id is skipped, and nothing here throws.
 */
import he from 'he';
import type { AudioCandidate, ReleaseVideo } from '../../domain/audio.ts';
import type { YouTubeSearchListResponse, YouTubeVideoListResponse } from './api-types.ts';

// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/g;

/** YouTube video ids are 11 characters of the URL-safe base-64 alphabet. */
const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;

/** Weeks, days, hours, minutes, seconds; years and months have no fixed length and are refused. */
const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** The hosts whose links play a YouTube video, and the path prefixes that carry its id there. */
const YOUTUBE_HOSTS = new Set(['youtube.com', 'www.youtube.com', 'm.youtube.com', 'music.youtube.com']);
const NOCOOKIE_HOSTS = new Set(['youtube-nocookie.com', 'www.youtube-nocookie.com']);
const ID_PATH = /^\/(?:embed|v|shorts|live)\/([^/?#]+)/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Trimmed text without control characters; non-strings become `''`. */
function text(value: unknown): string {
  return typeof value === 'string' ? value.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim() : '';
}

/** `search.list` escapes titles for HTML (`&#39;`, `&amp;`): decoded once, then cleaned. */
function unescaped(value: unknown): string {
  return typeof value === 'string' ? text(he.decode(value)) : '';
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/**
 * An ISO 8601 duration as YouTube writes it, in whole seconds: `PT1H2M3S` → 3723, `PT45S` → 45, `P1D` → 86400,
 * `PT0S` and a live stream's `P0D` → 0. Anything else (`PT`, `P1Y`, `1:02`) is null.
 */
export function parseIsoDuration(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = ISO_DURATION.exec(value.trim());
  if (!match || match.slice(1).every((part) => part === undefined)) return null;
  const [, w, d, h, m, s] = match.map((part) => (part === undefined ? 0 : Number(part)));
  return Math.round(w! * 604_800 + d! * 86_400 + h! * 3_600 + m! * 60 + s!);
}

/** `https://www.youtube.com/watch?v=<id>`, the canonical link stored for a match. */
export function youtubeWatchUrl(videoId: string): string {
  return `https://www.youtube.com/watch?v=${videoId}`;
}

/**
 * The video id of a YouTube link: `youtube.com/watch?v=<id>` (also `m.`, `music.`), `youtu.be/<id>`,
 * `youtube.com/embed/<id>` (also `youtube-nocookie.com`), `/v/`, `/shorts/`, `/live/`. Null for any other link.
 */
export function youtubeVideoId(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  const host = parsed.hostname.toLowerCase();
  let id: string | null | undefined;
  if (host === 'youtu.be') {
    id = parsed.pathname.split('/')[1];
  } else if (YOUTUBE_HOSTS.has(host)) {
    id = parsed.pathname === '/watch' ? parsed.searchParams.get('v') : ID_PATH.exec(parsed.pathname)?.[1];
  } else if (NOCOOKIE_HOSTS.has(host)) {
    id = ID_PATH.exec(parsed.pathname)?.[1];
  }
  return id && VIDEO_ID.test(id) ? id : null;
}

/** An absolute http(s) URL as given, else null. */
function httpUrl(value: unknown): string | null {
  const candidate = text(value);
  if (candidate === '' || /\s/.test(candidate)) return null;
  try {
    const { protocol } = new URL(candidate);
    return protocol === 'https:' || protocol === 'http:' ? candidate : null;
  } catch {
    return null;
  }
}

/** The largest of the thumbnails every video has (`high`, then `medium`, then `default`). */
function thumbnail(thumbnails: unknown): string | null {
  if (!isRecord(thumbnails)) return null;
  for (const size of ['high', 'medium', 'default']) {
    const thumb = thumbnails[size];
    const url = isRecord(thumb) ? httpUrl(thumb.url) : null;
    if (url !== null) return url;
  }
  return null;
}

/** A view count (`"14146559"`), else null. */
function count(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : null;
}

/** What `videos.list` adds to a search result. */
interface VideoDetails {
  durationSeconds: number | null;
  plays: number | null;
  live: boolean;
  thumbnailUrl: string | null;
}

function videoDetails(videos: YouTubeVideoListResponse | undefined): Map<string, VideoDetails> {
  const details = new Map<string, VideoDetails>();
  for (const item of list(isRecord(videos) ? videos.items : undefined)) {
    if (!isRecord(item) || typeof item.id !== 'string' || !VIDEO_ID.test(item.id)) continue;
    const contentDetails = isRecord(item.contentDetails) ? item.contentDetails : {};
    const statistics = isRecord(item.statistics) ? item.statistics : {};
    const snippet = isRecord(item.snippet) ? item.snippet : {};
    const seconds = parseIsoDuration(contentDetails.duration);
    details.set(item.id, {
      // 0 is a live stream or a premiere: no length to compare with a track's.
      durationSeconds: seconds !== null && seconds > 0 ? seconds : null,
      plays: count(statistics.viewCount),
      live: snippet.liveBroadcastContent === 'live' || snippet.liveBroadcastContent === 'upcoming',
      thumbnailUrl: thumbnail(snippet.thumbnails),
    });
  }
  return details;
}

/**
 * Candidates from a `search.list` answer, in YouTube's order, each video once, with the durations (and view counts,
 * when asked for) of the matching `videos.list` answer. When `videos` is given, a result it does not list (removed or
 * made private since the search) is left out; live and upcoming broadcasts are always left out, since they are not
 * recordings. Titles and channel names are HTML-unescaped.
 */
export function mapSearchResults(
  search: YouTubeSearchListResponse,
  videos?: YouTubeVideoListResponse,
): AudioCandidate[] {
  const details = videoDetails(videos);
  const seen = new Set<string>();
  const candidates: AudioCandidate[] = [];
  for (const item of list(isRecord(search) ? search.items : undefined)) {
    if (!isRecord(item) || !isRecord(item.id)) continue;
    const id = item.id.videoId;
    if (typeof id !== 'string' || !VIDEO_ID.test(id) || seen.has(id)) continue;
    const snippet = isRecord(item.snippet) ? item.snippet : {};
    const detail = details.get(id);
    if (videos !== undefined && detail === undefined) continue;
    if (snippet.liveBroadcastContent === 'live' || snippet.liveBroadcastContent === 'upcoming' || detail?.live) {
      continue;
    }
    seen.add(id);
    candidates.push({
      platform: 'youtube',
      id,
      url: youtubeWatchUrl(id),
      title: unescaped(snippet.title),
      uploader: unescaped(snippet.channelTitle),
      durationSeconds: detail?.durationSeconds ?? null,
      origin: 'youtube_search',
      plays: detail?.plays ?? null,
      thumbnailUrl: thumbnail(snippet.thumbnails) ?? detail?.thumbnailUrl ?? null,
    });
  }
  return candidates;
}

/**
 * Candidates from a release's curated videos (Discogs `videos[]`), in the release's order, each YouTube video once;
 * links elsewhere (Vimeo) are left out. The uploader is unknown (`''`); the thumbnail is YouTube's standard one.
 */
export function mapReleaseVideos(videos: readonly ReleaseVideo[]): AudioCandidate[] {
  const seen = new Set<string>();
  const candidates: AudioCandidate[] = [];
  for (const video of videos) {
    const id = youtubeVideoId(video.url);
    if (id === null || seen.has(id)) continue;
    seen.add(id);
    candidates.push({
      platform: 'youtube',
      id,
      url: youtubeWatchUrl(id),
      title: video.title,
      uploader: '',
      durationSeconds: video.durationSeconds,
      origin: 'release_videos',
      plays: null,
      // Discogs gives no thumbnail; one guessed on YouTube's image host would make the page reach the internet.
      thumbnailUrl: null,
    });
  }
  return candidates;
}
