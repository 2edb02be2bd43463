/**
 * Pure conversion of SoundCloud track searches (`api-types.ts`, v1 and v2 shapes) to {@link AudioCandidate}s. No
 * I/O: tested on recorded payloads. Every field is read defensively; a track that cannot be identified or played is
 * skipped, and nothing here throws.
 */
import type { AudioCandidate } from '../../domain/audio.ts';

// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/g;

/**
 * Policies under which a track does not play in full for a listener without a subscription: `BLOCK` (not at all in
 * this region) and `SNIP` (a 30 s preview). Such a track is no match for a release track.
 */
const UNPLAYABLE_POLICIES: ReadonlySet<string> = new Set(['BLOCK', 'SNIP']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Trimmed text without control characters; non-strings become `''`. */
function text(value: unknown): string {
  return typeof value === 'string' ? value.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim() : '';
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

/** The track id as a string: the number, a numeric string, or the tail of `soundcloud:tracks:<id>`; else null. */
function trackId(track: Record<string, unknown>): string | null {
  const { id, urn } = track;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) return String(id);
  if (typeof id === 'string' && /^[1-9]\d{0,17}$/.test(id)) return id;
  const fromUrn = typeof urn === 'string' ? /^soundcloud:tracks:([1-9]\d{0,17})$/.exec(urn) : null;
  return fromUrn?.[1] ?? null;
}

/** A positive length in milliseconds as whole seconds, else null. */
function seconds(ms: unknown): number | null {
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? Math.round(ms / 1000) : null;
}

/** A play count, else null. */
function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/**
 * One track (`SoundCloudTrack`, either version) as a candidate, or null when it cannot be used: not a track
 * (`kind`), no id, no http(s) permalink, or not playable in full (`streamable: false`, policy `BLOCK` or `SNIP`).
 * The duration is v2's `full_duration` when present (the whole track), else `duration`.
 */
export function mapSoundCloudTrack(raw: unknown): AudioCandidate | null {
  if (!isRecord(raw)) return null;
  if (raw.kind !== undefined && raw.kind !== 'track') return null;
  if (raw.streamable === false) return null;
  if (typeof raw.policy === 'string' && UNPLAYABLE_POLICIES.has(raw.policy)) return null;
  const id = trackId(raw);
  const url = httpUrl(raw.permalink_url);
  if (id === null || url === null) return null;
  const user = isRecord(raw.user) ? raw.user : {};
  return {
    platform: 'soundcloud',
    id,
    url,
    title: text(raw.title),
    uploader: text(user.username),
    durationSeconds: seconds(raw.full_duration) ?? seconds(raw.duration),
    origin: 'soundcloud_search',
    plays: count(raw.playback_count),
    thumbnailUrl: httpUrl(raw.artwork_url),
  };
}

/**
 * The tracks of a search answer (`SoundCloudTrackSearchResponse`): a page's `collection` (linked partitioning, v2)
 * or a bare list (legacy v1).
 */
export function soundCloudTracksOf(response: unknown): unknown[] {
  if (Array.isArray(response)) return response as unknown[];
  if (isRecord(response) && Array.isArray(response.collection)) return response.collection as unknown[];
  return [];
}

/** Candidates of a search answer (either shape), in SoundCloud's order, each track once; unusable tracks left out. */
export function mapSoundCloudTracks(response: unknown): AudioCandidate[] {
  const seen = new Set<string>();
  const candidates: AudioCandidate[] = [];
  for (const track of soundCloudTracksOf(response)) {
    const candidate = mapSoundCloudTrack(track);
    if (candidate === null || seen.has(candidate.id)) continue;
    seen.add(candidate.id);
    candidates.push(candidate);
  }
  return candidates;
}
