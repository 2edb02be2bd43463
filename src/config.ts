import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { Cron } from 'croner';
import { Type, type StaticDecode, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { languageName } from './domain/music.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Which proxies may set `X-Forwarded-For` (Fastify's `trustProxy`): `false` trusts none (the peer address is the
 * client), a number trusts that many hops, a list trusts those addresses and CIDR ranges, `true` trusts any.
 */
export type TrustProxy = boolean | number | readonly string[];

export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL connection string; when unset the embedded PGlite database under `dataDir` is used. */
  readonly databaseUrl: string | undefined;
  /** Redis connection string; when unset the in-process adapters are used. */
  readonly redisUrl: string | undefined;
  /** Prefix for every Redis key and BullMQ queue, so several deployments (or test runs) can share one Redis. */
  readonly redisPrefix: string;
  readonly jwtSecret: string | undefined;
  /** Bearer token of the Share routes. */
  readonly bearerToken: string | undefined;
  /** AES-256-GCM key for upstream tokens stored by the Matches job (Discogs OAuth). */
  readonly encryptionKey: Buffer | undefined;
  readonly adminToken: string | undefined;
  readonly logLevel: LogLevel;
  readonly dataDir: string;
  /** Proxies whose `X-Forwarded-For` names the client (rate limits and logs use it); none by default. */
  readonly trustProxy: TrustProxy;
  /** When set, `/metrics` requires `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken: string | undefined;
  /** Guest tokens one client may obtain per hour (`POST /api/auth/guest`). */
  readonly guestTokensPerHour: number;
  readonly upstreams: {
    readonly jiosaavn: string;
    /** Trending: Spotify Web API and its token endpoint. */
    readonly spotifyApi: string;
    readonly spotifyAccounts: string;
    /** Trending: MusicBrainz enrichment. */
    readonly musicbrainz: string;
    /** Matches: Discogs releases, YouTube and SoundCloud search. */
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
    /** Open SSE streams this process accepts in total (more: 503). */
    readonly sseMaxConnections: number;
    /** Open SSE streams this process accepts from one client address (more: 429). */
    readonly sseMaxPerIp: number;
  };
  readonly trending: {
    /** Spotify client credentials; without both the Trending job is disabled (and health says so). */
    readonly spotifyClientId: string | undefined;
    readonly spotifyClientSecret: string | undefined;
    /** Pages of 50 read from `/v1/browse/new-releases` per refresh. */
    readonly spotifyMaxPages: number;
    /** The cached document goes stale this long after it was fetched. */
    readonly cacheDurationMs: number;
    /** A worker refreshes the document every `cacheDurationMs` (once per tick across workers). */
    readonly backgroundSync: boolean;
    /** Days of chart history the ranking (trending artists, popular albums) counts. */
    readonly rankingWindowDays: number;
    /** Sent on every MusicBrainz request; undefined: Backbeat's own. */
    readonly musicbrainzUserAgent: string | undefined;
    /** Searches MusicBrainz for each album in the background. */
    readonly enrichment: boolean;
    /** The `musicbrainz` bucket's pace when it is created: one request per this many ms, across every process. */
    readonly musicbrainzIntervalMs: number;
    /** `GET /api/spotify/trending` requests one client may send per minute. */
    readonly rawPerMinute: number;
  };
  readonly matches: {
    /** A personal Discogs token (`Authorization: Discogs token=…`), used when no user's OAuth token is stored. */
    readonly discogsUserToken: string | undefined;
    /** The Discogs app's consumer key and secret (OAuth 1.0a connect flow). */
    readonly discogsConsumerKey: string | undefined;
    readonly discogsConsumerSecret: string | undefined;
    /** Where a user authorises the app in step 2 of the Discogs OAuth flow. */
    readonly discogsAuthorizeUrl: string;
    readonly youtubeApiKey: string | undefined;
    readonly soundcloudClientId: string | undefined;
    readonly soundcloudClientSecret: string | undefined;
    /** SoundCloud's token host (`POST /oauth/token`). */
    readonly soundcloudAuthUrl: string;
    /** Matches at or above this confidence are approved without review (unless ambiguous). */
    readonly autoApprove: number;
    /** A key `ENCRYPTION_KEY` replaced: values it sealed still open until `backbeat keys rotate` re-seals them. */
    readonly previousEncryptionKey: Buffer | undefined;
  };
  readonly share: {
    /** Active sessions allowed at once across every process (more: 503). */
    readonly maxSessions: number;
    /** A session expires this long after its host's last activity (seed: 15 min). */
    readonly sessionTtlMs: number;
    /** Metadata expires this long after it was last written (seed: 30 s). */
    readonly metadataTtlMs: number;
    /** The audio buffer expires this long after the last chunk (seed: 10 s). */
    readonly audioTtlMs: number;
    /** A stopped session stays readable, inactive, this long (seed: 5 min). */
    readonly graceMs: number;
    /** Largest `POST …/audio` body, in bytes (more: 413). */
    readonly audioMaxBytes: number;
    /** Largest `POST …/metadata` body (thumbnail included), in bytes (more: 413). */
    readonly metadataMaxBytes: number;
    /** Audio chunks plus metadata updates one session's host may send per second (more: 429). */
    readonly hostWritesPerSecond: number;
    /** Listener requests (status, metadata, audio polls) one client address may send per minute (more: 429). */
    readonly readsPerMinute: number;
    /** Session starts and code joins one client address may try per minute (more: 429). */
    readonly startsPerMinute: number;
    /** Bytes a WebSocket listener may have waiting to be sent; a listener past it is dropped (close 4008). */
    readonly listenerQueueBytes: number;
  };
  /** Milliseconds to wait for in-flight work on SIGTERM/SIGINT before closing anyway. */
  readonly shutdownTimeoutMs: number;
  /** Milliseconds a client has to send a request's head and body (then 408). */
  readonly requestTimeoutMs: number;
}

