/**
 * Connecting a Discogs account with the OAuth 1.0a three-step flow (`src/providers/discogs/oauth.ts`):
 * 1. {@link DiscogsConnect.start} asks Discogs for a request token, keeps its secret sealed in the vault
 *    (`discogs_oauth_requests`) and answers the authorise page's URL;
 * 2. the user approves on Discogs, which sends the browser back to our callback with `oauth_verifier`;
 * 3. {@link DiscogsConnect.finish} takes the pending request (once), trades it for the access token, asks Discogs
 *    whose it is (`/oauth/identity`) and stores it sealed under that username (`discogs_tokens`).
 *
 * No token or secret leaves this file in a log line, an error message or an answer: logs and errors name usernames,
 * steps and statuses only, and the authorise URL carries the request token alone (it is public by design: it travels
 * through the user's browser), never its secret.
 */
import { AppError, type ErrorCode } from '../errors.ts';
import type { Logger } from '../infra/logger.ts';
import { RateLimitedError, UpstreamError, UpstreamRateLimitedError } from '../infra/upstream-errors.ts';
import type { DiscogsOAuth } from '../providers/discogs/oauth.ts';
import { authorizeUrl } from '../providers/discogs/oauth.ts';
import type { DiscogsTokenInfo, DiscogsTokenStore } from './token-store.ts';
import { VaultError, VaultKeyError } from './vault.ts';

/**
 * Why a connection did not complete, as the callback reports it to the admin page (`?discogs=error&reason=…`):
 * - `not_configured`: ENCRYPTION_KEY or the Discogs consumer key and secret are not set;
 * - `invalid_callback`: the callback came without `oauth_token` or `oauth_verifier`;
 * - `denied`: the user declined on Discogs;
 * - `unknown_request`: the request token is unknown, already used, or older than 15 minutes;
 * - `username_mismatch`: the account approved on Discogs is not the one the admin asked to connect;
 * - `discogs_refused`: Discogs refused a step (a wrong verifier, a revoked consumer);
 * - `rate_limited`: our Discogs budget (60 requests a minute) is spent for now;
 * - `discogs_unavailable`: Discogs failed or did not answer;
 * - `vault_error`: a stored secret could not be opened (the key that sealed it is not configured, or it was altered).
 */
export type ConnectFailure =
  | 'not_configured'
  | 'invalid_callback'
  | 'denied'
  | 'unknown_request'
  | 'username_mismatch'
  | 'discogs_refused'
  | 'rate_limited'
  | 'discogs_unavailable'
  | 'vault_error';

const FAILURE_CODES: Readonly<Record<ConnectFailure, ErrorCode>> = {
  not_configured: 'BACKBEAT_ERR_UNAVAILABLE',
  invalid_callback: 'BACKBEAT_ERR_VALIDATION',
  denied: 'BACKBEAT_ERR_VALIDATION',
  unknown_request: 'BACKBEAT_ERR_NOT_FOUND',
  username_mismatch: 'BACKBEAT_ERR_CONFLICT',
  discogs_refused: 'BACKBEAT_ERR_UPSTREAM',
  rate_limited: 'BACKBEAT_ERR_RATE_LIMITED',
  discogs_unavailable: 'BACKBEAT_ERR_UPSTREAM',
  vault_error: 'BACKBEAT_ERR_UNAVAILABLE',
};

/** A connect step failed; `reason` is what the callback's redirect names, the code gives the HTTP status. */
export class ConnectError extends AppError {
  readonly reason: ConnectFailure;

  constructor(reason: ConnectFailure, message: string, details?: Record<string, unknown>) {
    super(FAILURE_CODES[reason], message, details);
    this.reason = reason;
  }
}

/** What the connect flow needs; `store` and `consumer` are undefined when their configuration is missing. */
export interface DiscogsConnectOptions {
  oauth: DiscogsOAuth;
  /** Undefined without ENCRYPTION_KEY: tokens are only ever stored sealed. */
  store: DiscogsTokenStore | undefined;
  /** The Discogs app's consumer key and secret; undefined when DISCOGS_CONSUMER_KEY/SECRET are not set. */
  consumer: { key: string; secret: string } | undefined;
  /** Where users approve the app (`DISCOGS_AUTHORIZE_URL`). */
  authorizeBase: string;
  logger: Logger;
}

