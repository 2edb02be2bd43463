/**
 * Raw SoundCloud API payloads, as the upstream sends them (see `UPSTREAMS.md` §5 and developers.soundcloud.com).
 * Nothing here is validated: the client checks the envelope and `map.ts` reads every field defensively. Two track
 * shapes exist: the official API's (v1: `api.soundcloud.com/tracks`, legacy `2012/04/15 18:22:38 +0000` dates) and
 * api-v2's (ISO dates, `full_duration`, `media.transcodings`); the fields the mapper reads are common to both.
 */

/** The answer of `POST /oauth/token` with `grant_type=client_credentials`. */
export interface SoundCloudTokenResponse {
  access_token: string;
  /** Lifetime in seconds (about an hour). */
  expires_in: number;
  /** Single-use; client-credentials tokens are simply requested again instead. */
  refresh_token?: string;
  scope?: string;
  token_type?: string;
}

export interface SoundCloudUser {
  id: number;
  kind?: 'user';
  username: string;
  permalink?: string;
  permalink_url?: string;
  avatar_url?: string;
}

/** A track in either API version. */
export interface SoundCloudTrack {
  /** A number in both versions. */
  id: number;
  kind?: 'track' | (string & {});
  /** `soundcloud:tracks:<id>` (v2 and recent v1). */
  urn?: string;
  title: string;
  /** Milliseconds. In v2, the playable length: a 30 s preview for a track only partly streamable. */
  duration: number;
  /** v2: the whole track's length in milliseconds. */
  full_duration?: number;
  /** `https://soundcloud.com/<user>/<track>`. */
  permalink_url: string;
  permalink?: string;
  /** `-large` (100×100) artwork; null when the track has none. */
  artwork_url: string | null;
  genre?: string | null;
  playback_count?: number | null;
  likes_count?: number | null;
  streamable?: boolean;
  /** v2: `ALLOW`, `MONETIZE`, `SNIP` (preview only), `BLOCK`. */
  policy?: string;
  sharing?: 'public' | 'private' | (string & {});
  created_at?: string;
  user: SoundCloudUser;
}

/** A page of `GET /tracks?linked_partitioning=true` (v1) or of api-v2's `search/tracks`. */
export interface SoundCloudTrackPage {
  collection: SoundCloudTrack[];
  /** The next page as an absolute URL; absent (or null) on the last page. */
  next_href?: string | null;
  /** v2 only. */
  total_results?: number;
  query_urn?: string;
}

/** `GET /tracks` without `linked_partitioning` answers a bare list (the legacy shape). */
export type SoundCloudTrackSearchResponse = SoundCloudTrackPage | SoundCloudTrack[];
