/**
 * The chart catalog: a deterministic, seeded set of albums that the Spotify emulation lists as new releases and the
 * MusicBrainz emulation answers searches about, with the truth of which MusicBrainz release group (if any) each album
 * is. It exists so that album enrichment can be measured offline: every album carries a labelled trap (an edition
 * suffix, a same-titled group by another artist, a title full of Lucene special characters, an album MusicBrainz does
 * not have, …) and {@link chartTruth} says what the right answer is.
 *
 * The Spotify side of an album (22-character base-62 ids, name, artists, type, release date, track count) and its
 * MusicBrainz side (release groups, releases, artists with UUIDs) are derived from the seed only: the same seed gives
 * the same catalog on every machine. The MusicBrainz side also holds decoys (live albums, compilations, other
 * artists' groups with the same title, the artist's other albums) and unrelated filler groups, so searches answer
 * realistic candidate lists.
 *
 * The chart ({@link chartAt}) lists 60–80 of the albums at a time and moves with a tick: two albums arrive per tick
 * near the top (with the newest release dates), entries climb and fall, and each leaves after 30–40 ticks. One tick
 * is one day of release dates.
 */
import { Rng, derivedToken, hash32 } from './random.ts';

/** The traps an album can carry (see the module comment and {@link CHART_TRAP_COUNTS}). */
export const CHART_TRAPS = [
  'plain',
  'same_title_other_artist',
  'editions',
  'non_latin',
  'absent',
  'featuring',
  'punctuation',
] as const;

export type ChartTrap = (typeof CHART_TRAPS)[number];

/**
 * How many catalog albums carry each trap:
 * - `plain`: MusicBrainz has the album under the same title and artist.
 * - `same_title_other_artist`: MusicBrainz also has a group with the exact same title by another artist — one with
 *   the same name (another entity, with a disambiguation) or a name that contains it — scored as high as the true
 *   group and listed before it (it is older), plus an unrelated artist's group with the same title.
 * - `editions`: the Spotify name carries an edition suffix (` (Deluxe Edition)`, ` - Remastered 2011`, …); the true
 *   group has the plain title and lists a standard and an edition release; the artist also has a `<Title> (Live)`
 *   group (secondary type Live) and sometimes a compilation with a similar title.
 * - `non_latin`: Japanese, Korean, Cyrillic or Arabic title and artist, in the same script on both sides.
 * - `absent`: MusicBrainz does not have the album; searches find the artist's other album and other artists' albums
 *   sharing one title word.
 * - `featuring`: Spotify lists two artists; MusicBrainz credits `A feat. B` or `A & B`.
 * - `punctuation`: titles or artists with slashes, quotes, colons, `&`, `!`, `?`, brackets, `+`, `~`.
 */
export const CHART_TRAP_COUNTS: Readonly<Record<ChartTrap, number>> = {
  plain: 38,
  same_title_other_artist: 12,
  editions: 14,
  non_latin: 14,
  absent: 18,
  featuring: 12,
  punctuation: 12,
};

/** Albums in a catalog. */
export const CHART_CATALOG_SIZE = Object.values(CHART_TRAP_COUNTS).reduce((sum, count) => sum + count, 0);

/** An artist as Spotify lists it. */
export interface ChartArtist {
  /** Spotify artist id (base 62, 22 characters). */
  readonly id: string;
  readonly name: string;
}

export type SpotifyAlbumType = 'album' | 'single' | 'compilation';
export type ReleaseDatePrecision = 'year' | 'month' | 'day';

/** One album of the catalog: its Spotify side and the truth about its MusicBrainz side. */
export interface CatalogAlbum {
  /** Position in the catalog (0-based); catalog order is release order. */
  readonly key: number;
  /** Spotify album id (base 62, 22 characters). */
  readonly id: string;
  /** The name as Spotify shows it (edition suffixes included). */
  readonly name: string;
  /** Primary first. */
  readonly artists: readonly ChartArtist[];
  readonly albumType: SpotifyAlbumType;
  /** `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, per {@link releaseDatePrecision}. */
  readonly releaseDate: string;
  readonly releaseDatePrecision: ReleaseDatePrecision;
  readonly totalTracks: number;
  readonly trap: ChartTrap;
  /** The MusicBrainz release group this album is, or null when MusicBrainz does not have it. */
  readonly releaseGroupId: string | null;
  /** The first release that group lists (what a release-group search answer shows first), or null. */
  readonly releaseId: string | null;
}

/** One row of the truth table. */
export interface ChartTruthEntry {
  readonly spotifyId: string;
  readonly name: string;
  readonly artists: string[];
  readonly trap: ChartTrap;
  readonly releaseGroupId: string | null;
  readonly releaseId: string | null;
}

