import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
import { Cron } from 'croner';
import { languageName } from './domain/music.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  /** PostgreSQL connection string; when unset the embedded PGlite database under `dataDir` is used. */
  readonly databaseUrl: string | undefined;
  /** Redis connection string; when unset the in-process adapters are used. */
  readonly redisUrl: string | undefined;
  /** Prefix for every Redis key and BullMQ queue, so several deployments (or test runs) can share one Redis. */
  readonly redisPrefix: string;
  readonly jwtSecret: string | undefined;
  readonly bearerToken: string | undefined;
  readonly encryptionKey: Buffer | undefined;
  readonly adminToken: string | undefined;
  readonly logLevel: LogLevel;
  readonly dataDir: string;
  readonly upstreams: {
    readonly jiosaavn: string;
    readonly spotifyApi: string;
    readonly spotifyAccounts: string;
    readonly musicbrainz: string;
    readonly discogs: string;
    readonly youtube: string;
    readonly soundcloud: string;
  };
  /** Per-request timeout for upstream calls, in milliseconds. */
  readonly upstreamTimeoutMs: number;
  readonly releases: {
    readonly fetchCron: string;
    /** Queue one fetch when a worker starts, so a fresh install has releases without waiting for the schedule. */
    readonly fetchOnStart: boolean;
    /** A running fetch whose process stopped refreshing its lease for this long is taken over by the next trigger. */
    readonly runStaleAfterMs: number;
    readonly languages: readonly string[];
    readonly pages: number;
    readonly pageSize: number;
    readonly newWindowDays: number;
    readonly recentWindowDays: number;
    /** How far back (in events) a reconnecting SSE client can be replayed before it gets `reset`. */
    readonly sseReplayLimit: number;
    readonly sseHeartbeatMs: number;
  };
  /** Milliseconds to wait for in-flight work on SIGTERM/SIGINT before closing anyway. */
  readonly shutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `expected an integer from ${min} to ${max}, got ${n}`);
  return n;
}

function url(env: Env, name: string, fallback: string | undefined, protocols: readonly string[]): string | undefined {
  const raw = value(env, name) ?? fallback;
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `expected a URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a ${protocols.join(' or ')} URL, got "${parsed.protocol}"`);
  }
  return raw.replace(/\/+$/, '');
}

function requiredUrl(env: Env, name: string, fallback: string): string {
  return url(env, name, fallback, ['http:', 'https:']) ?? fallback;
}

function secret(env: Env, name: string, minLength: number): string | undefined {
  const raw = value(env, name);
  if (raw !== undefined && raw.length < minLength) {
    throw new ConfigError(name, `must be at least ${minLength} characters`);
  }
  return raw;
}

function encryptionKey(env: Env): Buffer | undefined {
  const raw = value(env, 'ENCRYPTION_KEY');
  if (raw === undefined) return undefined;
  if (/^[0-9a-fA-F]{64}$/.test(raw)) return Buffer.from(raw, 'hex');
  const b64 = Buffer.from(raw, 'base64');
  if (b64.length === 32) return b64;
  throw new ConfigError('ENCRYPTION_KEY', 'expected 32 bytes as 64 hex characters or base64');
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = value(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function languages(env: Env): string[] {
  const raw = value(env, 'RELEASE_LANGUAGES') ?? 'hindi,malayalam,tamil,telugu,punjabi';
  const out: string[] = [];
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const name = languageName(part);
    if (!name) throw new ConfigError('RELEASE_LANGUAGES', `unknown language "${part.trim()}"`);
    if (!out.includes(name)) out.push(name);
  }
  if (out.length === 0) throw new ConfigError('RELEASE_LANGUAGES', 'names no language');
  return out;
}

function cron(env: Env, name: string, fallback: string): string {
  const raw = value(env, name) ?? fallback;
  try {
    new Cron(raw, { paused: true }).stop();
  } catch (err) {
    throw new ConfigError(name, `invalid cron pattern "${raw}" (${(err as Error).message})`);
  }
  return raw;
}

/**
 * Parses the environment into a typed, frozen config. Throws {@link ConfigError} naming the first bad variable.
 * `.env` in the working directory is read first; variables set in the environment win over it, and `overrides`
 * (command-line options) over both.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd(), overrides: Env = {}): Config {
  const merged: Record<string, string | undefined> = {};
  const dotenvPath = resolve(cwd, '.env');
  if (existsSync(dotenvPath)) Object.assign(merged, parseDotenv(readFileSync(dotenvPath)));
  Object.assign(merged, env, overrides);
  return parseConfig(merged);
}

/** Pure part of {@link loadConfig}: no file or process access. */
export function parseConfig(env: Env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'], 'development');
  const config: Config = {
    env: nodeEnv,
    port: integer(env, 'PORT', 5006, 0, 65535),
    host: value(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: url(env, 'DATABASE_URL', undefined, ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', undefined, ['redis:', 'rediss:']),
    redisPrefix: value(env, 'REDIS_PREFIX') ?? 'backbeat',
    jwtSecret: secret(env, 'JWT_SECRET', 16),
    bearerToken: secret(env, 'BEARER_TOKEN', 8),
    encryptionKey: encryptionKey(env),
    adminToken: secret(env, 'ADMIN_TOKEN', 16),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    dataDir: resolve(value(env, 'DATA_DIR') ?? './data'),
    upstreams: {
      jiosaavn: requiredUrl(env, 'JIOSAAVN_BASE_URL', 'https://www.jiosaavn.com'),
      spotifyApi: requiredUrl(env, 'SPOTIFY_API_URL', 'https://api.spotify.com'),
      spotifyAccounts: requiredUrl(env, 'SPOTIFY_ACCOUNTS_URL', 'https://accounts.spotify.com'),
      musicbrainz: requiredUrl(env, 'MUSICBRAINZ_BASE_URL', 'https://musicbrainz.org'),
      discogs: requiredUrl(env, 'DISCOGS_API_URL', 'https://api.discogs.com'),
      youtube: requiredUrl(env, 'YOUTUBE_API_URL', 'https://www.googleapis.com/youtube/v3'),
      soundcloud: requiredUrl(env, 'SOUNDCLOUD_API_URL', 'https://api.soundcloud.com'),
    },
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 10_000, 100, 120_000),
    releases: {
      fetchCron: cron(env, 'FETCH_CRON', '*/10 * * * *'),
      fetchOnStart: boolean(env, 'FETCH_ON_START', true),
      runStaleAfterMs: integer(env, 'FETCH_RUN_STALE_MS', 30_000, 1000, 3_600_000),
      languages: languages(env),
      pages: integer(env, 'RELEASE_PAGES', 2, 1, 50),
      pageSize: integer(env, 'RELEASE_PAGE_SIZE', 50, 1, 100),
      newWindowDays: integer(env, 'NEW_WINDOW_DAYS', 7, 1, 365),
      recentWindowDays: integer(env, 'RECENT_WINDOW_DAYS', 30, 1, 3650),
      sseReplayLimit: integer(env, 'SSE_REPLAY_LIMIT', 1000, 1, 1_000_000),
      sseHeartbeatMs: integer(env, 'SSE_HEARTBEAT_MS', 15_000, 100, 15_000),
    },
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
  };
  return Object.freeze(config);
}
