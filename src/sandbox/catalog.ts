/**
 * The sandbox's music catalog: a deterministic, seeded generator of artists, albums and songs with realistic-looking
 * transliterated names in JioSaavn's languages. It is provider-neutral: entities carry plain-text names and numeric
 * keys; each emulation (JioSaavn now, others later) derives its own id formats, URLs and wire quirks from them.
 *
 * Same seed and same sequence of calls → same catalog.
 */
import { Rng, hash32 } from './random.ts';

/** JioSaavn's language names (see UPSTREAMS.md §1.1), in the order the catalog generates them. */
export const CATALOG_LANGUAGES = [
  'hindi',
  'english',
  'punjabi',
  'tamil',
  'telugu',
  'malayalam',
  'marathi',
  'gujarati',
  'bengali',
  'kannada',
  'bhojpuri',
  'urdu',
  'haryanvi',
  'rajasthani',
  'odia',
  'assamese',
] as const;

export type CatalogLanguage = (typeof CATALOG_LANGUAGES)[number];

/** True when `value` is one of the catalog's language names. */
export function isCatalogLanguage(value: string): value is CatalogLanguage {
  return (CATALOG_LANGUAGES as readonly string[]).includes(value);
}

/**
 * - `soundtrack`: a film's full album, "Film (Original Motion Picture Soundtrack)", several songs.
 * - `film_single`: one song released ahead of a film, album "Song (From "Film")", the song has the same title.
 * - `album`: a regular multi-song album.
 * - `single`: a one-song release whose album title is the song title.
 */
export type AlbumKind = 'soundtrack' | 'film_single' | 'album' | 'single';

export interface CatalogArtist {
  /** Unique per catalog, stable for a seed. */
  readonly key: number;
  readonly name: string;
  readonly language: CatalogLanguage;
  /** Some upstream artists have no picture; emulations render an empty image for those. */
  readonly hasImage: boolean;
}

export interface CatalogSong {
  readonly key: number;
  readonly albumKey: number;
  /** 1-based position in the album. */
  readonly track: number;
  /** Plain text (no HTML entities); emulations add their own escaping. Mutable: corrections change it. */
  title: string;
  durationSeconds: number;
  readonly artists: readonly CatalogArtist[];
  readonly explicit: boolean;
  /** Play count at release time; emulations grow it with time. */
  readonly basePlays: number;
  /** Plays gained per minute since release. */
  readonly playsPerMinute: number;
  /** Upload time of the song's own cover when a correction replaced it; otherwise the album cover applies. */
  imageStamp: number | undefined;
  /** How many corrections this song has had. */
  revision: number;
}

export interface CatalogAlbum {
  readonly key: number;
  /** Plain text (no HTML entities). */
  readonly title: string;
  readonly kind: AlbumKind;
  /** The film, for soundtracks and film singles. */
  readonly film: string | undefined;
  readonly language: CatalogLanguage;
  /** Epoch ms. The release date is this instant's UTC calendar date. */
  readonly releasedAt: number;
  readonly label: string;
  /** Composers / music directors (JioSaavn's `music` role). */
  readonly composers: readonly CatalogArtist[];
  /** Upload time of the cover art (epoch ms); part of the cover's file name upstream. */
  readonly imageStamp: number;
  /** A CDN shard number, as in `c.saavncdn.com/180/…`. */
  readonly imageShard: number;
  readonly songs: readonly CatalogSong[];
}

export interface AlbumRequest {
  /** Number of songs (1–12). Default: by kind (singles 1, soundtracks 3–6, albums 3–7). */
  songs?: number;
  /** Album title (plain text). For one-song releases it is also the song's title. */
  title?: string;
  kind?: AlbumKind;
}

export type CorrectableField = 'title' | 'image' | 'duration';
export const CORRECTABLE_FIELDS: readonly CorrectableField[] = ['title', 'image', 'duration'];

interface LanguageFlavour {
  readonly words: readonly string[];
  readonly first: readonly string[];
  readonly last: readonly string[];
  readonly labels: readonly string[];
  /** Whether the language releases film music (most Indian languages do; English mostly not). */
  readonly films: boolean;
  readonly explicitRate: number;
}

