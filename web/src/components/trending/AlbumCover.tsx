import { useState } from 'react';

function hueOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) % 360;
  return h;
}

/** A cover image, or a gradient with a note when there is none or it fails to load. */
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
  const [failedUrl, setFailedUrl] = useState<string | null>(null);
  const showImage = imageUrl !== null && imageUrl !== failedUrl;
  const hue = hueOf(id);
  return (
    <div className={className}>
      {showImage ? (
        <img
          src={imageUrl}
          alt=""
          loading="lazy"
          decoding="async"
          width={size}
          height={size}
          onError={() => setFailedUrl(imageUrl)}
        />
      ) : (
        <div
          className="card__fallback"
          style={{ background: `linear-gradient(135deg, hsl(${hue} 70% 42%), hsl(${(hue + 50) % 360} 75% 22%))` }}
          aria-hidden="true"
        >
          <svg viewBox="0 0 24 24">
            <path
              d="M9 18V5l12-2v13M9 18a3 3 0 1 1-6 0 3 3 0 0 1 6 0Zm12-2a3 3 0 1 1-6 0 3 3 0 0 1 6 0Z"
              fill="none"
              stroke="currentColor"
              strokeWidth="1.6"
              strokeLinecap="round"
              strokeLinejoin="round"
            />
          </svg>
        </div>
      )}
    </div>
  );
}
