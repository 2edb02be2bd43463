/**
 * The audio catalog: a deterministic, seeded set of Discogs releases (tracklists as Discogs sends them) and, for every
 * playable track, the uploads a search on YouTube or SoundCloud finds for it, each labelled with what it is (the
 * official upload, the auto-generated `- Topic` upload, a lyric video, a live version, a cover, a remix, karaoke,
 * slowed + reverb, nightcore, sped up, an instrumental, an hour-long loop, a wrong-length upload, another artist's
 * song with the same title). It exists so that audio matching can be measured offline: {@link audioTruth} says which
 * uploads are right for each track, and about one track in ten has no right upload at all (only wrong versions), where
 * the right outcome is "needs review", never a confident pick.
 *
 * The Discogs emulation serves the releases, the YouTube and SoundCloud emulations search the uploads; all three use
 * the same seed, so a release's tracks are the ones searched for. About half the releases carry `videos[]` (YouTube
 * links curated by Discogs users): some point at a track's official upload, some at live clips or at unrelated videos
 * (interviews, full-album uploads). Tracklists have what real ones have: `A1`/`1`/`CD1-3` positions, `heading` rows,
 * `index` tracks with `sub_tracks`, empty durations, `(2)` disambiguation suffixes and `anv` name variations,
 * `Various` compilations with per-track artists.
 *
 * A track's playable index (the `trackIndex` of a match) counts track rows and index sub-tracks in tracklist order;
 * headings and the index rows themselves are not playable.
 */
import { Rng, derivedToken, hash32 } from './random.ts';

/** What an upload is, relative to the track it was found for. */
export const AUDIO_LABELS = [
  'official',
  'topic',
  'lyric',
  'live',
  'cover',
  'remix',
  'karaoke',
  'slowed_reverb',
  'nightcore',
  'sped_up',
  'instrumental',
  'hour_loop',
  'wrong_length',
  'same_title_other_artist',
  'unrelated',
] as const;

export type AudioLabel = (typeof AUDIO_LABELS)[number];

/**
 * The labels of right answers: the track's own recording, at its length. `official` is the artist's (or VEVO) upload,
 * `topic` the auto-generated `<Artist> - Topic` upload (exact title and duration), `lyric` a lyric video of the
 * recording. Everything else is another version of the song, another song, or not a song.
 */
export const RIGHT_AUDIO_LABELS: ReadonlySet<AudioLabel> = new Set<AudioLabel>(['official', 'topic', 'lyric']);

export type AudioUploadPlatform = 'youtube' | 'soundcloud';

/** An artist credit as Discogs sends it (`artists[]`, `extraartists[]`). */
export interface DiscogsCredit {
  /** The artist's Discogs name, with a ` (2)` suffix when another artist has the same name. */
  readonly name: string;
  /** The name as printed on this release (artist name variation), or ''. */
  readonly anv: string;
  /** Joins this credit to the next: `&`, `,`, `Feat.`, or ''. */
  readonly join: string;
  /** '' for main artists; `Featuring`, `Producer`, … for extra artists. */
  readonly role: string;
  readonly tracks: string;
  readonly id: number;
}

/** One tracklist row as Discogs sends it. */
export interface AudioTrackRow {
  readonly type: 'track' | 'heading' | 'index';
  /** `A1`, `2`, `CD1-3`, `C1.2`; '' for headings and most index rows. */
  readonly position: string;
  readonly title: string;
  /** `m:ss`, or '' when Discogs has no duration. */
  readonly duration: string;
  /** The track's own artists (compilations, solo tracks on a band album); absent when the release artists apply. */
  readonly artists?: readonly DiscogsCredit[];
  readonly extraartists?: readonly DiscogsCredit[];
  /** Index rows only: the parts, each a playable track. */
  readonly subTracks?: readonly AudioTrackRow[];
}

/** A YouTube link on the release page (`videos[]`). */
export interface AudioReleaseVideo {
  readonly videoId: string;
  /** `https://www.youtube.com/watch?v=<id>`, as Discogs stores it. */
  readonly uri: string;
  readonly title: string;
  readonly description: string;
  /** Seconds; 0 for a few videos, as Discogs has them when it never learned the length. */
  readonly duration: number;
  readonly embed: boolean;
}

/** A release label (`labels[]`). */
export interface AudioReleaseLabel {
  readonly name: string;
  readonly catno: string;
  readonly id: number;
}

/** A release format (`formats[]`). */
export interface AudioReleaseFormat {
  readonly name: string;
  readonly qty: string;
  readonly descriptions: readonly string[];
  readonly text?: string;
}

/** The structure a release was built from (for tests and benchmarks; Discogs has no such field). */
export type AudioReleaseShape = 'lp' | 'cd' | 'double_cd' | 'double_lp' | 'various' | 'single' | 'twelve_inch' | 'ep';

/** One playable track of a release, with the truth about it. */
export interface AudioTrack {
  readonly releaseId: number;
  /** 0-based among the release's playable tracks. */
  readonly index: number;
  readonly position: string;
  /** As the tracklist row says (an index sub-track's own title, e.g. `Part 2`). */
  readonly title: string;
  /** The title uploads use: the row title, or `<index title>: <part title>` for index sub-tracks. */
  readonly fullTitle: string;
  /** The index track this part belongs to, or null. */
  readonly indexTitle: string | null;
  /** The recording's real length (seconds), known even when Discogs shows none. */
  readonly durationSeconds: number;
  /** What the tracklist shows: `m:ss` or ''. */
  readonly discogsDuration: string;
  /** Credited artists as a matcher should read them: `(2)` suffixes removed, name variations preferred. */
  readonly artists: readonly string[];
  /** Featured artists (`extraartists` with role `Featuring`), cleaned the same way. */
  readonly featuring: readonly string[];
  /** False for the tracks that have no right upload anywhere. */
  readonly hasAnswer: boolean;
}

/** One release, in the fields the Discogs emulation serves. */
export interface AudioRelease {
  /** Discogs release id (6–7 digits). */
  readonly id: number;
  readonly shape: AudioReleaseShape;
  readonly title: string;
  readonly artists: readonly DiscogsCredit[];
  readonly extraartists: readonly DiscogsCredit[];
  readonly year: number;
  /** `YYYY-MM-DD`, `YYYY-MM-00` or `YYYY`, as Discogs writes it; null when Discogs has no date (the key is absent). */
  readonly released: string | null;
  readonly country: string;
  readonly labels: readonly AudioReleaseLabel[];
  readonly formats: readonly AudioReleaseFormat[];
  readonly genres: readonly string[];
  readonly styles: readonly string[];
  readonly tracklist: readonly AudioTrackRow[];
  readonly videos: readonly AudioReleaseVideo[];
  readonly masterId: number | null;
  readonly notes: string;
  readonly barcode: string | null;
  readonly dataQuality: 'Correct' | 'Needs Vote' | 'Complete and Correct';
  readonly have: number;
  readonly want: number;
  readonly ratingCount: number;
  readonly ratingAverage: number;
  readonly numForSale: number;
  readonly lowestPrice: number | null;
  readonly dateAdded: string;
  readonly dateChanged: string;
  readonly submitter: string;
  /** The playable tracks, in order (headings and index rows excluded, index parts included). */
  readonly tracks: readonly AudioTrack[];
}

/** One upload on YouTube or SoundCloud. */
export interface AudioUpload {
  /** `youtube:<videoId>` or `soundcloud:<trackId>`. */
  readonly key: string;
  readonly platform: AudioUploadPlatform;
  /** The YouTube video id (11 characters) or the SoundCloud track id (digits). */
  readonly id: string;
  readonly label: AudioLabel;
  /** True when it is a right answer for its track. */
  readonly right: boolean;
  /** The title as the uploader wrote it (not HTML-escaped). */
  readonly title: string;
  /** Channel title (YouTube) or username (SoundCloud). */
  readonly uploader: string;
  /** Channel id (`UC…`) or SoundCloud user id (digits). */
  readonly uploaderId: string;
  /** SoundCloud user permalink, YouTube handle (without `@`). */
  readonly uploaderPermalink: string;
  /** SoundCloud track permalink; '' on YouTube. */
  readonly permalink: string;
  readonly description: string;
  /** Whole seconds × 1000 on YouTube; milliseconds on SoundCloud. */
  readonly durationMs: number;
  /** ISO 8601, UTC, whole seconds: `2018-07-31T15:35:52Z`. */
  readonly publishedAt: string;
  readonly plays: number;
  readonly likes: number;
  readonly comments: number;
  /** SoundCloud genre; '' on YouTube. */
  readonly genre: string;
  /** The release it belongs to (its track's, or the release whose `videos[]` lists it); null for none. */
  readonly releaseId: number | null;
  /** The track it was generated for; null for clips unrelated to any track. */
  readonly trackIndex: number | null;
}

