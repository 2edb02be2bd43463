import { useId, useState, type FormEvent } from 'react';
import { parseReleaseInput } from '../../lib/matches.ts';

/** Props of {@link ReleaseOpener}. */
export interface ReleaseOpenerProps {
  /** The release shown, to start from. */
  initial: number | null;
  /** While a release is being opened. */
  busy: boolean;
  onOpen: (releaseId: number) => void;
}

/** Opens a Discogs release by id or link (`123456`, `https://www.discogs.com/release/123456-Artist-Title`, …). */
export function ReleaseOpener({ initial, busy, onOpen }: ReleaseOpenerProps) {
  const id = useId();
  const [value, setValue] = useState(initial === null ? '' : String(initial));
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const parsed = parseReleaseInput(value);
    if (!parsed.ok) {
      setError(parsed.message);
      return;
    }
    setError(null);
    onOpen(parsed.value);
  };

  return (
    <form className="opener" onSubmit={submit} noValidate data-testid="release-opener">
      <label className="field__label" htmlFor={`${id}-release`}>
        Discogs release
      </label>
      <div className="opener__row">
        <input
          id={`${id}-release`}
          className="input"
          type="text"
          name="release"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="off"
          placeholder="123456 or https://www.discogs.com/release/123456-Artist-Title"
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : `${id}-hint`}
          onChange={(event) => {
            setValue(event.target.value);
            setError(null);
          }}
          data-testid="release-input"
        />
        <button type="submit" className="btn btn--primary" disabled={busy} data-testid="release-open">
          {busy && <span className="spinner" aria-hidden="true" />}
          {busy ? 'Opening…' : 'Open'}
        </button>
      </div>
      {error ? (
        <p className="field__error" id={`${id}-error`} role="alert" data-testid="release-input-error">
          {error}
        </p>
      ) : (
        <p className="field__hint" id={`${id}-hint`}>
          A release id or its link on discogs.com (either form). A release opened for the first time is matched now: its
          own videos first, then YouTube and SoundCloud searches.
        </p>
      )}
    </form>
  );
}