export interface MbArtist {
  /** MusicBrainz artist id (UUID). */
  readonly id: string;
  readonly name: string;
  readonly sortName: string;
  /** Empty unless another artist has the same name. */
  readonly disambiguation: string;
}

/** One name of an artist credit; `joinphrase` joins it to the next (`" feat. "`, `" & "`, or empty). */
export interface MbCredit {
  readonly name: string;
  readonly joinphrase: string;
  readonly artist: MbArtist;
}

export type MbPrimaryType = 'Album' | 'Single' | 'EP';
export type MbSecondaryType = 'Live' | 'Compilation';

export interface MbRelease {
  /** MusicBrainz release id (UUID). */
  readonly id: string;
  readonly title: string;
  readonly status: 'Official';
  /** As precise as known: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`. */
  readonly date: string;
  /** ISO 3166-1 code, or `XW` (worldwide) for digital releases. */
  readonly country: string;
  readonly format: 'CD' | 'Digital Media' | '12" Vinyl';
  readonly trackCount: number;
  /** ISO 639-3 (`eng`, `jpn`, …). */
  readonly language: string;
  /** ISO 15924 (`Latn`, `Jpan`, …). */
  readonly script: string;
}

/**
 * Why a group is in the MusicBrainz index: `truth` (it is a catalog album), a decoy kind (`same_title`, `live`,
 * `compilation`, `artist_other_album`, `shared_word`) or `filler` (unrelated music, so searches have a background).
 */
export type MbGroupRole =
  'truth' | 'same_title' | 'live' | 'compilation' | 'artist_other_album' | 'shared_word' | 'filler';

export interface MbReleaseGroup {
  /** MusicBrainz release-group id (UUID). */
  readonly id: string;
  readonly title: string;
  readonly primaryType: MbPrimaryType;
  readonly secondaryTypes: readonly MbSecondaryType[];
  readonly firstReleaseDate: string;
  readonly disambiguation: string;
  readonly credits: readonly MbCredit[];
  /** The standard release first. */
  readonly releases: readonly MbRelease[];
  readonly role: MbGroupRole;
  /** The Spotify id of the catalog album it is (role `truth`) or a decoy for; null for filler. */
  readonly albumId: string | null;
}

/** A whole catalog: the albums (Spotify side, catalog order) and the MusicBrainz index. */
export interface ChartCatalog {
  readonly seed: number;
  readonly albums: readonly CatalogAlbum[];
  readonly releaseGroups: readonly MbReleaseGroup[];
}

const DAY_MS = 86_400_000;
/** Tick 0's arrivals are released on this day (UTC). */
const CHART_EPOCH_MS = Date.UTC(2026, 10, 20);
const ARRIVALS_PER_TICK = 2;
const MIN_LIFETIME = 30;
const MAX_LIFETIME = 40;
/** Slots −80…39 hold each album once (generation 0); later slots list the catalog again, one cycle later. */
const FIRST_SLOT = -(MAX_LIFETIME * ARRIVALS_PER_TICK);
const FILLER_GROUPS = 60;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';

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
  'Ada',
  'Remy',
  'Iris',
  'Hugo',
  'Clara',
  'Ezra',
  'Maya',
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
  'Sato',
  'Brandt',
  'Delacroix',
  'Fennick',
  'Halloway',
  'Ivers',
  'Kettering',
  'Lowe',
  'Moreau',
  'Novak',
  'Ashby',
  'Pryce',
  'Rosen',
  'Sterling',
  'Thorne',
  'Vale',
  'Wilder',
  'Yates',
  'Calloway',
  'Dunmore',
  'Everly',
  'Frost',
];
const BAND_ADJECTIVES = [
  'Velvet',
  'Paper',
  'Electric',
  'Copper',
  'Hollow',
  'Amber',
  'Midnight',
  'Crimson',
  'Lucky',
  'Neon',
  'Broken',
  'Young',
  'Static',
  'Marble',
  'Violet',
];
const BAND_NOUNS = [
  'Foxes',
  'Lanterns',
  'Satellites',
  'Wolves',
  'Pilots',
  'Ghosts',
  'Tigers',
  'Sparrows',
  'Giants',
  'Machines',
  'Comets',
  'Strangers',
  'Owls',
  'Kites',
  'Hounds',
];
const MONONYMS = [
  'Kestrel',
  'Solenne',
  'Aurelio',
  'Juniper',
  'Marisol',
  'Zephyr',
  'Odalys',
  'Tamsin',
  'Lior',
  'Bastian',
  'Sabeline',
  'Corvin',
];
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
  'Open',
  'Secret',
  'Wild',
  'Bitter',
  'Sweet',
  'Faded',
  'Slow',
  'Lonely',
  'Bright',
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
  'Harbor',
  'Shadows',
  'Winter',
  'Fire',
  'Dreams',
  'Mirrors',
  'Streets',
  'Stars',
  'Waves',
  'Letters',
  'Thunder',
  'Orchard',
  'Island',
  'Frequencies',
  'Citadel',
  'Meadow',
  'Parade',
  'Avenue',
  'Atlas',
  'Lanes',
];
const DISAMBIGUATIONS = [
  '1990s UK punk band',
  'Swedish folk singer',
  'US hardcore band from Ohio',
  'Dutch DJ and producer',
  'Australian jazz quartet',
  'Canadian singer-songwriter, active 1970s',
  'German metal band',
  'Brazilian samba ensemble',
];
const ARTIST_EXTENSIONS = [' Trio', ' Orchestra', ' Collective', ' Ensemble', ' Tribute Band'];
const EDITION_SUFFIXES = [
  ' (Deluxe Edition)',
  ' (Expanded Edition)',
  ' - Remastered <year>',
  ' [Bonus Track Version]',
  ' (Deluxe)',
  ' (Anniversary Edition)',
];
const COMPILATION_TITLES = ['<title>: The Collection', 'The Best of <title>', '<title> and More'];