/** One bad variable. */
export interface ConfigIssue {
  readonly variable: string;
  readonly message: string;
}

/**
 * Every bad variable of one configuration. The message names them all: `PORT: expected an integer, got "eighty"` for
 * one, `2 invalid variables: PORT: …; LOG_LEVEL: …` for several.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const parts = issues.map((issue) => `${issue.variable}: ${issue.message}`);
    super(parts.length === 1 ? (parts[0] ?? '') : `${parts.length} invalid variables: ${parts.join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }

  /** The first bad variable. */
  get variable(): string {
    return this.issues[0]?.variable ?? '';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

// ------------------------------------------------------------------ variable kinds
//
// Each variable is a TypeBox codec from the environment's (trimmed, non-empty) string to its typed value: a refinement
// checks the string and words the problem, the decode turns it into the value. Defaults are given as the string one
// would write in `.env`, so they go through the same checks and decoding.

/** Checks a raw value: the problem in words, or undefined when it is valid. */
type Check = (raw: string) => string | undefined;

interface VariableOptions {
  /** The value when unset, as written in `.env`. Variables without a default are optional. */
  default?: string;
}

function variable<T>(check: Check, decode: (raw: string) => T, options: VariableOptions = {}) {
  const base = options.default === undefined ? Type.String() : Type.String({ default: options.default });
  const checked = Type.Refine(
    base,
    (raw) => check(raw) === undefined,
    (raw) => check(raw) ?? 'invalid',
  );
  return Type.Decode(checked, decode);
}

function text(fallback: string) {
  return variable(
    () => undefined,
    (raw) => raw,
    { default: fallback },
  );
}

function integer(fallback: number, min: number, max: number) {
  const check: Check = (raw) => {
    if (!/^-?\d+$/.test(raw)) return `expected an integer, got "${raw}"`;
    const n = Number(raw);
    return n < min || n > max ? `expected an integer from ${min} to ${max}, got ${n}` : undefined;
  };
  return variable(check, Number, { default: String(fallback) });
}

function decimal(fallback: number, min: number, max: number) {
  const check: Check = (raw) => {
    if (!/^\d+(\.\d+)?$/.test(raw)) return `expected a number, got "${raw}"`;
    const n = Number(raw);
    return n < min || n > max ? `expected a number from ${min} to ${max}, got ${n}` : undefined;
  };
  return variable(check, Number, { default: String(fallback) });
}

function url(protocols: readonly string[], fallback?: string) {
  const check: Check = (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      return `expected a URL, got "${raw}"`;
    }
    return protocols.includes(parsed.protocol)
      ? undefined
      : `expected a ${protocols.join(' or ')} URL, got "${parsed.protocol}"`;
  };
  return variable(check, (raw) => raw.replace(/\/+$/, ''), fallback === undefined ? {} : { default: fallback });
}

