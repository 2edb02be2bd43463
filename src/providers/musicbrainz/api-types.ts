/**
 * Raw MusicBrainz WS/2 search payloads (`fmt=json`), as the upstream sends them (see `UPSTREAMS.md` §3). Nothing
 * here is validated: the client only checks the envelope, and the mapper reads every item defensively (an item
 * without id or title is skipped). Sources: recorded answers in `test/fixtures/musicbrainz/` and the field lists
 * of UPSTREAMS.md §3. Most keys are optional upstream; search answers carry fewer fields than lookups (`media[]`
 * without `position`).
 */

/** MusicBrainz' search score, 0–100: a number today, a string (`"100"`) in answers from 2017 and before. */
export type MusicBrainzScore = number | string;

export interface MusicBrainzArtist {
  id: string;
  name: string;
  'sort-name'?: string;
  disambiguation?: string;
}

/** One name of an artist credit: `name` as credited (may differ from `artist.name`), then the join phrase. */
export interface MusicBrainzArtistCredit {
  name: string;
  /** What follows this name when the credit is printed, e.g. `" & "`, `" feat. "`; absent or `""` on the last. */
  joinphrase?: string;
  artist: MusicBrainzArtist;
}

/** A release as listed inside a release-group search item. */
export interface MusicBrainzReleaseGroupRelease {
  id: string;
  'status-id'?: string;
  title: string;
  /** `Official`, `Promotion`, `Bootleg`, `Pseudo-Release`, … */
  status?: string;
}

/** One item of `/ws/2/release-group?query=…`. */
export interface MusicBrainzReleaseGroup {
  id: string;
  'type-id'?: string;
  score: MusicBrainzScore;
  'primary-type-id'?: string;
  /** Number of releases in the group. */
  count?: number;
  title: string;
  /** `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or `""` when unknown. */
  'first-release-date'?: string;
  /** `Album`, `Single`, `EP`, `Broadcast`, `Other`. */
  'primary-type'?: string;
  /** `Compilation`, `Live`, `Soundtrack`, `Remix`, … */
  'secondary-types'?: string[];
  'secondary-type-ids'?: string[];
  disambiguation?: string;
  'artist-credit': MusicBrainzArtistCredit[];
  releases?: MusicBrainzReleaseGroupRelease[];
}

/** The answer of `/ws/2/release-group?query=…&fmt=json`. */
export interface MusicBrainzReleaseGroupSearch {
  /** When the search server built the answer (ISO 8601). */
  created: string;
  /** Total matches, not the number of items in this page. */
  count: number;
  offset: number;
  'release-groups': MusicBrainzReleaseGroup[];
}

/** The release group embedded in a release search item (no score, no releases, no first-release-date). */
export interface MusicBrainzReleaseReleaseGroup {
  id: string;
  'type-id'?: string;
  'primary-type-id'?: string;
  title: string;
  'primary-type'?: string;
  'secondary-types'?: string[];
  'secondary-type-ids'?: string[];
  /** Not in recorded search answers; read when present. */
  'first-release-date'?: string;
  disambiguation?: string;
}

export interface MusicBrainzReleaseEvent {
  date?: string;
  area?: {
    id: string;
    name: string;
    'sort-name'?: string;
    'iso-3166-1-codes'?: string[];
  };
}

export interface MusicBrainzLabelInfo {
  'catalog-number'?: string;
  label?: { id: string; name: string };
}

export interface MusicBrainzMedium {
  id?: string;
  format?: string;
  'disc-count'?: number;
  'track-count'?: number;
}

/** One item of `/ws/2/release?query=…`. */
export interface MusicBrainzRelease {
  id: string;
  score: MusicBrainzScore;
  'status-id'?: string;
  count?: number;
  title: string;
  status?: string;
  disambiguation?: string;
  packaging?: string;
  'packaging-id'?: string;
  'text-representation'?: { language?: string; script?: string };
  'artist-credit': MusicBrainzArtistCredit[];
  'artist-credit-id'?: string;
  'release-group': MusicBrainzReleaseReleaseGroup;
  /** This release's date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. */
  date?: string;
  country?: string;
  'release-events'?: MusicBrainzReleaseEvent[];
  barcode?: string | null;
  'label-info'?: MusicBrainzLabelInfo[];
  'track-count'?: number;
  media?: MusicBrainzMedium[];
}

/** The answer of `/ws/2/release?query=…&fmt=json`. */
export interface MusicBrainzReleaseSearch {
  created: string;
  /** Total matches, not the number of items in this page. */
  count: number;
  offset: number;
  releases: MusicBrainzRelease[];
}

/**
 * The error envelope of every WS/2 failure (400 bad parameters, 404 `"Not Found"`, 503 `"Your requests are exceeding
 * the allowable rate limit…"`); `help` points at the usage docs and is not always present.
 */
export interface MusicBrainzErrorBody {
  error: string;
  help?: string;
}
