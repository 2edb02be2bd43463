import { describe, expect, it } from 'vitest';
import type { Album, MusicBrainzCandidate } from '../domain/album.ts';
import {
  artistSimilarity,
  chooseMusicBrainzMatch,
  MATCH_THRESHOLD,
  normaliseArtist,
  normaliseTitle,
  searchTitle,
  similarity,
  type MatchAlbum,
} from './mb-match.ts';

const album = (
  name: string,
  artists: string[],
  releaseDate: string | null = null,
  type: Album['type'] = 'album',
): MatchAlbum => ({
  name,
  artists: artists.map((artistName, i) => ({ id: `sp-artist-${i}`, name: artistName })),
  releaseDate,
  type,
});

const candidate = (
  releaseGroupId: string,
  title: string,
  artistCredit: string,
  more: Partial<MusicBrainzCandidate> = {},
): MusicBrainzCandidate => ({
  releaseGroupId,
  releaseId: `${releaseGroupId}-release`,
  title,
  artistCredit,
  artists: artistCredit.split(/ (?:&|feat\.) /).map((name, i) => ({ id: `${releaseGroupId}-artist-${i}`, name })),
  score: 100,
  primaryType: 'Album',
  secondaryTypes: [],
  firstReleaseDate: null,
  disambiguation: null,
  ...more,
});

const chosen = (a: MatchAlbum, cs: MusicBrainzCandidate[]): string | null =>
  chooseMusicBrainzMatch(a, cs).candidate?.releaseGroupId ?? null;

describe('normaliseTitle', () => {
  it.each<[string, string]>([
    ['Abbey Road', 'abbey road'],
    ['  ABBEY   road ', 'abbey road'],
    ['Abbey Road (Deluxe Edition)', 'abbey road'],
    ['Abbey Road (Super Deluxe Edition)', 'abbey road'],
    ['Abbey Road - Remastered 2011', 'abbey road'],
    ['Abbey Road – Remastered', 'abbey road'],
    ['Abbey Road (2019 Remaster)', 'abbey road'],
    ['Abbey Road (50th Anniversary Edition)', 'abbey road'],
    ['Red [Bonus Track Version]', 'red'],
    ['Red (Bonus Tracks)', 'red'],
    ['Rumours (Expanded & Remastered)', 'rumours'],
    ["Rumours (Collector's Edition)", 'rumours'],
    ['Rumours (Special Edition)', 'rumours'],
    ['1989 (Deluxe Edition) [Explicit]', '1989'],
    ['Title (Clean)', 'title'],
    ['Pet Sounds (Mono)', 'pet sounds'],
    ['Pet Sounds - Stereo (Remastered)', 'pet sounds'],
    ['Not an edition (Live)', 'not an edition live'],
    ["Fearless (Taylor's Version)", 'fearless taylors version'],
    ['Title (Super)', 'title super'],
    ['Live at Wembley - Live', 'live at wembley live'],
    ['Song (feat. Drake)', 'song'],
    ['Song [ft. Drake & Future]', 'song'],
    ['Song (Featuring Rihanna) (Deluxe)', 'song'],
    ['Song feat. Drake', 'song'],
    ['Sgt. Pepper’s Lonely Hearts Club Band', 'sgt peppers lonely hearts club band'],
    ["Sgt. Pepper's Lonely Hearts Club Band - Remastered 2009", 'sgt peppers lonely hearts club band'],
    ['Rock & Roll', 'rock and roll'],
    ['Beyoncé', 'beyonce'],
    ['Straße', 'strasse'],
    ['ＦＵＬＬ　ＷＩＤＴＨ', 'full width'],
    ['Back in Black!', 'back in black'],
    ['÷', '÷'],
    ['(Deluxe)', 'deluxe'],
    ['STRAY SHEEP', 'stray sheep'],
    ['ガールズ・バンド', 'ガールズ バンド'],
    ['馬と鹿', '馬と鹿'],
    ['ﾊﾟﾌﾟﾘｶ', 'パプリカ'],
    ['화양연화 pt.2', '화양연화 pt 2'],
    ['Группа крови', 'группа крови'],
    ['Ёлка и Йога', 'ёлка и йога'],
    ['عمرو دياب', 'عمرو دياب'],
    ['दिल से', 'दिल से'],
  ])('%j → %j', (input, expected) => {
    expect(normaliseTitle(input)).toBe(expected);
  });

  it('keeps the voicing marks of kana and the syllables of hangul intact', () => {
    expect(normaliseTitle('ガ')).toBe('ガ');
    expect(normaliseTitle('방탄소년단')).toBe('방탄소년단');
    expect(normaliseTitle('й')).toBe('й');
  });
});