const httpUrl = (fallback: string) => url(['http:', 'https:'], fallback);

function secret(minLength: number) {
  return variable(
    (raw) => (raw.length < minLength ? `must be at least ${minLength} characters` : undefined),
    (raw) => raw,
  );
}

function oneOf<const T extends string>(allowed: readonly T[], fallback: T) {
  return variable(
    (raw) =>
      (allowed as readonly string[]).includes(raw) ? undefined : `expected one of ${allowed.join(', ')}, got "${raw}"`,
    (raw) => raw as T,
    { default: fallback },
  );
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function boolean(fallback: boolean) {
  return variable(
    (raw) =>
      TRUE.includes(raw.toLowerCase()) || FALSE.includes(raw.toLowerCase())
        ? undefined
        : `expected true or false, got "${raw.toLowerCase()}"`,
    (raw) => TRUE.includes(raw.toLowerCase()),
    { default: String(fallback) },
  );
}

function keyBytes(raw: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(raw)) return Buffer.from(raw, 'hex');
  const b64 = Buffer.from(raw, 'base64');
  return b64.length === 32 ? b64 : undefined;
}

function encryptionKey() {
  return variable(
    (raw) => (keyBytes(raw) === undefined ? 'expected 32 bytes as 64 hex characters or base64' : undefined),
    (raw) => keyBytes(raw) as Buffer,
  );
}

function languageList(raw: string): { names: string[]; unknown: string[] } {
  const names: string[] = [];
  const unknown: string[] = [];
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const name = languageName(part);
    if (name === undefined) unknown.push(part.trim());
    else if (!names.includes(name)) names.push(name);
  }
  return { names, unknown };
}

function languages(fallback: string) {
  return variable(
    (raw) => {
      const { names, unknown } = languageList(raw);
      if (unknown.length === 1) return `unknown language "${unknown[0]}"`;
      if (unknown.length > 1) return `unknown languages ${unknown.map((name) => `"${name}"`).join(', ')}`;
      return names.length === 0 ? 'names no language' : undefined;
    },
    (raw) => languageList(raw).names,
    { default: fallback },
  );
}

function cron(fallback: string) {
  return variable(
    (raw) => {
      try {
        new Cron(raw, { paused: true }).stop();
        return undefined;
      } catch (err) {
        return `invalid cron pattern "${raw}" (${(err as Error).message})`;
      }
    },
    (raw) => raw,
    { default: fallback },
  );
}

