import { Type, type Static } from 'typebox';
import { SAFE_TEXT_PATTERN } from '../http/contract.ts';

/**
 * The Share job's public contract: request and response bodies of the seed's seven endpoints (seed 004, unchanged),
 * what `start` adds (listener token, share link), the WebSocket messages, and the events carried between processes.
 * Routes validate and serialize with these, OpenAPI documents them, and the web app imports the types.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** A session id: exactly six digits (the seed's "6-digit session ID validation"). */
export const SESSION_ID_PATTERN = '^[0-9]{6}$';
export const SessionIdParams = Type.Object(
  { sessionId: Type.String({ pattern: SESSION_ID_PATTERN, description: 'The session code: exactly 6 digits' }) },
  { additionalProperties: false },
);
export type SessionIdParams = Static<typeof SessionIdParams>;

/** Base64 (standard alphabet, padded or not). */
const BASE64_PATTERN = '^[A-Za-z0-9+/]*={0,2}$';

/** Longest title/artist accepted, in characters. */
export const MAX_TEXT_LENGTH = 500;
/** Longest lyrics text accepted, in characters. */
export const MAX_LYRICS_LENGTH = 64 * 1024;

export const Codec = Type.Union([Type.Literal('pcm_f32'), Type.Literal('pcm_s16'), Type.Literal('opus')], {
  description:
    'How `data` is encoded: pcm_f32 (the seed: interleaved 32-bit little-endian floats, the default), pcm_s16 ' +
    '(interleaved 16-bit little-endian integers) or opus (one Opus packet). The relay passes the bytes through.',
});
export type Codec = Static<typeof Codec>;

/** The body of `POST /api/share/start`. */
export const StartBody = Type.Object(
  { sessionId: Type.String({ pattern: SESSION_ID_PATTERN, description: 'The code to share: exactly 6 digits' }) },
  { additionalProperties: false, title: 'ShareStartBody' },
);
export type StartBody = Static<typeof StartBody>;

export const StartResponse = Type.Object(
  {
    success: Type.Literal(true),
    sessionId: Type.String(),
    timestamp: Type.Number({ description: 'Start time, milliseconds since the epoch' }),
    listenerToken: Type.String({
      description: 'Lets listeners read this session (status, metadata, audio, the WebSocket) without BEARER_TOKEN',
    }),
    shareUrl: Type.String({ description: 'The listener page of this session, with its listener token' }),
  },
  { title: 'ShareStartResponse' },
);
export type StartResponse = Static<typeof StartResponse>;

/** Seed 004's metadata, as the host sends it and `GET …/metadata` returns it. Every field is optional. */
const metadataFields = {
  title: Type.Optional(Type.String({ maxLength: MAX_TEXT_LENGTH, pattern: SAFE_TEXT_PATTERN })),
  artist: Type.Optional(Type.String({ maxLength: MAX_TEXT_LENGTH, pattern: SAFE_TEXT_PATTERN })),
  lyrics: Type.Optional(
    Type.String({
      maxLength: MAX_LYRICS_LENGTH,
      pattern: '^[^\\u0000]*$',
      description: 'LRC ([mm:ss.xx]line) or plain text',
    }),
  ),
  hasSyncedLyrics: Type.Optional(Type.Boolean()),
  elapsedSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
  totalSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
  thumbnailData: Type.Optional(Type.String({ pattern: BASE64_PATTERN, description: 'A base64 JPEG or PNG' })),
  timestamp: Type.Optional(Type.Number({ minimum: 0, description: 'When elapsedSeconds was true (ms since epoch)' })),
};

export const MetadataBody = Type.Object(metadataFields, {
  additionalProperties: false,
  minProperties: 1,
  title: 'ShareMetadataBody',
  description: 'Merged into the session metadata (fields not sent keep their value); the metadata lives 30 s',
});
export type MetadataBody = Static<typeof MetadataBody>;

