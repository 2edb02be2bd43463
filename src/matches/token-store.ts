import { inspect } from 'node:util';
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database } from '../infra/db.ts';
import { VaultError, VaultFormatError, VaultKeyError, VaultTamperedError, type TokenVault } from './vault.ts';

/** How long step 1 of the Discogs OAuth flow stays valid: a request token older than this is refused and removed. */
export const OAUTH_REQUEST_TTL_MS = 15 * 60_000;

/** What a Discogs connection stores (plaintext here; sealed in the table). */
export interface DiscogsTokenInput {
  accessToken: string;
  accessSecret: string;
  refreshToken?: string | null | undefined;
  /** Defaults to `oauth`, as the seed's column does. */
  tokenType?: string | null | undefined;
  expiresAt?: Date | null | undefined;
  scope?: string | null | undefined;
}

/** A stored connection without its secrets: what lists, logs and API answers may show. */
export interface DiscogsTokenInfo {
  username: string;
  tokenType: string | null;
  expiresAt: Date | null;
  scope: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  lastUsedAt: Date | null;
}

/**
 * A stored connection with its secrets opened. `JSON.stringify` and `util.inspect` (so pino and `console.log`) show
 * it with the secrets redacted; read the fields directly to use them.
 */
export interface DiscogsTokens extends DiscogsTokenInfo {
  accessToken: string;
  accessSecret: string;
  refreshToken: string | null;
}

/** A pending OAuth request, as `takeOAuthRequest` hands it back. */
export interface DiscogsOAuthRequest {
  username: string;
  /** The request token secret, opened. */
  secret: string;
  createdAt: Date;
}

export interface RotateResult {
  /** Rows (token rows and pending OAuth requests) with at least one value re-sealed under the current key. */
  rotated: number;
  /** Rows whose values were all under the current key already. */
  alreadyCurrent: number;
}

/** Called after each row `rotate()` handles (and once with `done = 0` before the first). */
export type RotateProgress = (done: number, total: number) => void;

interface TokenRow {
  id: number;
  username: string;
  access_token: string;
  access_secret: string;
  refresh_token: string | null;
  token_type: string | null;
  expires_at: Date | string | null;
  scope: string | null;
  created_at: Date | string | null;
  updated_at: Date | string | null;
  last_used_at: Date | string | null;
}

const REDACTED = '[redacted]';
const date = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

function toInfo(row: Omit<TokenRow, 'id' | 'access_token' | 'access_secret' | 'refresh_token'>): DiscogsTokenInfo {
  return {
    username: row.username,
    tokenType: row.token_type,
    expiresAt: date(row.expires_at),
    scope: row.scope,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    lastUsedAt: date(row.last_used_at),
  };
}

/**
 * Gives `tokens` a redacted JSON and inspect form (non-enumerable, so equality checks and spreads see plain data):
 * a token object that ends up in a log line or a reply body shows `[redacted]` instead of the secrets.
 */
function redacted(tokens: DiscogsTokens): DiscogsTokens {
  const safe = (): Record<string, unknown> => ({
    ...tokens,
    accessToken: REDACTED,
    accessSecret: REDACTED,
    refreshToken: tokens.refreshToken === null ? null : REDACTED,
  });
  Object.defineProperty(tokens, 'toJSON', { value: safe, enumerable: false });
  Object.defineProperty(tokens, inspect.custom, {
    value: (_depth: number, options: object) => inspect(safe(), options),
    enumerable: false,
  });
  return tokens;
}

type TokenColumn = 'access_token' | 'access_secret' | 'refresh_token';

/**
 * Where a sealed value belongs, bound into its authentication: a value copied to another user's row or another
 * column fails to open instead of handing one user's token to another. The request's username is bound too, since
 * step 3 of the OAuth flow stores the connection under it.
 */
const tokenPlace = (username: string, column: TokenColumn) => ({
  context: JSON.stringify(['discogs_tokens', username, column]),
  where: `discogs_tokens of ${JSON.stringify(username)}, ${column}`,
});
const requestPlace = (token: string, username: string) => ({
  context: JSON.stringify(['discogs_oauth_requests', token, username, 'request_secret']),
  where: `discogs_oauth_requests of ${JSON.stringify(username)}, request_secret`,
});

/** Re-throws a vault refusal with where it happened (table, username and column: none of them is a secret). */
function located(error: unknown, where: string): unknown {
  if (!(error instanceof VaultError)) return error;
  const message = `${where}: ${error.message}`;
  if (error instanceof VaultKeyError) return new VaultKeyError(message);
  if (error instanceof VaultTamperedError) return new VaultTamperedError(message);
  if (error instanceof VaultFormatError) return new VaultFormatError(message);
  return new VaultError(message);
}

