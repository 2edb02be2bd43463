/**
 * The host side of Share in the browser: a decoded audio file streamed in real time to the relay as ~100 ms pcm_f32
 * frames over the host WebSocket (POSTs while the socket is down), with metadata every second. Pacing follows the
 * wall clock, so listeners hear the file at its own speed whatever the timers' jitter. The pure helpers are exported
 * for tests.
 */
import { encodeAudioFrame } from '../../../src/domain/audio-frame.ts';
import { interleaveF32 } from './pcmPlayer.ts';
import { CLOSE_CODES, reconnectDelayMs, shareSocketUrl } from './share.ts';
import { bytesToBase64, fetchShareStatus, postShareAudio, postShareMetadata } from './shareApi.ts';
import type { HostMessage, ShareMetadataBody } from './types.ts';

/** Milliseconds of audio per frame. */
export const CHUNK_MS = 100;

/** Sample frames per chunk at `sampleRate` (100 ms worth, at least one). */
export function chunkFrames(sampleRate: number, chunkMs = CHUNK_MS): number {
  return Math.max(1, Math.round((sampleRate * chunkMs) / 1000));
}

/** Chunks in a track of `totalFrames` sample frames. */
export function chunkCount(totalFrames: number, framesPerChunk: number): number {
  return Math.ceil(totalFrames / framesPerChunk);
}

/**
 * How many chunks should have been sent `elapsedMs` into the stream: chunk `i` is due when its audio starts
 * (`i × chunk length`), `leadMs` early so it reaches listeners before its time; never more than the track has.
 */
export function chunksDue(elapsedMs: number, chunkMs: number, total: number, leadMs = 0): number {
  if (elapsedMs < -leadMs) return 0;
  return Math.min(total, Math.floor((elapsedMs + leadMs) / chunkMs) + 1);
}

/** What the host page shows of the stream. */
export interface HostStreamStats {
  socket: 'connecting' | 'open' | 'reconnecting' | 'closed';
  chunksSent: number;
  bytesSent: number;
  /** Chunks skipped because the socket could not keep up. */
  chunksSkipped: number;
  listenerCount: number | null;
  finished: boolean;
}

/** Options of {@link HostStreamer}. */
export interface HostStreamerOptions {
  sessionId: string;
  /** The share bearer token. */
  token: string;
  /** Per-channel samples (at most two channels). */
  channels: Float32Array[];
  sampleRate: number;
  /** Title, artist, lyrics… sent with every metadata update (progress is added). */
  metadata: () => ShareMetadataBody;
  /** The stream changed (counts, socket, listeners). */
  onChange: () => void;
  /** The server said something went wrong (in words). */
  onError: (message: string) => void;
  /** The session ended on the server's side (stopped elsewhere, or expired). */
  onEnded: (reason: 'stopped' | 'expired') => void;
}

/** Frames waiting in the socket past this are a sign it cannot keep up: chunks are skipped, not queued. */
const MAX_SOCKET_BUFFER = 1_000_000;
/** How often the pacing loop looks at the clock. */
const TICK_MS = 25;
/** How often metadata goes out while playing (after the end, a slower keep-alive so it does not expire). */
const METADATA_MS = 1000;
const METADATA_IDLE_MS = 5000;
/**
 * How often the listener count is read from the status endpoint: the host socket only hears of changes, so a count
 * that settled before it (re)connected would otherwise never show.
 */
const STATUS_MS = 5000;
/** Lyrics go with the first update and then now and then (the server keeps them; this covers its restarts). */
const LYRICS_EVERY = 15;

/**
 * Streams one decoded track. {@link start} opens the host socket and starts the clock; {@link stop} ends it (the
 * page then stops the session through the API).
 */
export class HostStreamer {
  readonly totalChunks: number;
  readonly totalSeconds: number;
  private readonly framesPerChunk: number;
  private ws: WebSocket | null = null;
  private startWall = 0;
  private startEpoch = 0;
  private sent = 0;
  private tick: ReturnType<typeof setInterval> | undefined;
  private metadataTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private statusTimer: ReturnType<typeof setInterval> | undefined;
  private reconnects = 0;
  private metadataSent = 0;
  private stopped = false;
  readonly stats: HostStreamStats = {
    socket: 'connecting',
    chunksSent: 0,
    bytesSent: 0,
    chunksSkipped: 0,
    listenerCount: null,
    finished: false,
  };

  constructor(private readonly options: HostStreamerOptions) {
    const frames = options.channels[0]?.length ?? 0;
    this.framesPerChunk = chunkFrames(options.sampleRate);
    this.totalChunks = chunkCount(frames, this.framesPerChunk);
    this.totalSeconds = frames / options.sampleRate;
  }

  /** Opens the host socket and, once it is open (or has failed: POSTs then), starts streaming. */
  start(): void {
    this.connect();
    // The clock starts now: the socket opening a little later only means the first chunks go out together.
    this.startWall = performance.now();
    this.startEpoch = Date.now();
    this.tick = setInterval(() => this.pump(), TICK_MS);
    this.statusTimer = setInterval(() => void this.readStatus(), STATUS_MS);
    this.sendMetadata();
  }

