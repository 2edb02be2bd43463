/**
 * The offline sandbox with every upstream emulation Backbeat has: the one place that assembles the providers'
 * emulations (each lives in its provider folder, e.g. `jiosaavn/sandbox.ts`) onto the generic sandbox server. The CLI
 * (`backbeat sandbox`, `backbeat demo`) and the tests build their sandbox here. A new upstream adds its emulation to
 * {@link createSandbox} and a property to {@link Sandbox}.
 */
import { createSandboxServer, type SandboxServer } from '../sandbox/server.ts';
import { fileStateStore } from '../sandbox/state.ts';
import type { CatalogLanguage } from '../sandbox/catalog.ts';
import { DiscogsEmulation } from './discogs/sandbox.ts';
import { JioSaavnEmulation } from './jiosaavn/sandbox.ts';
import { MusicBrainzEmulation } from './musicbrainz/sandbox.ts';
import { SoundCloudEmulation } from './soundcloud/sandbox.ts';
import { SpotifyEmulation } from './spotify/sandbox.ts';
import { YouTubeEmulation } from './youtube/sandbox.ts';

/** The seed used when none is given: the same catalog on every machine. */
export const DEFAULT_SANDBOX_SEED = 20_241_220;

export interface SandboxOptions {
  /** Catalog seed (default {@link DEFAULT_SANDBOX_SEED}). Same seed and clock → same answers. */
  seed?: number;
  /** A new album every this many ms; 0 (the default) disables the release clock. */
  releaseIntervalMs?: number;
  /** Probability (0–1) that a release-clock tick also corrects a released song (default 0.2). */
  correctionRate?: number;
  /** Albums per language released before start-up, over the last ~25 days (default 40). */
  initialAlbumsPerLanguage?: number;
  /** Languages the release clock cycles through (default hindi, malayalam, tamil, telugu, punjabi, english). */
  releaseLanguages?: readonly CatalogLanguage[];
  /**
   * Spotify's new-releases chart moves one tick (two new albums) every this many ms of the sandbox clock; 0 (the
   * default) moves it only on `POST /__sandbox/spotify/chart/advance`.
   */
  spotifyChartIntervalMs?: number;
  /** Credentials the Spotify token endpoint accepts (default `sandbox-client-id` / `sandbox-client-secret`). */
  spotifyClientId?: string;
  spotifyClientSecret?: string;
  /** Lifetime of Spotify tokens, in seconds of the sandbox clock (default 3600). */
  spotifyTokenTtlSeconds?: number;
  /**
   * MusicBrainz answers 503 to a request arriving sooner than this after the previous one (default 1000, as the real
   * service's 1 request/second; 0 disables). Measured on the real monotonic clock, not on `now`.
   */
  musicbrainzMinIntervalMs?: number;
  /** The personal token Discogs accepts as `Discogs token=…` (default `sandbox-discogs-token`). */
  discogsUserToken?: string;
  /** The Discogs app's consumer key and secret for OAuth (default `sandbox-consumer-key` / `sandbox-consumer-secret`). */
  discogsConsumerKey?: string;
  discogsConsumerSecret?: string;
  /** The YouTube API key (default `sandbox-youtube-key`). */
  youtubeApiKey?: string;
  /** search.list calls a Pacific day before YouTube answers 403 quotaExceeded (default 100). */
  youtubeDailySearchQuota?: number;
  /** Credentials the SoundCloud token endpoint accepts (default `sandbox-soundcloud-id` / `sandbox-soundcloud-secret`). */
  soundcloudClientId?: string;
  soundcloudClientSecret?: string;
  /** The sandbox clock (default `Date.now`). */
  now?: () => number;
  /** Fastify request logging (default false). */
  logger?: boolean;
  /**
   * The URL clients reach the sandbox at, used for cover, media and page links. Default: the address `listen()`
   * bound; before that (e.g. with `app.inject()`), links point at the emulations' placeholder `.test` hosts.
   */
  publicUrl?: string;
  /**
   * A directory where the sandbox keeps its port and catalogs between runs: a sandbox started again over the same
   * directory listens on the same port and goes on with the same catalogs (see {@link SandboxServer.listen}).
   * Unset: nothing is kept, every start begins anew.
   */
  stateDir?: string;
}