/** A whole catalog. */
export interface AudioCatalog {
  readonly seed: number;
  readonly releases: readonly AudioRelease[];
  /** Every upload, YouTube first, in generation order. */
  readonly uploads: readonly AudioUpload[];
}

/** One candidate of a track in the truth table. */
export interface AudioTruthCandidate {
  readonly key: string;
  readonly platform: AudioUploadPlatform;
  readonly id: string;
  readonly label: AudioLabel;
  readonly right: boolean;
}

/** One row of the truth table: a track and which uploads are right for it. */
export interface AudioTruthEntry {
  readonly releaseId: number;
  readonly trackIndex: number;
  readonly position: string;
  readonly title: string;
  readonly fullTitle: string;
  readonly artists: readonly string[];
  readonly durationSeconds: number;
  readonly discogsDuration: string;
  /** Right uploads as `youtube:<videoId>` / `soundcloud:<trackId>`; empty when the track has no right answer. */
  readonly acceptable: readonly string[];
  /** The same, per platform, ids without the prefix. */
  readonly acceptableByPlatform: { readonly youtube: readonly string[]; readonly soundcloud: readonly string[] };
  /** Every upload generated for this track (right and wrong), with its label. */
  readonly candidates: readonly AudioTruthCandidate[];
}

/** The truth about a catalog. */
export interface AudioTruth {
  readonly seed: number;
  /** One row per playable track, in release then track order. */
  readonly tracks: readonly AudioTruthEntry[];
  /** The label of every upload (search results can include uploads of other tracks and unrelated clips). */
  readonly labels: Readonly<Record<string, AudioLabel>>;
}

/** Releases in a catalog, and their shapes. */
const SHAPES: readonly AudioReleaseShape[] = [
  'lp',
  'cd',
  'various',
  'double_lp',
  'lp',
  'single',
  'cd',
  'twelve_inch',
  'lp',
  'various',
  'double_cd',
  'ep',
  'lp',
  'cd',
  'various',
  'double_lp',
  'lp',
  'single',
  'cd',
  'twelve_inch',
  'lp',
  'double_cd',
  'various',
  'cd',
  'lp',
];

/** Releases in a catalog. */
export const AUDIO_RELEASE_COUNT = SHAPES.length;
/** The share of playable tracks with no right upload anywhere. */
export const AUDIO_NO_ANSWER_SHARE = 0.1;

const YOUTUBE_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VARIOUS: DiscogsCredit = { name: 'Various', anv: '', join: '', role: '', tracks: '', id: 194 };
/** Uploads are dated up to this day. */
const LATEST_UPLOAD_MS = Date.UTC(2026, 9, 31);
const EARLIEST_UPLOAD_MS = Date.UTC(2008, 0, 1);

// ------------------------------------------------------------------ word pools

const FIRST_NAMES = [
  'Mara',
  'Jonah',
  'Elise',
  'Theo',
  'Nadia',
  'Oscar',
  'Ines',
  'Felix',
  'Lena',
  'Caleb',
  'Ruby',
  'Milo',
  'Sofia',
  'Arlo',
  'Hazel',
  'Emil',
  'Greta',
  'Jasper',
  'Noor',
  'Silas',
  'Vera',
  'Leon',
  'Clara',
  'Otis',
];
const LAST_NAMES = [
  'Lind',
  'Okafor',
  'Varga',
  'Holm',
  'Castell',
  'Reyes',
  'Marlow',
  'Quinn',
  'Brandt',
  'Delacroix',
  'Fennick',
  'Halloway',
  'Ivers',
  'Kettering',
  'Moreau',
  'Novak',
  'Ashby',
  'Pryce',
  'Rosen',
  'Thorne',
  'Wilder',
  'Calloway',
  'Dunmore',
  'Everly',
];
/** Long first names and the short forms a sleeve may print instead (Discogs `anv`). */
const NICKNAMES: Readonly<Record<string, string>> = {
  Jonah: 'Joe',
  Elise: 'Lise',
  Theo: 'Teddy',
  Oscar: 'Ozzy',
  Caleb: 'Cal',
  Sofia: 'Sofie',
  Jasper: 'Jas',
  Silas: 'Si',
  Clara: 'Clare',
};
const BAND_ADJECTIVES = [
  'Velvet',
  'Paper',
  'Electric',
  'Copper',
  'Hollow',
  'Amber',
  'Crimson',
  'Lucky',
  'Neon',
  'Static',
  'Marble',
  'Violet',
  'Wooden',
  'Silent',
];
const BAND_NOUNS = [
  'Foxes',
  'Lanterns',
  'Satellites',
  'Wolves',
  'Pilots',
  'Ghosts',
  'Sparrows',
  'Giants',
  'Machines',
  'Comets',
  'Strangers',
  'Kites',
  'Hounds',
  'Harbours',
];
/** One-word names: common enough that Discogs numbers the artists who share them (`Mirage (2)`). */
const SHARED_NAMES = ['Mirage', 'Echo', 'Nova', 'Halcyon', 'Ember', 'Solace', 'Atlas', 'Drift', 'Vesper', 'Lumen'];
const TITLE_ADJECTIVES = [
  'Endless',
  'Quiet',
  'Golden',
  'Northern',
  'Hidden',
  'Fading',
  'Restless',
  'Silver',
  'Distant',
  'Burning',
  'Gentle',
  'Secret',
  'Bitter',
  'Slow',
  'Lonely',
  'Bright',
  'Electric',
  'Paper',
  'Broken',
  'Crystal',
];
const TITLE_NOUNS = [
  'Summer',
  'Rivers',
  'Lights',
  'Horizon',
  'Garden',
  'Signals',
  'Tides',
  'Hearts',
  'Roads',
  'Skies',
  'Harbour',
  'Shadows',
  'Winter',
  'Fire',
  'Dreams',
  'Mirrors',
  'Streets',
  'Waves',
  'Letters',
  'Thunder',
  'Orchard',
  'Island',
  'Parade',
  'Avenue',
  'Moon',
  'Ferry',
];
/** Whole titles, some with the apostrophes and ampersands YouTube escapes and accents a matcher must fold. */
const PHRASE_TITLES = [
  "Don't Look Back",
  'Salt & Honey',
  'Call Me When You Land',
  'Where the River Bends',
  "Rock 'n' Roll Heart",
  "Ain't Nobody Home",
  'Love You Like I Do',
  'Café Lumière',
  'Señorita Blue',
  "Tomorrow's Child",
  'Hold On, Hold Out',
  'Smoke & Mirrors',
  "She's Not Coming Back",
  'Dancing in the Kitchen',
  'Nobody Knows My Name',
  "I Can't Sleep Tonight",
  'Paper Planes & Pencils',
  'Run to the Water',
  'Ghosts of the Old Town',
  'Half a World Away',
  "Baby, It's You",
  'Last Train Home',
  'Telephone Line',
  'Crying in the Rain',
  'Take Me Higher',
  'Never Let Me Go',
  "What's Left of Us",
  'Cold Coffee',
  'Honey, Please',
  'The Long Goodbye',
  'Kiss & Tell',
  'Wasted Years',
  'Über den Wolken',
  'Dime Que Sí',
  'Midnight Ferry',
];
const ONE_WORD_TITLES = [
  'Undertow',
  'Satellite',
  'Wildfire',
  'Gravity',
  'Paradise',
  'Sugar',
  'Heartbeat',
  'Lullaby',
  'Runaway',
  'Hurricane',
  'Daylight',
  'Magnetic',
  'Fever',
  'Overdrive',
  'Stardust',
  'Caravan',
];
const ALBUM_TITLE_PATTERNS = ['<title>', '<adj> <noun>', 'Songs from the <noun>', '<noun> & <noun>', 'Live Wires'];
const COMPILATION_TITLES = [
  'Now That’s What I Call Summer',
  'Indie Anthems Vol. 3',
  'Late Night Grooves',
  'The Sound of the Underground',
  'Dancefloor Classics 1988–1994',
  'Rough Trade Shops: Counter Culture',
  'Café del Sol Vol. 7',
  'Soul Kitchen Sessions',
];
const SUITE_TITLES = ['The Lighthouse Suite', 'Sisyphean', 'Four Seasons in One Night', 'Atlantic Crossing'];
const LABEL_NAMES = [
  'Harbour Lights Records',
  'Bluebird Sound',
  'Northern Spark',
  'Polar Bear Music',
  'Ocean Floor Recordings',
  'Tin Roof Records',
  'Goldcrest',
  'Night Shift Records',
  'Lantern Audio',
  'Static Bloom',
];
const COUNTRIES = ['US', 'UK', 'Germany', 'Europe', 'Netherlands', 'Japan', 'France', 'Canada', 'Sweden', 'Worldwide'];
const GENRES: readonly { genre: string; styles: readonly string[] }[] = [
  { genre: 'Rock', styles: ['Indie Rock', 'Pop Rock', 'Psychedelic Rock', 'Alternative Rock'] },
  { genre: 'Electronic', styles: ['House', 'Synth-pop', 'Deep House', 'Downtempo'] },
  { genre: 'Pop', styles: ['Ballad', 'Indie Pop', 'Dance-pop'] },
  { genre: 'Funk / Soul', styles: ['Soul', 'Neo Soul', 'Disco'] },
  { genre: 'Folk, World, & Country', styles: ['Folk', 'Americana'] },
];
const VENUES = [
  'Live at the Roundhouse',
  'Live in Berlin',
  'Live at Glastonbury',
  'Live on KEXP',
  'Live at Red Rocks',
  'Live from Paris Olympia',
  'Live at Montreux Jazz Festival',
  'Live Session',
];
const TV_SHOWS = ['Later... with Jools Holland', 'Top of the Pops', 'Tiny Desk Concert', 'The Late Show'];
const REMIXERS = [
  'Nightshift',
  'Loma Vista',
  'DJ Halden',
  'Keel & Sorrow',
  'Oberon Twin',
  'Palmer Haze',
  'Kid Lantern',
  'Sundown Club',
];
const COVER_ARTISTS = [
  'Ella Marsh',
  'The Backroom Sessions',
  'Tommy Rialto',
  'Acoustic Hearts',
  'Bianca Vos',
  'Jamie Kell',
  'Paper Choir',
  'Lucas Brennan',
];
const KARAOKE_CHANNELS = [
  'Starlight Karaoke Co.',
  'Hit Replica Players',
  'Sing-Along Studio',
  'Chart Replay DJs',
  'Karaoke Kingdom',
  'Future Hit Factory',
];
const LYRIC_CHANNELS = ['Lyrical Haven', 'Daily Lyrics', 'Lyric Vibes', 'Midnight Lyrics'];
const SLOWED_CHANNELS = ['slowed vibes', 'reverb dreams', 'sad hours', 'lofi rooms'];
const NIGHTCORE_CHANNELS = ['Nightcore Realm', 'NightcoreX', 'Syrex Nightcore'];
const SPED_UP_CHANNELS = ['sped up songs', 'fast hours', 'speedy tunes'];
const BACKING_CHANNELS = ['The Backing Tracks', 'Pro Instrumentals', 'Karaoke Instrumentals Hub'];
const LOOP_CHANNELS = ['1 Hour Loops', 'Endless Songs', 'Looped Hours'];
const REUPLOAD_CHANNELS = ['Music Archive 77', 'oldiesforever', 'Vinyl Rips', 'tunes4you', 'Hidden Gems Music'];
const SOUNDCLOUD_FANS = ['beatlover99', 'vinylhead', 'deepcuts', 'latenightradio', 'crate_digger'];
const ROLES_EXTRA = ['Producer', 'Mixed By', 'Mastered By', 'Written-By', 'Engineer'];

