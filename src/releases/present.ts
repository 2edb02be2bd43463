import type { Release } from './contract.ts';
import { isNew } from './new-window.ts';
import type { SongRow } from './repository.ts';

export type { Release };

/** Builds the public JSON of a stored song at a given time. */
export type Presenter = (song: SongRow, now: Date) => Release;

/**
 * The one presentation of a stored song, for lists, lookups and pushed events alike. Pure: `isNew` is computed from
 * `now`, so it expires by itself.
 */
export function releasePresenter(newWindowDays: number): Presenter {
  return (song, now) => ({
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
  });
}
