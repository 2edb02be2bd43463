import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { SignJWT, jwtVerify } from 'jose';
import { AppError } from '../errors.ts';

/**
 * Compares two secrets in constant time. Both sides are hashed first so the comparison takes the same time whatever
 * their lengths (timingSafeEqual alone throws on different lengths, which would leak the length).
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(tokenDigest(a), tokenDigest(b));
}

/**
 * The SHA-256 of a secret, for comparing it in constant time with `timingSafeEqual` against digests computed once
 * (a route checking one presented token against several secrets hashes it once).
 */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The bearer token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * A Fastify preHandler that lets a request through only with `Authorization: Bearer <adminToken>`:
 * 401 without a token, 403 with a wrong one.
 */
export function adminGuard(adminToken: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request);
    if (!token) throw new AppError('BACKBEAT_ERR_UNAUTHORIZED', 'This route needs Authorization: Bearer <ADMIN_TOKEN>');
    if (!safeEqual(token, adminToken)) throw new AppError('BACKBEAT_ERR_FORBIDDEN', 'The admin token is not valid');
  };
}

export interface GuestToken {
  token: string;
  userId: string;
  expiresAt: string;
}

/** The user ids {@link GuestAuth.issueGuest} makes: `guest_` and a random UUID. */
const GUEST_ID = /^guest_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Signs and verifies guest user tokens (JWT, HS256, `JWT_SECRET`). */
export class GuestAuth {
  readonly #key: Uint8Array;
  readonly #ttlSeconds: number;

  constructor(secret: string, ttlSeconds = 30 * 24 * 3600) {
    this.#key = new TextEncoder().encode(secret);
    this.#ttlSeconds = ttlSeconds;
  }

  /** Issues a token for a new guest user. */
  async issueGuest(now = new Date()): Promise<GuestToken> {
    const userId = `guest_${randomUUID()}`;
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.#ttlSeconds;
    const token = await new SignJWT({ role: 'guest' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setIssuer('backbeat')
      .sign(this.#key);
    return { token, userId, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /**
   * The user id of a valid token, or undefined for a missing, expired, forged or malformed one. A token must carry
   * `exp`, `iat` and `sub`, be no older than the token lifetime (whatever its `exp` says), and name a user id of the
   * form this class issues (`guest_<uuid>`): a token without an expiry would be valid forever, and a user id is
   * stored and queried, so nothing else (NUL bytes, 10 KB strings) may reach SQL through it.
   */
  async verify(token: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: 'backbeat',
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'iat', 'sub'],
        maxTokenAge: this.#ttlSeconds + 60,
      });
      return typeof payload.sub === 'string' && GUEST_ID.test(payload.sub) ? payload.sub : undefined;
    } catch {
      return undefined;
    }
  }

  /** The signed-in user of a request; throws 401 when the request carries no valid token. */
  async requireUser(request: FastifyRequest): Promise<string> {
    const token = bearerToken(request);
    if (!token) throw new AppError('BACKBEAT_ERR_UNAUTHORIZED', 'Sign in first: POST /api/auth/guest gives a token');
    const user = await this.verify(token);
    if (!user) throw new AppError('BACKBEAT_ERR_UNAUTHORIZED', 'The user token is invalid or expired');
    return user;
  }

  /** The signed-in user of a request, or undefined (for routes that work for anonymous users too). */
  async optionalUser(request: FastifyRequest): Promise<string | undefined> {
    const token = bearerToken(request);
    return token ? this.verify(token) : undefined;
  }
}