describe('searchTitle', () => {
  it.each<[string, string]>([
    ['Abbey Road', 'Abbey Road'],
    ['Abbey Road (Remastered 2019)', 'Abbey Road'],
    ['Sgt. Pepper’s Lonely Hearts Club Band - Remastered 2009', 'Sgt. Pepper’s Lonely Hearts Club Band'],
    ['Red [Bonus Track Version]', 'Red'],
    ["1989 (Taylor's Version) [Deluxe]", "1989 (Taylor's Version)"],
    ['Work (feat. Drake)', 'Work'],
    ['Song FEAT. Someone', 'Song'],
    ['Rumours (Live)', 'Rumours (Live)'],
    ['Björk: Début (Expanded Edition)', 'Björk: Début'],
    ['  STRAY   SHEEP ', 'STRAY SHEEP'],
    ['화양연화 pt.2', '화양연화 pt.2'],
    ['(Deluxe)', '(Deluxe)'],
    ['÷ (Deluxe)', '÷'],
  ])('%j → %j', (input, expected) => {
    expect(searchTitle(input)).toBe(expected);
  });
});

describe('normaliseArtist', () => {
  it.each<[string, string]>([
    ['The Beatles', 'beatles'],
    ['Beatles', 'beatles'],
    ['The The', 'the'],
    ['AC/DC', 'ac dc'],
    ['R.E.M.', 'rem'],
    ['Beyoncé', 'beyonce'],
    ['Mötley Crüe', 'motley crue'],
    ['MØ', 'mo'],
    ['Earth, Wind & Fire', 'earth wind and fire'],
    ['Florence + the Machine', 'florence and the machine'],
    ['Tyler, The Creator', 'tyler the creator'],
    ['Drake feat. Rihanna', 'drake'],
    ['Little Feat', 'little feat'],
    ['Guns N’ Roses', 'guns n roses'],
    ['米津玄師', '米津玄師'],
    ['방탄소년단', '방탄소년단'],
    ['Кино', 'кино'],
  ])('%j → %j', (input, expected) => {
    expect(normaliseArtist(input)).toBe(expected);
  });
});

describe('similarity', () => {
  it.each<[string, string, number, number]>([
    ['abbey road', 'abbey road', 1, 1],
    ['', '', 1, 1],
    ['米津玄師', '米津玄師', 1, 1],
    ['road abbey', 'abbey road', 1, 1],
    ['abbey road', 'abbeyroad', 0.9, 0.95],
    ['abbey road', '', 0, 0],
    ['abba', 'queen', 0, 0],
    ['米津玄師', 'bts', 0, 0],
    ['bts', '방탄소년단', 0, 0],
    ['stray sheep', 'stray sheep live', 0.75, 0.9],
    ['馬と鹿', '馬と鹿と', 0.7, 0.9],
    ['группа крови', 'группа крови live', 0.75, 0.9],
  ])('%j vs %j is within [%d, %d]', (a, b, low, high) => {
    const s = similarity(a, b);
    expect(s).toBeGreaterThanOrEqual(low);
    expect(s).toBeLessThanOrEqual(high);
    expect(similarity(b, a)).toBeCloseTo(s, 12);
  });
});