const HINDI_FIRST = [
  'Aarav',
  'Kabir',
  'Ishaan',
  'Rohan',
  'Aditi',
  'Ananya',
  'Kavya',
  'Meera',
  'Nikhil',
  'Pranav',
  'Rhea',
  'Sanya',
  'Tanvi',
  'Varun',
  'Yash',
  'Zoya',
  'Harshit',
  'Divyansh',
  'Neha',
  'Shaan',
];
const HINDI_LAST = [
  'Sharma',
  'Mehra',
  'Kapoor',
  'Malhotra',
  'Verma',
  'Saxena',
  'Chauhan',
  'Joshi',
  'Bhatt',
  'Trivedi',
  'Khanna',
  'Rathore',
  'Bajaj',
  'Sethi',
  'Kakkar',
  'Mishra',
];
const HINDI_WORDS = [
  'Dil',
  'Ishq',
  'Pyaar',
  'Zindagi',
  'Saathiya',
  'Raatein',
  'Baarish',
  'Tere',
  'Mere',
  'Sapne',
  'Dhadkan',
  'Junoon',
  'Mohabbat',
  'Yaariyan',
  'Safar',
  'Jaanam',
  'Chaand',
  'Sitaare',
  'Kahaani',
  'Aashiqui',
  'Rang',
  'Naina',
  'Khwaab',
  'Manzil',
  'Sajna',
  'Tanha',
  'Roshni',
  'Aasmaan',
  'Deewana',
  'Hawaayein',
  'Bekaraar',
  'Toofan',
  'Jalwa',
  'Nasha',
  'Jhoome',
  'Beparwah',
  'Mahiya',
  'Rasiya',
];
const HINDI_LABELS = ['Dhun Music Company', 'Sur Sangam Records', 'Taal Series', 'Geetanjali Music', 'Rangeela Audio'];
const BENGALI_FIRST = [
  'Anupam',
  'Shreyasi',
  'Rupam',
  'Ishan',
  'Somlata',
  'Debojit',
  'Ritabrata',
  'Madhuraa',
  'Subhankar',
  'Trisha',
];
const BENGALI_LAST = [
  'Chatterjee',
  'Banerjee',
  'Mukherjee',
  'Das',
  'Sen',
  'Bose',
  'Ghosh',
  'Roy',
  'Dutta',
  'Bhattacharya',
];

