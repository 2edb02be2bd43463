import { memo } from 'react';
import { albumTypeLabel, artistNames, releaseDateLabel, safeHttpUrl } from '../../lib/trending.ts';
import type { MusicBrainzMatch, TrendingAlbum } from '../../lib/types.ts';
import { AlbumCover } from './AlbumCover.tsx';
import { CollectionButton } from './CollectionButton.tsx';
import { MbBadge } from './MbBadge.tsx';

/** Props of {@link AlbumCard}. */
export interface AlbumCardProps {
  album: TrendingAlbum;
  /** The album's current MusicBrainz outcome (kept current by live events). */
  match: MusicBrainzMatch | null;
  /** The number in the corner: the chart position, or the rank in a computed list. */
  rank: number | null;
  /** What `rank` is, for screen readers: "Chart position" or "Rank". */
  rankLabel: string;
  /** An extra line, e.g. the ranking points of a popular album. */
  note?: string;
  inCollection: boolean;
  pending: boolean;
  onAdd: (album: TrendingAlbum) => void;
  onOpen: (album: TrendingAlbum) => void;
}

/**
 * One album: cover with its chart position, name (opens its chart history), artists, type, release date, MusicBrainz
 * badge, a Spotify link and "Add to collection". The name's button covers the whole card, so a click anywhere that is
 * not another control opens the history.
 */
export const AlbumCard = memo(function AlbumCard({
  album,
  match,
  rank,
  rankLabel,
  note,
  inCollection,
  pending,
  onAdd,
  onOpen,
}: AlbumCardProps) {
  const artists = artistNames(album.artists);
  const date = releaseDateLabel(album.releaseDate, album.releaseDatePrecision);
  const spotifyUrl = safeHttpUrl(album.spotifyUrl);
  const titleId = `album-${album.id}-title`;
  return (
    <li
      className="card album-card"
      data-testid="album-card"
      data-album-id={album.id}
      data-mb-status={match?.status ?? 'none'}
      aria-labelledby={titleId}
    >
      <div className="album-card__cover">
        <AlbumCover id={album.id} imageUrl={album.imageUrl} />
        {rank !== null && (
          <span className="album-card__rank" data-testid="chart-position" data-position={rank}>
            <span className="visually-hidden">{rankLabel} </span>#{rank}
          </span>
        )}
      </div>
      <div className="card__body">
        <h3 className="card__title" id={titleId} title={album.name}>
          <button
            type="button"
            className="album-card__open"
            onClick={() => onOpen(album)}
            aria-haspopup="dialog"
            data-testid="album-open"
          >
            {album.name}
          </button>
        </h3>
        <p className="card__artists" title={artists}>
          {artists}
        </p>
        <p className="card__meta">
          <span>{albumTypeLabel(album.type)}</span>
          {date && <time dateTime={album.releaseDate ?? undefined}>{date}</time>}
          {album.totalTracks !== null && album.totalTracks > 1 && <span>{album.totalTracks} tracks</span>}
        </p>
        {note && <p className="album-card__note">{note}</p>}
        <div className="album-card__links">
          <MbBadge albumId={album.id} albumName={album.name} match={match} />
          {spotifyUrl && (
            <a
              className="album-card__spotify"
              href={spotifyUrl}
              target="_blank"
              rel="noopener noreferrer"
              aria-label={`${album.name} on Spotify (opens in a new tab)`}
            >
              Spotify
            </a>
          )}
        </div>
      </div>
      <div className="card__actions">
        <CollectionButton
          albumName={album.name}
          inCollection={inCollection}
          pending={pending}
          onAdd={() => onAdd(album)}
        />
      </div>
    </li>
  );
});
