/**
 * The access token of an OAuth client-credentials grant, as the provider clients keep it: one token reused until
 * shortly before it expires, one shared request for a new one however many callers need it meanwhile, and a way to
 * drop a token the API refused (a 401) so the next `get()` asks for a fresh one.
 */

/** What the token endpoint issued: the token and, if it said, its lifetime in seconds. */
export interface IssuedToken {
  accessToken: string;
  /** `expires_in`, already checked to be a positive finite number; `null` when the answer had none. */
  expiresInSeconds: number | null;
}

export interface ClientCredentialsTokenOptions {
  /** Asks the token endpoint for a new token; its errors reach every caller waiting on it. */
  fetchToken: () => Promise<IssuedToken>;
  now?: () => number;
  /** A token is renewed this long before it expires, so no request goes out with a token about to lapse. */
  renewMarginMs?: number;
  /** Renew at half the token's life when that is sooner than `renewMarginMs` before its expiry. */
  renewAtHalfLife?: boolean;
  /** The lifetime assumed for a token issued without `expires_in`; without it such an answer is an error. */
  defaultLifetimeSeconds?: number;
}

const DEFAULT_RENEW_MARGIN_MS = 60_000;

export class ClientCredentialsToken {
  readonly #fetchToken: () => Promise<IssuedToken>;
  readonly #now: () => number;
  readonly #renewMarginMs: number;
  readonly #renewAtHalfLife: boolean;
  readonly #defaultLifetimeSeconds: number | undefined;
  #token: { value: string; renewAt: number } | null = null;
  /** The token request in flight, shared by every caller that needs a token meanwhile. */
  #pending: Promise<string> | null = null;

  constructor(options: ClientCredentialsTokenOptions) {
    this.#fetchToken = options.fetchToken;
    this.#now = options.now ?? Date.now;
    this.#renewMarginMs = options.renewMarginMs ?? DEFAULT_RENEW_MARGIN_MS;
    this.#renewAtHalfLife = options.renewAtHalfLife ?? false;
    this.#defaultLifetimeSeconds = options.defaultLifetimeSeconds;
  }

  /** The cached token while it is fresh enough; otherwise one shared request for a new one. */
  async get(): Promise<string> {
    if (this.#token !== null && this.#now() < this.#token.renewAt) return this.#token.value;
    this.#pending ??= this.#renew().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  /** Forgets `token` unless a newer one has replaced it meanwhile (another caller already renewed). */
  invalidate(token: string): void {
    if (this.#token?.value === token) this.#token = null;
  }

  async #renew(): Promise<string> {
    const issued = await this.#fetchToken();
    const lifetimeS = issued.expiresInSeconds ?? this.#defaultLifetimeSeconds;
    if (lifetimeS === undefined) throw new Error('client-credentials token issued without expires_in');
    const lifetimeMs = lifetimeS * 1000;
    const validMs = this.#renewAtHalfLife
      ? Math.max(lifetimeMs - this.#renewMarginMs, lifetimeMs / 2)
      : lifetimeMs - this.#renewMarginMs;
    this.#token = { value: issued.accessToken, renewAt: this.#now() + validMs };
    return issued.accessToken;
  }
}