const FLAVOURS: Record<CatalogLanguage, LanguageFlavour> = {
  hindi: {
    words: HINDI_WORDS,
    first: HINDI_FIRST,
    last: HINDI_LAST,
    labels: HINDI_LABELS,
    films: true,
    explicitRate: 0.02,
  },
  urdu: {
    words: [
      'Ishq',
      'Mohabbat',
      'Dastaan',
      'Khwaab',
      'Shaam',
      'Ghazal',
      'Tanhaai',
      'Aarzoo',
      'Nazar',
      'Sukoon',
      'Jaana',
      'Mehfil',
      'Rooh',
      'Intezaar',
      'Fasana',
    ],
    first: ['Faiz', 'Ali', 'Hina', 'Zara', 'Ayaan', 'Rabia', 'Sami', 'Noor', 'Imran', 'Sana'],
    last: ['Khan', 'Qureshi', 'Siddiqui', 'Ansari', 'Mirza', 'Haider', 'Naqvi'],
    labels: ['Mehfil Records', 'Rangeela Audio'],
    films: true,
    explicitRate: 0.01,
  },
  haryanvi: {
    words: [
      'Chhora',
      'Chhori',
      'Jaat',
      'Bandook',
      'Thaath',
      'Gaadi',
      'Yaari',
      'Desi',
      'Rutba',
      'Lath',
      'Bahu',
      'Jhumka',
      'Chaska',
      'Rola',
    ],
    first: ['Sumit', 'Renuka', 'Masoom', 'Pranjal', 'Ajay', 'Anjali', 'Diler', 'Raju'],
    last: ['Dahiya', 'Panwar', 'Malik', 'Sangwan', 'Hooda', 'Kharkiya', 'Goswami'],
    labels: ['Desi Beat Haryanvi', 'Taal Series'],
    films: false,
    explicitRate: 0.05,
  },
  rajasthani: {
    words: [
      'Ghoomar',
      'Padharo',
      'Mharo',
      'Banna',
      'Banni',
      'Kesariya',
      'Morni',
      'Marwar',
      'Chirmi',
      'Odhni',
      'Piya',
      'Rangilo',
      'Desh',
    ],
    first: ['Mame', 'Swaroop', 'Kapil', 'Seema', 'Rapperiya', 'Geeta', 'Bhanwar'],
    last: ['Khan', 'Rathore', 'Jangid', 'Goswami', 'Mishra', 'Meghwal'],
    labels: ['Marwar Music', 'Sur Sangam Records'],
    films: false,
    explicitRate: 0.01,
  },
  bhojpuri: {
    words: [
      'Saiyan',
      'Piya',
      'Lahanga',
      'Balam',
      'Jawani',
      'Raja',
      'Chhaura',
      'Holi',
      'Gori',
      'Dhodi',
      'Bhauji',
      'Rangdari',
      'Jila',
      'Pawan',
      'Lover',
    ],
    first: ['Pawan', 'Khesari', 'Shilpi', 'Priyanka', 'Ankush', 'Neelkamal', 'Antra', 'Samar', 'Arvind'],
    last: ['Yadav', 'Pandey', 'Tiwari', 'Singh', 'Nishad', 'Lal', 'Raj', 'Akela'],
    labels: ['Wave Bhojpuri', 'Purvanchal Music'],
    films: true,
    explicitRate: 0.03,
  },
  punjabi: {
    words: [
      'Jatt',
      'Gabru',
      'Kudi',
      'Yaar',
      'Putt',
      'Sardar',
      'Dil',
      'Jhanjar',
      'Laare',
      'Mitran',
      'Gedi',
      'Jugni',
      'Bapu',
      'Chann',
      'Nakhre',
      'Velly',
      'Rakaan',
      'Suit',
      'Paranda',
      'Lalkaare',
      'Munde',
      'Vibe',
      'Sohniye',
      'Dhol',
      'Gaddi',
    ],
    first: [
      'Gurpreet',
      'Harjot',
      'Jasleen',
      'Manpreet',
      'Navjot',
      'Simran',
      'Amrit',
      'Karan',
      'Deep',
      'Jassi',
      'Sukh',
      'Prabh',
      'Harnoor',
      'Gurlej',
    ],
    last: [
      'Sandhu',
      'Gill',
      'Dhillon',
      'Brar',
      'Grewal',
      'Aujla',
      'Randhawa',
      'Bains',
      'Sekhon',
      'Virk',
      'Mann',
      'Sidhu',
      'Kahlon',
    ],
    labels: ['Gabru Records', 'Speed Beats', 'Desi Dhol Music'],
    films: true,
    explicitRate: 0.08,
  },
  tamil: {
    words: [
      'Kadhal',
      'Anbe',
      'Uyire',
      'Kannamma',
      'Nenjame',
      'Vaa',
      'Thalaivaa',
      'Penne',
      'Mazhai',
      'Kanavu',
      'Ullasam',
      'Ponni',
      'Vaanam',
      'Thendral',
      'Idhayam',
      'Naan',
      'Ennai',
      'Kutty',
      'Aaruyire',
      'Veera',
      'Sollu',
      'Naalai',
      'Pookkal',
      'Kaatru',
      'Thozhi',
      'Maname',
      'Oorvasi',
    ],
    first: [
      'Karthik',
      'Prakash',
      'Saravanan',
      'Divya',
      'Keerthana',
      'Harini',
      'Vignesh',
      'Senthil',
      'Lakshmi',
      'Sathya',
      'Madhan',
      'Gowtham',
      'Shakthi',
      'Pradeep',
    ],
    last: [
      'Raghavan',
      'Subramaniam',
      'Krishnan',
      'Venkatesh',
      'Murugan',
      'Rajendran',
      'Natarajan',
      'Selvam',
      'Sundaram',
      'Balaji',
      'Ilango',
    ],
    labels: ['Thaalam Records', 'Kural Music', 'Madras Beats'],
    films: true,
    explicitRate: 0.01,
  },
  telugu: {
    words: [
      'Prema',
      'Manasu',
      'Cheli',
      'Nuvve',
      'Nenu',
      'Priya',
      'Gunde',
      'Jatha',
      'Kalise',
      'Chinni',
      'Yedalo',
      'Vennela',
      'Raave',
      'Bangaru',
      'Aakasam',
      'Hrudayam',
      'Chilaka',
      'Pilla',
      'Jaathara',
      'Dheera',
      'Oorike',
      'Kanulu',
      'Sandadi',
      'Muddu',
      'Rangula',
    ],
    first: [
      'Sai',
      'Ravi',
      'Sravani',
      'Keerthi',
      'Charan',
      'Mahesh',
      'Srinivas',
      'Anjali',
      'Haritha',
      'Vamsi',
      'Teja',
      'Lipsika',
      'Sahithi',
      'Revanth',
    ],
    last: ['Reddy', 'Rao', 'Naidu', 'Varma', 'Chowdary', 'Kumar', 'Prasad', 'Sastry', 'Bhaskar', 'Mangli'],
    labels: ['Vennela Audio', 'Deccan Music', 'Aditya Sangeetha'],
    films: true,
    explicitRate: 0.01,
  },
  malayalam: {
    words: [
      'Pranayam',
      'Mazha',
      'Ormakal',
      'Ponnin',
      'Nilavu',
      'Kanave',
      'Hridayam',
      'Thenmozhi',
      'Ente',
      'Ninte',
      'Swapnam',
      'Kaattu',
      'Poovu',
      'Shalabham',
      'Akale',
      'Mounam',
      'Manasse',
      'Kinavu',
      'Chembaneer',
      'Thaaram',
      'Oru',
      'Raave',
      'Minnal',
      'Kaayal',
      'Punnagai',
      'Vazhiye',
    ],
    first: [
      'Vineeth',
      'Arjun',
      'Anand',
      'Nithya',
      'Sithara',
      'Gopika',
      'Hesham',
      'Sushin',
      'Vidhu',
      'Aparna',
      'Job',
      'Kavya',
      'Rex',
      'Shahabaz',
    ],
    last: [
      'Menon',
      'Nair',
      'Pillai',
      'Kurup',
      'Varghese',
      'Thomas',
      'Panicker',
      'Warrier',
      'Madhavan',
      'Prathap',
      'Kurian',
    ],
    labels: ['Kaayal Music', 'Malabar Records', 'Manorama Melodies'],
    films: true,
    explicitRate: 0.01,
  },
  kannada: {
    words: [
      'Preethi',
      'Hrudaya',
      'Ninna',
      'Nanna',
      'Kanasu',
      'Male',
      'Chandira',
      'Olave',
      'Baa',
      'Beladingalu',
      'Manase',
      'Hudugi',
      'Belaku',
      'Jothe',
      'Gelathi',
    ],
    first: ['Raghu', 'Arjun', 'Sanjith', 'Anuradha', 'Vasuki', 'Chandan', 'Supriya', 'Vijay', 'Ananya'],
    last: ['Gowda', 'Hegde', 'Shetty', 'Rao', 'Kulkarni', 'Bhat', 'Prakash'],
    labels: ['Chandana Audio', 'Mysuru Music'],
    films: true,
    explicitRate: 0.01,
  },
  marathi: {
    words: [
      'Prem',
      'Mann',
      'Jeev',
      'Sakha',
      'Aai',
      'Gondhal',
      'Rang',
      'Swapna',
      'Pahili',
      'Tujhya',
      'Majha',
      'Vaat',
      'Pahat',
      'Lavani',
      'Saajni',
      'Dhagala',
    ],
    first: ['Ajay', 'Atul', 'Aarya', 'Ketaki', 'Swapnil', 'Rohit', 'Vaishali', 'Adarsh', 'Bela', 'Avadhoot'],
    last: ['Deshpande', 'Kulkarni', 'Patil', 'Gokhale', 'Jadhav', 'Pawar', 'Joshi', 'Shinde'],
    labels: ['Sahyadri Music', 'Taal Series'],
    films: true,
    explicitRate: 0.01,
  },
  gujarati: {
    words: [
      'Prem',
      'Mann',
      'Rang',
      'Garbo',
      'Dholida',
      'Saiyar',
      'Tari',
      'Mari',
      'Raat',
      'Odhni',
      'Jivan',
      'Hriday',
      'Mogal',
      'Navratri',
      'Sathiya',
    ],
    first: ['Kinjal', 'Jigar', 'Aishwarya', 'Parthiv', 'Bhoomi', 'Hemant', 'Geeta', 'Osman', 'Kirtidan'],
    last: ['Patel', 'Shah', 'Desai', 'Mehta', 'Trivedi', 'Dave', 'Gadhvi', 'Rabari'],
    labels: ['Garba Beats', 'Sur Sangam Records'],
    films: true,
    explicitRate: 0.0,
  },
  bengali: {
    words: [
      'Bhalobasha',
      'Mon',
      'Tumi',
      'Ami',
      'Shopno',
      'Akash',
      'Brishti',
      'Chokher',
      'Ekla',
      'Hridoy',
      'Gaan',
      'Nodi',
      'Raat',
      'Bondhu',
      'Kolkata',
      'Shohor',
      'Meghla',
    ],
    first: BENGALI_FIRST,
    last: BENGALI_LAST,
    labels: ['Shohor Records', 'Kolkata Audio'],
    films: true,
    explicitRate: 0.01,
  },
  odia: {
    words: [
      'Prema',
      'Mana',
      'Tu',
      'Mo',
      'Sapana',
      'Jhia',
      'Rasika',
      'Akasha',
      'Janha',
      'Hrudaya',
      'Premika',
      'Rangabati',
    ],
    first: ['Humane', 'Asima', 'Sourin', 'Ananya', 'Satyajeet', 'Diptirekha'],
    last: ['Sagar', 'Panda', 'Bhatt', 'Mohanty', 'Pradhan', 'Nayak', 'Padhi'],
    labels: ['Kalinga Music', 'Tarang Audio'],
    films: true,
    explicitRate: 0.0,
  },
  assamese: {
    words: ['Morom', 'Bihu', 'Mon', 'Tumi', 'Moi', 'Xopun', 'Akakh', 'Nodi', 'Junak', 'Hiya', 'Kopou', 'Phool'],
    first: ['Zubeen', 'Papon', 'Neel', 'Priyanka', 'Angaraag', 'Joi', 'Nahid'],
    last: ['Garg', 'Mahanta', 'Barua', 'Bora', 'Kalita', 'Saikia', 'Afrin'],
    labels: ['Brahmaputra Records', 'Bihu Beats'],
    films: true,
    explicitRate: 0.0,
  },
  english: {
    words: [
      'Midnight',
      'Summer',
      'Echoes',
      'Neon',
      'Heart',
      'Golden',
      'Gravity',
      'Wildfire',
      'Paper',
      'Skies',
      'Ocean',
      'Electric',
      'Dreams',
      'Runaway',
      'Fading',
      'Lights',
      'Stranger',
      'Velvet',
      'Satellite',
      'Afterglow',
      'Highway',
      'Shadows',
      'Silver',
      'Home',
      'Forever',
      'Tonight',
      'Glass',
      "Don't Look Back",
      'Love',
      'City',
    ],
    first: [
      'Liam',
      'Ava',
      'Noah',
      'Maya',
      'Ethan',
      'Chloe',
      'Leo',
      'Nora',
      'Julian',
      'Iris',
      'Miles',
      'Hazel',
      'Felix',
      'Skye',
    ],
    last: [
      'Carter',
      'Hayes',
      'Brooks',
      'Ellis',
      'Porter',
      'Reed',
      'Vaughn',
      'Sloane',
      'Hart',
      'Monroe',
      'Quinn',
      'Lowell',
    ],
    labels: ['Northbound Records', 'Paper Moon Music', 'Lowtide Recordings'],
    films: false,
    explicitRate: 0.15,
  },
};