/** `loopback`, `linklocal` and `uniquelocal` name the ranges proxy-addr knows. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function proxyEntryProblem(entry: string): string | undefined {
  if (PROXY_RANGES.includes(entry)) return undefined;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `"${entry}" is not an IP address or CIDR range`;
  if (prefix === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits
    ? undefined
    : `"${entry}" has a bad prefix length (0 to ${bits})`;
}

function trustProxy() {
  const entries = (raw: string) =>
    raw
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  return variable<TrustProxy>(
    (raw) => {
      const lower = raw.toLowerCase();
      if (lower === 'true' || lower === 'false' || /^\d+$/.test(raw)) return undefined;
      const list = entries(raw);
      if (list.length === 0) return 'expected true, a number of hops, or IP addresses and CIDR ranges';
      for (const entry of list) {
        const problem = proxyEntryProblem(entry);
        if (problem) return `${problem}; expected true, a number of hops, or IP addresses and CIDR ranges`;
      }
      return undefined;
    },
    (raw) => {
      const lower = raw.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      if (/^\d+$/.test(raw)) return Number(raw) === 0 ? false : Number(raw);
      return entries(raw);
    },
  );
}

/** Every environment variable Backbeat reads, its check, decoding and default. `.env.example` documents each one. */
export const EnvSchema = Type.Object({
  PORT: integer(5006, 0, 65535),
  HOST: text('0.0.0.0'),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  DATA_DIR: variable(
    () => undefined,
    (dir) => resolve(dir),
    { default: './data' },
  ),
  SHUTDOWN_TIMEOUT_MS: integer(10_000, 0, 600_000),
  REQUEST_TIMEOUT_MS: integer(30_000, 100, 600_000),
  TRUST_PROXY: Type.Optional(trustProxy()),
  GUEST_TOKENS_PER_HOUR: integer(20, 1, 1_000_000),
  METRICS_TOKEN: Type.Optional(secret(16)),
  DATABASE_URL: Type.Optional(url(['postgres:', 'postgresql:'])),
  REDIS_URL: Type.Optional(url(['redis:', 'rediss:'])),
  REDIS_PREFIX: text('backbeat'),
  ADMIN_TOKEN: Type.Optional(secret(16)),
  JWT_SECRET: Type.Optional(secret(16)),
  BEARER_TOKEN: Type.Optional(secret(1)),
  ENCRYPTION_KEY: Type.Optional(encryptionKey()),
  JIOSAAVN_BASE_URL: httpUrl('https://www.jiosaavn.com'),
  SPOTIFY_API_URL: httpUrl('https://api.spotify.com'),
  SPOTIFY_ACCOUNTS_URL: httpUrl('https://accounts.spotify.com'),
  MUSICBRAINZ_BASE_URL: httpUrl('https://musicbrainz.org'),
  DISCOGS_API_URL: httpUrl('https://api.discogs.com'),
  YOUTUBE_API_URL: httpUrl('https://www.googleapis.com/youtube/v3'),
  SOUNDCLOUD_API_URL: httpUrl('https://api.soundcloud.com'),
  UPSTREAM_TIMEOUT_MS: integer(10_000, 100, 120_000),
  FETCH_CRON: cron('*/10 * * * *'),
  FETCH_ON_START: boolean(true),
  FETCH_RUN_STALE_MS: integer(10_000, 1000, 3_600_000),
  RELEASE_LANGUAGES: languages('hindi,malayalam,tamil,telugu,punjabi'),
  RELEASE_PAGES: integer(2, 1, 50),
  RELEASE_PAGE_SIZE: integer(50, 1, 100),
  NEW_WINDOW_DAYS: integer(7, 1, 365),
  RECENT_WINDOW_DAYS: integer(30, 1, 3650),
  SSE_REPLAY_LIMIT: integer(1000, 1, 1_000_000),
  SSE_HEARTBEAT_MS: integer(15_000, 100, 15_000),
  SSE_MAX_CONNECTIONS: integer(10_000, 1, 1_000_000),
  SSE_MAX_PER_IP: integer(20, 1, 1_000_000),
  SPOTIFY_CLIENT_ID: Type.Optional(secret(8)),
  SPOTIFY_CLIENT_SECRET: Type.Optional(secret(8)),
  SPOTIFY_MAX_PAGES: integer(4, 1, 20),
  CACHE_DURATION_HOURS: decimal(6, 0.001, 720),
  ENABLE_BACKGROUND_SYNC: boolean(true),
  TRENDING_WINDOW_DAYS: integer(7, 1, 90),
  MUSICBRAINZ_USER_AGENT: Type.Optional(
    variable(
      (raw) =>
        /^[^\s/]+\/[^\s]+ \(.+\)$/.test(raw)
          ? undefined
          : `expected "App/1.0 ( contact-url-or-email )" as MusicBrainz asks, got "${raw}"`,
      (raw) => raw,
    ),
  ),
  ENABLE_MUSICBRAINZ_ENRICHMENT: boolean(true),
  MUSICBRAINZ_INTERVAL_MS: integer(1030, 1000, 60_000),
  SPOTIFY_TRENDING_PER_MINUTE: integer(30, 1, 100_000),
  DISCOGS_USER_TOKEN: Type.Optional(secret(8)),
  DISCOGS_CONSUMER_KEY: Type.Optional(secret(8)),
  DISCOGS_CONSUMER_SECRET: Type.Optional(secret(8)),
  DISCOGS_AUTHORIZE_URL: httpUrl('https://www.discogs.com/oauth/authorize'),
  YOUTUBE_API_KEY: Type.Optional(secret(8)),
  SOUNDCLOUD_CLIENT_ID: Type.Optional(secret(8)),
  SOUNDCLOUD_CLIENT_SECRET: Type.Optional(secret(8)),
  SOUNDCLOUD_AUTH_URL: httpUrl('https://secure.soundcloud.com'),
  MATCH_AUTO_APPROVE: decimal(0.8, 0, 1),
  ENCRYPTION_KEY_PREVIOUS: Type.Optional(encryptionKey()),
  MAX_SESSIONS: integer(50, 1, 100_000),
  SHARE_SESSION_TTL_S: decimal(900, 0.1, 86_400),
  SHARE_METADATA_TTL_S: decimal(30, 0.1, 86_400),
  SHARE_AUDIO_TTL_S: decimal(10, 0.1, 86_400),
  SHARE_GRACE_S: decimal(300, 0.1, 86_400),
  SHARE_AUDIO_MAX_BYTES: integer(262_144, 1024, 16_777_216),
  SHARE_METADATA_MAX_BYTES: integer(524_288, 1024, 16_777_216),
  SHARE_HOST_WRITES_PER_SECOND: integer(100, 1, 1_000_000),
  SHARE_READS_PER_MINUTE: integer(1200, 1, 10_000_000),
  SHARE_STARTS_PER_MINUTE: integer(10, 1, 1_000_000),
  SHARE_LISTENER_QUEUE_BYTES: integer(1_048_576, 16_384, 268_435_456),
});