interface Script {
  readonly titles: readonly string[];
  readonly artists: readonly string[];
  readonly country: string;
  readonly language: string;
  readonly script: string;
}

const SCRIPTS: readonly Script[] = [
  {
    titles: [
      '夜空のメロディー',
      '青い春',
      '真夏の夢',
      '風の記憶',
      '静かな朝',
      '光と影',
      '星の降る街',
      'さよならの前に',
    ],
    artists: ['星野みなと', '青井ソラ', '夜明けのバンド', '桜井ユキ', '東京スカイライン', '高橋りん'],
    country: 'JP',
    language: 'jpn',
    script: 'Jpan',
  },
  {
    titles: ['봄날의 기억', '너에게 가는 길', '밤하늘', '우리의 여름', '다시 만나', '첫눈'],
    artists: ['하늘소년', '별빛', '김하늘', '이서연', '푸른밤'],
    country: 'KR',
    language: 'kor',
    script: 'Kore',
  },
  {
    titles: ['Звёзды над городом', 'Последний поезд', 'Зимний сад', 'Тихая река', 'Летняя ночь'],
    artists: ['Северный Ветер', 'Алиса Морозова', 'Белые Ночи', 'Павел Соколов'],
    country: 'RU',
    language: 'rus',
    script: 'Cyrl',
  },
  {
    titles: ['أغاني الليل', 'بحر الحنين', 'طريق الشمس', 'قلبي معك', 'مدينة الياسمين'],
    artists: ['فرقة القمر', 'ليلى حسن', 'نور الصباح', 'عمر الخطيب'],
    country: 'EG',
    language: 'ara',
    script: 'Arab',
  },
];

const LATIN: Script = { titles: [], artists: [], country: 'US', language: 'eng', script: 'Latn' };

/** Titles that need Lucene escaping: `/ " : & ! ? ( ) [ ] + - ~`. */
const PUNCTUATION_TITLES = [
  'Love/Hate',
  'What Is Going On?',
  'Yes! Yes! Yes!',
  'Songs for "Nobody"',
  'Part 1: The Beginning',
  'Rock & Roll Heart',
  '(Untitled)',
  'Stop! Look! Listen!',
  'Side A / Side B',
  'Now: Then: Forever',
  'Hello? Is Anybody There?',
  'Wait (For Me)',
  'Up/Down/Sideways',
  'Day & Night: Vol. 2',
  '+/- Zero',
  'Ctrl+Alt+Love',
  '[Brackets]',
  'Half~Light',
];
const PUNCTUATION_ARTISTS = [
  'Salt/Pepper',
  'K!ng Koda',
  'Them & Us',
  'The "Real" Deal',
  'Plus/Minus',
  'Hey! Hello!',
  'Question?',
  'Sol & Luna',
  'N.E.O.N.',
  'Up/Stairs',
];

// ------------------------------------------------------------------ building

interface Person {
  readonly spotify: ChartArtist;
  readonly mb: MbArtist;
}

interface GroupInput {
  title: string;
  credits: MbCredit[];
  primaryType: MbPrimaryType;
  secondaryTypes?: MbSecondaryType[];
  firstReleaseDate: string;
  releases: Omit<MbRelease, 'id' | 'status'>[];
  role: MbGroupRole;
  albumId: string | null;
}

