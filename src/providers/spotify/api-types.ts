/**
 * Raw Spotify Web API payloads, as the upstream sends them (see `UPSTREAMS.md` §2 and developer.spotify.com's
 * "Get New Releases" and "Client Credentials Flow" references). Nothing here is validated: the client checks the
 * envelope and `map.ts` reads every item field defensively. Fields that recorded payloads lack are optional:
 * 2017-era answers have no `release_date`, `release_date_precision` or `total_tracks`, and Development Mode apps no
 * longer receive `available_markets`.
 */

/** The answer of `POST /api/token` with `grant_type=client_credentials`. */
export interface SpotifyTokenResponse {
  access_token: string;
  /** Always `Bearer`. */
  token_type: string;
  /** Lifetime in seconds (3600 in practice). */
  expires_in: number;
}

/** `external_urls`: links to the object on open.spotify.com. */
export interface SpotifyExternalUrls {
  spotify?: string;
}

/** An artist as credited on a simplified album. */
export interface SpotifySimplifiedArtist {
  id: string;
  name: string;
  external_urls?: SpotifyExternalUrls;
  href?: string;
  /** Always `artist`. */
  type?: string;
  uri?: string;
}

export interface SpotifyImage {
  url: string;
  /** Pixels; null when Spotify does not know it. */
  width: number | null;
  height: number | null;
}

export type SpotifyAlbumType = 'album' | 'single' | 'compilation';
export type SpotifyReleaseDatePrecision = 'year' | 'month' | 'day';

/** An album as the new-releases list carries it (Spotify's SimplifiedAlbumObject). */
export interface SpotifySimplifiedAlbum {
  /** Documented as lowercase; the mapper lowercases it anyway and reads any other value as `album`. */
  album_type: SpotifyAlbumType | (string & {});
  artists: SpotifySimplifiedArtist[];
  images: SpotifyImage[];
  /** `2024`, `2024-09` or `2024-09-20`, as precise as `release_date_precision` says. Absent in 2017-era answers. */
  release_date?: string;
  release_date_precision?: SpotifyReleaseDatePrecision | (string & {});
  /** Absent in 2017-era answers. */
  total_tracks?: number;
  external_urls: SpotifyExternalUrls;
  href?: string;
  /** Base-62, 22 characters. */
  id: string;
  name: string;
  /** Always `album`, whatever `album_type` says. */
  type: string;
  uri: string;
  /** ISO 3166-1 alpha-2 codes; absent for Development Mode apps. */
  available_markets?: string[];
}

/** Spotify's paging object. `next`/`previous` are absolute URLs, null at either end of the list. */
export interface SpotifyPaging<T> {
  href: string;
  items: T[];
  limit: number;
  next: string | null;
  offset: number;
  previous: string | null;
  total: number;
}

/** The answer of `GET /v1/browse/new-releases`. */
export interface SpotifyNewReleasesResponse {
  albums: SpotifyPaging<SpotifySimplifiedAlbum>;
}