export const Metadata = Type.Object(
  {
    ...metadataFields,
    lineIndex: Type.Optional(
      Type.Integer({
        minimum: -1,
        description: 'The synced lyric line playing at elapsedSeconds (-1: before the first line)',
      }),
    ),
    nextLineAt: Type.Optional(
      Nullable(Type.Number({ description: 'Seconds into the track when the next line starts; null after the last' })),
    ),
  },
  { title: 'ShareMetadata' },
);
export type Metadata = Static<typeof Metadata>;

export const MetadataResponse = Type.Object(
  { success: Type.Literal(true), listenersNotified: Type.Integer({ minimum: 0 }) },
  { title: 'ShareMetadataResponse' },
);

/** The body of `POST /api/share/{sessionId}/audio` (seed 004, plus an optional `codec`). */
export const AudioBody = Type.Object(
  {
    data: Type.String({ minLength: 1, pattern: BASE64_PATTERN, description: 'The chunk, base64' }),
    sampleRate: Type.Integer({ minimum: 8000, maximum: 192_000 }),
    channels: Type.Integer({ minimum: 1, maximum: 8 }),
    timestamp: Type.Number({ minimum: 0, description: 'Capture time, ms since the epoch' }),
    sequenceNumber: Type.Integer({ minimum: 0, maximum: 4_294_967_295 }),
    codec: Type.Optional(Codec),
  },
  { additionalProperties: false, title: 'ShareAudioBody' },
);
export type AudioBody = Static<typeof AudioBody>;

export const AudioResponse = Type.Object(
  { success: Type.Literal(true), buffered: Type.Boolean() },
  { title: 'ShareAudioResponse' },
);

/** One buffered chunk as `GET …/audio?since=` returns it (the seed's shape; `codec` added). */
export const AudioChunk = Type.Object(
  {
    data: Type.String(),
    sampleRate: Type.Integer(),
    channels: Type.Integer(),
    timestamp: Type.Number(),
    sequenceNumber: Type.Integer(),
    codec: Codec,
  },
  { title: 'ShareAudioChunk' },
);
export type AudioChunk = Static<typeof AudioChunk>;

export const AudioQuery = Type.Object(
  {
    since: Type.Optional(
      Type.Integer({
        minimum: -1,
        maximum: 4_294_967_295,
        default: -1,
        description: 'The last sequence number received; -1 (the default) for the whole buffer',
      }),
    ),
    token: Type.Optional(Type.String({ maxLength: 200, description: 'A listener token, instead of the header' })),
  },
  { additionalProperties: false },
);

export const ListenerQuery = Type.Object(
  { token: Type.Optional(Type.String({ maxLength: 200, description: 'A listener token, instead of the header' })) },
  { additionalProperties: false },
);

export const StopResponse = Type.Object(
  {
    success: Type.Literal(true),
    sessionDuration: Type.Number({ description: 'Seconds from start to stop (one decimal)' }),
    bytesTransferred: Type.Integer({ description: 'Audio bytes received from the host (decoded)' }),
  },
  { title: 'ShareStopResponse' },
);
export type StopResponse = Static<typeof StopResponse>;

export const StatusResponse = Type.Object(
  {
    isActive: Type.Boolean({ description: 'false once stopped (readable for SHARE_GRACE_S more)' }),
    startTime: Type.Number(),
    listenerCount: Type.Integer({
      minimum: 0,
      description: 'Connected WebSocket listeners plus pollers seen in the last few seconds, on every process',
    }),
    currentMetadata: Nullable(
      Type.Object({ title: Nullable(Type.String()), artist: Nullable(Type.String()) }, { title: 'ShareNowPlaying' }),
    ),
  },
  { title: 'ShareStatusResponse' },
);
export type StatusResponse = Static<typeof StatusResponse>;

