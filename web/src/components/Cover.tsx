import { useState, type ReactNode } from 'react';

/**
 * A cover image, or a gradient in `hue` with a note icon when there is none or it fails to load. Shared by release
 * cards and the Browse page's albums, artists and collection.
 */
export function Cover({
  imageUrl,
  hue,
  className = 'card__cover',
  size,
  children,
}: {
  imageUrl: string | null;
  hue: number;
  className?: string;
  size: number;
  /** Drawn over the cover (a badge). */
  children?: ReactNode;
}) {
  const [failedUrl, setFailedUrl] = useState<string | null>(null);
  const showImage = imageUrl !== null && imageUrl !== failedUrl;
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
          data-testid="cover-fallback"
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
      {children}
    </div>
  );
}
