import type { CollectionState } from '../../hooks/useTrending.ts';
import { artistNames } from '../../lib/trending.ts';
import { formatRelative } from '../../lib/time.ts';
import type { AlbumSummary, MusicBrainzMatch } from '../../lib/types.ts';
import { AlbumCover } from './AlbumCover.tsx';
import { MbBadge } from './MbBadge.tsx';

/** Props of {@link CollectionPanel}. */
export interface CollectionPanelProps {
  collection: CollectionState;
  now: number;
  onOpenAlbum: (album: AlbumSummary) => void;
  /** The album's current MusicBrainz outcome (the live one when the charts know it). */
  matchFor: (album: AlbumSummary) => MusicBrainzMatch | null;
}

/** "My collection": the albums this guest added from the charts, newest first, each with a remove button. */
export function CollectionPanel({ collection, now, onOpenAlbum, matchFor }: CollectionPanelProps) {
  const { items, error, pending } = collection;
  return (
    <section
      className="browse-section"
      aria-labelledby="collection-title"
      aria-busy={items === null && !error}
      data-testid="collection-panel"
    >
      <div className="section-head">
        <h2 id="collection-title" className="section-head__title">
          My collection
        </h2>
        {items !== null && items.length > 0 && (
          <span className="section-head__count" data-testid="collection-count">
            {items.length} {items.length === 1 ? 'album' : 'albums'}
          </span>
        )}
      </div>
      {error && (
        <div className="notice notice--error" role="alert">
          Couldn’t load your collection: {error}{' '}
          <button type="button" className="btn btn--ghost" onClick={collection.reload}>
            Try again
          </button>
        </div>
      )}
      {items === null && !error && <p className="panel__text">Loading your collection…</p>}
      {items !== null && items.length === 0 && (
        <p className="panel__text" data-testid="collection-empty">
          Nothing here yet. “Add to collection” on any album above keeps it here.
        </p>
      )}
      {items !== null && items.length > 0 && (
        <ul className="collection" data-testid="collection-list">
          {items.map((item) => {
            const { album } = item;
            const busy = pending.has(album.id);
            return (
              <li key={album.id} className="collection__item" data-testid="collection-item" data-album-id={album.id}>
                <AlbumCover id={album.id} imageUrl={album.imageUrl} className="collection__cover" size={64} />
                <div className="collection__body">
                  <button
                    type="button"
                    className="collection__name"
                    onClick={() => onOpenAlbum(album)}
                    aria-haspopup="dialog"
                  >
                    {album.name}
                  </button>
                  <span className="collection__artists">{artistNames(album.artists)}</span>
                  <span className="collection__meta">
                    Added <time dateTime={item.addedAt}>{formatRelative(item.addedAt, now)}</time>
                  </span>
                  <MbBadge albumId={album.id} albumName={album.name} match={matchFor(album)} />
                </div>
                <button
                  type="button"
                  className="btn btn--ghost collection__remove"
                  onClick={() => collection.remove(album)}
                  disabled={busy}
                  aria-label={`Remove ${album.name} from your collection`}
                  data-testid="collection-remove"
                >
                  {busy ? 'Removing…' : 'Remove'}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