const VERSION_SUFFIXES = ['(Female Version)', '(Reprise)', '(Lofi)', '(Unplugged)', '(Sad Version)'];
const DAY_MS = 86_400_000;

/** Options for {@link Catalog}. */
export interface CatalogOptions {
  seed: number;
  /** Artists generated per language up front (default 24). */
  artistsPerLanguage?: number;
}

/**
 * A growing, seeded catalog. Artists are generated up front per language; albums are created on demand by
 * {@link Catalog.createAlbum} (the emulations decide when: at start-up for the back catalog, then by their release
 * clock). All randomness comes from one stream, so the same seed and the same sequence of calls give the same result.
 */
export class Catalog {
  readonly seed: number;
  readonly #rng: Rng;
  readonly #artists = new Map<CatalogLanguage, CatalogArtist[]>();
  #nextArtistKey = 1;
  #nextAlbumKey = 1;
  #nextSongKey = 1;

  constructor(options: CatalogOptions) {
    this.seed = options.seed >>> 0;
    this.#rng = new Rng(hash32(`catalog:${this.seed}`));
    const perLanguage = options.artistsPerLanguage ?? 24;
    for (const language of CATALOG_LANGUAGES) this.#artists.set(language, this.#makeArtists(language, perLanguage));
  }

  /** The catalog's random stream, shared by emulations for their own decisions (listing, corrections). */
  get rng(): Rng {
    return this.#rng;
  }