  private async readStatus(): Promise<void> {
    try {
      const status = await fetchShareStatus(this.options.sessionId, this.options.token);
      if (this.stopped || status.listenerCount === this.stats.listenerCount) return;
      this.stats.listenerCount = status.listenerCount;
      this.options.onChange();
    } catch {
      // The socket's counts still come; a failed read changes nothing.
    }
  }

  /** Seconds into the track now. */
  elapsed(): number {
    if (this.startWall === 0) return 0;
    return Math.min(this.totalSeconds, (performance.now() - this.startWall) / 1000);
  }

  /** Stops sending and closes the socket. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.tick);
    clearTimeout(this.metadataTimer);
    clearTimeout(this.reconnectTimer);
    clearInterval(this.statusTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'host stopped');
    this.stats.socket = 'closed';
    this.options.onChange();
  }

  private connect(): void {
    if (this.stopped) return;
    const { sessionId, token } = this.options;
    const ws = new WebSocket(shareSocketUrl(window.location, sessionId, 'host', token));
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.stats.socket = this.reconnects === 0 ? 'connecting' : 'reconnecting';
    ws.onopen = () => {
      this.reconnects = 0;
      this.stats.socket = 'open';
      this.options.onChange();
    };
    ws.onmessage = (event: MessageEvent<unknown>) => {
      if (typeof event.data !== 'string') return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (typeof message !== 'object' || message === null) return;
      const m = message as Record<string, unknown>;
      if (m.type === 'listeners' && Number.isInteger(m.listenerCount)) {
        this.stats.listenerCount = m.listenerCount as number;
        this.options.onChange();
      } else if (m.type === 'error' && typeof m.error === 'string') {
        this.options.onError(m.error);
      } else if (m.type === 'ended') {
        this.end(m.reason === 'expired' ? 'expired' : 'stopped');
      }
    };
    ws.onclose = (event: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (event.code === CLOSE_CODES.stopped || event.code === CLOSE_CODES.notFound) {
        this.end(event.code === CLOSE_CODES.stopped ? 'stopped' : 'expired');
        return;
      }
      this.stats.socket = 'reconnecting';
      this.options.onChange();
      this.reconnectTimer = setTimeout(() => this.connect(), reconnectDelayMs(this.reconnects++));
    };
  }

  private end(reason: 'stopped' | 'expired'): void {
    if (this.stopped) return;
    this.stop();
    this.options.onEnded(reason);
  }

  /** Sends every chunk that is due by now. */
  private pump(): void {
    if (this.stopped) return;
    const due = chunksDue(performance.now() - this.startWall, CHUNK_MS, this.totalChunks);
    let changed = false;
    while (this.sent < due) {
      this.sendChunk(this.sent);
      this.sent += 1;
      changed = true;
    }
    if (this.sent >= this.totalChunks && !this.stats.finished) {
      this.stats.finished = true;
      clearInterval(this.tick);
      this.sendMetadata();
      changed = true;
    }
    if (changed) this.options.onChange();
  }

  private sendChunk(index: number): void {
    const { channels, sampleRate, sessionId, token } = this.options;
    const start = index * this.framesPerChunk;
    const end = Math.min(start + this.framesPerChunk, channels[0]?.length ?? 0);
    const data = interleaveF32(channels, start, end);
    const header = {
      channels: channels.length,
      sampleRate,
      sequenceNumber: index,
      timestamp: this.startEpoch + index * CHUNK_MS,
    };
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      if (ws.bufferedAmount > MAX_SOCKET_BUFFER) {
        this.stats.chunksSkipped += 1;
        return;
      }
      ws.send(encodeAudioFrame({ ...header, codec: 'pcm_f32', data }) as Uint8Array<ArrayBuffer>);
    } else {
      // The socket is (re)connecting: the same chunk over HTTP, so listeners do not lose it.
      postShareAudio(token, sessionId, { ...header, codec: 'pcm_f32', data: bytesToBase64(data) }).catch(
        () => undefined,
      );
    }
    this.stats.chunksSent += 1;
    this.stats.bytesSent += data.byteLength;
  }

  private sendMetadata(): void {
    if (this.stopped) return;
    clearTimeout(this.metadataTimer);
    const base = this.options.metadata();
    const withLyrics = this.metadataSent % LYRICS_EVERY === 0;
    const { lyrics, hasSyncedLyrics, ...rest } = base;
    const body: ShareMetadataBody = {
      ...rest,
      ...(withLyrics && lyrics !== undefined ? { lyrics, hasSyncedLyrics } : {}),
      elapsedSeconds: Math.round(this.elapsed() * 1000) / 1000,
      totalSeconds: Math.round(this.totalSeconds * 1000) / 1000,
      timestamp: Date.now(),
    };
    this.metadataSent += 1;
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: 'metadata', ...body } satisfies HostMessage));
    } else {
      postShareMetadata(this.options.token, this.options.sessionId, body).catch(() => undefined);
    }
    this.metadataTimer = setTimeout(() => this.sendMetadata(), this.stats.finished ? METADATA_IDLE_MS : METADATA_MS);
  }
}