/** Builds one seed's catalog; every random draw comes from one stream, in a fixed order. */
class CatalogBuilder {
  readonly #seed: number;
  readonly #rng: Rng;
  readonly #titles = new Set<string>();
  readonly #artistNames = new Set<string>();
  readonly #groups: MbReleaseGroup[] = [];
  #spotifyArtists = 0;
  #mbArtists = 0;
  #groupCount = 0;
  #releaseCount = 0;
  /** Per script, its titles and artists in this seed's order; each is used once. */
  readonly #scripts: { script: Script; titles: string[]; artists: string[] }[];
  readonly #punctuationTitles: string[];
  readonly #punctuationArtists: string[];

  constructor(seed: number) {
    this.#seed = seed;
    const rng = new Rng(hash32(`chart-catalog:${seed}`));
    this.#rng = rng;
    this.#scripts = SCRIPTS.map((script) => ({
      script,
      titles: rng.sample(script.titles, script.titles.length),
      artists: rng.sample(script.artists, script.artists.length),
    }));
    this.#punctuationTitles = rng.sample(PUNCTUATION_TITLES, PUNCTUATION_TITLES.length);
    this.#punctuationArtists = rng.sample(PUNCTUATION_ARTISTS, PUNCTUATION_ARTISTS.length);
  }

  build(): ChartCatalog {
    const rng = this.#rng;
    const traps = rng.sample(
      CHART_TRAPS.flatMap((trap) => Array.from({ length: CHART_TRAP_COUNTS[trap] }, () => trap)),
      CHART_CATALOG_SIZE,
    );
    let nonLatin = 0;
    const albums = traps.map((trap, key) => {
      const releaseDay = slotReleaseDay(this.#seed, key, key + FIRST_SLOT);
      switch (trap) {
        case 'plain':
          return this.#plain(key, releaseDay);
        case 'same_title_other_artist':
          return this.#sameTitle(key, releaseDay);
        case 'editions':
          return this.#editions(key, releaseDay);
        case 'non_latin':
          return this.#nonLatin(key, releaseDay, nonLatin++ % SCRIPTS.length);
        case 'absent':
          return this.#absent(key, releaseDay);
        case 'featuring':
          return this.#featuring(key, releaseDay);
        case 'punctuation':
          return this.#punctuation(key, releaseDay);
      }
    });
    for (let i = 0; i < FILLER_GROUPS; i++) this.#filler();
    return { seed: this.#seed, albums, releaseGroups: this.#groups };
  }

  // ---------------------------------------------------------------- traps

  #plain(key: number, day: number): CatalogAlbum {
    const artist = this.#newPerson(this.#latinArtistName());
    return this.#withTruth(key, day, 'plain', this.#latinTitle(), [artist], this.#albumType());
  }

  #sameTitle(key: number, day: number): CatalogAlbum {
    const rng = this.#rng;
    const artist = this.#newPerson(this.#latinArtistName());
    const album = this.#withTruth(key, day, 'same_title_other_artist', this.#latinTitle(), [artist], 'album');
    const year = yearOf(album.releaseDate);
    // Another artist entity that MusicBrainz prints the same way (or with a longer name containing it): the search
    // cannot tell the two apart, and the older group ranks first.
    const longer = `${artist.mb.name}${rng.pick(ARTIST_EXTENSIONS)}`;
    const twin =
      rng.chance(0.5) || this.#artistNames.has(normal(longer))
        ? this.#mbArtist(artist.mb.name, rng.pick(DISAMBIGUATIONS))
        : this.#mbArtist(this.#claimArtistName(longer));
    this.#decoy(album, 'same_title', album.name, [solo(twin)], this.#pastDate(year - rng.int(4, 30)), 'Album');
    const stranger = this.#mbArtist(this.#latinArtistName());
    this.#decoy(album, 'same_title', album.name, [solo(stranger)], this.#pastDate(year - rng.int(2, 20)), 'Album');
    return album;
  }

  #editions(key: number, day: number): CatalogAlbum {
    const rng = this.#rng;
    const rawSuffix = rng.pick(EDITION_SUFFIXES);
    const releaseYear = new Date(day * DAY_MS).getUTCFullYear();
    const remasterYear = rng.int(2009, releaseYear - 1);
    const suffix = rawSuffix.replace('<year>', String(remasterYear));
    const originalYear = rawSuffix.includes('<year>') ? remasterYear - rng.int(5, 25) : releaseYear - rng.int(1, 12);
    const title = this.#latinTitle();
    const artist = this.#newPerson(this.#latinArtistName());
    const credits = [solo(artist.mb)];
    const standardTracks = rng.int(9, 13);
    const album = this.#album(
      key,
      day,
      'editions',
      `${title}${suffix}`,
      [artist],
      'album',
      standardTracks + rng.int(3, 8),
    );
    const original = this.#pastDate(originalYear);
    const group = this.#group({
      title,
      credits,
      primaryType: 'Album',
      firstReleaseDate: original,
      releases: [
        this.#release(title, original, rng.pick(['GB', 'US', 'DE']), 'CD', standardTracks),
        this.#release(album.name, album.releaseDate, 'XW', 'Digital Media', album.totalTracks),
      ],
      role: 'truth',
      albumId: album.id,
    });
    const live = this.#pastDate(rng.int(originalYear + 1, releaseYear));
    this.#decoy(album, 'live', `${title} (Live)`, credits, live, 'Album', ['Live']);
    if (rng.chance(0.5)) {
      const compilation = rng.pick(COMPILATION_TITLES).replace('<title>', title);
      this.#decoy(album, 'compilation', compilation, credits, this.#pastDate(releaseYear - 1), 'Album', [
        'Compilation',
      ]);
    }
    return withGroup(album, group);
  }

  #nonLatin(key: number, day: number, scriptIndex: number): CatalogAlbum {
    const pool = this.#scripts[scriptIndex];
    const title = pool?.titles.shift();
    const name = pool?.artists.shift();
    // The pools hold more titles and artists per script than the catalog draws.
    if (pool === undefined || title === undefined || name === undefined) throw new Error('Script pool exhausted');
    const artist = this.#newPerson(this.#claimArtistName(name));
    return this.#withTruth(key, day, 'non_latin', this.#claimTitle(title), [artist], this.#albumType(), pool.script);
  }

  #absent(key: number, day: number): CatalogAlbum {
    const rng = this.#rng;
    const artist = this.#newPerson(this.#latinArtistName());
    const title = this.#latinTitle(2);
    const album = this.#album(key, day, 'absent', title, [artist], this.#albumType(), 0);
    const words = title.split(' ').filter((word) => word !== 'The' && word !== 'and');
    const year = yearOf(album.releaseDate);
    // The artist's other album: half the time it shares one word of the title (a partial match that satisfies an
    // AND of title and artist), otherwise it is unrelated.
    const otherTitle = rng.chance(0.5) ? this.#titleSharing(rng.pick(words), words) : this.#latinTitle();
    const artistCredit = [solo(artist.mb)];
    this.#decoy(album, 'artist_other_album', otherTitle, artistCredit, this.#pastDate(year - rng.int(1, 6)), 'Album');
    const sharedTitle = this.#titleSharing(rng.pick(words), words);
    const stranger = [solo(this.#mbArtist(this.#latinArtistName()))];
    this.#decoy(album, 'shared_word', sharedTitle, stranger, this.#pastDate(year - rng.int(0, 15)), 'Album');
    return album;
  }

  /** A new title with `word` and one word that is not in `avoid` (a fresh title only if every such one is taken). */
  #titleSharing(word: string, avoid: readonly string[]): string {
    const rng = this.#rng;
    const noun = TITLE_NOUNS.includes(word);
    const partners = (noun ? TITLE_ADJECTIVES : TITLE_NOUNS).filter((partner) => !avoid.includes(partner));
    for (const partner of rng.sample(partners, partners.length)) {
      const title = noun ? `${partner} ${word}` : `${word} ${partner}`;
      if (!this.#titles.has(normal(title))) return this.#claimTitle(title);
    }
    return this.#latinTitle(2);
  }

  #featuring(key: number, day: number): CatalogAlbum {
    const rng = this.#rng;
    const lead = this.#newPerson(this.#latinArtistName());
    const guest = this.#newPerson(this.#latinArtistName());
    const joinphrase = rng.chance(0.5) ? ' feat. ' : ' & ';
    const album = this.#album(key, day, 'featuring', this.#latinTitle(), [lead, guest], this.#albumType(), 0);
    const credits: MbCredit[] = [
      { name: lead.mb.name, joinphrase, artist: lead.mb },
      { name: guest.mb.name, joinphrase: '', artist: guest.mb },
    ];
    return withGroup(album, this.#truthGroup(album, credits, LATIN));
  }

  #punctuation(key: number, day: number): CatalogAlbum {
    const rng = this.#rng;
    const title = this.#claimTitle(this.#punctuationTitles.shift() ?? this.#latinTitle());
    const punctuatedArtist = rng.chance(0.5) ? this.#punctuationArtists.shift() : undefined;
    const artist = this.#newPerson(
      punctuatedArtist === undefined ? this.#latinArtistName() : this.#claimArtistName(punctuatedArtist),
    );
    return this.#withTruth(key, day, 'punctuation', title, [artist], this.#albumType());
  }

  #filler(): void {
    const rng = this.#rng;
    const artist = this.#mbArtist(this.#latinArtistName());
    const primaryType = rng.pick<MbPrimaryType>(['Album', 'Album', 'Album', 'Single', 'Single', 'EP']);
    const date = this.#pastDate(rng.int(1968, 2026));
    const tracks = primaryType === 'Single' ? rng.int(1, 3) : primaryType === 'EP' ? rng.int(4, 6) : rng.int(8, 14);
    const title = this.#latinTitle();
    this.#group({
      title,
      credits: [solo(artist)],
      primaryType,
      firstReleaseDate: date,
      releases: [this.#release(title, date, rng.pick(['US', 'GB', 'DE', 'SE', 'XW']), 'CD', tracks)],
      role: 'filler',
      albumId: null,
    });
  }

  // ---------------------------------------------------------------- albums and groups

  /** An album that MusicBrainz has under its own title and credits. */
  #withTruth(
    key: number,
    day: number,
    trap: ChartTrap,
    title: string,
    artists: Person[],
    albumType: SpotifyAlbumType,
    script: Script = LATIN,
  ): CatalogAlbum {
    const album = this.#album(key, day, trap, title, artists, albumType, 0);
    return withGroup(
      album,
      this.#truthGroup(
        album,
        artists.map((artist) => solo(artist.mb)),
        script,
      ),
    );
  }

  #truthGroup(album: CatalogAlbum, credits: MbCredit[], script: Script): MbReleaseGroup {
    const rng = this.#rng;
    const primaryType: MbPrimaryType =
      album.albumType !== 'single' ? 'Album' : album.totalTracks >= 4 ? 'EP' : 'Single';
    const releases = [this.#release(album.name, album.releaseDate, 'XW', 'Digital Media', album.totalTracks, script)];
    if (rng.chance(0.4)) {
      const country = script === LATIN ? rng.pick(['US', 'GB', 'DE', 'SE']) : script.country;
      const format = rng.pick(['CD', '12" Vinyl'] as const);
      releases.push(this.#release(album.name, album.releaseDate, country, format, album.totalTracks, script));
    }
    return this.#group({
      title: album.name,
      credits,
      primaryType,
      ...(album.albumType === 'compilation' ? { secondaryTypes: ['Compilation'] } : {}),
      firstReleaseDate: album.releaseDate,
      releases,
      role: 'truth',
      albumId: album.id,
    });
  }

  #album(
    key: number,
    day: number,
    trap: ChartTrap,
    name: string,
    artists: Person[],
    albumType: SpotifyAlbumType,
    totalTracks: number,
  ): CatalogAlbum {
    const rng = this.#rng;
    const precision: ReleaseDatePrecision = rng.chance(0.06) ? rng.pick(['month', 'year'] as const) : 'day';
    const tracks =
      totalTracks > 0
        ? totalTracks
        : albumType === 'single'
          ? rng.pick([1, 1, 2, 3, 4, 5])
          : albumType === 'compilation'
            ? rng.int(14, 24)
            : rng.int(8, 16);
    return {
      key,
      id: derivedToken(this.#seed, `spotify:album:${key}`, BASE62, 22),
      name,
      artists: artists.map((artist) => artist.spotify),
      albumType,
      releaseDate: formatDate(day, precision),
      releaseDatePrecision: precision,
      totalTracks: tracks,
      trap,
      releaseGroupId: null,
      releaseId: null,
    };
  }

  #decoy(
    album: CatalogAlbum,
    role: MbGroupRole,
    title: string,
    credits: MbCredit[],
    date: string,
    primaryType: MbPrimaryType,
    secondaryTypes: MbSecondaryType[] = [],
  ): void {
    const rng = this.#rng;
    const tracks = rng.int(8, 18);
    this.#group({
      title,
      credits,
      primaryType,
      secondaryTypes,
      firstReleaseDate: date,
      releases: [this.#release(title, date, rng.pick(['US', 'GB', 'DE', 'SE']), 'CD', tracks)],
      role,
      albumId: album.id,
    });
  }

  #group(input: GroupInput): MbReleaseGroup {
    const group: MbReleaseGroup = {
      id: this.#uuid(`release-group:${this.#groupCount++}`),
      title: input.title,
      primaryType: input.primaryType,
      secondaryTypes: input.secondaryTypes ?? [],
      firstReleaseDate: input.firstReleaseDate,
      disambiguation: '',
      credits: input.credits,
      releases: input.releases.map((release) => ({
        id: this.#uuid(`release:${this.#releaseCount++}`),
        status: 'Official',
        ...release,
      })),
      role: input.role,
      albumId: input.albumId,
    };
    this.#groups.push(group);
    return group;
  }

  #release(
    title: string,
    date: string,
    country: string,
    format: MbRelease['format'],
    trackCount: number,
    script: Script = LATIN,
  ): Omit<MbRelease, 'id' | 'status'> {
    return { title, date, country, format, trackCount, language: script.language, script: script.script };
  }

  // ---------------------------------------------------------------- names and ids

  #newPerson(name: string): Person {
    const spotify = { id: derivedToken(this.#seed, `spotify:artist:${this.#spotifyArtists++}`, BASE62, 22), name };
    return { spotify, mb: this.#mbArtist(name) };
  }

  #mbArtist(name: string, disambiguation = ''): MbArtist {
    return { id: this.#uuid(`artist:${this.#mbArtists++}`), name, sortName: sortName(name), disambiguation };
  }

  #uuid(label: string): string {
    return uuidFrom(derivedToken(this.#seed, `mbid:${label}`, HEX, 32));
  }

  #albumType(): SpotifyAlbumType {
    const roll = this.#rng.float();
    return roll < 0.7 ? 'album' : roll < 0.96 ? 'single' : 'compilation';
  }

  /** A Latin-script artist name no other artist of the catalog has. */
  #latinArtistName(): string {
    const rng = this.#rng;
    for (;;) {
      const roll = rng.float();
      const name =
        roll < 0.55
          ? `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`
          : roll < 0.85
            ? `The ${rng.pick(BAND_ADJECTIVES)} ${rng.pick(BAND_NOUNS)}`
            : rng.pick(MONONYMS);
      if (!this.#artistNames.has(normal(name))) return this.#claimArtistName(name);
    }
  }

  /** A Latin-script title (at least `minWords` words) no other group of the index has. */
  #latinTitle(minWords = 1): string {
    const rng = this.#rng;
    for (;;) {
      const roll = rng.float();
      const noun = rng.pick(TITLE_NOUNS);
      const title =
        roll < 0.6
          ? `${rng.pick(TITLE_ADJECTIVES)} ${noun}`
          : roll < 0.75 && minWords <= 1
            ? noun
            : roll < 0.9
              ? `The ${rng.pick(TITLE_ADJECTIVES)} ${noun}`
              : `${noun} and ${rng.pick(TITLE_NOUNS.filter((other) => other !== noun))}`;
      if (!this.#titles.has(normal(title))) return this.#claimTitle(title);
    }
  }

  #claimTitle(title: string): string {
    this.#titles.add(normal(title));
    return title;
  }

  #claimArtistName(name: string): string {
    this.#artistNames.add(normal(name));
    return name;
  }

  /** A date in `year` (month and day drawn), `YYYY-MM-DD`. */
  #pastDate(year: number): string {
    const rng = this.#rng;
    return `${year}-${pad(rng.int(1, 12))}-${pad(rng.int(1, 28))}`;
  }
}