  /** The artists of one language (stable order). */
  artists(language: CatalogLanguage): readonly CatalogArtist[] {
    return this.#artists.get(language) ?? [];
  }

  /**
   * Creates a new album released at `releasedAt` (epoch ms) in `language`, with songs, artists and a label.
   * Requested values win over generated ones; `songs` is clamped to 1–12.
   */
  createAlbum(language: CatalogLanguage, releasedAt: number, request: AlbumRequest = {}): CatalogAlbum {
    const rng = this.#rng;
    const flavour = FLAVOURS[language];
    const songCount = request.songs === undefined ? undefined : Math.min(12, Math.max(1, Math.trunc(request.songs)));
    const kind = request.kind ?? this.#pickKind(flavour, songCount);
    const count = songCount ?? defaultSongCount(kind, rng);
    const film = kind === 'soundtrack' || kind === 'film_single' ? this.#phrase(flavour, 1, 3) : undefined;
    const singers = this.artists(language);
    const composers = rng.sample(singers, rng.int(1, 2));
    const albumKey = this.#nextAlbumKey++;

    const titles = this.#songTitles(language, kind, count, film, request.title);
    let albumTitle: string;
    if (request.title !== undefined) albumTitle = request.title;
    else if (kind === 'soundtrack' && film !== undefined) albumTitle = `${film} (Original Motion Picture Soundtrack)`;
    else if (kind === 'album') albumTitle = this.#phrase(flavour, 1, 3);
    else albumTitle = titles[0] ?? this.#phrase(flavour, 1, 3);

    const leadSingers = rng.sample(singers, rng.int(1, 3));
    const songs: CatalogSong[] = titles.map((title, index) => ({
      key: this.#nextSongKey++,
      albumKey,
      track: index + 1,
      title,
      durationSeconds: /\(Lofi\)/.test(title) ? rng.int(95, 170) : rng.int(125, 330),
      artists: index === 0 ? leadSingers : rng.sample(singers, rng.int(1, 3)),
      explicit: rng.chance(flavour.explicitRate),
      basePlays: rng.int(0, 5000),
      playsPerMinute: Math.round(rng.float() * 4000) / 100,
      imageStamp: undefined,
      revision: 0,
    }));

    return {
      key: albumKey,
      title: albumTitle,
      kind,
      film,
      language,
      releasedAt,
      label: rng.pick(flavour.labels),
      composers,
      // Covers are uploaded a little before release, at a whole second.
      imageStamp: Math.floor((releasedAt - rng.int(0, 3 * DAY_MS)) / 1000) * 1000,
      imageShard: rng.int(100, 999),
      songs,
    };
  }