export type EnvVariable = keyof typeof EnvSchema.properties;
/** The variable names, in the order `.env.example` documents them. */
export const ENV_VARIABLES = Object.keys(EnvSchema.properties) as EnvVariable[];
/** Each variable's default as written in `.env` (absent for variables that are unset by default). */
export const ENV_DEFAULTS: Readonly<Partial<Record<EnvVariable, string>>> = Object.fromEntries(
  Object.entries(EnvSchema.properties as Record<string, TSchema & { default?: unknown }>)
    .filter(([, schema]) => typeof schema.default === 'string')
    .map(([name, schema]) => [name, schema.default as string]),
);

type DecodedEnv = StaticDecode<typeof EnvSchema>;

/** {@link loadConfig} for this process: its environment and working directory. The one reader of `process.env`. */
export function loadProcessConfig(overrides: Env = {}, defaults: Env = {}): Config {
  return loadConfig(process.env, process.cwd(), overrides, defaults);
}

/**
 * Parses the environment into a typed, frozen config. Throws {@link ConfigError} naming every bad variable.
 * `.env` in the working directory is read first; variables set in the environment win over it, and `overrides`
 * (command-line options) over both. `defaults` (a mode's own defaults, e.g. the demo's) fill only what none of those
 * set.
 */
export function loadConfig(env: Env, cwd: string, overrides: Env = {}, defaults: Env = {}): Config {
  const merged: Record<string, string | undefined> = {};
  for (const layer of [readDotenv(cwd), env, overrides]) {
    for (const [name, raw] of Object.entries(layer)) if (raw !== undefined) merged[name] = raw;
  }
  for (const [name, raw] of Object.entries(defaults)) {
    if (merged[name] === undefined || merged[name].trim() === '') merged[name] = raw;
  }
  return parseConfig(merged);
}

function readDotenv(cwd: string): Env {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, '.env'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  return parseEnv(text);
}