// ------------------------------------------------------------------ building

interface ArtistEntity {
  readonly id: number;
  /** Discogs name, with ` (n)` when numbered. */
  readonly name: string;
  /** The name without the Discogs number. */
  readonly clean: string;
  /** A name variation sleeves print, or ''. */
  readonly anv: string;
}

interface RowSkeleton {
  readonly type: 'track' | 'heading' | 'index';
  readonly position: string;
  readonly title?: string;
  readonly parts?: readonly string[];
  /** Duration range for the row's recordings. */
  readonly seconds?: readonly [number, number];
  /** A fixed version suffix (twelve-inch mixes). */
  readonly suffix?: string;
}

interface TrackDraft {
  readonly track: AudioTrack;
  /** The name official uploads use (the artists' own names). */
  readonly uploaderName: string;
  /** How the artists appear in upload titles (`A & B`, `A feat. B`). */
  readonly creditLine: string;
  /** The primary credited name (as printed) for the `- Topic` channel. */
  readonly topicName: string;
  readonly release: DraftRelease;
  /** Decided after all tracks exist. */
  noAnswer: boolean;
  soundcloudOnly: boolean;
}

interface DraftRelease {
  readonly id: number;
  /** Singles take the A-side's title once it exists. */
  title: string;
  readonly year: number;
  readonly labelName: string;
  readonly primary: ArtistEntity | null;
  readonly tracks: TrackDraft[];
}

class AudioCatalogBuilder {
  readonly #seed: number;
  readonly #rng: Rng;
  readonly #releaseIds = new Set<number>();
  readonly #artistIds = new Set<number>();
  readonly #youtubeIds = new Set<string>();
  readonly #soundcloudIds = new Set<string>();
  readonly #titles = new Set<string>();
  readonly #artistNames = new Set<string>();
  readonly #uploads: AudioUpload[] = [];
  readonly #soundcloudUploads: AudioUpload[] = [];
  readonly #permalinks = new Set<string>();

  constructor(seed: number) {
    this.#seed = seed;
    this.#rng = new Rng(hash32(`audio-catalog:${seed}`));
  }

  build(): AudioCatalog {
    const drafts = SHAPES.map((shape) => this.#release(shape));
    const allTracks = drafts.flatMap((draft) => draft.release.tracks);
    const rng = this.#rng;
    const noAnswer = rng.sample(allTracks, Math.round(allTracks.length * AUDIO_NO_ANSWER_SHARE));
    for (const draft of noAnswer) draft.noAnswer = true;
    const answered = allTracks.filter((draft) => !draft.noAnswer);
    for (const draft of rng.sample(answered, Math.max(1, Math.round(allTracks.length * 0.04)))) {
      draft.soundcloudOnly = true;
    }
    for (const draft of allTracks) this.#candidates(draft);
    const releases = drafts.map(({ release, rows, base }) => ({
      ...base,
      tracklist: rows,
      tracks: release.tracks.map((draft) => ({ ...draft.track, hasAnswer: !draft.noAnswer })),
      videos: this.#releaseVideos(release),
    }));
    return { seed: this.#seed, releases, uploads: [...this.#uploads, ...this.#soundcloudUploads] };
  }

  // ---------------------------------------------------------------- ids and names

  #releaseId(): number {
    for (;;) {
      const id = this.#rng.chance(0.35) ? this.#rng.int(100_000, 999_999) : this.#rng.int(1_000_000, 9_999_999);
      if (!this.#releaseIds.has(id)) {
        this.#releaseIds.add(id);
        return id;
      }
    }
  }

  #artistId(): number {
    for (;;) {
      const id = this.#rng.int(1_000, 9_000_000);
      if (!this.#artistIds.has(id)) {
        this.#artistIds.add(id);
        return id;
      }
    }
  }