/**
 * The seed's `discogs_tokens` (one Discogs connection per username) and the pending OAuth requests of the connect
 * flow, with every token and secret sealed by the {@link TokenVault}: the tables never hold a readable secret.
 */
export class DiscogsTokenStore {
  readonly #db: Database;
  readonly #vault: TokenVault;
  readonly #clock: () => Date;

  constructor(options: { db: Database; vault: TokenVault; clock?: () => Date }) {
    this.#db = options.db;
    this.#vault = options.vault;
    this.#clock = options.clock ?? (() => new Date());
  }

  #now(): string {
    return this.#clock().toISOString();
  }

  async #rows<T>(query: SQL, db: Database = this.#db): Promise<T[]> {
    return queryRows<T>(db, query);
  }

  #open(sealed: string, place: { context: string; where: string }): string {
    try {
      return this.#vault.open(sealed, place.context);
    } catch (error) {
      throw located(error, place.where);
    }
  }

  #reseal(sealed: string, place: { context: string; where: string }): string {
    try {
      return this.#vault.reseal(sealed, place.context);
    } catch (error) {
      throw located(error, place.where);
    }
  }

  #sealToken(username: string, column: TokenColumn, plaintext: string): string {
    return this.#vault.seal(plaintext, tokenPlace(username, column).context);
  }

  /** Stores (or replaces) `username`'s connection, sealing its secrets under the current key. */
  async save(username: string, input: DiscogsTokenInput): Promise<DiscogsTokenInfo> {
    if (!username) throw new TypeError('DiscogsTokenStore.save: username is required');
    const now = this.#now();
    const refresh = input.refreshToken == null ? null : this.#sealToken(username, 'refresh_token', input.refreshToken);
    const expiresAt = input.expiresAt ? input.expiresAt.toISOString() : null;
    const [row] = await this.#rows<TokenRow>(
      sql`INSERT INTO discogs_tokens AS t (username, access_token, access_secret, refresh_token, token_type, expires_at,
            scope, created_at, updated_at)
          VALUES (${username}, ${this.#sealToken(username, 'access_token', input.accessToken)},
            ${this.#sealToken(username, 'access_secret', input.accessSecret)},
            ${refresh}, ${input.tokenType ?? 'oauth'}, ${expiresAt}::timestamptz, ${input.scope ?? null},
            ${now}::timestamptz, ${now}::timestamptz)
          ON CONFLICT (username) DO UPDATE SET access_token = EXCLUDED.access_token,
            access_secret = EXCLUDED.access_secret, refresh_token = EXCLUDED.refresh_token,
            token_type = EXCLUDED.token_type, expires_at = EXCLUDED.expires_at, scope = EXCLUDED.scope,
            updated_at = EXCLUDED.updated_at
          RETURNING username, token_type, expires_at, scope, created_at, updated_at, last_used_at`,
    );
    return toInfo(row!);
  }

  /**
   * `username`'s connection with its secrets opened, or undefined when there is none. Marks it used
   * (`last_used_at`) in the same statement that reads it. Throws {@link VaultTamperedError} when a stored value was
   * modified and {@link VaultKeyError} when it was sealed under a key that is not configured.
   */
  async get(username: string): Promise<DiscogsTokens | undefined> {
    const [row] = await this.#rows<TokenRow>(
      sql`UPDATE discogs_tokens SET last_used_at = ${this.#now()}::timestamptz WHERE username = ${username}
          RETURNING *`,
    );
    if (!row) return undefined;
    return redacted({
      ...toInfo(row),
      accessToken: this.#open(row.access_token, tokenPlace(username, 'access_token')),
      accessSecret: this.#open(row.access_secret, tokenPlace(username, 'access_secret')),
      refreshToken:
        row.refresh_token === null ? null : this.#open(row.refresh_token, tokenPlace(username, 'refresh_token')),
    });
  }

  /** Whether `username` has a stored connection (without opening it or marking it used). */
  async has(username: string): Promise<boolean> {
    const [row] = await this.#rows<{ found: boolean }>(
      sql`SELECT EXISTS (SELECT 1 FROM discogs_tokens WHERE username = ${username}) AS found`,
    );
    return row?.found === true;
  }

  /** Every stored connection's metadata, by username; never a token or a sealed value. */
  async list(): Promise<DiscogsTokenInfo[]> {
    const rows = await this.#rows<TokenRow>(
      sql`SELECT username, token_type, expires_at, scope, created_at, updated_at, last_used_at
          FROM discogs_tokens ORDER BY username`,
    );
    return rows.map(toInfo);
  }

  /** Removes `username`'s connection; false when there was none. */
  async delete(username: string): Promise<boolean> {
    const rows = await this.#rows<{ username: string }>(
      sql`DELETE FROM discogs_tokens WHERE username = ${username} RETURNING username`,
    );
    return rows.length > 0;
  }

  /**
   * Keeps step 1 of the OAuth connect flow (the request token and its sealed secret) until `takeOAuthRequest`.
   * Expired requests are removed on the way, so abandoned flows do not pile up.
   */
  async saveOAuthRequest(token: string, secret: string, username: string): Promise<void> {
    if (!token) throw new TypeError('DiscogsTokenStore.saveOAuthRequest: token is required');
    const now = this.#now();
    await this.#purgeExpiredRequests(now);
    await this.#db.execute(
      sql`INSERT INTO discogs_oauth_requests (request_token, request_secret, username, created_at)
          VALUES (${token}, ${this.#vault.seal(secret, requestPlace(token, username).context)}, ${username}, ${now}::timestamptz)
          ON CONFLICT (request_token) DO UPDATE SET request_secret = EXCLUDED.request_secret,
            username = EXCLUDED.username, created_at = EXCLUDED.created_at`,
    );
  }

  /**
   * Removes the pending request `token` and returns it with its secret opened, once: a second take, an unknown
   * token, or a request older than {@link OAUTH_REQUEST_TTL_MS} gives undefined (the expired one is removed too).
   */
  async takeOAuthRequest(token: string): Promise<DiscogsOAuthRequest | undefined> {
    const now = this.#now();
    const [row] = await this.#rows<{ request_secret: string; username: string; created_at: Date | string }>(
      sql`DELETE FROM discogs_oauth_requests WHERE request_token = ${token}
          RETURNING request_secret, username, created_at`,
    );
    await this.#purgeExpiredRequests(now);
    if (!row) return undefined;
    const createdAt = new Date(row.created_at);
    if (Date.parse(now) - createdAt.getTime() > OAUTH_REQUEST_TTL_MS) return undefined;
    return {
      username: row.username,
      secret: this.#open(row.request_secret, requestPlace(token, row.username)),
      createdAt,
    };
  }

  async #purgeExpiredRequests(now: string, db: Database = this.#db): Promise<void> {
    await db.execute(
      sql`DELETE FROM discogs_oauth_requests
          WHERE created_at < ${now}::timestamptz - ${OAUTH_REQUEST_TTL_MS} * interval '1 millisecond'`,
    );
  }

  /**
   * Re-seals under the current key every value sealed under another one, in one transaction over both tables (rows
   * locked while it runs): either every value ends up under the current key or nothing changes. Expired OAuth
   * requests are removed rather than re-sealed. A value that cannot be opened (key not configured, tampered) aborts
   * the rotation with the vault's error, naming the row.
   */
  async rotate(onProgress?: RotateProgress): Promise<RotateResult> {
    return this.#db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Database;
      const now = this.#now();
      await this.#purgeExpiredRequests(now, tx);
      const tokens = await this.#rows<
        Pick<TokenRow, 'id' | 'username' | 'access_token' | 'access_secret' | 'refresh_token'>
      >(
        sql`SELECT id, username, access_token, access_secret, refresh_token FROM discogs_tokens ORDER BY id FOR UPDATE`,
        tx,
      );
      const requests = await this.#rows<{ request_token: string; request_secret: string; username: string }>(
        sql`SELECT request_token, request_secret, username FROM discogs_oauth_requests ORDER BY request_token FOR UPDATE`,
        tx,
      );
      const total = tokens.length + requests.length;
      let done = 0;
      let rotated = 0;
      onProgress?.(done, total);
      for (const row of tokens) {
        const accessToken = this.#reseal(row.access_token, tokenPlace(row.username, 'access_token'));
        const accessSecret = this.#reseal(row.access_secret, tokenPlace(row.username, 'access_secret'));
        const refreshToken =
          row.refresh_token === null
            ? null
            : this.#reseal(row.refresh_token, tokenPlace(row.username, 'refresh_token'));
        if (
          accessToken !== row.access_token ||
          accessSecret !== row.access_secret ||
          refreshToken !== row.refresh_token
        ) {
          // updated_at is left alone: the connection is the same, only its encryption changed.
          await tx.execute(
            sql`UPDATE discogs_tokens SET access_token = ${accessToken}, access_secret = ${accessSecret},
                  refresh_token = ${refreshToken}
                WHERE id = ${row.id}`,
          );
          rotated += 1;
        }
        onProgress?.(++done, total);
      }

      for (const row of requests) {
        const secret = this.#reseal(row.request_secret, requestPlace(row.request_token, row.username));
        if (secret !== row.request_secret) {
          await tx.execute(
            sql`UPDATE discogs_oauth_requests SET request_secret = ${secret} WHERE request_token = ${row.request_token}`,
          );
          rotated += 1;
        }
        onProgress?.(++done, total);
      }
      return { rotated, alreadyCurrent: total - rotated };
    });
  }
}
