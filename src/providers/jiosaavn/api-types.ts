/**
 * Raw JioSaavn web-API payloads, as the upstream sends them (see `UPSTREAMS.md` §1). Nothing here is validated:
 * numbers arrive as strings (`"257"`, `""`), text carries HTML entities (`&quot;`), and any field may be missing,
 * so every field the mapper reads is optional. The two item shapes:
 * - v4 (`api_version=4`): nested `Song`/`Album` items with `title` and `more_info`;
 * - flat (no `api_version`): `song`, `albumid`, `primary_artists: "A, B"`.
 * Sources: sumitkolhe/jiosaavn-api `song.model.ts` and `song.interface.ts`, rajput-hemant/jiosaavn-api-ts
 * `src/types/get.ts`, and recorded `webapi.getLaunchData` items (`test/fixtures/jiosaavn/`).
 */

/** JioSaavn sends numbers and booleans as strings in v4 items, and as numbers in some flat ones. */
export type Numberish = string | number;

export interface JioSaavnArtist {
  id?: string;
  name?: string;
  /** `""`, `"music"`, `"singer"`, `"lyricist"`, … */
  role?: string;
  image?: string;
  type?: string;
  perma_url?: string;
}

export interface JioSaavnArtistMap {
  primary_artists?: JioSaavnArtist[];
  featured_artists?: JioSaavnArtist[];
  /** Everyone credited, duplicates included (album items list the composer twice). */
  artists?: JioSaavnArtist[];
}

/** Fields common to v4 song and album items. */
interface JioSaavnV4Base {
  id?: string;
  title?: string;
  /** Songs: "Artist, Artist - Title"; albums: often `""`. */
  subtitle?: string;
  header_desc?: string;
  perma_url?: string;
  /** A 150x150 artwork URL. */
  image?: string;
  language?: string;
  /** `"2024"`, or `""` on album items. */
  year?: Numberish;
  /** `"205347"`, or `""` on album items. */
  play_count?: Numberish;
  /** `"0"` / `"1"`. */
  explicit_content?: Numberish;
  list_count?: Numberish;
  list_type?: string;
  list?: string;
}

export interface JioSaavnV4Song extends JioSaavnV4Base {
  type: 'song';
  more_info?: {
    music?: string;
    album_id?: string;
    album?: string;
    label?: string;
    label_id?: string | null;
    origin?: string;
    '320kbps'?: string;
    encrypted_media_url?: string;
    album_url?: string;
    /** Seconds, as a string. */
    duration?: Numberish;
    /** `YYYY-MM-DD`. */
    release_date?: string;
    artistMap?: JioSaavnArtistMap;
    copyright_text?: string;
    has_lyrics?: string;
    vcode?: string;
    vlink?: string;
  };
}

export interface JioSaavnV4Album extends JioSaavnV4Base {
  type: 'album';
  more_info?: {
    song_count?: Numberish;
    release_date?: string;
    artistMap?: JioSaavnArtistMap;
    music?: string;
    label?: string;
  };
}

/** Anything else a v4 list may carry (`playlist`, `radio_station`, …); the mapper skips it. */
export interface JioSaavnV4Other extends JioSaavnV4Base {
  type?: string;
  more_info?: Record<string, unknown>;
}

/** A flat (pre-v4) song item. */
export interface JioSaavnFlatSong {
  id?: string;
  /** `""` on songs. */
  type?: string;
  song?: string;
  album?: string;
  year?: Numberish;
  music?: string;
  /** "A, B". */
  primary_artists?: string;
  primary_artists_id?: string;
  featured_artists?: string;
  singers?: string;
  starring?: string;
  image?: string;
  label?: string;
  albumid?: string;
  language?: string;
  origin?: string;
  play_count?: Numberish;
  explicit_content?: Numberish;
  media_preview_url?: string;
  perma_url?: string;
  album_url?: string;
  /** Seconds, as a string. */
  duration?: Numberish;
  release_date?: string;
  /** `{ "Artist Name": "id" }`. */
  artistMap?: Record<string, string>;
}

export type JioSaavnV4Item = JioSaavnV4Song | JioSaavnV4Album;

/** One element of `content.getAlbums`' `data`: the mapper tells the shapes apart at run time. */
export type JioSaavnRawItem = JioSaavnV4Item | JioSaavnV4Other | JioSaavnFlatSong;

/** The `content.getAlbums` envelope (rajput-hemant `A<T>`); `count` semantics are unconfirmed upstream. */
export interface JioSaavnAlbumsPage {
  count?: number;
  last_page?: boolean;
  data: JioSaavnRawItem[];
}
