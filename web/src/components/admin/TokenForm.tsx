import { useId, useState, type FormEvent } from 'react';
import { normalizeAdminToken } from '../../lib/adminToken.ts';

/** Props of {@link TokenForm}. */
export interface TokenFormProps {
  /** Why the token is asked for again, shown above the form. */
  notice: string | null;
  onSubmit: (token: string) => void;
}

/** Asks for the admin token (kept for this tab only). */
export function TokenForm({ notice, onSubmit }: TokenFormProps) {
  const id = useId();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const message = error ?? notice;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const token = normalizeAdminToken(value);
    if (!token) {
      setError('Enter the admin token (the ADMIN_TOKEN the server was started with).');
      return;
    }
    setError(null);
    onSubmit(token);
  };

  return (
    <section className="panel signin" aria-labelledby={`${id}-title`} data-testid="admin-token-form">
      <h2 id={`${id}-title`} className="panel__title">
        Admin token
      </h2>
      <p className="panel__text">
        The admin area needs the server’s <code>ADMIN_TOKEN</code>. It is kept for this tab only and sent with admin
        requests; closing the tab or “Forget token” removes it.
      </p>
      {message && (
        <p className="notice notice--error" role="alert" id={`${id}-error`} data-testid="admin-token-notice">
          {message}
        </p>
      )}
      <form className="signin__form" onSubmit={submit} noValidate>
        <label className="field__label" htmlFor={`${id}-token`}>
          Admin token
        </label>
        <div className="signin__row">
          <input
            id={`${id}-token`}
            className="input"
            type="password"
            name="admin-token"
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="off"
            // The form is the only thing on the page until a token is given.
            autoFocus
            value={value}
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? `${id}-error` : undefined}
            onChange={(event) => setValue(event.target.value)}
          />
          <button type="submit" className="btn btn--primary">
            Continue
          </button>
        </div>
      </form>
    </section>
  );
}