describe('artistSimilarity', () => {
  it.each<[string, string[], MusicBrainzCandidate, number, number]>([
    ['the same artist', ['Queen'], candidate('g', 'x', 'Queen'), 1, 1],
    ['another artist', ['Queen'], candidate('g', 'x', 'ABBA'), 0, 0.1],
    ['a leading "the"', ['Beatles'], candidate('g', 'x', 'The Beatles'), 1, 1],
    ['the primary of a featuring credit', ['Drake'], candidate('g', 'x', 'Drake feat. Rihanna'), 1, 1],
    [
      'the primary of an "A & B" credit whose names are only in the credit text',
      ['Lady Gaga'],
      candidate('g', 'x', 'Lady Gaga & Bruno Mars', { artists: [] }),
      1,
      1,
    ],
    [
      'a second-named artist of the credit',
      ['Metro Boomin', 'Future'],
      candidate('g', 'x', 'Future & Metro Boomin'),
      1,
      1,
    ],
    [
      'two Spotify artists vs a duo credited as one artist',
      ['Simon', 'Garfunkel'],
      candidate('g', 'x', 'Simon & Garfunkel', { artists: [{ id: 'sg', name: 'Simon & Garfunkel' }] }),
      1,
      1,
    ],
    ['punctuation in the name', ['AC/DC'], candidate('g', 'x', 'AC/DC'), 1, 1],
    ['no album artist', [], candidate('g', 'x', 'Queen'), 0, 0],
    ['the same non-Latin name', ['米津玄師'], candidate('g', 'x', '米津玄師'), 1, 1],
    ['the same name in another script (no transliteration)', ['BTS'], candidate('g', 'x', '방탄소년단'), 0, 0],
    [
      'a longer name that merely starts alike',
      ['Drake'],
      candidate('g', 'x', 'Drake Bell'),
      0,
      MATCH_THRESHOLD.artist - 0.01,
    ],
  ])('%s', (_label, artists, c, low, high) => {
    const s = artistSimilarity(artists, c);
    expect(s).toBeGreaterThanOrEqual(low);
    expect(s).toBeLessThanOrEqual(high);
  });
});

