/**
 * Discogs authentication: the `Authorization` header of every authenticated request, and the OAuth 1.0a connect
 * flow (www.discogs.com/developers, "OAuth Flow"):
 * 1. `GET /oauth/request_token` with the consumer key and secret and a callback URL → a request token and secret;
 * 2. the user opens `https://www.discogs.com/oauth/authorize?oauth_token=<request token>` and approves; Discogs sends
 *    them back to the callback with `oauth_verifier`;
 * 3. `POST /oauth/access_token` with the request token, its secret and the verifier → the access token and secret;
 * then `GET /oauth/identity` names the user the token belongs to.
 *
 * Requests are signed with the PLAINTEXT method, which Discogs accepts over HTTPS: the signature is the consumer
 * secret and the token secret themselves, so no base string is hashed. The `oauth-1.0a` library builds the header.
 *
 * Tokens and secrets never reach a log line or an error message: the HTTP client logs paths and statuses only, and
 * the errors here are built from statuses and field names, never from the bodies that carry the tokens.
 */
import { randomBytes } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import type { HttpClient } from '../../infra/http-client.ts';
import { UpstreamError } from '../../infra/upstream-errors.ts';
import type { DiscogsIdentityResponse } from './api-types.ts';

/** The signature method Discogs documents for apps that cannot keep a signing key safe from the user. */
export const DISCOGS_OAUTH_SIGNATURE_METHOD = 'PLAINTEXT';

/** How a request authenticates: a personal access token, a user's OAuth 1.0a token, or not at all (25/min limit). */
export type DiscogsAuth =
  | { kind: 'token'; token: string }
  | { kind: 'oauth'; consumerKey: string; consumerSecret: string; token: string; tokenSecret: string };

/** A token and its secret: a request token after step 1, an access token after step 3. */
export interface DiscogsTokenPair {
  token: string;
  secret: string;
}

export interface DiscogsIdentity {
  username: string;
  /** Discogs' user id; null when the answer omits it. */
  id: number | null;
}

/** Where the nonce and timestamp of a signed request come from; injected in tests for exact headers. */
export interface OAuthClock {
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** A fresh, unguessable nonce per request. Default 16 random bytes as hex. */
  nonce?: () => string;
}

/** The request an OAuth header is built for. */
export interface OAuthRequest {
  method: 'GET' | 'POST';
  /** The absolute URL, query included. */
  url: string;
}

export interface OAuthCredentials {
  consumerKey: string;
  consumerSecret: string;
  /** The request or access token; absent in step 1. */
  token?: string;
  tokenSecret?: string;
}

/** Protocol parameters that travel in the header of one step only. */
export interface OAuthExtras {
  /** Step 1: where Discogs sends the user back. */
  callback?: string;
  /** Step 3: the verifier Discogs appended to the callback. */
  verifier?: string;
}

const defaultNonce = () => randomBytes(16).toString('hex');

/**
 * The `Authorization` header value of an OAuth 1.0a PLAINTEXT request: `OAuth oauth_consumer_key="…",
 * oauth_nonce="…", oauth_signature="<consumer secret>%26<token secret>", oauth_signature_method="PLAINTEXT",
 * oauth_timestamp="…", oauth_token="…", oauth_version="1.0"` (parameters sorted, values percent-encoded as RFC 5849
 * §3.5.1 says), plus `oauth_callback` or `oauth_verifier` when given.
 */
export function oauthHeader(
  request: OAuthRequest,
  credentials: OAuthCredentials,
  extras: OAuthExtras = {},
  clock: OAuthClock = {},
): string {
  const now = clock.now ?? Date.now;
  const nonce = clock.nonce ?? defaultNonce;
  const oauth = new OAuth({
    consumer: { key: credentials.consumerKey, secret: credentials.consumerSecret },
    signature_method: DISCOGS_OAUTH_SIGNATURE_METHOD,
  });
  oauth.getNonce = nonce;
  oauth.getTimeStamp = () => Math.floor(now() / 1000);

  const params: Record<string, string> = {};
  if (extras.callback !== undefined) params.oauth_callback = extras.callback;
  if (extras.verifier !== undefined) params.oauth_verifier = extras.verifier;
  const token =
    credentials.token === undefined ? undefined : { key: credentials.token, secret: credentials.tokenSecret ?? '' };
  const signed = oauth.authorize({ url: request.url, method: request.method, data: { ...params } }, token);
  // The library signs `data` but puts only its own fields in the header: the step's parameters are added here.
  return oauth.toHeader({ ...signed, ...params }).Authorization;
}

/**
 * The `Authorization` header value for `auth`: `Discogs token=<token>` for a personal token, a PLAINTEXT-signed
 * OAuth header for a user's OAuth token, undefined without auth.
 */
export function discogsAuthorization(
  auth: DiscogsAuth | undefined,
  request: OAuthRequest,
  clock: OAuthClock = {},
): string | undefined {
  if (auth === undefined) return undefined;
  switch (auth.kind) {
    case 'token':
      return `Discogs token=${auth.token}`;
    case 'oauth':
      return oauthHeader(
        request,
        {
          consumerKey: auth.consumerKey,
          consumerSecret: auth.consumerSecret,
          token: auth.token,
          tokenSecret: auth.tokenSecret,
        },
        {},
        clock,
      );
  }
}

/** Step 2: the page where the user approves the app, `<authorizeBase>?oauth_token=<request token>`. */
export function authorizeUrl(authorizeBase: string, token: string): string {
  const url = new URL(authorizeBase);
  url.searchParams.set('oauth_token', token);
  return url.href;
}