/** The Discogs connect flow and the stored accounts, as the admin routes use them. */
export class DiscogsConnect {
  readonly #oauth: DiscogsOAuth;
  readonly #store: DiscogsTokenStore | undefined;
  readonly #consumer: { key: string; secret: string } | undefined;
  readonly #authorizeBase: string;
  readonly #logger: Logger;

  constructor(options: DiscogsConnectOptions) {
    this.#oauth = options.oauth;
    this.#store = options.store;
    this.#consumer = options.consumer;
    this.#authorizeBase = options.authorizeBase;
    this.#logger = options.logger;
  }

  /** Why connecting cannot work in this configuration, or undefined when it can. */
  get unavailableReason(): string | undefined {
    if (!this.#store) {
      return (
        'Connecting Discogs accounts needs ENCRYPTION_KEY: their tokens are stored encrypted. Set it to 32 random ' +
        'bytes as 64 hex characters (for example the output of `openssl rand -hex 32`) and restart.'
      );
    }
    if (!this.#consumer) {
      return (
        'Connecting Discogs accounts needs the Discogs app credentials: set DISCOGS_CONSUMER_KEY and ' +
        'DISCOGS_CONSUMER_SECRET (https://www.discogs.com/settings/developers) and restart.'
      );
    }
    return undefined;
  }

  #ready(): { store: DiscogsTokenStore; consumer: { key: string; secret: string } } {
    const reason = this.unavailableReason;
    if (reason !== undefined || !this.#store || !this.#consumer) {
      throw new ConnectError('not_configured', reason ?? 'Connecting Discogs accounts is not configured');
    }
    return { store: this.#store, consumer: this.#consumer };
  }

  #storeOnly(): DiscogsTokenStore {
    if (!this.#store) throw new ConnectError('not_configured', this.unavailableReason ?? 'ENCRYPTION_KEY is not set');
    return this.#store;
  }

