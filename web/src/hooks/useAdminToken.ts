import { useCallback, useState } from 'react';
import type { ApiError } from '../lib/api.ts';
import { clearAdminToken, readAdminToken, saveAdminToken } from '../lib/adminToken.ts';

/** The admin session of this tab. */
export interface AdminSession {
  /** The admin token, or null when it must be asked for. */
  token: string | null;
  /** Why the token is being asked for again (the server refused it), or null. */
  notice: string | null;
  /** Keeps a token for this tab. */
  signIn: (token: string) => void;
  /** Forgets the token (the "Forget token" button). */
  signOut: () => void;
  /** The server refused the token (401/403): forget it and ask again, saying why. */
  reject: (error: ApiError) => void;
}

/** The admin token kept in sessionStorage, with sign-in, sign-out and "the server refused it". */
export function useAdminToken(): AdminSession {
  const [token, setToken] = useState<string | null>(() => readAdminToken());
  const [notice, setNotice] = useState<string | null>(null);

  const signIn = useCallback((value: string) => {
    saveAdminToken(value);
    setNotice(null);
    setToken(value);
  }, []);

  const signOut = useCallback(() => {
    clearAdminToken();
    setNotice(null);
    setToken(null);
  }, []);

  const reject = useCallback((error: ApiError) => {
    clearAdminToken();
    setToken(null);
    const reason = error.message.replace(/[.!]?$/, '.');
    setNotice(`The server refused the admin token (${error.status}): ${reason} Enter it again.`);
  }, []);

  return { token, notice, signIn, signOut, reject };
}