  /**
   * Applies a metadata correction to `song` at time `at` (epoch ms) and returns the field's value before and after.
   * Title: a transliteration fix (or a version tag when no fix applies); image: a re-uploaded cover (new stamp);
   * duration: a re-encoded master a few seconds longer or shorter.
   */
  correctSong(
    song: CatalogSong,
    field: CorrectableField,
    at: number,
  ): { before: string | number | undefined; after: string | number | undefined } {
    const rng = this.#rng;
    song.revision++;
    switch (field) {
      case 'title': {
        const before = song.title;
        song.title = correctTitle(before, rng);
        return { before, after: song.title };
      }
      case 'image': {
        const before = song.imageStamp;
        song.imageStamp = Math.floor(at / 1000) * 1000 + song.revision;
        return { before, after: song.imageStamp };
      }
      case 'duration': {
        const before = song.durationSeconds;
        const delta = rng.int(1, 20) * (rng.chance(0.5) ? 1 : -1);
        const after = Math.max(60, before + delta);
        song.durationSeconds = after === before ? before + 1 : after;
        return { before, after: song.durationSeconds };
      }
    }
  }

  #makeArtists(language: CatalogLanguage, count: number): CatalogArtist[] {
    const rng = this.#rng;
    const flavour = FLAVOURS[language];
    const names = new Set<string>();
    const artists: CatalogArtist[] = [];
    for (let attempt = 0; artists.length < count && attempt < count * 20; attempt++) {
      // Some acts are composer duos ("Raghav-Nikhil"), most are "First Last".
      const name = rng.chance(0.12)
        ? `${rng.pick(flavour.first)}-${rng.pick(flavour.first)}`
        : `${rng.pick(flavour.first)} ${rng.pick(flavour.last)}`;
      if (names.has(name) || /^(\w+)-\1$/.test(name)) continue;
      names.add(name);
      artists.push({ key: this.#nextArtistKey++, name, language, hasImage: rng.chance(0.7) });
    }
    return artists;
  }

  #pickKind(flavour: LanguageFlavour, songCount: number | undefined): AlbumKind {
    const rng = this.#rng;
    const roll = rng.float();
    if (songCount === undefined) {
      if (!flavour.films) return roll < 0.25 ? 'album' : 'single';
      if (roll < 0.2) return 'soundtrack';
      if (roll < 0.55) return 'film_single';
      if (roll < 0.7) return 'album';
      return 'single';
    }
    if (songCount === 1) return flavour.films && roll < 0.55 ? 'film_single' : 'single';
    return flavour.films && roll < 0.6 ? 'soundtrack' : 'album';
  }

