import { describe, expect, it } from 'vitest';
import { CATALOG_LANGUAGES, Catalog } from './catalog.ts';
import { Rng, derivedToken, hash32, mulberry32 } from './random.ts';

const T0 = Date.parse('2026-11-21T12:00:00Z');

function generate(seed: number) {
  const catalog = new Catalog({ seed });
  return CATALOG_LANGUAGES.flatMap((language) =>
    Array.from({ length: 5 }, (_, i) => catalog.createAlbum(language, T0 - i * 3_600_000)),
  );
}

describe('random', () => {
  it('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(990);
  });

  it('Rng helpers stay in range', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 500; i++) {
      const n = rng.int(3, 5);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(5);
    }
    const sample = rng.sample([1, 2, 3, 4, 5], 3);
    expect(new Set(sample).size).toBe(3);
    expect(() => rng.pick([])).toThrow();
    expect(rng.chars('ab', 10)).toMatch(/^[ab]{10}$/);
  });

  it('derivedToken depends on seed and label only', () => {
    expect(derivedToken(1, 'song:1', 'abc', 8)).toBe(derivedToken(1, 'song:1', 'abc', 8));
    expect(derivedToken(1, 'song:1', 'abcdefgh', 8)).not.toBe(derivedToken(2, 'song:1', 'abcdefgh', 8));
    expect(hash32('')).toBe(0x811c9dc5);
  });
});

describe(Catalog.name, () => {
  it('generates the same catalog from the same seed', () => {
    expect(generate(1234)).toEqual(generate(1234));
  });

  it('generates a different catalog from another seed', () => {
    const a = generate(1).map((album) => album.title);
    const b = generate(2).map((album) => album.title);
    expect(a).not.toEqual(b);
  });

  it('covers every album kind, film titles and several-song albums', () => {
    const albums = generate(99);
    const kinds = new Set(albums.map((album) => album.kind));
    expect(kinds).toEqual(new Set(['soundtrack', 'film_single', 'album', 'single']));
    const soundtrack = albums.find((album) => album.kind === 'soundtrack');
    expect(soundtrack?.title).toMatch(/ \(Original Motion Picture Soundtrack\)$/);
    expect(soundtrack?.songs.length).toBeGreaterThan(1);
    const filmSingle = albums.find((album) => album.kind === 'film_single');
    expect(filmSingle?.title).toMatch(/ \(From "[^"]+"\)/);
    expect(filmSingle?.songs[0]?.title).toBe(filmSingle?.title);
    for (const album of albums) {
      expect(album.songs.length).toBeGreaterThan(0);
      expect(new Set(album.songs.map((song) => song.title.toLowerCase())).size).toBe(album.songs.length);
      for (const song of album.songs) {
        expect(song.durationSeconds).toBeGreaterThanOrEqual(60);
        expect(song.artists.length).toBeGreaterThan(0);
      }
    }
    // English releases are singles and albums, not film music.
    expect(albums.filter((album) => album.language === 'english').every((album) => album.film === undefined)).toBe(
      true,
    );
  });

  it('honours requested song count, title and kind', () => {
    const catalog = new Catalog({ seed: 5 });
    const album = catalog.createAlbum('tamil', T0, { songs: 4, title: 'Kadhal Kanavu', kind: 'album' });
    expect(album).toMatchObject({ title: 'Kadhal Kanavu', kind: 'album', language: 'tamil', releasedAt: T0 });
    expect(album.songs).toHaveLength(4);
    const single = catalog.createAlbum('hindi', T0, { songs: 1, title: 'Dil Se "Dil" & More' });
    expect(single.songs[0]?.title).toBe('Dil Se "Dil" & More');
    expect(catalog.createAlbum('hindi', T0, { songs: 99 }).songs).toHaveLength(12);
  });

  it.each(['title', 'image', 'duration'] as const)('a %s correction changes that field', (field) => {
    const catalog = new Catalog({ seed: 8 });
    const song = catalog.createAlbum('malayalam', T0).songs[0];
    if (song === undefined) throw new Error('no song');
    const snapshot = { ...song };
    const { before, after } = catalog.correctSong(song, field, T0 + 60_000);
    expect(after).not.toEqual(before);
    expect(song.revision).toBe(1);
    if (field === 'title') expect(song.title).not.toBe(snapshot.title);
    if (field === 'image') expect(song.imageStamp).toBeDefined();
    if (field === 'duration') expect(song.durationSeconds).not.toBe(snapshot.durationSeconds);
  });
});
