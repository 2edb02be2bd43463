/** Props of {@link CollectionButton}. */
export interface CollectionButtonProps {
  albumName: string;
  inCollection: boolean;
  pending: boolean;
  onAdd: () => void;
}

/**
 * "Add to collection". Adding is idempotent, so once the album is in the collection the button says so and does
 * nothing more; it is taken out from "My collection".
 */
export function CollectionButton({ albumName, inCollection, pending, onAdd }: CollectionButtonProps) {
  const state = pending ? 'pending' : inCollection ? 'added' : 'idle';
  return (
    <button
      type="button"
      className={`collect${inCollection ? ' collect--added' : ''}`}
      aria-disabled={inCollection || pending || undefined}
      aria-busy={pending || undefined}
      aria-label={`${inCollection ? 'In collection' : 'Add to collection'}: ${albumName}`}
      data-testid="collection-button"
      data-state={state}
      onClick={() => {
        if (!inCollection && !pending) onAdd();
      }}
    >
      {pending ? (
        <span className="spinner" aria-hidden="true" />
      ) : (
        <svg viewBox="0 0 24 24" aria-hidden="true" className="collect__icon">
          {inCollection ? (
            <path
              d="m5 12.5 4.5 4.5L19 7.5"
              fill="none"
              stroke="currentColor"
              strokeWidth="2.2"
              strokeLinecap="round"
            />
          ) : (
            <path d="M12 5v14M5 12h14" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" />
          )}
        </svg>
      )}
      <span>{inCollection ? 'In collection' : pending ? 'Adding…' : 'Add to collection'}</span>
    </button>
  );
}
