/**
 * Raw Discogs API payloads, as the upstream sends them (see `UPSTREAMS.md` §6 and www.discogs.com/developers).
 * Nothing here is validated: the client checks the envelope and `map.ts` reads every field defensively. Fields that
 * recorded payloads lack are optional: 2012-era releases have no `type_`, and most releases have no per-track
 * `artists`, no `sub_tracks` and no `videos`.
 */

/** An artist credit, on the release or on a track. */
export interface DiscogsArtistCredit {
  /** Discogs' canonical name; a homonym carries a numeric suffix such as `Nirvana (2)`. */
  name: string;
  /** The name variation printed on this release (`Rossini` for Gioacchino Rossini), or `''`. */
  anv?: string;
  /** The joining text to the next credit (`&`, `,`, `Feat.`), or `''`. */
  join?: string;
  /** A role for extra artists (`Composed By`); `''` for main credits. */
  role?: string;
  tracks?: string;
  id?: number;
  resource_url?: string;
  thumbnail_url?: string;
}

/** `track` is playable, `heading` is a section title, `index` groups `sub_tracks` under one title (Discogs docs). */
export type DiscogsTrackType = 'track' | 'heading' | 'index';

/** One row of a release's `tracklist`. */
export interface DiscogsTrack {
  /** As printed: `A1`, `2`, `CD1-3`, or `''` (headings, index rows). */
  position: string;
  /** Absent on 2012-era releases, which list tracks only. */
  type_?: DiscogsTrackType | (string & {});
  title: string;
  /** `"3:45"`, `"1:02:03"` or `''` when unknown. */
  duration: string;
  /** The track's own main credits, when they differ from the release's (compilations). */
  artists?: DiscogsArtistCredit[];
  extraartists?: DiscogsArtistCredit[];
  /** The parts of an `index` row, each a `track`. */
  sub_tracks?: DiscogsTrack[];
}

/** A video curated on the release page, almost always a YouTube link. */
export interface DiscogsVideo {
  /** `https://www.youtube.com/watch?v=<id>`. */
  uri: string;
  title: string;
  description: string;
  /** Seconds; 0 when Discogs does not know it. */
  duration: number;
  embed: boolean;
}

/** The answer of `GET /releases/{release_id}` (trimmed to what the Matches job and its tests read). */
export interface DiscogsRelease {
  id: number;
  title: string;
  artists: DiscogsArtistCredit[];
  artists_sort?: string;
  /** 0 when unknown. */
  year?: number;
  /** `"1987"`, `"1999-03-00"` or `"2016-02-18"`. */
  released?: string;
  country?: string;
  tracklist: DiscogsTrack[];
  videos?: DiscogsVideo[];
  extraartists?: DiscogsArtistCredit[];
  genres?: string[];
  styles?: string[];
  master_id?: number;
  resource_url?: string;
  /** The release page, with a slug: `https://www.discogs.com/release/16004480-Various-Stanley-…`. */
  uri?: string;
  data_quality?: string;
}

/** The answer of `GET /oauth/identity`: who the OAuth (or personal) token belongs to. */
export interface DiscogsIdentityResponse {
  id: number;
  username: string;
  resource_url?: string;
  consumer_name?: string;
}
