/** One featured release (one song per album) as served by `GET /api/new-releases` and pushed over SSE. */
export interface Release {
  id: number;
  title: string;
  artists: string[];
  album: { id: string | null; name: string };
  language: string;
  /** Calendar date `YYYY-MM-DD`, or null when upstream gave none. */
  releaseDate: string | null;
  imageUrl: string | null;
  /** Upstream permalink where the song can be played. */
  url: string | null;
  durationSeconds: number | null;
  isNew: boolean;
  likes: number;
  /** Whether the current (guest) user likes it; only present when the request carried a token. */
  liked?: boolean;
  source: string;
  detectedAt: string;
}

/** Health of one upstream source as reported with every list response. */
export interface SourceStatus {
  name: string;
  status: 'ok' | 'degraded' | 'unknown';
  lastSuccessAt: string | null;
  lastError: string | null;
}

/** Body of `GET /api/new-releases`. */
export interface NewReleasesResponse {
  items: Release[];
  nextCursor: string | null;
  asOf: string;
  sources: SourceStatus[];
}

/** Data of the SSE `new_release` and `release_updated` events. */
export interface ReleaseEvent {
  eventId: number;
  type: 'new_release' | 'release_updated';
  release: Release;
  detectedAt: string;
}

/** Data of the SSE `reset` event: the client missed too much and must refetch the list. */
export interface ResetEvent {
  reason: string;
}

/** Body of `POST /api/auth/guest`. */
export interface GuestToken {
  token: string;
  userId: string;
  expiresAt: string;
}

/** Body of the like / unlike endpoints. */
export interface LikeResult {
  id: number;
  likes: number;
  liked: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

/** Structural check of one release, strict enough that rendering it cannot throw. */
export function isRelease(value: unknown): value is Release {
  if (!isRecord(value)) return false;
  const album = value.album;
  return (
    typeof value.id === 'number' &&
    typeof value.title === 'string' &&
    Array.isArray(value.artists) &&
    value.artists.every((a) => typeof a === 'string') &&
    isRecord(album) &&
    typeof album.name === 'string' &&
    isStringOrNull(album.id ?? null) &&
    typeof value.language === 'string' &&
    isStringOrNull(value.releaseDate ?? null) &&
    isStringOrNull(value.imageUrl ?? null) &&
    isStringOrNull(value.url ?? null) &&
    (value.durationSeconds === null ||
      value.durationSeconds === undefined ||
      typeof value.durationSeconds === 'number') &&
    typeof value.isNew === 'boolean' &&
    typeof value.likes === 'number' &&
    (value.liked === undefined || typeof value.liked === 'boolean') &&
    typeof value.detectedAt === 'string'
  );
}

function isSourceStatus(value: unknown): value is SourceStatus {
  return (
    isRecord(value) &&
    typeof value.name === 'string' &&
    (value.status === 'ok' || value.status === 'degraded' || value.status === 'unknown') &&
    isStringOrNull(value.lastSuccessAt ?? null) &&
    isStringOrNull(value.lastError ?? null)
  );
}

/**
 * Validates a `GET /api/new-releases` body. Malformed items are dropped rather than failing the whole list;
 * a body that is not a list response at all yields null.
 */
export function parseNewReleasesResponse(value: unknown): NewReleasesResponse | null {
  if (!isRecord(value) || !Array.isArray(value.items)) return null;
  const items = value.items.filter(isRelease);
  const sources = Array.isArray(value.sources) ? value.sources.filter(isSourceStatus) : [];
  return {
    items,
    nextCursor: typeof value.nextCursor === 'string' && value.nextCursor !== '' ? value.nextCursor : null,
    asOf: typeof value.asOf === 'string' ? value.asOf : new Date().toISOString(),
    sources,
  };
}

/** Validates the data of a `new_release` / `release_updated` SSE event. */
export function parseReleaseEvent(value: unknown): ReleaseEvent | null {
  if (!isRecord(value) || !isRelease(value.release)) return null;
  const type = value.type === 'release_updated' ? 'release_updated' : 'new_release';
  return {
    eventId: typeof value.eventId === 'number' ? value.eventId : Number(value.eventId ?? 0),
    type,
    release: value.release,
    detectedAt: typeof value.detectedAt === 'string' ? value.detectedAt : value.release.detectedAt,
  };
}