describe('chooseMusicBrainzMatch', () => {
  it('matches an exact title and artist with full confidence and a readable reason', () => {
    const decision = chooseMusicBrainzMatch(album('Abbey Road', ['The Beatles'], '1969-09-26'), [
      candidate('rg-abbey', 'Abbey Road', 'The Beatles', { firstReleaseDate: '1969-09-26' }),
      candidate('rg-other', 'Abbey Road Medley', 'Some Tribute Band', { score: 60 }),
    ]);
    expect(decision).toMatchObject({
      status: 'matched',
      candidate: { releaseGroupId: 'rg-abbey' },
      confidence: 1,
      mbScore: 100,
      titleSimilarity: 1,
      artistSimilarity: 1,
      runnerUp: { releaseGroupId: 'rg-other' },
    });
    expect(decision.runnerUp?.confidence).toBeLessThan(0.5);
    expect(decision.reason).toMatch(
      /^title 1\.00, artist 1\.00, MusicBrainz score 100, confidence 1\.00; runner-up 0\.\d\d$/,
    );
  });

  it.each<[string, MatchAlbum, MusicBrainzCandidate[], string | null]>([
    [
      'same title by another artist with MB score 100 loses to the right artist',
      album('Greatest Hits', ['Queen'], '1981', 'compilation'),
      [
        candidate('rg-abba', 'Greatest Hits', 'ABBA', { score: 100, secondaryTypes: ['Compilation'] }),
        candidate('rg-queen', 'Greatest Hits', 'Queen', { score: 85, secondaryTypes: ['Compilation'] }),
      ],
      'rg-queen',
    ],
    [
      'same title by another artist only: no match',
      album('Greatest Hits', ['Queen'], '1981', 'compilation'),
      [candidate('rg-abba', 'Greatest Hits', 'ABBA', { score: 100, firstReleaseDate: '1981' })],
      null,
    ],
    [
      'a wrong group with a high MB score loses to the right one with a low score',
      album('Blue', ['Joni Mitchell'], '1971-06-22'),
      [
        candidate('rg-weezer', 'Blue', 'Weezer', { score: 100 }),
        candidate('rg-eiffel', 'Blue (Da Ba Dee)', 'Eiffel 65', { score: 98, primaryType: 'Single' }),
        candidate('rg-joni', 'Blue', 'Joni Mitchell', { score: 40 }),
      ],
      'rg-joni',
    ],
    [
      '(Deluxe Edition) maps to the plain group',
      album('Rumours (Deluxe Edition)', ['Fleetwood Mac'], '2013-01-28'),
      [candidate('rg-rumours', 'Rumours', 'Fleetwood Mac', { score: 90, firstReleaseDate: '1977-02-04' })],
      'rg-rumours',
    ],
    [
      '" - Remastered 2011" maps to the plain group',
      album('Led Zeppelin IV - Remastered 2011', ['Led Zeppelin']),
      [candidate('rg-lz4', 'Led Zeppelin IV', 'Led Zeppelin', { score: 95 })],
      'rg-lz4',
    ],
    [
      '[Bonus Track Version] maps to the plain group',
      album('Red [Bonus Track Version]', ['Taylor Swift'], '2012-10-22'),
      [candidate('rg-red', 'Red', 'Taylor Swift', { score: 100, firstReleaseDate: '2012-10-22' })],
      'rg-red',
    ],
    [
      "a re-recording (Taylor's Version) is not the original",
      album("Red (Taylor's Version)", ['Taylor Swift'], '2021-11-12'),
      [
        candidate('rg-red', 'Red', 'Taylor Swift', { score: 100, firstReleaseDate: '2012-10-22' }),
        candidate('rg-red-tv', "Red (Taylor's Version)", 'Taylor Swift', { score: 95, firstReleaseDate: '2021-11-12' }),
      ],
      'rg-red-tv',
    ],
    [
      'Live and Compilation decoys with a higher MB score lose to the studio group',
      album('Rumours', ['Fleetwood Mac'], '1977-02-04'),
      [
        candidate('rg-live', 'Rumours', 'Fleetwood Mac', { score: 100, secondaryTypes: ['Live'] }),
        candidate('rg-comp', 'Rumours', 'Fleetwood Mac', { score: 100, secondaryTypes: ['Compilation'] }),
        candidate('rg-remix', 'Rumours', 'Fleetwood Mac', { score: 100, secondaryTypes: ['Remix'] }),
        candidate('rg-studio', 'Rumours', 'Fleetwood Mac', { score: 88 }),
      ],
      'rg-studio',
    ],
    [
      'a title that says Live is not penalised for the Live group',
      album('Rumours (Live)', ['Fleetwood Mac'], '2023-09-22'),
      [
        candidate('rg-studio', 'Rumours', 'Fleetwood Mac', { score: 100, firstReleaseDate: '1977-02-04' }),
        candidate('rg-live', 'Rumours Live', 'Fleetwood Mac', {
          score: 90,
          secondaryTypes: ['Live'],
          firstReleaseDate: '2023-09-22',
        }),
      ],
      'rg-live',
    ],
    [
      'an album typed compilation is not penalised for the Compilation group',
      album('The Singles', ['Phil Collins'], '2016', 'compilation'),
      [
        candidate('rg-singles', 'The Singles', 'Phil Collins', {
          secondaryTypes: ['Compilation'],
          firstReleaseDate: '2016-10-14',
        }),
      ],
      'rg-singles',
    ],
    [
      'Japanese title and artist',
      album('STRAY SHEEP', ['米津玄師'], '2020-08-05'),
      [
        candidate('rg-other', 'STRAY SHEEP', 'Some Cover Band', { score: 100 }),
        candidate('rg-stray', 'STRAY SHEEP', '米津玄師', { score: 90, firstReleaseDate: '2020-08-05' }),
      ],
      'rg-stray',
    ],
    [
      'Japanese title, kana with voicing marks and a full-width Spotify spelling',
      album('ﾊﾟﾌﾟﾘｶ', ['米津玄師'], '2019', 'single'),
      [candidate('rg-paprika', 'パプリカ', '米津玄師', { primaryType: 'Single', firstReleaseDate: '2019-12-02' })],
      'rg-paprika',
    ],
    [
      'Korean title and artist in hangul on both sides',
      album('화양연화 pt.2', ['방탄소년단'], '2015-11-30'),
      [candidate('rg-hyyh', '화양연화 pt.2', '방탄소년단', { primaryType: 'EP', score: 100 })],
      'rg-hyyh',
    ],
    [
      'BTS in Latin letters on both sides',
      album('Map of the Soul: 7', ['BTS'], '2020-02-21'),
      [candidate('rg-mots7', 'MAP OF THE SOUL : 7', 'BTS', { score: 100, firstReleaseDate: '2020-02-21' })],
      'rg-mots7',
    ],
    [
      'the same artist in another script is not guessed',
      album('Map of the Soul: 7', ['BTS'], '2020-02-21'),
      [candidate('rg-mots7', 'MAP OF THE SOUL : 7', '방탄소년단', { score: 100 })],
      null,
    ],
    [
      'Cyrillic title and artist, a Live decoy loses',
      album('Группа крови', ['Кино'], '1988'),
      [
        candidate('rg-live', 'Группа крови', 'Кино', { secondaryTypes: ['Live'] }),
        candidate('rg-krovi', 'Группа крови', 'Кино', { score: 97, firstReleaseDate: '1988' }),
      ],
      'rg-krovi',
    ],
    [
      'two Spotify artists vs an "A & B" credit',
      album('Die With A Smile', ['Lady Gaga', 'Bruno Mars'], '2024-08-16', 'single'),
      [candidate('rg-dwas', 'Die With a Smile', 'Lady Gaga & Bruno Mars', { primaryType: 'Single' })],
      'rg-dwas',
    ],
    [
      'a "(feat. X)" title and an "A feat. B" credit',
      album('Work (feat. Drake)', ['Rihanna', 'Drake'], '2016', 'single'),
      [candidate('rg-work', 'Work', 'Rihanna feat. Drake', { primaryType: 'Single', firstReleaseDate: '2016-01-27' })],
      'rg-work',
    ],
    [
      'AC/DC',
      album('Back In Black', ['AC/DC'], '1980-07-25'),
      [candidate('rg-bib', 'Back in Black', 'AC/DC', { firstReleaseDate: '1980-07-25' })],
      'rg-bib',
    ],
    [
      "Sgt. Pepper's with a curly apostrophe and a remaster suffix",
      album("Sgt. Pepper's Lonely Hearts Club Band (Remastered 2009)", ['The Beatles'], '1967-06-01'),
      [candidate('rg-sgt', 'Sgt. Pepper’s Lonely Hearts Club Band', 'The Beatles', { firstReleaseDate: '1967-05-26' })],
      'rg-sgt',
    ],
    ['no candidates', album('Abbey Road', ['The Beatles']), [], null],
    [
      'only unrelated candidates',
      album('Abbey Road', ['The Beatles']),
      [
        candidate('rg-1', 'Thriller', 'Michael Jackson', { score: 100 }),
        candidate('rg-2', 'Road Trip', 'The Beach Boys', { score: 90 }),
      ],
      null,
    ],
    [
      'the right artist with a different title',
      album('Abbey Road', ['The Beatles']),
      [candidate('rg-help', 'Help!', 'The Beatles', { score: 100 })],
      null,
    ],
    [
      'a prefix-alike artist with the same title',
      album('Nothing Was the Same', ['Drake']),
      [candidate('rg-bell', 'Nothing Was the Same', 'Drake Bell', { score: 100 })],
      null,
    ],
  ])('%s', (_label, a, cs, expected) => {
    expect(chosen(a, cs)).toBe(expected);
  });

  it('without candidates answers no_match with null figures', () => {
    expect(chooseMusicBrainzMatch(album('Abbey Road', ['The Beatles']), [])).toEqual({
      status: 'no_match',
      candidate: null,
      confidence: 0,
      mbScore: null,
      titleSimilarity: null,
      artistSimilarity: null,
      reason: 'no candidates',
      runnerUp: null,
    });
  });

  it('a rejected decision reports the best candidate and what it lacked', () => {
    const decision = chooseMusicBrainzMatch(album('Greatest Hits', ['Queen']), [
      candidate('rg-abba', 'Greatest Hits', 'ABBA', { score: 100 }),
    ]);
    expect(decision.status).toBe('no_match');
    expect(decision.candidate).toBeNull();
    expect(decision.titleSimilarity).toBe(1);
    expect(decision.artistSimilarity).toBe(0);
    expect(decision.mbScore).toBe(100);
    expect(decision.confidence).toBeLessThan(MATCH_THRESHOLD.confidence);
    expect(decision.reason).toContain('"Greatest Hits" by ABBA falls short');
    expect(decision.reason).toContain('artist 0.00 < 0.75');
  });

  it('a lone Live group of the exact title is still accepted, penalised, and says so', () => {
    const decision = chooseMusicBrainzMatch(album('MTV Unplugged in New York', ['Nirvana'], '1994-11-01'), [
      candidate('rg-unplugged', 'MTV Unplugged in New York', 'Nirvana', {
        secondaryTypes: ['Live'],
        firstReleaseDate: '1994-11-01',
      }),
    ]);
    // "Unplugged" in the title claims a live recording: no penalty.
    expect(decision).toMatchObject({ status: 'matched', confidence: 1 });

    const plain = chooseMusicBrainzMatch(album('Rumours', ['Fleetwood Mac'], '1977'), [
      candidate('rg-live', 'Rumours', 'Fleetwood Mac', { secondaryTypes: ['Live'], firstReleaseDate: '1977' }),
    ]);
    expect(plain.status).toBe('matched');
    expect(plain.confidence).toBeCloseTo(0.85, 4);
    expect(plain.reason).toContain('Live penalised');
  });

  it('the release year and the primary type decide between groups of the same title and artist', () => {
    const weezer = (year: string): MatchAlbum => album('Weezer', ['Weezer'], `${year}-05-15`);
    const groups = [
      candidate('rg-blue', 'Weezer', 'Weezer', { firstReleaseDate: '1994-05-10' }),
      candidate('rg-green', 'Weezer', 'Weezer', { firstReleaseDate: '2001-05-15' }),
    ];
    expect(chosen(weezer('1994'), groups)).toBe('rg-blue');
    expect(chosen(weezer('2001'), groups)).toBe('rg-green');

    const hello = [
      candidate('rg-album', 'Hello', 'Adele', { primaryType: 'Album' }),
      candidate('rg-single', 'Hello', 'Adele', { primaryType: 'Single' }),
    ];
    expect(chosen(album('Hello', ['Adele'], '2015', 'single'), hello)).toBe('rg-single');
    expect(chosen(album('Hello', ['Adele'], '2015', 'album'), hello)).toBe('rg-album');
  });

  it('breaks ties by MusicBrainz score, then release-group id, whatever the input order', () => {
    const a = album('Abbey Road', ['The Beatles'], '1969-09-26');
    // The year bonus (0.03) makes up exactly for 15 points of MusicBrainz score: equal confidence.
    const byScore = [
      candidate('rg-a', 'Abbey Road', 'The Beatles', { score: 85, firstReleaseDate: '1969' }),
      candidate('rg-b', 'Abbey Road', 'The Beatles', { score: 100, firstReleaseDate: '1970' }),
    ];
    const decision = chooseMusicBrainzMatch(a, byScore);
    expect(decision.confidence).toBe(decision.runnerUp?.confidence);
    expect(decision.candidate?.releaseGroupId).toBe('rg-b');
    expect(chosen(a, [...byScore].reverse())).toBe('rg-b');

    const equal = [candidate('rg-z', 'Abbey Road', 'The Beatles'), candidate('rg-m', 'Abbey Road', 'The Beatles')];
    expect(chosen(a, equal)).toBe('rg-m');
    expect(chosen(a, [...equal].reverse())).toBe('rg-m');
    expect(chooseMusicBrainzMatch(a, equal).runnerUp).toEqual({ releaseGroupId: 'rg-z', confidence: 0.97 });
  });

  it('counts a release group listed twice once: the runner-up is another group', () => {
    const decision = chooseMusicBrainzMatch(album('Abbey Road', ['The Beatles']), [
      candidate('rg-abbey', 'Abbey Road', 'The Beatles', { score: 100 }),
      candidate('rg-abbey', 'Abbey Road', 'The Beatles', { score: 95, releaseId: 'another-release' }),
      candidate('rg-tribute', 'Abbey Road', 'Tribute Band', { score: 90 }),
    ]);
    expect(decision.candidate?.releaseId).toBe('rg-abbey-release');
    expect(decision.runnerUp?.releaseGroupId).toBe('rg-tribute');
  });

  it('minScore raises or lowers the confidence bar, and must lie within 0..1', () => {
    const a = album('Abbey Road', ['The Beatles']);
    const cs = [candidate('rg-abbey', 'Abbey Road', 'The Beatles', { score: 60 })];
    const decision = chooseMusicBrainzMatch(a, cs);
    expect(decision.status).toBe('matched');
    // 0.32 + 0.42 + 0.20 × 0.6 + 0.03 (Album for an album)
    expect(decision.confidence).toBeCloseTo(0.89, 4);
    expect(chooseMusicBrainzMatch(a, cs, { minScore: 0.9 }).status).toBe('no_match');
    expect(chooseMusicBrainzMatch(a, cs, { minScore: 0.9 }).reason).toContain('confidence 0.89 < 0.90');
    expect(() => chooseMusicBrainzMatch(a, cs, { minScore: 80 })).toThrow(RangeError);
    expect(() => chooseMusicBrainzMatch(a, cs, { minScore: Number.NaN })).toThrow(RangeError);
  });

  it('treats an out-of-range MusicBrainz score as its nearest bound', () => {
    const a = album('Abbey Road', ['The Beatles']);
    expect(chooseMusicBrainzMatch(a, [candidate('g', 'Abbey Road', 'The Beatles', { score: 250 })]).mbScore).toBe(100);
    expect(chooseMusicBrainzMatch(a, [candidate('g', 'Abbey Road', 'The Beatles', { score: -5 })]).mbScore).toBe(0);
  });
});
