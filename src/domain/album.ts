/**
 * The album model of the Trending job: what the Spotify mapper produces from a new-releases page, what the cache
 * document lists, and what the MusicBrainz mapper produces as match candidates for it. Providers import this module,
 * never a job folder.
 */

export type ReleaseDatePrecision = 'year' | 'month' | 'day';
export type AlbumType = 'album' | 'single' | 'compilation';

export interface AlbumArtist {
  /** The upstream's artist id (Spotify's base-62 id). */
  readonly id: string;
  readonly name: string;
}

export interface AlbumImage {
  readonly url: string;
  readonly width: number | null;
  readonly height: number | null;
}

/** One album as a new-releases chart lists it (Spotify's simplified album, normalised). */
export interface Album {
  /** Spotify album id (base 62, 22 characters). */
  readonly id: string;
  readonly name: string;
  /** Credited artists, primary first. */
  readonly artists: readonly AlbumArtist[];
  /** As precise as the upstream knows it: `2024`, `2024-09` or `2024-09-20`; null when absent (2017-era payloads). */
  readonly releaseDate: string | null;
  readonly releaseDatePrecision: ReleaseDatePrecision | null;
  readonly type: AlbumType;
  readonly totalTracks: number | null;
  /** Largest first. Only absolute http(s) URLs are kept. */
  readonly images: readonly AlbumImage[];
  /** `https://open.spotify.com/album/<id>`, or null when the payload has no http(s) link. */
  readonly spotifyUrl: string | null;
}

/** One MusicBrainz search result, normalised: a release group with the release chosen to represent it. */
export interface MusicBrainzCandidate {
  readonly releaseGroupId: string;
  /** A release of the group (the first official one listed), or null when the answer lists none. */
  readonly releaseId: string | null;
  readonly title: string;
  /** The artist credit as MusicBrainz prints it (names and join phrases), e.g. `Lady Gaga & Bruno Mars`. */
  readonly artistCredit: string;
  readonly artists: readonly { readonly id: string; readonly name: string }[];
  /** MusicBrainz' own search score, 0–100 (strings in old answers are converted). */
  readonly score: number;
  /** `Album`, `Single`, `EP`, … or null. */
  readonly primaryType: string | null;
  readonly secondaryTypes: readonly string[];
  /** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, or null. */
  readonly firstReleaseDate: string | null;
  readonly disambiguation: string | null;
}