/** A form-encoded token answer (`oauth_token=…&oauth_token_secret=…[&oauth_callback_confirmed=true]`). */
export interface TokenAnswer extends DiscogsTokenPair {
  /** `oauth_callback_confirmed` read as a boolean; null when the answer omits it (step 3). */
  callbackConfirmed: boolean | null;
}

/** Reads a token answer; null when it lacks a non-empty `oauth_token` or `oauth_token_secret`. */
export function parseTokenAnswer(body: string): TokenAnswer | null {
  const form = new URLSearchParams(body.trim());
  const token = form.get('oauth_token');
  const secret = form.get('oauth_token_secret');
  if (!token || !secret) return null;
  const confirmed = form.get('oauth_callback_confirmed');
  return { token, secret, callbackConfirmed: confirmed === null ? null : confirmed === 'true' };
}

export interface DiscogsOAuthOptions {
  /** The client of the `discogs` bucket, based on `baseUrl`. */
  http: HttpClient;
  /** The API origin (`DISCOGS_API_URL`), used to build the URLs the headers are signed for. */
  baseUrl: string;
  clock?: OAuthClock;
  /** Called with the headers of each JSON answer, so the rate-limit window is tracked for these requests too. */
  onAnswer?: (headers: Headers) => void | Promise<void>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The three steps of the connect flow and the identity lookup, on the `discogs` bucket. */
export class DiscogsOAuth {
  readonly #http: HttpClient;
  readonly #baseUrl: string;
  readonly #clock: OAuthClock;
  readonly #onAnswer: DiscogsOAuthOptions['onAnswer'];

  constructor(options: DiscogsOAuthOptions) {
    this.#http = options.http;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#clock = options.clock ?? {};
    this.#onAnswer = options.onAnswer;
  }

  /**
   * Step 1: a request token for a user about to authorise the app. Throws `UpstreamError` kind `client` when Discogs
   * refuses the consumer (401 `Invalid consumer.`), kind `malformed` when the answer lacks the token, its secret or
   * `oauth_callback_confirmed=true`, and what the HTTP client throws.
   */
  async requestToken(params: {
    consumerKey: string;
    consumerSecret: string;
    callbackUrl: string;
  }): Promise<DiscogsTokenPair> {
    const path = '/oauth/request_token';
    const authorization = oauthHeader(
      { method: 'GET', url: this.#baseUrl + path },
      { consumerKey: params.consumerKey, consumerSecret: params.consumerSecret },
      { callback: params.callbackUrl },
      this.#clock,
    );
    const body = await this.#http.getText(path, undefined, {
      authorization,
      'content-type': 'application/x-www-form-urlencoded',
    });
    const answer = parseTokenAnswer(body);
    if (answer === null) throw this.#malformed(path, 'request-token answer without oauth_token and oauth_token_secret');
    if (answer.callbackConfirmed !== true) {
      throw this.#malformed(path, 'request-token answer without oauth_callback_confirmed=true');
    }
    return { token: answer.token, secret: answer.secret };
  }

  /**
   * Step 3: trades the approved request token and the verifier for the user's access token. Throws `UpstreamError`
   * kind `client` when Discogs refuses them (an expired request token, a wrong verifier), kind `malformed` for an
   * answer without the token or its secret, and what the HTTP client throws.
   */
  async accessToken(params: {
    consumerKey: string;
    consumerSecret: string;
    token: string;
    secret: string;
    verifier: string;
  }): Promise<DiscogsTokenPair> {
    const path = '/oauth/access_token';
    const authorization = oauthHeader(
      { method: 'POST', url: this.#baseUrl + path },
      {
        consumerKey: params.consumerKey,
        consumerSecret: params.consumerSecret,
        token: params.token,
        tokenSecret: params.secret,
      },
      { verifier: params.verifier },
      this.#clock,
    );
    const body = await this.#http.postFormText(path, {}, { authorization });
    const answer = parseTokenAnswer(body);
    if (answer === null) throw this.#malformed(path, 'access-token answer without oauth_token and oauth_token_secret');
    return { token: answer.token, secret: answer.secret };
  }

  /**
   * Who `auth` belongs to (`GET /oauth/identity`). Throws `UpstreamError` kind `client` (401) for a token Discogs
   * no longer accepts, kind `malformed` for an answer without a username, and what the HTTP client throws.
   */
  async identity(auth: DiscogsAuth): Promise<DiscogsIdentity> {
    const path = '/oauth/identity';
    const authorization = discogsAuthorization(auth, { method: 'GET', url: this.#baseUrl + path }, this.#clock);
    const res = await this.#http.getJsonResponse<Partial<DiscogsIdentityResponse>>(path, undefined, {
      ...(authorization === undefined ? {} : { authorization }),
    });
    await this.#onAnswer?.(res.headers);
    const body: unknown = res.body;
    const username = isRecord(body) && typeof body.username === 'string' ? body.username.trim() : '';
    if (username === '') throw this.#malformed(path, 'identity answer without a username', res.status);
    const id = isRecord(body) && typeof body.id === 'number' && Number.isSafeInteger(body.id) ? body.id : null;
    return { username, id };
  }

  #malformed(path: string, reason: string, status = 200): UpstreamError {
    const service = this.#http.service;
    return new UpstreamError(service, `${service}: ${reason}`, { kind: 'malformed', status, attempts: 1, path });
  }
}
