import { isNew } from './new-window.ts';
import type { SongRow } from './repository.ts';

/** A release as every API answer and every pushed event shows it. */
export interface Release {
  id: number;
  title: string;
  artists: string[];
  album: { id: string | null; name: string };
  language: string;
  releaseDate: string | null;
  imageUrl: string | null;
  url: string | null;
  durationSeconds: number | null;
  isNew: boolean;
  likes: number;
  liked?: boolean;
  featured: boolean;
  kind: 'song' | 'album';
  source: string;
  detectedAt: string;
  updatedAt: string;
}

/** Pure: the public JSON of a stored song at time `now` (`isNew` is computed, so it expires by itself). */
export function presentRelease(song: SongRow, now: Date, newWindowDays: number): Release {
  return {
    id: song.id,
    title: song.title,
    artists: song.artists,
    album: { id: song.albumExternalId, name: song.album },
    language: song.language,
    releaseDate: song.releaseDate,
    imageUrl: song.imageUrl,
    url: song.url,
    durationSeconds: song.durationSeconds,
    isNew: isNew(song.releaseDate, song.addedAt, now, newWindowDays),
    likes: song.likes,
    ...(song.liked === undefined ? {} : { liked: song.liked }),
    featured: song.featured,
    kind: song.kind,
    source: song.source,
    detectedAt: song.addedAt.toISOString(),
    updatedAt: song.updatedAt.toISOString(),
  };
}
