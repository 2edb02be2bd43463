import { describe, expect, it } from 'vitest';
import { albumKey, normalizeName } from './album-key.ts';
import type { ReleaseInput } from '../domain/music.ts';

type KeyInput = Pick<ReleaseInput, 'source' | 'album' | 'artists'>;

const input = (album: KeyInput['album'], artists: string[] = ['Thaman S']): KeyInput => ({
  source: 'jiosaavn',
  album,
  artists,
});

describe('albumKey', () => {
  it.each<[string, KeyInput, string]>([
    ['uses the upstream album id', input({ externalId: '60702964', name: 'Baby John' }), 'jiosaavn:60702964'],
    ['trims the album id', input({ externalId: ' 60702964 ', name: 'Baby John' }), 'jiosaavn:60702964'],
    [
      'falls back to name and primary artist without an id',
      input({ externalId: null, name: 'Baby John' }, ['Thaman S', 'Raja Kumari']),
      'jiosaavn:name:baby john|thaman s',
    ],
    [
      'treats a blank id as missing',
      input({ externalId: '  ', name: 'Baby John' }),
      'jiosaavn:name:baby john|thaman s',
    ],
    [
      'normalizes entities, case and whitespace',
      input({ externalId: null, name: '  Rock &amp;  ROLL\t(From &quot;X&quot;) ' }, [' Some   Band ']),
      'jiosaavn:name:rock & roll (from "x")|some band',
    ],
    ['copes with no artist at all', input({ externalId: null, name: 'Untitled' }, []), 'jiosaavn:name:untitled|'],
  ])('%s', (_label, value, expected) => {
    expect(albumKey(value)).toBe(expected);
  });

  it('groups two spellings of one id-less album and keeps same-named albums of different artists apart', () => {
    const a = albumKey(input({ externalId: null, name: 'Greatest Hits' }, ['Artist One']));
    const b = albumKey(input({ externalId: null, name: 'greatest  hits' }, ['ARTIST ONE', 'Guest']));
    const c = albumKey(input({ externalId: null, name: 'Greatest Hits' }, ['Artist Two']));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('gives a song and its album item the same key', () => {
    const song = input({ externalId: '60254260', name: 'Pushpa 2 The Rule' }, ['Devi Sri Prasad']);
    const album = input({ externalId: '60254260', name: 'Pushpa 2 The Rule' }, []);
    expect(albumKey(song)).toBe(albumKey(album));
  });
});

describe('normalizeName', () => {
  it.each([
    ['Caf\u0065\u0301', 'caf\u00e9'],
    ['A&nbsp;B', 'a b'],
    ['', ''],
  ])('normalizeName(%j) = %j', (value, expected) => {
    expect(normalizeName(value)).toBe(expected);
  });
});
