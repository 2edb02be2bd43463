import type { Release } from '../../web/src/lib/types.ts';

/** A valid release with overridable fields, for web unit tests. */
export function release(id: number, overrides: Partial<Release> = {}): Release {
  return {
    id,
    title: `Song ${id}`,
    artists: ['Artist A', 'Artist B'],
    album: { id: `album-${id}`, name: `Album ${id}` },
    language: 'hindi',
    releaseDate: '2024-03-10',
    imageUrl: `https://c.saavncdn.com/${id}-500x500.jpg`,
    url: `https://www.jiosaavn.com/song/song-${id}/x${id}`,
    durationSeconds: 215,
    isNew: true,
    likes: 3,
    featured: true,
    kind: 'song',
    source: 'jiosaavn',
    detectedAt: '2024-03-10T10:00:00.000Z',
    updatedAt: '2024-03-10T10:00:00.000Z',
    ...overrides,
  };
}