function solo(artist: MbArtist): MbCredit {
  return { name: artist.name, joinphrase: '', artist };
}

function withGroup(album: CatalogAlbum, group: MbReleaseGroup): CatalogAlbum {
  return { ...album, releaseGroupId: group.id, releaseId: group.releases[0]?.id ?? null };
}

/** The form names are compared in for uniqueness: `The Quiet Lanes` and `quiet lanes` are one title. */
function normal(text: string): string {
  return text.toLowerCase().replace(/^the /, '');
}

/** `Last, First` for two-word person names, `Name, The` for bands, the name itself otherwise. */
function sortName(name: string): string {
  if (name.startsWith('The ')) return `${name.slice(4)}, The`;
  const parts = name.split(' ');
  if (parts.length === 2 && FIRST_NAMES.includes(parts[0] ?? '')) return `${parts[1]}, ${parts[0]}`;
  return name;
}

/** Formats 32 hex digits as a version-4 UUID. */
function uuidFrom(hex: string): string {
  const variant = '89ab'[Number.parseInt(hex[16] ?? '0', 16) % 4] ?? '8';
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

function formatDate(day: number, precision: ReleaseDatePrecision): string {
  const iso = new Date(day * DAY_MS).toISOString().slice(0, 10);
  return precision === 'day' ? iso : precision === 'month' ? iso.slice(0, 7) : iso.slice(0, 4);
}

// ------------------------------------------------------------------ the chart

/** A float in [0, 1) derived from the seed and a label, without consuming any stream. */
function unit(seed: number, label: string): number {
  return new Rng(hash32(`${seed}:chart:${label}`)).float();
}

/** The tick at which the album in `slot` arrives on the chart. */
function arrivalTick(slot: number): number {
  return Math.floor(slot / ARRIVALS_PER_TICK);
}

/** Release day (days since the Unix epoch) of the album in `slot`: its arrival day, 0–2 days before. */
function slotReleaseDay(seed: number, key: number, slot: number): number {
  const lag = Math.floor(unit(seed, `lag:${key}`) * 3);
  return CHART_EPOCH_MS / DAY_MS + arrivalTick(slot) - lag;
}

function lifetime(seed: number, slot: number): number {
  return MIN_LIFETIME + Math.floor(unit(seed, `life:${slot}`) * (MAX_LIFETIME - MIN_LIFETIME + 1));
}

/** Where an entry stands at `tick`: it rises to its peak age, then falls; higher is better. */
function standing(seed: number, slot: number, tick: number): number {
  const age = tick - arrivalTick(slot);
  const peak = [0, 0, 0, 1, 2, 3, 4][Math.floor(unit(seed, `peak:${slot}`) * 7)] ?? 0;
  const strength = unit(seed, `strength:${slot}`) * 12 - 6;
  const noise = unit(seed, `noise:${slot}:${tick}`) * 5 - 2.5;
  return -Math.abs(age - peak) + strength + noise;
}

const catalogs = new Map<number, ChartCatalog>();

/** The catalog for `seed` (built once per seed and kept; the last few seeds are cached). */
export function chartCatalog(seed: number): ChartCatalog {
  const key = seed >>> 0;
  let catalog = catalogs.get(key);
  if (catalog === undefined) {
    catalog = new CatalogBuilder(key).build();
    if (catalogs.size >= 8) catalogs.delete(catalogs.keys().next().value ?? key);
    catalogs.set(key, catalog);
  }
  return catalog;
}

/** The truth table: for each album in catalog order, the MusicBrainz release group and release it is (or null). */
export function chartTruth(seed: number): ChartTruthEntry[] {
  return chartCatalog(seed).albums.map((album) => ({
    spotifyId: album.id,
    name: album.name,
    artists: album.artists.map((artist) => artist.name),
    trap: album.trap,
    releaseGroupId: album.releaseGroupId,
    releaseId: album.releaseId,
  }));
}

/**
 * The new-releases chart at `tick`: 60–80 catalog albums, best placed first, never one album twice. Deterministic per
 * (seed, tick). Once every album has arrived (after 60 ticks), the catalog arrives again in the same order, each
 * album's release date moved on by that cycle, so the chart keeps moving for any tick.
 */
export function chartAt(seed: number, tick: number): CatalogAlbum[] {
  const key = seed >>> 0;
  const t = Math.floor(tick);
  const albums = chartCatalog(key).albums;
  const listed: { slot: number; standing: number }[] = [];
  const firstSlot = (t - MAX_LIFETIME + 1) * ARRIVALS_PER_TICK;
  for (let slot = firstSlot; slot < (t + 1) * ARRIVALS_PER_TICK; slot++) {
    if (t - arrivalTick(slot) < lifetime(key, slot)) listed.push({ slot, standing: standing(key, slot, t) });
  }
  listed.sort((a, b) => b.standing - a.standing || b.slot - a.slot);
  return listed.map(({ slot }) => {
    const index = slot - FIRST_SLOT;
    const album = albums[mod(index, albums.length)] as CatalogAlbum;
    const cycle = Math.floor(index / albums.length);
    if (cycle === 0) return album;
    const day = slotReleaseDay(key, album.key, slot);
    return { ...album, releaseDate: formatDate(day, album.releaseDatePrecision) };
  });
}

/** Inputs of the chart clock. */
export interface ChartClock {
  /** Ticks advanced by hand. */
  manualTicks: number;
  /** When the clock started (ms, same clock as `now`). */
  startedAt: number;
  now: number;
  /** One tick every this many ms; 0 = only manual ticks. */
  intervalMs: number;
}

/** The chart tick: manual advances plus, when `intervalMs > 0`, one per whole interval since the start. */
export function chartTick(clock: ChartClock): number {
  const elapsed = clock.intervalMs > 0 ? Math.floor(Math.max(0, clock.now - clock.startedAt) / clock.intervalMs) : 0;
  return clock.manualTicks + elapsed;
}

function mod(value: number, modulus: number): number {
  return ((value % modulus) + modulus) % modulus;
}
