import { describe, expect, it } from 'vitest';
import { fingerprint } from './fingerprint.ts';
import type { ReleaseInput } from '../domain/music.ts';

const base: ReleaseInput = {
  source: 'jiosaavn',
  externalId: '171AwX-d',
  title: 'Baby John - Beast Mode (From "Baby John")',
  artists: ['Thaman S', 'Raja Kumari'],
  album: { externalId: '60702964', name: 'Baby John - Beast Mode (From "Baby John")' },
  language: 'hindi',
  releaseDate: '2024-12-20',
  imageUrl: 'https://c.saavncdn.com/180/Baby-John-500x500.jpg',
  url: 'https://www.jiosaavn.com/song/baby-john-beast-mode-from-baby-john/QV9acANoGlc',
  durationSeconds: 257,
  year: 2024,
  playCount: 205347,
  explicit: false,
  label: 'Zee Music Company',
  kind: 'song',
  songCount: null,
  raw: { id: '171AwX-d' },
};

const FP = fingerprint(base);

describe('fingerprint', () => {
  it('is 32 hex characters and pinned across runs and processes', () => {
    expect(FP).toMatch(/^[0-9a-f]{32}$/);
    // Pinned: a change here re-announces every stored featured song as updated, so it must be deliberate.
    expect(FP).toBe(fingerprint(structuredClone(base)));
    expect(FP).toBe('c434b243f1cbd97089bbfd458e5afcf0');
  });

  it.each<[string, Partial<ReleaseInput>]>([
    ['title', { title: 'Baby John - Beast Mode' }],
    ['an added artist', { artists: ['Thaman S', 'Raja Kumari', 'Ritesh G Rao'] }],
    ['the artist order', { artists: ['Raja Kumari', 'Thaman S'] }],
    ['album name', { album: { externalId: '60702964', name: 'Baby John' } }],
    ['release date', { releaseDate: '2024-12-21' }],
    ['release date removed', { releaseDate: null }],
    ['image', { imageUrl: 'https://c.saavncdn.com/180/Baby-John-v2-500x500.jpg' }],
    ['duration', { durationSeconds: 258 }],
    ['duration removed', { durationSeconds: null }],
  ])('changes when the %s changes', (_field, change) => {
    expect(fingerprint({ ...base, ...change })).not.toBe(FP);
  });

  it('does not confuse field boundaries', () => {
    const a = fingerprint({ ...base, artists: ['A, B'] });
    const b = fingerprint({ ...base, artists: ['A', 'B'] });
    expect(a).not.toBe(b);
  });

  it.each<[string, Partial<ReleaseInput>]>([
    ['play count', { playCount: 999_999 }],
    ['raw payload', { raw: { id: '171AwX-d', play_count: '999999' } }],
    ['year', { year: 2025 }],
    ['label', { label: 'T-Series' }],
    ['permalink', { url: 'https://www.jiosaavn.com/song/x/y' }],
    ['album id', { album: { externalId: '1', name: base.album.name } }],
    ['explicit flag', { explicit: true }],
    ['language', { language: 'tamil' }],
  ])('ignores the %s, which users do not see as the release', (_field, change) => {
    expect(fingerprint({ ...base, ...change })).toBe(FP);
  });
});