/** The sandbox server with each emulation at hand, for tests and controls. */
export interface Sandbox extends SandboxServer {
  readonly jiosaavn: JioSaavnEmulation;
  readonly spotify: SpotifyEmulation;
  readonly musicbrainz: MusicBrainzEmulation;
  readonly discogs: DiscogsEmulation;
  readonly youtube: YouTubeEmulation;
  readonly soundcloud: SoundCloudEmulation;
}

/**
 * Builds a sandbox with every upstream emulation. Nothing listens until `listen()`; release clocks (when
 * `releaseIntervalMs > 0`) start at once and are `unref()`ed, so they never keep the process alive.
 */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const state = options.stateDir === undefined ? undefined : fileStateStore(options.stateDir);
  const seed = options.seed ?? DEFAULT_SANDBOX_SEED;
  const now = options.now ?? Date.now;
  const jiosaavn = new JioSaavnEmulation({
    seed,
    now,
    ...(options.initialAlbumsPerLanguage !== undefined
      ? { initialAlbumsPerLanguage: options.initialAlbumsPerLanguage }
      : {}),
    ...(options.releaseIntervalMs !== undefined ? { releaseIntervalMs: options.releaseIntervalMs } : {}),
    ...(options.correctionRate !== undefined ? { correctionRate: options.correctionRate } : {}),
    ...(options.releaseLanguages !== undefined ? { releaseLanguages: options.releaseLanguages } : {}),
    ...(state !== undefined ? { state } : {}),
  });
  const spotify = new SpotifyEmulation({
    seed,
    now,
    ...(options.spotifyChartIntervalMs !== undefined ? { chartIntervalMs: options.spotifyChartIntervalMs } : {}),
    ...(options.spotifyClientId !== undefined ? { clientId: options.spotifyClientId } : {}),
    ...(options.spotifyClientSecret !== undefined ? { clientSecret: options.spotifyClientSecret } : {}),
    ...(options.spotifyTokenTtlSeconds !== undefined ? { tokenTtlSeconds: options.spotifyTokenTtlSeconds } : {}),
    ...(state !== undefined ? { state } : {}),
  });
  // MusicBrainz' rate limit is about real time between requests, so it keeps its own monotonic clock: a frozen
  // sandbox clock (as tests use) would make every request look simultaneous.
  const musicbrainz = new MusicBrainzEmulation({
    seed,
    ...(options.musicbrainzMinIntervalMs !== undefined ? { minIntervalMs: options.musicbrainzMinIntervalMs } : {}),
  });
  // Discogs, YouTube and SoundCloud share one audio catalog (the seed's): a release's tracks are the ones searched for.
  // Discogs' rate window, like MusicBrainz' pacing, runs on its own monotonic clock.
  const discogs = new DiscogsEmulation({
    seed,
    now,
    ...(options.discogsUserToken !== undefined ? { userToken: options.discogsUserToken } : {}),
    ...(options.discogsConsumerKey !== undefined ? { consumerKey: options.discogsConsumerKey } : {}),
    ...(options.discogsConsumerSecret !== undefined ? { consumerSecret: options.discogsConsumerSecret } : {}),
  });
  const youtube = new YouTubeEmulation({
    seed,
    now,
    ...(options.youtubeApiKey !== undefined ? { apiKey: options.youtubeApiKey } : {}),
    ...(options.youtubeDailySearchQuota !== undefined ? { dailySearchQuota: options.youtubeDailySearchQuota } : {}),
  });
  const soundcloud = new SoundCloudEmulation({
    seed,
    now,
    ...(options.soundcloudClientId !== undefined ? { clientId: options.soundcloudClientId } : {}),
    ...(options.soundcloudClientSecret !== undefined ? { clientSecret: options.soundcloudClientSecret } : {}),
  });
  const server = createSandboxServer({
    emulations: [jiosaavn, spotify, musicbrainz, discogs, youtube, soundcloud],
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
    ...(state !== undefined ? { state } : {}),
  });
  return Object.assign(server, { jiosaavn, spotify, musicbrainz, discogs, youtube, soundcloud });
}
