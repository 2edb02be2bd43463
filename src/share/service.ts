import { randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { tokenDigest } from '../http/auth.ts';
import { pcmFrameBytes } from '../domain/audio-frame.ts';
import { lyricPosition, parseLrc, type ParsedLyrics } from '../domain/lrc.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../infra/logger.ts';
import type { Bus } from '../ports/bus.ts';
import type { EventMap } from '../ports/events.ts';
import type { ShareSessionRecord, ShareStore } from '../ports/share-store.ts';
import type {
  AudioChunk,
  Codec,
  LyricsState,
  Metadata,
  MetadataBody,
  ShareAudioEvent,
  ShareEndedEvent,
  ShareMetadataEvent,
  StatusResponse,
} from './contract.ts';

/** How long a listener token read from the store is trusted without reading it again. */
const TOKEN_CACHE_MS = 5000;

/** What a start refused at the session cap is told to wait (sessions end by stop or after SHARE_SESSION_TTL_S). */
const FULL_RETRY_AFTER_S = 30;

/** The seed's wording of its two documented errors. */
export const IN_USE_MESSAGE = 'Session ID already in use';
export const NOT_FOUND_MESSAGE = 'Session not found';
export const NO_METADATA_MESSAGE = 'Session not found or no metadata available';

/** Metadata fields as stored (the seed's hash: every value a string). */
const STRING_FIELDS = ['title', 'artist', 'lyrics', 'thumbnailData'] as const;
const NUMBER_FIELDS = ['elapsedSeconds', 'totalSeconds', 'timestamp'] as const;

/** An audio chunk as the host sends it, decoded. */
export interface IncomingChunk {
  data: Uint8Array;
  /** `data` as base64 when the host sent it so (HTTP), to save encoding it again. */
  base64?: string;
  sampleRate: number;
  channels: number;
  timestamp: number;
  sequenceNumber: number;
  codec: Codec;
}

/** Delivery to this process's own push listeners, done before the update is published for the other processes. */
export interface LocalDelivery {
  readonly origin: string;
  deliverAudio(event: ShareAudioEvent, data?: Uint8Array): void;
  deliverMetadata(event: ShareMetadataEvent): void;
  deliverEnded(event: ShareEndedEvent): void;
}

export interface ShareServiceDeps {
  store: ShareStore;
  bus: Bus;
  logger: Logger;
  maxSessions: number;
  /** Counts audio bytes accepted from hosts (a metric). */
  onAudioBytes?: (bytes: number) => void;
  clock?: () => number;
}

/**
 * Seed 004's `MusicShareManager`: sessions, metadata and the audio buffer over the {@link ShareStore}, and every
 * accepted update published on the bus for push listeners on every process. Errors are {@link AppError}s the routes
 * render in the seed's shapes.
 */
export class ShareService {
  readonly #store: ShareStore;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #maxSessions: number;
  readonly #clock: () => number;
  readonly #onAudioBytes: (bytes: number) => void;
  #local: LocalDelivery | undefined;
  /** LRC parsed once per distinct lyrics text (hosts resend the same lyrics with every update). */
  readonly #lyrics = new LRUCache<string, ParsedLyrics>({
    max: 256,
    maxSize: 8 * 1024 * 1024,
    sizeCalculation: (_value, key) => Math.max(1, key.length * 2),
  });
  /**
   * Listener token digests by session, for a few seconds: polling listeners present one on every request, and the session
   * record need not be read for each. A restarted session gets a new token; the old one is refused once its entry
   * expires (at most `TOKEN_CACHE_MS` later).
   */
  readonly #tokens = new LRUCache<string, Buffer>({ max: 10_000, ttl: TOKEN_CACHE_MS });

  constructor(deps: ShareServiceDeps) {
    this.#store = deps.store;
    this.#bus = deps.bus;
    this.#log = deps.logger;
    this.#maxSessions = deps.maxSessions;
    this.#clock = deps.clock ?? Date.now;
    this.#onAudioBytes = deps.onAudioBytes ?? (() => undefined);
  }

  /**
   * This process's relay: updates accepted here reach its listeners at once, without the round trip through the bus
   * (the relay skips their copies coming back).
   */
  deliverLocally(local: LocalDelivery): void {
    this.#local = local;
  }

  /** Starts a session: 409 when one with that id is active, 429 (with Retry-After) at `MAX_SESSIONS`. */
  async start(sessionId: string): Promise<{ timestamp: number; listenerToken: string }> {
    const listenerToken = randomBytes(18).toString('base64url');
    const outcome = await this.#store.start(sessionId, { listenerToken, maxSessions: this.#maxSessions });
    if (outcome.status === 'in_use') throw new AppError('BACKBEAT_ERR_CONFLICT', IN_USE_MESSAGE);
    if (outcome.status === 'full') {
      throw new AppError(
        'BACKBEAT_ERR_RATE_LIMITED',
        `Too many active sessions (${outcome.active} of MAX_SESSIONS=${this.#maxSessions}): try again when one ends`,
        { retryAfterSeconds: FULL_RETRY_AFTER_S },
      );
    }
    this.#tokens.set(sessionId, tokenDigest(listenerToken));
    this.#log.info({ event: 'share_session_started', sessionId }, 'share session started');
    return { timestamp: outcome.session.startTime, listenerToken };
  }

  /** The listener token of an active session, for someone who only knows the code; 404 otherwise. */
  async join(sessionId: string): Promise<string> {
    const session = await this.#store.session(sessionId);
    if (!session?.active) throw new AppError('BACKBEAT_ERR_NOT_FOUND', NOT_FOUND_MESSAGE);
    this.#tokens.set(sessionId, tokenDigest(session.listenerToken));
    return session.listenerToken;
  }

  /** True when `digest` ({@link tokenDigest}) is that of this session's listener token (an unknown session has none). */
  async isListenerDigest(sessionId: string, digest: Buffer): Promise<boolean> {
    let expected = this.#tokens.get(sessionId);
    if (expected === undefined || !timingSafeEqual(digest, expected)) {
      const session = await this.#store.session(sessionId);
      if (!session) return false;
      expected = tokenDigest(session.listenerToken);
      this.#tokens.set(sessionId, expected);
    }
    return timingSafeEqual(digest, expected);
  }

  /** Merges metadata into the session's (404 for no active session); publishes the result; returns the listeners. */
  async putMetadata(sessionId: string, body: MetadataBody): Promise<number> {
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(body)) {
      if (value !== undefined) fields[key] = String(value);
    }
    if (!(await this.#store.putMetadata(sessionId, fields))) {
      throw new AppError('BACKBEAT_ERR_NOT_FOUND', NOT_FOUND_MESSAGE);
    }
    const [stored, listeners] = await Promise.all([
      this.#store.metadata(sessionId),
      this.#store.listenerCount(sessionId),
    ]);
    if (stored) {
      const { metadata, lyrics } = this.present(stored);
      const event: ShareMetadataEvent = {
        sessionId,
        metadata,
        lyrics,
        receivedAt: this.#clock(),
        ...(this.#local ? { origin: this.#local.origin } : {}),
      };
      this.#local?.deliverMetadata(event);
      await this.#publish('share.metadata', event);
    }
    return listeners;
  }

  /** Buffers a chunk (404 for no active session) and publishes it to push listeners. */
  async putAudio(sessionId: string, chunk: IncomingChunk): Promise<void> {
    const frameBytes = pcmFrameBytes(chunk.codec, chunk.channels);
    if (frameBytes !== undefined && chunk.data.byteLength % frameBytes !== 0) {
      throw new AppError(
        'BACKBEAT_ERR_VALIDATION',
        `body/data must hold whole ${chunk.codec} sample frames: a multiple of ${frameBytes} bytes for ` +
          `${chunk.channels} channel(s), not ${chunk.data.byteLength}`,
      );
    }
    const base64 =
      chunk.base64 ?? Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength).toString('base64');
    const stored: AudioChunk = {
      data: base64,
      sampleRate: chunk.sampleRate,
      channels: chunk.channels,
      timestamp: chunk.timestamp,
      sequenceNumber: chunk.sequenceNumber,
      codec: chunk.codec,
    };
    const accepted = await this.#store.putChunk(sessionId, {
      sequenceNumber: chunk.sequenceNumber,
      json: JSON.stringify(stored),
      bytes: chunk.data.byteLength,
    });
    if (!accepted) throw new AppError('BACKBEAT_ERR_NOT_FOUND', NOT_FOUND_MESSAGE);
    this.#onAudioBytes(chunk.data.byteLength);
    const event: ShareAudioEvent = {
      sessionId,
      ...stored,
      receivedAt: this.#clock(),
      ...(this.#local ? { origin: this.#local.origin } : {}),
    };
    this.#local?.deliverAudio(event, chunk.data);
    await this.#publish('share.audio', event);
  }

  /** Stops an active session (404 otherwise); it stays readable for the grace period. */
  async stop(sessionId: string): Promise<{ sessionDuration: number; bytesTransferred: number }> {
    const session = await this.#store.stop(sessionId);
    if (!session) throw new AppError('BACKBEAT_ERR_NOT_FOUND', NOT_FOUND_MESSAGE);
    const stoppedAt = session.stoppedAt ?? this.#clock();
    const sessionDuration = Math.round((stoppedAt - session.startTime) / 100) / 10;
    const ended: ShareEndedEvent = {
      sessionId,
      reason: 'stopped',
      ...(this.#local ? { origin: this.#local.origin } : {}),
    };
    this.#local?.deliverEnded(ended);
    await this.#publish('share.ended', ended);
    this.#log.info(
      { event: 'share_session_stopped', sessionId, sessionDuration, bytesTransferred: session.bytesTransferred },
      'share session stopped',
    );
    return { sessionDuration, bytesTransferred: session.bytesTransferred };
  }

  /** The seed's status answer, or 404. */
  async status(sessionId: string): Promise<StatusResponse> {
    const [session, metadata, listenerCount] = await Promise.all([
      this.#store.session(sessionId),
      this.#store.metadata(sessionId),
      this.#store.listenerCount(sessionId),
    ]);
    if (!session) throw new AppError('BACKBEAT_ERR_NOT_FOUND', NOT_FOUND_MESSAGE);
    return {
      isActive: session.active,
      startTime: session.startTime,
      listenerCount,
      currentMetadata: metadata ? { title: metadata.title ?? null, artist: metadata.artist ?? null } : null,
    };
  }

  /** The latest metadata with the lyrics position, or 404 (no session, or no metadata in the last 30 s). */
  async metadata(sessionId: string): Promise<{ metadata: Metadata; lyrics: LyricsState | null }> {
    const stored = await this.#store.metadata(sessionId);
    if (!stored) throw new AppError('BACKBEAT_ERR_NOT_FOUND', NO_METADATA_MESSAGE);
    return this.present(stored);
  }

  /** The session record, or undefined. */
  session(sessionId: string): Promise<ShareSessionRecord | undefined> {
    return this.#store.session(sessionId);
  }

  /**
   * Buffered chunks after `since` as stored (JSON strings, ordered by sequence number); `undefined` when the session
   * does not exist (404), an empty list when it does but nothing is newer (204).
   */
  audioSince(sessionId: string, since: number): Promise<string[] | undefined> {
    return this.#store.chunksSince(sessionId, since);
  }

  /** Typed metadata from the stored strings, with the lyrics parsed (once per text) and positioned. */
  present(stored: Readonly<Record<string, string>>): { metadata: Metadata; lyrics: LyricsState | null } {
    const metadata: Metadata = {};
    for (const key of STRING_FIELDS) if (stored[key] !== undefined) metadata[key] = stored[key];
    for (const key of NUMBER_FIELDS) {
      const value = stored[key] === undefined ? Number.NaN : Number(stored[key]);
      if (Number.isFinite(value)) metadata[key] = value;
    }
    if (stored.hasSyncedLyrics !== undefined) metadata.hasSyncedLyrics = stored.hasSyncedLyrics === 'true';
    const lyrics = metadata.lyrics ? this.#lyricsState(metadata.lyrics, metadata.elapsedSeconds ?? 0) : null;
    if (lyrics?.synced) {
      metadata.lineIndex = lyrics.lineIndex;
      metadata.nextLineAt = lyrics.nextLineAt;
    }
    return { metadata, lyrics };
  }

  #lyricsState(text: string, elapsedSeconds: number): LyricsState {
    let parsed = this.#lyrics.get(text);
    if (!parsed) {
      parsed = parseLrc(text);
      this.#lyrics.set(text, parsed);
    }
    const lines = parsed.lines.map((line) => ({ time: line.time, text: line.text }));
    if (!parsed.synced) return { synced: false, lines, lineIndex: -1, nextLineAt: null };
    const { lineIndex, nextLineAt } = lyricPosition(parsed.lines, elapsedSeconds);
    return { synced: true, lines, lineIndex, nextLineAt };
  }

  async #publish<K extends 'share.metadata' | 'share.audio' | 'share.ended'>(
    name: K,
    ...payload: EventMap[K]
  ): Promise<void> {
    // The buffer (polling) has the update already; a bus outage only delays push listeners, never fails the host.
    await this.#bus.publish(name, ...payload).catch((err: unknown) => {
      this.#log.warn({ event: 'share_publish_failed', name, err }, 'share update not pushed');
    });
  }
}