/** Pure part of {@link loadConfig}: no file or process access. */
export function parseConfig(env: Env): Config {
  // Unset and blank variables take their default; other variables of the environment are ignored.
  const input: Record<string, string> = {};
  for (const name of ENV_VARIABLES) {
    const raw = env[name]?.trim();
    if (raw !== undefined && raw !== '') input[name] = raw;
  }
  const complete = Value.Default(EnvSchema, input);
  const issues: ConfigIssue[] = [];
  for (const error of Value.Errors(EnvSchema, complete)) {
    const name = error.instancePath.split('/')[1] ?? '';
    // One problem per variable: its first.
    if (!issues.some((issue) => issue.variable === name)) issues.push({ variable: name, message: error.message });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const v: DecodedEnv = Value.Decode(EnvSchema, complete);

  const config: Config = {
    port: v.PORT,
    host: v.HOST,
    databaseUrl: v.DATABASE_URL,
    redisUrl: v.REDIS_URL,
    redisPrefix: v.REDIS_PREFIX,
    jwtSecret: v.JWT_SECRET,
    bearerToken: v.BEARER_TOKEN,
    encryptionKey: v.ENCRYPTION_KEY,
    adminToken: v.ADMIN_TOKEN,
    logLevel: v.LOG_LEVEL,
    dataDir: v.DATA_DIR,
    trustProxy: v.TRUST_PROXY ?? false,
    metricsToken: v.METRICS_TOKEN,
    guestTokensPerHour: v.GUEST_TOKENS_PER_HOUR,
    upstreams: {
      jiosaavn: v.JIOSAAVN_BASE_URL,
      spotifyApi: v.SPOTIFY_API_URL,
      spotifyAccounts: v.SPOTIFY_ACCOUNTS_URL,
      musicbrainz: v.MUSICBRAINZ_BASE_URL,
      discogs: v.DISCOGS_API_URL,
      youtube: v.YOUTUBE_API_URL,
      soundcloud: v.SOUNDCLOUD_API_URL,
    },
    upstreamTimeoutMs: v.UPSTREAM_TIMEOUT_MS,
    releases: {
      fetchCron: v.FETCH_CRON,
      fetchOnStart: v.FETCH_ON_START,
      runStaleAfterMs: v.FETCH_RUN_STALE_MS,
      languages: v.RELEASE_LANGUAGES,
      pages: v.RELEASE_PAGES,
      pageSize: v.RELEASE_PAGE_SIZE,
      newWindowDays: v.NEW_WINDOW_DAYS,
      recentWindowDays: v.RECENT_WINDOW_DAYS,
      sseReplayLimit: v.SSE_REPLAY_LIMIT,
      sseHeartbeatMs: v.SSE_HEARTBEAT_MS,
      sseMaxConnections: v.SSE_MAX_CONNECTIONS,
      sseMaxPerIp: v.SSE_MAX_PER_IP,
    },
    trending: {
      spotifyClientId: v.SPOTIFY_CLIENT_ID,
      spotifyClientSecret: v.SPOTIFY_CLIENT_SECRET,
      spotifyMaxPages: v.SPOTIFY_MAX_PAGES,
      cacheDurationMs: Math.round(v.CACHE_DURATION_HOURS * 3_600_000),
      backgroundSync: v.ENABLE_BACKGROUND_SYNC,
      rankingWindowDays: v.TRENDING_WINDOW_DAYS,
      musicbrainzUserAgent: v.MUSICBRAINZ_USER_AGENT,
      enrichment: v.ENABLE_MUSICBRAINZ_ENRICHMENT,
      musicbrainzIntervalMs: v.MUSICBRAINZ_INTERVAL_MS,
      rawPerMinute: v.SPOTIFY_TRENDING_PER_MINUTE,
    },
    matches: {
      discogsUserToken: v.DISCOGS_USER_TOKEN,
      discogsConsumerKey: v.DISCOGS_CONSUMER_KEY,
      discogsConsumerSecret: v.DISCOGS_CONSUMER_SECRET,
      discogsAuthorizeUrl: v.DISCOGS_AUTHORIZE_URL,
      youtubeApiKey: v.YOUTUBE_API_KEY,
      soundcloudClientId: v.SOUNDCLOUD_CLIENT_ID,
      soundcloudClientSecret: v.SOUNDCLOUD_CLIENT_SECRET,
      soundcloudAuthUrl: v.SOUNDCLOUD_AUTH_URL,
      autoApprove: v.MATCH_AUTO_APPROVE,
      previousEncryptionKey: v.ENCRYPTION_KEY_PREVIOUS,
    },
    share: {
      maxSessions: v.MAX_SESSIONS,
      sessionTtlMs: Math.round(v.SHARE_SESSION_TTL_S * 1000),
      metadataTtlMs: Math.round(v.SHARE_METADATA_TTL_S * 1000),
      audioTtlMs: Math.round(v.SHARE_AUDIO_TTL_S * 1000),
      graceMs: Math.round(v.SHARE_GRACE_S * 1000),
      audioMaxBytes: v.SHARE_AUDIO_MAX_BYTES,
      metadataMaxBytes: v.SHARE_METADATA_MAX_BYTES,
      hostWritesPerSecond: v.SHARE_HOST_WRITES_PER_SECOND,
      readsPerMinute: v.SHARE_READS_PER_MINUTE,
      startsPerMinute: v.SHARE_STARTS_PER_MINUTE,
      listenerQueueBytes: v.SHARE_LISTENER_QUEUE_BYTES,
    },
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    requestTimeoutMs: v.REQUEST_TIMEOUT_MS,
  };
  return Object.freeze(config);
}
