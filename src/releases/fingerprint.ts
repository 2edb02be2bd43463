/**
 * The change detector for stored songs: a known song whose fingerprint changed is UPDATED (and, when featured,
 * announced as `release_updated`); an unchanged one is a no-op. It covers only what a user sees, so churn in
 * counters (play counts) or in the raw upstream payload never causes a write or an event.
 */
import { createHash } from 'node:crypto';
import type { ReleaseInput } from '../domain/music.ts';

/**
 * Bump when the set or encoding of fingerprinted fields changes: every stored song then reads as changed once, which
 * is the honest outcome (its fingerprint really is computed differently).
 */
const FINGERPRINT_VERSION = 'v1';

/** The fields a fingerprint covers. */
export type FingerprintFields = Pick<
  ReleaseInput,
  'title' | 'artists' | 'album' | 'releaseDate' | 'imageUrl' | 'durationSeconds'
>;

/**
 * A stable hash (32 hex characters of SHA-256) of what a user sees: title, artists (order matters: the first is
 * the primary artist), album name, release date, image URL and duration. Independent of `raw`, play count, album id,
 * label and every other field, and of the process it runs in (no object key order or locale involved).
 */
export function fingerprint(input: FingerprintFields): string {
  // A JSON array gives each field a fixed position and unambiguous boundaries ("a,b" + "c" ≠ "a" + "b,c").
  const visible = [
    FINGERPRINT_VERSION,
    input.title,
    input.artists,
    input.album.name,
    input.releaseDate,
    input.imageUrl,
    input.durationSeconds,
  ];
  return createHash('sha256').update(JSON.stringify(visible)).digest('hex').slice(0, 32);
}