/** Every Share error, in the seed's flat shape (`{ error }`, with `success: false` as its 409) plus our code. */
export const ShareError = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String({ description: 'What went wrong, in words' }),
    code: Type.String({ description: 'A stable BACKBEAT_ERR_* code (see the README)' }),
  },
  { title: 'ShareError' },
);
export type ShareError = Static<typeof ShareError>;

/** One synced line of LRC lyrics. */
export const LyricLine = Type.Object(
  { time: Type.Number({ description: 'Seconds into the track (offset applied)' }), text: Type.String() },
  { title: 'ShareLyricLine' },
);
export type LyricLine = Static<typeof LyricLine>;

/** The session's lyrics, parsed once on the server, with the position at the metadata's elapsedSeconds. */
export const LyricsState = Type.Object(
  {
    synced: Type.Boolean({ description: 'false: plain text (lines have no times worth following)' }),
    lines: Type.Array(LyricLine),
    lineIndex: Type.Integer({ minimum: -1 }),
    nextLineAt: Nullable(Type.Number()),
  },
  { title: 'ShareLyricsState' },
);
export type LyricsState = Static<typeof LyricsState>;

/**
 * Text frames a listener WebSocket receives (JSON). Audio arrives as binary frames (see `src/domain/audio-frame.ts`).
 * - `state`: once, on join, followed by the buffered chunks as binary frames;
 * - `metadata`: each metadata update;
 * - `listeners`: the listener count when it changes;
 * - `ended`: the session stopped or expired; the server closes the socket next.
 */
export type ListenerMessage =
  | {
      type: 'state';
      sessionId: string;
      isActive: boolean;
      startTime: number;
      listenerCount: number;
      metadata: Metadata | null;
      lyrics: LyricsState | null;
      serverTime: number;
    }
  | { type: 'metadata'; metadata: Metadata; lyrics: LyricsState | null; serverTime: number }
  | { type: 'listeners'; listenerCount: number }
  | { type: 'ended'; reason: 'stopped' | 'expired' }
  | { type: 'error'; error: string; code: string };

/** Text frames a host WebSocket may send: metadata (the POST body's fields). Audio goes as binary frames. */
export type HostMessage = { type: 'metadata' } & MetadataBody;

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = {
  /** The session was stopped by its host. */
  stopped: 4000,
  /** The token does not open this session. */
  unauthorized: 4001,
  /** The session does not exist or expired. */
  notFound: 4004,
  /** The listener did not read fast enough: its queue passed SHARE_LISTENER_QUEUE_BYTES. */
  tooSlow: 4008,
  /** A host frame was malformed (bad header, bad JSON, too large). */
  badFrame: 4400,
  /** A host sent faster than the session's rate limit. */
  rateLimited: 4429,
  /** The server is shutting down. */
  goingAway: 1001,
} as const;

/** A metadata update, between processes (bus) and to listeners. */
export interface ShareMetadataEvent {
  sessionId: string;
  /** The process that accepted it: it delivered to its own listeners already, and skips this copy from the bus. */
  origin?: string;
  metadata: Metadata;
  lyrics: LyricsState | null;
  /** When the server accepted it (ms since epoch). */
  receivedAt: number;
}

/** An audio chunk, between processes (bus). `data` is base64 on the bus; listeners get it as raw bytes. */
export interface ShareAudioEvent {
  sessionId: string;
  /** The process that accepted it (see {@link ShareMetadataEvent.origin}). */
  origin?: string;
  sequenceNumber: number;
  sampleRate: number;
  channels: number;
  codec: Codec;
  timestamp: number;
  data: string;
  /** When the server accepted it (ms since epoch): relay latency is measured from here. */
  receivedAt: number;
}

/** A session ended: stopped by its host, or found expired. */
export interface ShareEndedEvent {
  sessionId: string;
  /** The process that ended it (see {@link ShareMetadataEvent.origin}). */
  origin?: string;
  reason: 'stopped' | 'expired';
}
