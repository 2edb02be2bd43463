/**
 * The binary audio frame of Share's WebSockets, both ways (host → server, server → listener): a 20-byte header, then
 * the chunk's bytes exactly as the host encoded them (no base64).
 *
 * | offset | size | field                                                      |
 * | -----: | ---: | ---------------------------------------------------------- |
 * |      0 |    1 | version: 1                                                 |
 * |      1 |    1 | codec: 0 pcm_f32, 1 pcm_s16, 2 opus                        |
 * |      2 |    1 | channels (1–8)                                             |
 * |      3 |    1 | reserved: 0                                                |
 * |      4 |    4 | sample rate, Hz (uint32, little-endian)                    |
 * |      8 |    4 | sequence number (uint32, little-endian)                    |
 * |     12 |    8 | timestamp, ms since the epoch (float64, little-endian)     |
 * |     20 |    … | data                                                       |
 *
 * Pure (Uint8Array and DataView only) so the web app reads and writes the same frames.
 */

export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 20;
export const FRAME_CODECS = ['pcm_f32', 'pcm_s16', 'opus'] as const;
export type FrameCodec = (typeof FRAME_CODECS)[number];

export interface AudioFrame {
  codec: FrameCodec;
  channels: number;
  sampleRate: number;
  sequenceNumber: number;
  timestamp: number;
  data: Uint8Array;
}

/** Why {@link decodeAudioFrame} refused a frame. */
export class AudioFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AudioFrameError';
  }
}

/** The header alone (send it with the data as a second buffer to avoid a copy). */
export function encodeFrameHeader(frame: Omit<AudioFrame, 'data'>): Uint8Array {
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint8(0, FRAME_VERSION);
  view.setUint8(1, FRAME_CODECS.indexOf(frame.codec));
  view.setUint8(2, frame.channels);
  view.setUint8(3, 0);
  view.setUint32(4, frame.sampleRate, true);
  view.setUint32(8, frame.sequenceNumber, true);
  view.setFloat64(12, frame.timestamp, true);
  return header;
}

/** Header and data in one buffer. */
export function encodeAudioFrame(frame: AudioFrame): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + frame.data.byteLength);
  out.set(encodeFrameHeader(frame), 0);
  out.set(frame.data, FRAME_HEADER_BYTES);
  return out;
}

/** Reads a frame; throws {@link AudioFrameError} on a short frame, another version, an unknown codec or bad fields. */
export function decodeAudioFrame(bytes: Uint8Array): AudioFrame {
  if (bytes.byteLength <= FRAME_HEADER_BYTES) {
    throw new AudioFrameError(`an audio frame is a ${FRAME_HEADER_BYTES}-byte header and at least one byte of data`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== FRAME_VERSION) throw new AudioFrameError(`unknown frame version ${version}`);
  const codec = FRAME_CODECS[view.getUint8(1)];
  if (!codec) throw new AudioFrameError(`unknown codec byte ${view.getUint8(1)}`);
  const channels = view.getUint8(2);
  if (channels < 1 || channels > 8) throw new AudioFrameError(`channels must be 1 to 8, not ${channels}`);
  const sampleRate = view.getUint32(4, true);
  if (sampleRate < 8000 || sampleRate > 192_000) {
    throw new AudioFrameError(`sampleRate must be 8000 to 192000, not ${sampleRate}`);
  }
  const timestamp = view.getFloat64(12, true);
  if (!Number.isFinite(timestamp) || timestamp < 0) throw new AudioFrameError('timestamp must be a finite time');
  return {
    codec,
    channels,
    sampleRate,
    sequenceNumber: view.getUint32(8, true),
    timestamp,
    data: bytes.subarray(FRAME_HEADER_BYTES),
  };
}

/** Bytes per sample frame of a PCM codec for `channels` (undefined for opus, whose packets have any length). */
export function pcmFrameBytes(codec: FrameCodec, channels: number): number | undefined {
  if (codec === 'pcm_f32') return 4 * channels;
  if (codec === 'pcm_s16') return 2 * channels;
  return undefined;
}
