import type { Logger } from '../infra/logger.ts';
import { systemClock, type Clock } from '../ports/clock.ts';
import type { AudioBody, MetadataBody, StartResponse } from './contract.ts';
import { DEMO_SONG, demoThumbnailBase64, renderDemoChunk } from './demo-melody.ts';

/**
 * A demo host: plays {@link DEMO_SONG} into a Share session through the public HTTP API, exactly as a host app would
 * (bearer token, `start`, `audio`, `metadata`, `stop`), so the demo exercises the real routes, limits and relay.
 */

export interface DemoHostOptions {
  /** The server's origin, e.g. `http://127.0.0.1:3000` (a trailing slash is fine). */
  baseUrl: string;
  bearerToken: string;
  /** Six digits. */
  sessionId: string;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Aborting ends the stream: the session is stopped (best effort) and `done` resolves. */
  signal: AbortSignal;
  /** Audio per chunk, ms (10–5000; default 100). */
  chunkMs?: number;
  /** Paces the stream and stamps its bodies; {@link systemClock} unless a test steps time itself. */
  clock?: Clock;
}

export interface DemoHost {
  /** From the first successful start. If the session has to be started again, the new ones are logged. */
  listenerToken: string;
  shareUrl: string;
  /** Resolves once the stream has ended after `signal` aborted and the stop request has settled. Never rejects. */
  done: Promise<void>;
}

/** Longest any request may take before it counts as failed (a hung server must not stall the stream forever). */
const REQUEST_TIMEOUT_MS = 5000;
/** Metadata goes out this often: listeners re-sync their lyric position on each update. */
const METADATA_EVERY_MS = 1000;
/** Catching up after a stall sends at most this much audio in a burst; older due chunks are skipped. */
const MAX_CATCH_UP_MS = 1000;
/** After a failed restart, wait this long before trying again. */
const RESTART_BACKOFF_MS = 1000;

/** An unexpected HTTP answer. */
class UpstreamError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** Float samples as little-endian 32-bit floats (the seed's `pcm_f32`), whatever the machine's byte order. */
function pcmF32Base64(samples: Float32Array): string {
  const bytes = new Uint8Array(samples.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) view.setFloat32(i * 4, samples[i]!, true);
  return Buffer.from(bytes).toString('base64');
}

/** A short description of a failure, stable across repeats of the same failure (so it is logged once). */
function describeFailure(err: unknown): string {
  if (err instanceof UpstreamError) return err.message;
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? err.cause : undefined;
    const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
    return code ?? cause?.message ?? err.message;
  }
  return String(err);
}

/**
 * Starts session `sessionId` (stopping a leftover session with that id first, on 409) and resolves with its tokens;
 * then streams the demo song in the background until `signal` aborts: one audio chunk every `chunkMs` and metadata
 * every second, both paced on the wall clock (after a slow request the due chunks are sent at once, up to a second's
 * worth). Sequence numbers count chunks since this start and never go back. Upstream failures are logged when the
 * state changes (failing, failing differently, recovered), never thrown; a session that disappears (404) is started
 * again. Rejects only when the first start fails or `signal` is already aborted.
 */
export async function runDemoHost(options: DemoHostOptions): Promise<DemoHost> {
  const chunkMs = options.chunkMs ?? 100;
  if (!Number.isFinite(chunkMs) || chunkMs < 10 || chunkMs > 5000) {
    throw new RangeError('chunkMs must be between 10 and 5000');
  }
  options.signal.throwIfAborted();
  const host = new DemoHostLoop(options, chunkMs);
  const started = await host.start();
  const done = host.run().catch((err: unknown) => {
    options.logger.warn({ event: 'share_demo_failed', error: describeFailure(err) }, 'demo stream ended');
  });
  return { ...started, done };
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts (the timer is cancelled then). */
function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    let cancel = () => {};
    const finish = () => {
      cancel();
      signal.removeEventListener('abort', finish);
      resolve();
    };
    signal.addEventListener('abort', finish, { once: true });
    cancel = clock.setTimeout(finish, ms);
  });
}

class DemoHostLoop {
  readonly #base: string;
  readonly #clock: Clock;
  readonly #options: DemoHostOptions;
  readonly #chunkMs: number;
  readonly #log: Pick<Logger, 'info' | 'warn'>;
  /** Per request kind, the failure last logged (absent: working). */
  readonly #failing = new Map<string, string>();
  #needsStart = false;
  #lastStartAttempt = Number.NEGATIVE_INFINITY;

