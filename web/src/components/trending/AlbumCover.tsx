import { Cover } from '../Cover.tsx';

function hueOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) % 360;
  return h;
}

/** An album's cover, or a gradient of a hue derived from its id when there is none or it fails to load. */
export function AlbumCover({
  id,
  imageUrl,
  className = 'card__cover',
  size = 300,
}: {
  id: string;
  imageUrl: string | null;
  className?: string;
  size?: number;
}) {
  return <Cover imageUrl={imageUrl} hue={hueOf(id)} className={className} size={size} />;
}