  #youtubeId(): string {
    for (;;) {
      const id = this.#rng.chars(YOUTUBE_ID_ALPHABET, 11);
      if (!this.#youtubeIds.has(id)) {
        this.#youtubeIds.add(id);
        return id;
      }
    }
  }

  #soundcloudId(): string {
    for (;;) {
      const id = String(this.#rng.int(100_000_000, 1_999_999_999));
      if (!this.#soundcloudIds.has(id)) {
        this.#soundcloudIds.add(id);
        return id;
      }
    }
  }

  /** A new artist: a person, a band, or a shared one-word name that Discogs numbers. */
  #artist(kind: 'person' | 'band' | 'any' = 'any'): ArtistEntity {
    const rng = this.#rng;
    for (;;) {
      const roll = kind === 'person' ? 0 : kind === 'band' ? 0.6 : rng.float();
      let clean: string;
      let anv = '';
      let numbered = false;
      if (roll < 0.5) {
        const first = rng.pick(FIRST_NAMES);
        clean = `${first} ${rng.pick(LAST_NAMES)}`;
        const nickname = NICKNAMES[first];
        if (nickname !== undefined && rng.chance(0.35)) anv = clean.replace(first, nickname);
      } else if (roll < 0.85) {
        clean = rng.chance(0.5)
          ? `The ${rng.pick(BAND_ADJECTIVES)} ${rng.pick(BAND_NOUNS)}`
          : `${rng.pick(BAND_ADJECTIVES)} ${rng.pick(BAND_NOUNS)}`;
        if (clean.startsWith('The ') && rng.chance(0.3)) anv = clean.slice(4);
      } else {
        clean = rng.pick(SHARED_NAMES);
        numbered = true;
      }
      if (this.#artistNames.has(clean)) continue;
      this.#artistNames.add(clean);
      const name = numbered ? `${clean} (${rng.int(2, 6)})` : clean;
      return { id: this.#artistId(), name, clean, anv };
    }
  }

  #title(): string {
    const rng = this.#rng;
    for (;;) {
      const roll = rng.float();
      const title =
        roll < 0.35
          ? rng.pick(PHRASE_TITLES)
          : roll < 0.5
            ? rng.pick(ONE_WORD_TITLES)
            : roll < 0.85
              ? `${rng.pick(TITLE_ADJECTIVES)} ${rng.pick(TITLE_NOUNS)}`
              : `${rng.pick(TITLE_NOUNS)} of ${rng.pick(TITLE_NOUNS)}`;
      if (this.#titles.has(title)) continue;
      this.#titles.add(title);
      return title;
    }
  }

  // ---------------------------------------------------------------- releases

  #release(shape: AudioReleaseShape): {
    release: DraftRelease;
    rows: AudioTrackRow[];
    base: Omit<AudioRelease, 'tracklist' | 'tracks' | 'videos'>;
  } {
    const rng = this.#rng;
    const id = this.#releaseId();
    const various = shape === 'various';
    const primary = various ? null : this.#artist(shape === 'double_lp' ? 'band' : 'any');
    const artists: DiscogsCredit[] = various ? [VARIOUS] : [credit(primary as ArtistEntity, '')];
    // Some albums are credited to two acts (`A & B`).
    if (!various && (shape === 'lp' || shape === 'cd') && rng.chance(0.15)) {
      (artists[0] as { join: string }).join = '&';
      artists.push(credit(this.#artist('person'), ''));
    }
    const year = shape === 'double_lp' ? rng.int(1968, 1979) : rng.int(1970, 2023);
    const skeleton = this.#skeleton(shape);
    const hideAll = shape === 'double_lp' || (shape === 'lp' && rng.chance(0.2));
    const title =
      shape === 'various'
        ? rng.pick(COMPILATION_TITLES)
        : shape === 'single' || shape === 'twelve_inch'
          ? '' // the A-side's title, set below
          : this.#albumTitle();
    const labelName = rng.pick(LABEL_NAMES);
    const draft: DraftRelease = { id, title, year, labelName, primary, tracks: [] };
    const rows: AudioTrackRow[] = [];
    // Members of a band release a solo track on its second record now and then (as on Ummagumma).
    const members = shape === 'double_lp' ? [this.#artist('person'), this.#artist('person')] : [];
    let singleTitle: string | undefined;
    for (const row of skeleton) {
      if (row.type === 'heading') {
        rows.push({ type: 'heading', position: '', title: row.title ?? '', duration: '' });
        continue;
      }
      const trackArtists = various
        ? this.#compilationCredits()
        : members.length > 0 && row.position.startsWith('C') && rng.chance(0.6)
          ? [credit(rng.pick(members), '')]
          : undefined;
      const credits = trackArtists ?? artists;
      const featuring = !various && rng.chance(0.08) ? [credit(this.#artist('person'), '', 'Featuring')] : [];
      if (row.type === 'index') {
        const indexTitle = row.title ?? 'Suite';
        const parts = row.parts ?? [];
        const numbered = rng.chance(0.5);
        const subTracks: AudioTrackRow[] = parts.map((part, n) => {
          const partTitle = numbered ? `Part ${n + 1}` : `${romanNumeral(n + 1)}. ${this.#title()}`;
          const seconds = rng.int(row.seconds?.[0] ?? 70, row.seconds?.[1] ?? 260);
          const shown = hideAll || rng.chance(0.3) ? '' : formatDuration(seconds);
          this.#addTrack(draft, {
            position: part,
            title: partTitle,
            fullTitle: `${indexTitle}: ${partTitle}`,
            indexTitle,
            seconds,
            shown,
            credits,
            featuring: [],
          });
          return { type: 'track', position: part, title: partTitle, duration: shown };
        });
        rows.push({
          type: 'index',
          position: '',
          title: indexTitle,
          duration: '',
          ...(trackArtists !== undefined ? { artists: trackArtists } : {}),
          subTracks,
        });
        continue;
      }
      const base =
        (shape === 'single' || shape === 'twelve_inch') && singleTitle !== undefined && row.suffix
          ? singleTitle
          : this.#title();
      if (singleTitle === undefined && (shape === 'single' || shape === 'twelve_inch')) singleTitle = base;
      const rowTitle = row.suffix ? `${base} ${row.suffix}` : base;
      const seconds = rng.int(row.seconds?.[0] ?? 150, row.seconds?.[1] ?? 330);
      const shown = hideAll || rng.chance(0.08) ? '' : formatDuration(seconds);
      this.#addTrack(draft, {
        position: row.position,
        title: rowTitle,
        fullTitle: rowTitle,
        indexTitle: null,
        seconds,
        shown,
        credits,
        featuring,
      });
      rows.push({
        type: 'track',
        position: row.position,
        title: rowTitle,
        duration: shown,
        ...(trackArtists !== undefined ? { artists: trackArtists } : {}),
        ...(featuring.length > 0 ? { extraartists: featuring } : {}),
      });
    }
    const releaseTitle = title !== '' ? title : (singleTitle ?? this.#title());
    draft.title = releaseTitle;
    const genre = rng.pick(GENRES);
    const month = rng.int(1, 12);
    const day = rng.int(1, 28);
    const released = rng.chance(0.1)
      ? null
      : rng.chance(0.2)
        ? String(year)
        : rng.chance(0.2)
          ? `${year}-${pad(month)}-00`
          : `${year}-${pad(month)}-${pad(day)}`;
    const addedMs = Date.UTC(rng.int(2004, 2022), rng.int(0, 11), rng.int(1, 28), rng.int(0, 23), rng.int(0, 59));
    const changedMs = addedMs + rng.int(30, 1500) * 86_400_000;
    const catno = `${initials(labelName)}${rng.chance(0.5) ? '-' : ' '}${rng.int(1, 999).toString().padStart(3, '0')}`;
    const have = rng.int(12, 9000);
    return {
      release: draft,
      rows,
      base: {
        id,
        shape,
        title: releaseTitle,
        artists,
        extraartists: [
          credit(this.#artist('person'), '', rng.pick(ROLES_EXTRA)),
          credit(this.#artist('person'), '', 'Mastered By'),
        ],
        year,
        released,
        country: rng.pick(COUNTRIES),
        labels: [{ name: labelName, catno, id: rng.int(1_000, 2_500_000) }],
        formats: formatsOf(shape, rng),
        genres: [genre.genre],
        styles: rng.sample(genre.styles, rng.int(1, 2)),
        masterId: shape === 'single' && rng.chance(0.5) ? null : rng.int(10_000, 3_900_000),
        notes: rng.chance(0.5) ? `Recorded at ${rng.pick(['Abbey Road', 'Hansa Tonstudio', 'Sunset Sound'])}.` : '',
        barcode:
          year >= 1985 ? String(rng.int(100_000_000, 999_999_999)).padStart(12, '0') + String(rng.int(0, 9)) : null,
        dataQuality: rng.pick(['Correct', 'Needs Vote', 'Complete and Correct'] as const),
        have,
        want: rng.int(5, Math.max(6, Math.round(have / 2))),
        ratingCount: rng.int(1, 400),
        ratingAverage: Math.round((3 + rng.float() * 2) * 100) / 100,
        numForSale: rng.int(0, 150),
        lowestPrice: rng.chance(0.8) ? Math.round((2 + rng.float() * 60) * 100) / 100 : null,
        dateAdded: discogsTimestamp(addedMs),
        dateChanged: discogsTimestamp(changedMs),
        submitter: `${rng.pick(['vinyl', 'crate', 'groove', 'wax', 'spin'])}${rng.pick(['head', 'digger', 'junkie', 'keeper'])}${rng.int(1, 99)}`,
      },
    };
  }

  #albumTitle(): string {
    const rng = this.#rng;
    const pattern = rng.pick(ALBUM_TITLE_PATTERNS);
    return pattern
      .replace('<title>', () => this.#title())
      .replace('<adj>', () => rng.pick(TITLE_ADJECTIVES))
      .replace(/<noun>/g, () => rng.pick(TITLE_NOUNS));
  }

  /** A compilation track's artists: one act, or two joined by `&` or `Feat.`. */
  #compilationCredits(): DiscogsCredit[] {
    const rng = this.#rng;
    const first = this.#artist();
    if (!rng.chance(0.2)) return [credit(first, '')];
    return [credit(first, rng.pick(['&', 'Feat.'])), credit(this.#artist('person'), '')];
  }

  /** Positions, headings and index tracks per shape. */
  #skeleton(shape: AudioReleaseShape): RowSkeleton[] {
    const rng = this.#rng;
    const tracks = (positions: string[], seconds?: [number, number]): RowSkeleton[] =>
      positions.map((position) => ({ type: 'track', position, ...(seconds ? { seconds } : {}) }));
    switch (shape) {
      case 'lp': {
        const a = rng.int(4, 5);
        const b = rng.int(4, 5);
        return tracks([...side('A', a), ...side('B', b)]);
      }
      case 'cd':
        return tracks(range(rng.int(9, 11)).map(String));
      case 'ep':
        return tracks(['A1', 'A2', 'B1', 'B2']);
      case 'single':
        return [
          { type: 'track', position: 'A', seconds: [150, 215] },
          { type: 'track', position: 'B', seconds: [150, 230] },
        ];
      case 'twelve_inch':
        return [
          { type: 'track', position: 'A', seconds: [360, 480], suffix: '(Extended Mix)' },
          { type: 'track', position: 'B1', seconds: [300, 420], suffix: '(Dub)' },
          { type: 'track', position: 'B2', seconds: [185, 230], suffix: '(Radio Edit)' },
        ];
      case 'double_cd': {
        const style = rng.chance(0.5) ? 'CD' : '';
        const first = range(rng.int(5, 6)).map((n) => `${style}1-${n}`);
        const second = range(rng.int(4, 5)).map((n) => `${style}2-${n}`);
        if (style === '') return tracks([...first, ...second]);
        return [
          { type: 'heading', position: '', title: 'The Album' },
          ...tracks(first),
          { type: 'heading', position: '', title: 'Bonus Disc: Rarities' },
          ...tracks(second),
        ];
      }
      case 'double_lp': {
        const suite = rng.pick(SUITE_TITLES);
        const dotted = rng.chance(0.5);
        const parts = range(rng.int(3, 4)).map((n) => (dotted ? `C1.${n}` : `C1${String.fromCharCode(96 + n)}`));
        return [
          { type: 'heading', position: '', title: 'Live Album' },
          ...tracks([...side('A', 2), ...side('B', 2)], [300, 560]),
          { type: 'heading', position: '', title: 'Studio Album' },
          { type: 'index', position: '', title: suite, parts, seconds: [70, 260] },
          ...tracks(['C2', 'C3', ...side('D', 2)]),
        ];
      }
      case 'various': {
        const lp = rng.chance(0.4);
        const count = rng.int(8, 11);
        const positions = lp
          ? [...side('A', Math.ceil(count / 2)), ...side('B', Math.floor(count / 2))]
          : range(count).map(String);
        const rows = tracks(positions);
        if (rng.chance(0.5)) {
          const half = Math.ceil(rows.length / 2);
          return [
            { type: 'heading', position: '', title: 'Part One: Day' },
            ...rows.slice(0, half),
            { type: 'heading', position: '', title: 'Part Two: Night' },
            ...rows.slice(half),
          ];
        }
        return rows;
      }
    }
  }

  #addTrack(
    draft: DraftRelease,
    input: {
      position: string;
      title: string;
      fullTitle: string;
      indexTitle: string | null;
      seconds: number;
      shown: string;
      credits: readonly DiscogsCredit[];
      featuring: readonly DiscogsCredit[];
    },
  ): void {
    const main = input.credits.filter((c) => c.name !== 'Various');
    const artists = main.map(creditedName);
    const track: AudioTrack = {
      releaseId: draft.id,
      index: draft.tracks.length,
      position: input.position,
      title: input.title,
      fullTitle: input.fullTitle,
      indexTitle: input.indexTitle,
      durationSeconds: input.seconds,
      discogsDuration: input.shown,
      artists,
      featuring: input.featuring.map(creditedName),
      hasAnswer: true,
    };
    draft.tracks.push({
      track,
      uploaderName: stripNumber(main[0]?.name ?? 'Unknown Artist'),
      creditLine: creditLine(main, (c) => stripNumber(c.name)),
      topicName: creditedName(main[0] ?? VARIOUS),
      release: draft,
      noAnswer: false,
      soundcloudOnly: false,
    });
  }

  // ---------------------------------------------------------------- uploads

  #candidates(draft: TrackDraft): void {
    const rng = this.#rng;
    const { track } = draft;
    const D = track.durationSeconds;
    const T = track.fullTitle;
    const A = draft.creditLine;
    const P = draft.uploaderName;
    const feat = track.featuring[0];
    const answer = !draft.noAnswer;
    const youtubeAnswers = answer && !draft.soundcloudOnly;
    const vevo = `${P.replace(/[^\p{L}\p{N}]/gu, '')}VEVO`;
    const add = (
      platform: AudioUploadPlatform,
      label: AudioLabel,
      title: string,
      uploader: string,
      seconds: number,
      extra: Partial<Pick<AudioUpload, 'description' | 'plays' | 'genre'>> = {},
    ) => this.#upload(draft, platform, label, title, uploader, seconds, extra);

    // Right answers.
    let rights = 0;
    if (youtubeAnswers && rng.chance(0.85)) {
      const withFeat = feat !== undefined ? `${T} (feat. ${feat})` : T;
      const title = rng.pick([
        `${A} - ${withFeat} (Official Video)`,
        `${A} - ${withFeat} [Official Music Video]`,
        `${A} - ${withFeat} (Official Audio)`,
        `${A} - ${withFeat}`,
        `${A} - ${withFeat} (Official HD Video)`,
      ]);
      add('youtube', 'official', title, rng.chance(0.3) ? vevo : P, D + rng.int(-2, 3), {
        description: `Official ${title.includes('Audio') ? 'audio' : 'music video'} for “${T}” by ${A}.\nTaken from “${draft.release.title}”.`,
        plays: logUniform(rng, 200_000, 400_000_000),
      });
      rights++;
    }
    if (youtubeAnswers && rng.chance(0.7)) {
      const title = feat !== undefined ? `${T} (feat. ${feat})` : T;
      add('youtube', 'topic', title, `${draft.topicName} - Topic`, D, {
        description: topicDescription(draft, title),
        plays: logUniform(rng, 5_000, 50_000_000),
      });
      rights++;
    }
    if (youtubeAnswers && rng.chance(0.35)) {
      const byArtist = rng.chance(0.4);
      add(
        'youtube',
        'lyric',
        rng.pick([`${A} - ${T} (Lyrics)`, `${A} - ${T} (Lyric Video)`, `${T} - ${A} (Lyrics)`, `${A} – ${T} [lyrics]`]),
        byArtist ? P : rng.pick(LYRIC_CHANNELS),
        D + rng.int(-2, 3),
        {
          description: `${A} - ${T} lyrics\n\nStream “${T}”: https://example.test`,
          plays: logUniform(rng, 10_000, 60_000_000),
        },
      );
      rights++;
    }
    if (answer && (draft.soundcloudOnly || rng.chance(0.45))) {
      add('soundcloud', 'official', rng.chance(0.5) ? T : `${A} - ${T}`, P, D + rng.float() * 4 - 2, {
        plays: logUniform(rng, 1_000, 5_000_000),
      });
      rights++;
    }
    if (answer && rights === 0) {
      add('youtube', 'official', `${A} - ${T} (Official Audio)`, P, D + rng.int(-1, 2), {
        description: `Official audio for “${T}” by ${A}.`,
        plays: logUniform(rng, 50_000, 10_000_000),
      });
    }

    // Wrong versions: a track without an answer gets more of them, so it still has a candidate list.
    const boost = answer ? 0 : 0.3;
    let wrongs = 0;
    const maybe = (p: number) => rng.chance(Math.min(1, p + boost));
    if (maybe(0.5)) {
      const venue = rng.pick(VENUES);
      const year = rng.int(Math.max(1970, draft.release.year), 2025);
      const official = rng.chance(0.6);
      add(
        'youtube',
        'live',
        official
          ? rng.pick([`${A} - ${T} (${venue}, ${year})`, `${T} (Live)`, `${A} - ${T} - ${venue}`])
          : rng.pick([`${A} - ${T} live ${year}`, `${P} - ${T} (${rng.pick(TV_SHOWS)})`]),
        official ? P : rng.pick(REUPLOAD_CHANNELS),
        D + (rng.chance(0.15) ? rng.int(4, 7) : rng.int(12, 90)),
        { description: `${A} performing “${T}” ${venue.toLowerCase()}.` },
      );
      wrongs++;
    }
    if (maybe(0.45)) {
      const coverArtist = rng.pick(COVER_ARTISTS);
      add(
        'youtube',
        'cover',
        rng.pick([`${T} (${P} Cover)`, `${T} - ${A} | cover by ${coverArtist}`, `${coverArtist} - ${T} (Cover)`]),
        coverArtist,
        D + rng.int(-25, 25),
      );
      wrongs++;
    }
    if (maybe(0.4)) {
      const remixer = rng.pick(REMIXERS);
      add(
        'youtube',
        'remix',
        rng.pick([`${A} - ${T} (${remixer} Remix)`, `${T} (${remixer} Remix)`]),
        rng.chance(0.5) ? remixer : P,
        rng.int(170, 420),
      );
      wrongs++;
    }
    if (maybe(0.5)) {
      const count = rng.int(1, 3);
      for (let n = 0; n < count; n++) {
        add(
          'youtube',
          'karaoke',
          rng.pick([
            `${T} (Karaoke Version) [Originally Performed by ${A}]`,
            `${T} (In the Style of ${A}) [Karaoke Version]`,
            `${T} (Made Famous by ${A})`,
            `${T} (As Made Famous By ${A})`,
            `${T} (Made Popular By ${A}) [Karaoke Version]`,
            `${A} - ${T} (Karaoke)`,
          ]),
          rng.pick(KARAOKE_CHANNELS),
          D + rng.int(-4, 4),
          { description: `Sing “${T}” like ${A}! Karaoke backing track with on-screen lyrics.` },
        );
        wrongs++;
      }
    }
    if (maybe(0.3)) {
      add(
        'youtube',
        'slowed_reverb',
        rng.pick([`${A} - ${T} (slowed + reverb)`, `${T} (Slowed & Reverb)`, `${T} - slowed`]),
        rng.pick(SLOWED_CHANNELS),
        Math.round(D * (1.16 + rng.float() * 0.12)),
      );
      wrongs++;
    }
    if (maybe(0.2)) {
      add(
        'youtube',
        'nightcore',
        rng.pick([`Nightcore - ${T}`, `Nightcore → ${T} (Lyrics)`, `Nightcore - ${T} (${P})`]),
        rng.pick(NIGHTCORE_CHANNELS),
        Math.round(D * (0.78 + rng.float() * 0.05)),
      );
      wrongs++;
    }
    if (maybe(0.25)) {
      add(
        'youtube',
        'sped_up',
        rng.pick([`${A} - ${T} (Sped Up)`, `${T} (sped up version)`, `${T} - sped up`]),
        rng.pick(SPED_UP_CHANNELS),
        Math.round(D * (0.8 + rng.float() * 0.08)),
      );
      wrongs++;
    }
    if (maybe(0.3)) {
      const own = rng.chance(0.4);
      add(
        'youtube',
        'instrumental',
        own ? `${A} - ${T} (Official Instrumental)` : rng.pick([`${T} (Instrumental)`, `${A} - ${T} Instrumental`]),
        own ? P : rng.pick(BACKING_CHANNELS),
        D + rng.int(-2, 2),
      );
      wrongs++;
    }
    if (maybe(0.2)) {
      add(
        'youtube',
        'hour_loop',
        rng.pick([`${A} - ${T} [1 Hour Loop]`, `${T} 1 HOUR`, `${A} - ${T} (1 hour version)`]),
        rng.pick(LOOP_CHANNELS),
        3600 + rng.int(0, 120),
      );
      wrongs++;
    }
    if (maybe(0.35)) {
      const offset = rng.int(12, 90) * (rng.chance(0.6) ? 1 : -1);
      add(
        'youtube',
        'wrong_length',
        rng.pick([`${A} - ${T}`, `${A} - ${T} (Official Video)`, `${T}`, `${A} - ${T} (HQ)`]),
        rng.chance(0.5) ? P : rng.pick(REUPLOAD_CHANNELS),
        Math.max(45, D + offset),
      );
      wrongs++;
    }
    if (maybe(0.45)) {
      const other = this.#artist();
      const byTopic = rng.chance(0.4);
      add(
        'youtube',
        'same_title_other_artist',
        byTopic ? T : `${other.clean} - ${T}`,
        byTopic ? `${other.clean} - Topic` : other.clean,
        rng.int(140, 340),
      );
      wrongs++;
    }
    if (wrongs < 3 && !answer) {
      add(
        'youtube',
        'karaoke',
        `${T} (Karaoke Version) [Originally Performed by ${A}]`,
        rng.pick(KARAOKE_CHANNELS),
        D + rng.int(-3, 3),
      );
      add('youtube', 'wrong_length', `${A} - ${T}`, rng.pick(REUPLOAD_CHANNELS), D + rng.int(20, 70));
      add('youtube', 'cover', `${T} (${P} Cover)`, rng.pick(COVER_ARTISTS), D + rng.int(-20, 20));
    }

    // SoundCloud: fewer uploads, mostly remixes and edits.
    if (maybe(0.45)) {
      const remixer = rng.pick(REMIXERS);
      add('soundcloud', 'remix', `${T} (${remixer} Remix)`, remixer, rng.int(170, 420) + rng.float(), {
        genre: rng.pick(['House', 'Electronic', 'Deep House', 'Dance & EDM']),
      });
    }
    if (maybe(0.2)) {
      add(
        'soundcloud',
        'nightcore',
        `Nightcore - ${T}`,
        rng.pick(NIGHTCORE_CHANNELS),
        D * (0.78 + rng.float() * 0.05),
        {
          genre: 'Nightcore',
        },
      );
    }
    if (maybe(0.2)) {
      add(
        'soundcloud',
        'slowed_reverb',
        `${T} (slowed + reverb)`,
        rng.pick(SLOWED_CHANNELS),
        D * (1.16 + rng.float() * 0.12),
      );
    }
    if (maybe(0.15)) {
      add('soundcloud', 'sped_up', `${T} (sped up)`, rng.pick(SPED_UP_CHANNELS), D * (0.8 + rng.float() * 0.08));
    }
    if (maybe(0.25)) {
      add('soundcloud', 'cover', `${T} (cover)`, rng.pick(COVER_ARTISTS), D + rng.int(-25, 25) + rng.float());
    }
    if (maybe(0.15)) {
      add(
        'soundcloud',
        'live',
        `${A} - ${T} (live bootleg)`,
        rng.pick(SOUNDCLOUD_FANS),
        D + rng.int(15, 80) + rng.float(),
      );
    }
    if (maybe(0.1)) {
      add(
        'soundcloud',
        'karaoke',
        `${T} (Karaoke Version)`,
        rng.pick(KARAOKE_CHANNELS),
        D + rng.int(-4, 4) + rng.float(),
      );
    }
    if (maybe(0.15)) {
      add(
        'soundcloud',
        'instrumental',
        `${T} (Instrumental)`,
        rng.pick(BACKING_CHANNELS),
        D + rng.int(-2, 2) + rng.float(),
      );
    }
    if (maybe(0.15)) {
      const offset = rng.int(12, 80) * (rng.chance(0.5) ? 1 : -1);
      add(
        'soundcloud',
        'wrong_length',
        `${A} - ${T}`,
        rng.pick(SOUNDCLOUD_FANS),
        Math.max(45, D + offset) + rng.float(),
      );
    }
    if (maybe(0.3)) {
      const other = this.#artist();
      add('soundcloud', 'same_title_other_artist', T, other.clean, rng.int(140, 340) + rng.float());
    }
    if (maybe(0.05)) {
      add('soundcloud', 'hour_loop', `${T} (1 hour)`, rng.pick(LOOP_CHANNELS), 3600 + rng.int(0, 120) + rng.float());
    }
  }

  #upload(
    draft: TrackDraft | null,
    platform: AudioUploadPlatform,
    label: AudioLabel,
    title: string,
    uploader: string,
    seconds: number,
    extra: Partial<Pick<AudioUpload, 'description' | 'plays' | 'genre'>> = {},
    releaseId: number | null = draft?.track.releaseId ?? null,
  ): AudioUpload {
    const rng = this.#rng;
    const id = platform === 'youtube' ? this.#youtubeId() : this.#soundcloudId();
    const year = draft?.release.year ?? 2000;
    const earliest = Math.max(EARLIEST_UPLOAD_MS, Date.UTC(year, 0, 1));
    const published = earliest + Math.floor(rng.float() * Math.max(1, LATEST_UPLOAD_MS - earliest));
    const plays = extra.plays ?? logUniform(rng, 50, 2_000_000);
    const durationMs =
      platform === 'youtube' ? Math.max(1, Math.round(seconds)) * 1000 : Math.max(1000, Math.round(seconds * 1000));
    const upload: AudioUpload = {
      key: `${platform}:${id}`,
      platform,
      id,
      label,
      right: RIGHT_AUDIO_LABELS.has(label),
      title,
      uploader,
      uploaderId:
        platform === 'youtube'
          ? `UC${derivedToken(this.#seed, `channel:${uploader}`, YOUTUBE_ID_ALPHABET, 22)}`
          : String(100_000 + (hash32(`${this.#seed}:user:${uploader}`) % 900_000_000)),
      uploaderPermalink: slug(uploader) || 'user',
      permalink: platform === 'soundcloud' ? this.#permalink(slug(uploader) || 'user', slug(title) || 'track') : '',
      description: extra.description ?? '',
      durationMs,
      publishedAt: new Date(Math.floor(published / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      plays: Math.round(plays),
      likes: Math.round(plays * (0.005 + rng.float() * 0.03)),
      comments: Math.round(plays * rng.float() * 0.002),
      genre: platform === 'soundcloud' ? (extra.genre ?? rng.pick(['Pop', 'Rock', 'Electronic', 'Indie', ''])) : '',
      releaseId,
      trackIndex: draft?.track.index ?? null,
    };
    (platform === 'youtube' ? this.#uploads : this.#soundcloudUploads).push(upload);
    return upload;
  }

  /** A track permalink unique under its user, numbered as SoundCloud numbers repeated titles (`title-1`). */
  #permalink(user: string, title: string): string {
    let permalink = title;
    for (let n = 1; this.#permalinks.has(`${user}/${permalink}`); n++) permalink = `${title}-${n}`;
    this.#permalinks.add(`${user}/${permalink}`);
    return permalink;
  }

  /** Curated links for about half the releases: right uploads, live clips, and unrelated videos. */
  #releaseVideos(release: DraftRelease): AudioReleaseVideo[] {
    const rng = this.#rng;
    if (!rng.chance(0.5)) return [];
    const ofRelease = this.#uploads.filter((upload) => upload.releaseId === release.id && upload.trackIndex !== null);
    const pointed: AudioUpload[] = [];
    const right = ofRelease.filter((upload) => upload.right);
    pointed.push(...rng.sample(right, rng.int(1, Math.min(4, Math.max(1, right.length)))));
    const live = ofRelease.filter((upload) => upload.label === 'live');
    pointed.push(...rng.sample(live, rng.int(0, Math.min(2, live.length))));
    const artist = release.primary?.clean ?? 'Various Artists';
    const clips = rng.int(1, 2);
    for (let n = 0; n < clips; n++) {
      const kind = rng.int(0, 2);
      const total = release.tracks.reduce((sum, draft) => sum + draft.track.durationSeconds, 0);
      const title =
        kind === 0
          ? `${artist} - ${release.title} (Full Album)`
          : kind === 1
            ? `${artist} interview about “${release.title}” (${release.year + rng.int(0, 30)})`
            : `${artist} - ${this.#title()} (${rng.pick(TV_SHOWS)})`;
      const seconds = kind === 0 ? total : kind === 1 ? rng.int(240, 1500) : rng.int(160, 320);
      pointed.push(
        this.#upload(
          null,
          'youtube',
          'unrelated',
          title,
          rng.pick(REUPLOAD_CHANNELS),
          seconds,
          { description: `${title}\n\nUploaded for archival purposes.` },
          release.id,
        ),
      );
    }
    const order = rng.sample(pointed, pointed.length);
    return order.map((upload) => ({
      videoId: upload.id,
      uri: `https://www.youtube.com/watch?v=${upload.id}`,
      title: upload.title,
      description: upload.description === '' ? upload.title : upload.description,
      // Discogs keeps 0 for some videos whose length it never learned.
      duration: rng.chance(0.08) ? 0 : upload.durationMs / 1000,
      embed: true,
    }));
  }
}

// ------------------------------------------------------------------ helpers

function credit(artist: ArtistEntity, join: string, role = ''): DiscogsCredit {
  return { name: artist.name, anv: artist.anv, join, role, tracks: '', id: artist.id };
}

/** `Mirage (2)` → `Mirage`. */
export function stripNumber(name: string): string {
  return name.replace(/\s+\(\d+\)$/, '');
}

/** The name a credit prints: the name variation when there is one, else the name without its Discogs number. */
export function creditedName(credit: DiscogsCredit): string {
  return credit.anv !== '' ? credit.anv : stripNumber(credit.name);
}

function creditLine(credits: readonly DiscogsCredit[], name: (credit: DiscogsCredit) => string): string {
  return credits
    .map((c, i) => {
      if (i === credits.length - 1) return name(c);
      const join = c.join === '' || c.join === ',' ? ', ' : c.join === 'Feat.' ? ' feat. ' : ` ${c.join} `;
      return `${name(c)}${join}`;
    })
    .join('');
}

function topicDescription(draft: TrackDraft, title: string): string {
  const { release } = draft;
  return (
    `Provided to YouTube by ${release.labelName}\n\n${title} · ${draft.track.artists.join(' · ')}\n\n` +
    `${release.title}\n\n℗ ${release.year} ${release.labelName}\n\nReleased on: ${release.year}-01-01\n\n` +
    'Auto-generated by YouTube.'
  );
}

function formatsOf(shape: AudioReleaseShape, rng: Rng): AudioReleaseFormat[] {
  switch (shape) {
    case 'lp':
      return [{ name: 'Vinyl', qty: '1', descriptions: ['LP', 'Album'] }];
    case 'double_lp':
      return [{ name: 'Vinyl', qty: '2', descriptions: ['LP', 'Album', 'Reissue'], text: 'Gatefold' }];
    case 'cd':
      return [{ name: 'CD', qty: '1', descriptions: ['Album'] }];
    case 'double_cd':
      return [{ name: 'CD', qty: '2', descriptions: ['Album', 'Deluxe Edition'] }];
    case 'various':
      return [{ name: rng.chance(0.5) ? 'CD' : 'Vinyl', qty: '1', descriptions: ['Compilation'] }];
    case 'single':
      return [{ name: 'Vinyl', qty: '1', descriptions: ['7"', '45 RPM', 'Single'] }];
    case 'twelve_inch':
      return [{ name: 'Vinyl', qty: '1', descriptions: ['12"', '33 ⅓ RPM', 'Maxi-Single'] }];
    case 'ep':
      return [{ name: 'Vinyl', qty: '1', descriptions: ['12"', 'EP'] }];
  }
}

function side(letter: string, count: number): string[] {
  return range(count).map((n) => `${letter}${n}`);
}

/** 1…count. */
function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** `m:ss`, as Discogs prints durations. */
export function formatDuration(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${pad(seconds % 60)}`;
}

function romanNumeral(n: number): string {
  return ['I', 'II', 'III', 'IV', 'V', 'VI'][n - 1] ?? String(n);
}

function initials(text: string): string {
  return text
    .split(/\s+/)
    .map((word) => word[0] ?? '')
    .join('')
    .toUpperCase();
}

/** Discogs' timestamps: local time with an offset, e.g. `2016-06-03T05:20:19-07:00`. */
function discogsTimestamp(utcMs: number): string {
  return `${new Date(utcMs - 7 * 3_600_000).toISOString().slice(0, 19)}-07:00`;
}

function logUniform(rng: Rng, min: number, max: number): number {
  return Math.round(Math.exp(Math.log(min) + rng.float() * (Math.log(max) - Math.log(min))));
}

function slug(text: string): string {
  return foldAudioText(text)
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

// ------------------------------------------------------------------ catalog, truth, lookups

const catalogs = new Map<number, AudioCatalog>();

/** The catalog for `seed` (built once per seed and kept; the last few seeds are cached). */
export function audioCatalog(seed: number): AudioCatalog {
  const key = seed >>> 0;
  let catalog = catalogs.get(key);
  if (catalog === undefined) {
    catalog = new AudioCatalogBuilder(key).build();
    if (catalogs.size >= 8) catalogs.delete(catalogs.keys().next().value ?? key);
    catalogs.set(key, catalog);
  }
  return catalog;
}

/** The release with Discogs id `id`, or undefined. */
export function findAudioRelease(seed: number, id: number): AudioRelease | undefined {
  return indexOf(seed).releases.get(id);
}

/** The upload with `key` (`youtube:<id>` / `soundcloud:<id>`), or undefined. */
export function findAudioUpload(seed: number, key: string): AudioUpload | undefined {
  return indexOf(seed).uploads.get(key);
}

/** The truth table: for each playable track, the right uploads (or none) and every candidate's label. */
export function audioTruth(seed: number): AudioTruth {
  const catalog = audioCatalog(seed);
  const byTrack = new Map<string, AudioUpload[]>();
  const labels: Record<string, AudioLabel> = {};
  for (const upload of catalog.uploads) {
    labels[upload.key] = upload.label;
    if (upload.trackIndex === null || upload.releaseId === null) continue;
    const key = `${upload.releaseId}:${upload.trackIndex}`;
    const list = byTrack.get(key) ?? [];
    list.push(upload);
    byTrack.set(key, list);
  }
  const tracks = catalog.releases.flatMap((release) =>
    release.tracks.map((track): AudioTruthEntry => {
      const uploads = byTrack.get(`${release.id}:${track.index}`) ?? [];
      const right = uploads.filter((upload) => upload.right);
      return {
        releaseId: release.id,
        trackIndex: track.index,
        position: track.position,
        title: track.title,
        fullTitle: track.fullTitle,
        artists: track.artists,
        durationSeconds: track.durationSeconds,
        discogsDuration: track.discogsDuration,
        acceptable: right.map((upload) => upload.key),
        acceptableByPlatform: {
          youtube: right.filter((upload) => upload.platform === 'youtube').map((upload) => upload.id),
          soundcloud: right.filter((upload) => upload.platform === 'soundcloud').map((upload) => upload.id),
        },
        candidates: uploads.map((upload) => ({
          key: upload.key,
          platform: upload.platform,
          id: upload.id,
          label: upload.label,
          right: upload.right,
        })),
      };
    }),
  );
  return { seed: catalog.seed, tracks, labels };
}

/** How many uploads carry each label, per platform and in all. */
export function audioLabelCounts(seed: number): Record<AudioUploadPlatform | 'all', Record<AudioLabel, number>> {
  const empty = () => Object.fromEntries(AUDIO_LABELS.map((label) => [label, 0])) as Record<AudioLabel, number>;
  const counts = { youtube: empty(), soundcloud: empty(), all: empty() };
  for (const upload of audioCatalog(seed).uploads) {
    counts[upload.platform][upload.label]++;
    counts.all[upload.label]++;
  }
  return counts;
}

/** Case- and accent-folded text, as search engines compare it. */
export function foldAudioText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** The words of `text` as search sees them: folded, apostrophes dropped inside words. */
export function audioSearchWords(text: string): string[] {
  return [
    ...foldAudioText(text)
      .replace(/['’]/g, '')
      .matchAll(/[\p{L}\p{N}]+/gu),
  ].map((match) => match[0]);
}

/** One search hit. */
export interface AudioSearchHit {
  readonly upload: AudioUpload;
  /** Ranking score (higher first). */
  readonly score: number;
}

/**
 * The uploads of `platform` that share at least one word with `query` (title and uploader name), best first. The
 * ranking is mostly relevance (the weighted share of the query's words an upload has, rarer words weighing more, and
 * how few words it has beyond them), plus popularity and a little noise that depends on the query: like a real
 * search, the official upload is often but not always first.
 */
export function searchAudioUploads(seed: number, platform: AudioUploadPlatform, query: string): AudioSearchHit[] {
  const index = indexOf(seed).search[platform];
  const words = [...new Set(audioSearchWords(query))];
  if (words.length === 0) return [];
  const weight = (word: string) => index.weights.get(word) ?? index.unknownWeight;
  const total = words.reduce((sum, word) => sum + weight(word), 0);
  const folded = words.join(' ');
  const hits: AudioSearchHit[] = [];
  for (const doc of index.docs) {
    let found = 0;
    for (const word of words) if (doc.words.has(word)) found += weight(word);
    if (found === 0) continue;
    const relevance = found / total;
    let own = 0;
    let ownFound = 0;
    for (const word of doc.words) {
      own += weight(word);
      if (words.includes(word)) ownFound += weight(word);
    }
    const precision = own === 0 ? 0 : ownFound / own;
    const popularity = Math.log10(doc.upload.plays + 1) / 9;
    const noise = (hash32(`${folded}|${doc.upload.key}`) % 10_000) / 10_000;
    hits.push({ upload: doc.upload, score: relevance + 0.2 * precision + 0.1 * popularity + 0.15 * noise });
  }
  hits.sort((a, b) => b.score - a.score || a.upload.key.localeCompare(b.upload.key));
  return hits;
}

interface SearchDoc {
  readonly upload: AudioUpload;
  readonly words: ReadonlySet<string>;
}

interface PlatformIndex {
  readonly docs: readonly SearchDoc[];
  readonly weights: ReadonlyMap<string, number>;
  readonly unknownWeight: number;
}

interface CatalogIndex {
  readonly releases: ReadonlyMap<number, AudioRelease>;
  readonly uploads: ReadonlyMap<string, AudioUpload>;
  readonly search: Readonly<Record<AudioUploadPlatform, PlatformIndex>>;
}

const indexes = new Map<number, CatalogIndex>();

function indexOf(seed: number): CatalogIndex {
  const key = seed >>> 0;
  let index = indexes.get(key);
  if (index === undefined) {
    const catalog = audioCatalog(key);
    const platformIndex = (platform: AudioUploadPlatform): PlatformIndex => {
      const docs = catalog.uploads
        .filter((upload) => upload.platform === platform)
        .map((upload) => ({ upload, words: new Set(audioSearchWords(`${upload.title} ${upload.uploader}`)) }));
      const frequencies = new Map<string, number>();
      for (const doc of docs) for (const word of doc.words) frequencies.set(word, (frequencies.get(word) ?? 0) + 1);
      const weights = new Map([...frequencies].map(([word, count]) => [word, Math.log(1 + docs.length / count)]));
      return { docs, weights, unknownWeight: Math.log(1 + docs.length) };
    };
    index = {
      releases: new Map(catalog.releases.map((release) => [release.id, release])),
      uploads: new Map(catalog.uploads.map((upload) => [upload.key, upload])),
      search: { youtube: platformIndex('youtube'), soundcloud: platformIndex('soundcloud') },
    };
    if (indexes.size >= 8) indexes.delete(indexes.keys().next().value ?? key);
    indexes.set(key, index);
  }
  return index;
}