  /**
   * Step 1: a request token for the flow, its secret kept sealed until the callback. `username`, when given, is the
   * account the admin means to connect: the callback refuses another one. Answers the URL to send the user to.
   */
  async start(username: string | undefined, callbackUrl: string): Promise<{ authorizeUrl: string }> {
    const { store, consumer } = this.#ready();
    let pair;
    try {
      pair = await this.#oauth.requestToken({
        consumerKey: consumer.key,
        consumerSecret: consumer.secret,
        callbackUrl,
      });
    } catch (err) {
      throw this.#upstreamFailure('request_token', err);
    }
    try {
      // An empty username means "whoever approves": Discogs' identity names the account at the callback.
      await store.saveOAuthRequest(pair.token, pair.secret, username ?? '');
    } catch (err) {
      throw this.#vaultFailure('request_token', err);
    }
    this.#logger.info(
      { event: 'discogs_connect_started', ...(username ? { username } : {}) },
      'Discogs connect started',
    );
    return { authorizeUrl: authorizeUrl(this.#authorizeBase, pair.token) };
  }

  /**
   * Steps 3 and after: the pending request taken (once), exchanged with the verifier for the access token, its owner
   * asked from Discogs, and the token stored sealed under that username. Answers the connected username.
   */
  async finish(oauthToken: string, oauthVerifier: string): Promise<{ username: string }> {
    const { store, consumer } = this.#ready();
    let pending;
    try {
      pending = await store.takeOAuthRequest(oauthToken);
    } catch (err) {
      throw this.#vaultFailure('callback', err);
    }
    if (!pending) {
      throw new ConnectError(
        'unknown_request',
        'This Discogs authorisation is unknown, already used or expired (it lasts 15 minutes): connect again',
      );
    }
    let access;
    try {
      access = await this.#oauth.accessToken({
        consumerKey: consumer.key,
        consumerSecret: consumer.secret,
        token: oauthToken,
        secret: pending.secret,
        verifier: oauthVerifier,
      });
    } catch (err) {
      throw this.#upstreamFailure('access_token', err);
    }
    let identity;
    try {
      identity = await this.#oauth.identity({
        kind: 'oauth',
        consumerKey: consumer.key,
        consumerSecret: consumer.secret,
        token: access.token,
        tokenSecret: access.secret,
      });
    } catch (err) {
      throw this.#upstreamFailure('identity', err);
    }
    // Discogs usernames are case-insensitive; the stored name is Discogs' own spelling.
    if (pending.username !== '' && pending.username.toLowerCase() !== identity.username.toLowerCase()) {
      this.#logger.warn(
        { event: 'discogs_connect_mismatch', expected: pending.username, approved: identity.username },
        'a different Discogs account approved the connection; nothing stored',
      );
      throw new ConnectError(
        'username_mismatch',
        `Discogs account ${identity.username} approved the connection, not ${pending.username}: nothing was stored`,
      );
    }
    try {
      await store.save(identity.username, {
        accessToken: access.token,
        accessSecret: access.secret,
        tokenType: 'oauth',
      });
    } catch (err) {
      throw this.#vaultFailure('save', err);
    }
    this.#logger.info(
      { event: 'discogs_connected', username: identity.username },
      'Discogs account connected; release lookups use it',
    );
    return { username: identity.username };
  }

  /** The user declined on Discogs: the pending request is dropped so it cannot be used later. */
  async deny(oauthToken: string): Promise<void> {
    const store = this.#store;
    if (!store) return;
    await store.takeOAuthRequest(oauthToken).catch(() => undefined);
  }

  /** Every connected account, without tokens. */
  async accounts(): Promise<DiscogsTokenInfo[]> {
    return this.#storeOnly().list();
  }

  /** Forgets `username`'s connection (404 when there is none). */
  async disconnect(username: string): Promise<void> {
    const removed = await this.#storeOnly().delete(username);
    if (!removed) throw new AppError('BACKBEAT_ERR_NOT_FOUND', `No Discogs account ${username} is connected`);
    this.#logger.info({ event: 'discogs_disconnected', username }, 'Discogs account disconnected');
  }

  /** A failure of a Discogs call, as a {@link ConnectError}; logged by step and status, never with the answer body. */
  #upstreamFailure(step: string, err: unknown): ConnectError {
    if (err instanceof RateLimitedError || err instanceof UpstreamRateLimitedError) {
      return new ConnectError('rate_limited', 'Too many Discogs requests just now; try again shortly', {
        retryAfterSeconds: Math.max(1, Math.ceil(err.retryAfterMs / 1000)),
      });
    }
    const status = err instanceof UpstreamError ? err.status : null;
    this.#logger.warn(
      {
        event: 'discogs_connect_failed',
        step,
        status,
        kind: err instanceof UpstreamError ? err.kind : err instanceof Error ? err.name : 'unknown',
      },
      'a Discogs step of the connect flow failed',
    );
    if (err instanceof UpstreamError && err.kind === 'client') {
      return new ConnectError('discogs_refused', `Discogs refused the ${step.replace('_', ' ')} step (${status})`);
    }
    return new ConnectError('discogs_unavailable', 'Discogs could not be reached; try again later');
  }

  /** A vault refusal (its messages name key ids and places, never secrets) as a {@link ConnectError}. */
  #vaultFailure(step: string, err: unknown): unknown {
    if (!(err instanceof VaultError)) return err;
    this.#logger.error(
      { event: 'discogs_vault_failed', step, reason: err.message },
      'a Discogs secret could not be sealed or opened',
    );
    const hint = err instanceof VaultKeyError ? ' (set ENCRYPTION_KEY_PREVIOUS to the key that sealed it)' : '';
    return new ConnectError('vault_error', `A stored Discogs secret could not be opened${hint}; connect again`);
  }
}