  #songTitles(
    language: CatalogLanguage,
    kind: AlbumKind,
    count: number,
    film: string | undefined,
    requestedTitle: string | undefined,
  ): string[] {
    const rng = this.#rng;
    const flavour = FLAVOURS[language];
    const titles: string[] = [];
    const seen = new Set<string>();
    const add = (title: string) => {
      seen.add(title.toLowerCase());
      titles.push(title);
    };
    if (requestedTitle !== undefined && count === 1) add(requestedTitle);
    else if (kind === 'film_single' && film !== undefined) {
      // Real pattern: `Hazaar Baar (From "Baby John")`, sometimes a dubbed version: `… (Hindi)`.
      const dub = rng.chance(0.1) ? ` (${language[0]?.toUpperCase() ?? ''}${language.slice(1)})` : '';
      add(`${this.#phrase(flavour, 1, 3)} (From "${film}")${dub}`);
    }
    for (let attempt = 0; titles.length < count && attempt < count * 30; attempt++) {
      let title: string;
      if (kind === 'soundtrack' && film !== undefined && titles.length === 0 && rng.chance(0.4)) {
        title = `${film} Title Track`;
      } else if (titles.length > 0 && rng.chance(0.15)) {
        title = `${titles[0]} ${rng.pick(VERSION_SUFFIXES)}`;
      } else {
        title = this.#phrase(flavour, 1, 3);
      }
      if (!seen.has(title.toLowerCase())) add(title);
    }
    // Pools are large enough in practice; numbering guarantees the count even if they were not.
    while (titles.length < count) add(`${this.#phrase(flavour, 1, 2)} ${titles.length + 1}`);
    return titles;
  }

  /** A title-cased phrase of `min`–`max` words; sometimes two words joined by " & " (an entity quirk upstream). */
  #phrase(flavour: LanguageFlavour, min: number, max: number): string {
    const rng = this.#rng;
    if (rng.chance(0.08)) return rng.sample(flavour.words, 2).join(' & ');
    const words = rng.sample(flavour.words, rng.int(min, max));
    return words.join(' ');
  }
}

function defaultSongCount(kind: AlbumKind, rng: Rng): number {
  switch (kind) {
    case 'soundtrack':
      return rng.int(3, 6);
    case 'album':
      return rng.int(3, 7);
    case 'film_single':
    case 'single':
      return 1;
  }
}

const TRANSLITERATION_FIXES: readonly (readonly [RegExp, string])[] = [
  [/ee/, 'i'],
  [/oo/, 'u'],
  [/aa/, 'a'],
  [/w/, 'v'],
  [/z/, 'j'],
  [/i(?=[^aeiou]|$)/, 'ee'],
];

/** A corrected spelling of the title's main part (before any "(From …)" or version tag). Always differs. */
function correctTitle(title: string, rng: Rng): string {
  const cut = title.indexOf(' (');
  const main = cut === -1 ? title : title.slice(0, cut);
  const rest = cut === -1 ? '' : title.slice(cut);
  const words = main.split(' ');
  const order = rng.sample(
    words.map((_, i) => i),
    words.length,
  );
  for (const index of order) {
    const word = words[index] ?? '';
    if (word.length < 3) continue;
    for (const [pattern, replacement] of TRANSLITERATION_FIXES) {
      const head = word[0] ?? '';
      const fixed = head + word.slice(1).replace(pattern, replacement);
      if (fixed !== word) {
        words[index] = fixed;
        return words.join(' ') + rest;
      }
    }
  }
  return `${title} (Remastered)`;
}
