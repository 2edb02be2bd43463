import type { TrendingArtist } from '../../lib/types.ts';
import { AlbumCover } from './AlbumCover.tsx';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatPoints(points: number): string {
  return Number.isInteger(points) ? String(points) : points.toFixed(1);
}

/** Trending artists, ranked by the points their albums earned over the ranking window. */
export function ArtistList({ artists }: { artists: TrendingArtist[] }) {
  return (
    <ol className="artists" data-testid="trending-artists">
      {artists.map((artist, i) => (
        <li key={artist.id} className="artist" data-testid="artist-card" data-artist-id={artist.id}>
          <span className="artist__rank" aria-hidden="true">
            {i + 1}
          </span>
          <AlbumCover id={artist.id} imageUrl={artist.imageUrl} className="artist__image" size={64} />
          <div className="artist__body">
            <h3 className="artist__name" title={artist.name}>
              <span className="visually-hidden">Rank {i + 1}: </span>
              {artist.name}
            </h3>
            <p className="artist__meta">
              {plural(artist.albums, 'album')} · {plural(artist.appearances, 'appearance')} ·{' '}
              {formatPoints(artist.points)} pts
            </p>
          </div>
        </li>
      ))}
    </ol>
  );
}