  constructor(options: DemoHostOptions, chunkMs: number) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#options = options;
    this.#chunkMs = chunkMs;
    this.#log = options.logger;
    this.#clock = options.clock ?? systemClock;
  }

  get #sessionPath(): string {
    return `/api/share/${this.#options.sessionId}`;
  }

  /** Starts the session; a 409 means a session with this id is left over (ours, from a previous run): stop it. */
  async start(): Promise<{ listenerToken: string; shareUrl: string }> {
    const body = { sessionId: this.#options.sessionId };
    let response = await this.#post('/api/share/start', body);
    if (response.status === 409) {
      this.#log.info({ event: 'share_demo_replacing', sessionId: this.#options.sessionId }, 'stopping the old session');
      await this.#expectOk(await this.#post(`${this.#sessionPath}/stop`, undefined), 'stop');
      response = await this.#post('/api/share/start', body);
    }
    const started = (await this.#expectOk(response, 'start')) as StartResponse;
    if (typeof started.listenerToken !== 'string' || typeof started.shareUrl !== 'string') {
      throw new UpstreamError(response.status, 'start: the answer has no listenerToken or shareUrl');
    }
    this.#log.info(
      { event: 'share_demo_started', sessionId: this.#options.sessionId, shareUrl: started.shareUrl },
      'demo session playing',
    );
    return { listenerToken: started.listenerToken, shareUrl: started.shareUrl };
  }

  /** The stream; resolves after abort, once the stop request has settled. */
  async run(): Promise<void> {
    const { signal } = this.#options;
    const { sampleRate, channels, durationSeconds } = DEMO_SONG;
    const startedAt = this.#clock.now();
    const samplesAt = (chunk: number) => Math.floor((chunk * this.#chunkMs * sampleRate) / 1000);
    let chunksSent = 0;
    let metadataSent = 0;
    try {
      while (!signal.aborted) {
        const elapsedMs = this.#clock.now() - startedAt;
        // Chunk n holds song time [n, n + 1) × chunkMs and is due once that time has passed, as from a capture device.
        const chunksDue = Math.floor(elapsedMs / this.#chunkMs);
        const metadataDue = Math.floor(elapsedMs / METADATA_EVERY_MS) + 1;

        if (this.#needsStart) {
          // Audio due while the session was missing is gone; a new session has no metadata yet: send it at once.
          chunksSent = chunksDue;
          if (await this.#restart()) metadataSent = 0;
        }
        if (!this.#needsStart) {
          if (metadataSent < metadataDue) {
            metadataSent = metadataDue;
            const now = this.#clock.now();
            await this.#send('metadata', {
              title: DEMO_SONG.title,
              artist: DEMO_SONG.artist,
              lyrics: DEMO_SONG.lrc,
              hasSyncedLyrics: true,
              elapsedSeconds: Math.round((((now - startedAt) / 1000) % durationSeconds) * 1000) / 1000,
              totalSeconds: durationSeconds,
              thumbnailData: demoThumbnailBase64(),
              timestamp: now,
            } satisfies MetadataBody);
          }
          chunksSent = Math.max(chunksSent, chunksDue - Math.ceil(MAX_CATCH_UP_MS / this.#chunkMs));
          while (chunksSent < chunksDue && !signal.aborted && !this.#needsStart) {
            const from = samplesAt(chunksSent);
            const samples = renderDemoChunk(from, samplesAt(chunksSent + 1) - from);
            const body: AudioBody = {
              data: pcmF32Base64(samples),
              sampleRate,
              channels,
              timestamp: this.#clock.now(),
              sequenceNumber: chunksSent,
            };
            chunksSent += 1;
            await this.#send('audio', body);
          }
        }

        // A lost session is started again at once, then once per RESTART_BACKOFF_MS; nothing else goes out meanwhile.
        const wakeAt = this.#needsStart
          ? this.#lastStartAttempt + RESTART_BACKOFF_MS
          : Math.min(startedAt + (chunksSent + 1) * this.#chunkMs, startedAt + metadataSent * METADATA_EVERY_MS);
        const wait = wakeAt - this.#clock.now();
        if (wait > 0) await pause(this.#clock, wait, signal);
      }
    } finally {
      await this.#stop();
    }
  }

  /** Posts one update; failures are logged on change and swallowed, a 404 schedules a restart. */
  async #send(kind: 'audio' | 'metadata', body: AudioBody | MetadataBody): Promise<void> {
    try {
      const response = await this.#post(`${this.#sessionPath}/${kind}`, body);
      if (response.status === 404) {
        await response.body?.cancel();
        this.#needsStart = true;
        this.#log.warn({ event: 'share_demo_session_gone', sessionId: this.#options.sessionId }, 'starting it again');
        return;
      }
      await this.#expectOk(response, kind);
      this.#recovered(kind);
    } catch (err) {
      if (this.#options.signal.aborted) return;
      this.#failed(kind, err);
    }
  }

  /** Starts the session again (at most once per RESTART_BACKOFF_MS); true when it is running again. */
  async #restart(): Promise<boolean> {
    if (this.#clock.now() - this.#lastStartAttempt < RESTART_BACKOFF_MS) return false;
    this.#lastStartAttempt = this.#clock.now();
    try {
      await this.start();
      this.#needsStart = false;
      this.#recovered('start');
      return true;
    } catch (err) {
      if (!this.#options.signal.aborted) this.#failed('start', err);
      return false;
    }
  }

  /** Best effort, with its own timeout: `signal` is already aborted here. */
  async #stop(): Promise<void> {
    try {
      const response = await this.#post(`${this.#sessionPath}/stop`, undefined, false);
      await response.body?.cancel();
      this.#log.info({ event: 'share_demo_stopped', sessionId: this.#options.sessionId, status: response.status });
    } catch (err) {
      this.#log.warn({ event: 'share_demo_stop_failed', error: describeFailure(err) }, 'session left to expire');
    }
  }

  #failed(kind: string, err: unknown): void {
    const failure = describeFailure(err);
    if (this.#failing.get(kind) === failure) return;
    this.#failing.set(kind, failure);
    this.#log.warn({ event: 'share_demo_upstream_failed', request: kind, error: failure }, 'will keep trying');
  }

  #recovered(kind: string): void {
    if (!this.#failing.delete(kind)) return;
    this.#log.info({ event: 'share_demo_upstream_recovered', request: kind });
  }

  async #expectOk(response: Response, what: string): Promise<unknown> {
    const text = await response.text();
    if (!response.ok) throw new UpstreamError(response.status, `${what}: HTTP ${response.status}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UpstreamError(response.status, `${what}: the answer is not JSON`);
    }
  }

  /** One request, ended by `signal` (unless `abortable` is false) or after REQUEST_TIMEOUT_MS. */
  async #post(path: string, body: unknown, abortable = true): Promise<Response> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error('timed out')), REQUEST_TIMEOUT_MS);
    try {
      return await fetch(`${this.#base}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.#options.bearerToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: abortable ? AbortSignal.any([this.#options.signal, timeout.signal]) : timeout.signal,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
