/**
 * The key that groups the songs of one album (or film soundtrack), so exactly one of them is featured.
 */
import he from 'he';
import type { ReleaseInput } from '../domain/music.ts';

/** Lowercase, entity-decoded, whitespace-collapsed: how two spellings of one name are made equal. */
export function normalizeName(value: string): string {
  return he.decode(value).normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * `${source}:${album.externalId}` when the upstream gives an album id; otherwise
 * `${source}:name:${normalized album name}|${normalized primary artist}` (the primary artist is `artists[0]`, `''`
 * when there is none), so two albums that merely share a name ("Greatest Hits") stay apart.
 */
export function albumKey(input: Pick<ReleaseInput, 'source' | 'album' | 'artists'>): string {
  const id = input.album.externalId?.trim();
  if (id) return `${input.source}:${id}`;
  return `${input.source}:name:${normalizeName(input.album.name)}|${normalizeName(input.artists[0] ?? '')}`;
}
