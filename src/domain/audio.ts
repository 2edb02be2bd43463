/**
 * The model of the Matches job: a Discogs release with its playable tracks, and the audio candidates (YouTube
 * videos, SoundCloud tracks, the release's own curated videos) a track may be matched to. Providers produce it; the
 * scoring and the match service consume it. Providers import this module, never a job folder.
 */

export type AudioPlatform = 'youtube' | 'soundcloud';

/** One playable track of a release: headings are not tracks; an index track's sub-tracks are (see `DiscogsTrack`). */
export interface ReleaseTrack {
  /** 0-based among the release's playable tracks (headings excluded): the `trackIndex` of `match:{releaseId}:{i}`. */
  readonly index: number;
  /** As Discogs prints it: `A1`, `2`, `CD1-3`, or `''`. */
  readonly position: string;
  readonly title: string;
  /** `"3:45"` parsed; null when Discogs has no duration (`""`). */
  readonly durationSeconds: number | null;
  /** The track's own credited artists (Discogs `(2)` suffixes removed, `anv` name variations preferred), else []. */
  readonly artists: readonly string[];
}

/** A YouTube link curated on the release page (Discogs `videos[]`): a candidate at no search cost. */
export interface ReleaseVideo {
  readonly url: string;
  readonly title: string;
  readonly durationSeconds: number | null;
  readonly description: string;
}

/** A Discogs release as the Matches job needs it. */
export interface Release {
  readonly id: number;
  readonly title: string;
  /** Release artists, cleaned like track artists; `Various` stays as Discogs writes it. */
  readonly artists: readonly string[];
  readonly year: number | null;
  readonly tracks: readonly ReleaseTrack[];
  readonly videos: readonly ReleaseVideo[];
  /** `https://www.discogs.com/release/<id>`. */
  readonly url: string;
}

/** Where a candidate came from. */
export type CandidateOrigin = 'release_videos' | 'youtube_search' | 'soundcloud_search';

/** One upload a track may be matched to. */
export interface AudioCandidate {
  readonly platform: AudioPlatform;
  /** The platform's id: a YouTube video id, a SoundCloud track id (as a string). */
  readonly id: string;
  /** The canonical playable URL (`https://www.youtube.com/watch?v=<id>`, a SoundCloud permalink). */
  readonly url: string;
  readonly title: string;
  /** Channel title (YouTube) or uploader username (SoundCloud); '' when unknown. */
  readonly uploader: string;
  readonly durationSeconds: number | null;
  readonly origin: CandidateOrigin;
  /** Plays/views when the platform says, for tie-breaks only. */
  readonly plays: number | null;
  readonly thumbnailUrl: string | null;
}
