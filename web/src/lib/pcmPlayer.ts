/**
 * Plays a Share session's audio frames in the browser: PCM (and Opus, where WebCodecs can decode it) turned into
 * AudioBuffers scheduled back to back on one AudioContext, behind a small jitter buffer. The arithmetic (conversion,
 * where each chunk starts, what to drop) is pure and exported for tests; {@link PcmPlayer} applies it to Web Audio.
 */
import type { AudioFrame, FrameCodec } from '../../../src/domain/audio-frame.ts';

// ---------- PCM conversion ----------

/**
 * Interleaved little-endian PCM (`pcm_f32` floats or `pcm_s16` integers) split into one Float32Array per channel,
 * in -1…1. A trailing partial sample frame is ignored.
 */
export function pcmToChannels(codec: 'pcm_f32' | 'pcm_s16', channels: number, bytes: Uint8Array): Float32Array[] {
  const bytesPerSample = codec === 'pcm_f32' ? 4 : 2;
  const frames = Math.floor(bytes.byteLength / (bytesPerSample * channels));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i += 1) {
    for (let c = 0; c < channels; c += 1) {
      const offset = (i * channels + c) * bytesPerSample;
      out[c]![i] = codec === 'pcm_f32' ? view.getFloat32(offset, true) : view.getInt16(offset, true) / 32768;
    }
  }
  return out;
}

/**
 * At most `maxChannels` channels from `input`: mono and stereo pass through; more are folded into left (even
 * channels) and right (odd channels), averaged so the sum cannot clip. Asking for one channel averages them all.
 */
export function downmix(input: readonly Float32Array[], maxChannels = 2): Float32Array[] {
  if (input.length <= maxChannels) return [...input];
  const length = input[0]?.length ?? 0;
  const outCount = Math.max(1, maxChannels);
  const out = Array.from({ length: outCount }, () => new Float32Array(length));
  const counts = new Array<number>(outCount).fill(0);
  input.forEach((channel, c) => {
    const target = c % outCount;
    counts[target]! += 1;
    const dest = out[target]!;
    for (let i = 0; i < length; i += 1) dest[i]! += channel[i] ?? 0;
  });
  out.forEach((channel, c) => {
    const n = counts[c]!;
    if (n > 1) for (let i = 0; i < channel.length; i += 1) channel[i]! /= n;
  });
  return out;
}

/** Frames `start`–`end` of per-channel samples as interleaved little-endian float32 bytes (`pcm_f32`). */
export function interleaveF32(channels: readonly Float32Array[], start: number, end: number): Uint8Array {
  const frames = Math.max(0, end - start);
  const out = new Uint8Array(frames * channels.length * 4);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (let i = start; i < start + frames; i += 1) {
    for (const channel of channels) {
      view.setFloat32(offset, channel[i] ?? 0, true);
      offset += 4;
    }
  }
  return out;
}

/** The sample rate to stream: the file's when the relay accepts it (8000–192000 Hz), else 48000. */
export function streamSampleRate(rate: number): number {
  return rate >= 8000 && rate <= 192_000 ? Math.round(rate) : 48_000;
}

// ---------- Scheduling ----------

/** Jitter buffer settings, in seconds. */
export interface JitterSettings {
  /** How far ahead of the clock playback (re)starts: the buffer that absorbs network jitter. */
  target: number;
  /** Less than this ahead counts as an underrun: playback restarts `target` ahead. */
  minLead: number;
  /** More than `target + maxLag` ahead means we fell behind the live edge: new chunks are dropped until caught up. */
  maxLag: number;
}

export const DEFAULT_JITTER: JitterSettings = { target: 0.25, minLead: 0.03, maxLag: 1 };

/** What the scheduler remembers between chunks. */
export interface ScheduleState {
  /** AudioContext time where the next chunk would start seamlessly, or null before the first. */
  nextStartTime: number | null;
  /** Sequence number of the last chunk taken (played or dropped as late), or null. */
  lastSequence: number | null;
  /** Sample rate and channels of the last chunk, e.g. `48000/2`: a change is a gap. */
  format: string | null;
}

export const INITIAL_SCHEDULE: ScheduleState = { nextStartTime: null, lastSequence: null, format: null };

/** One chunk as the scheduler sees it. */
export interface ChunkTiming {
  sequenceNumber: number;
  /** Seconds of audio. */
  duration: number;
  format: string;
}

/** The scheduler's decision about one chunk. */
export type ScheduleDecision =
  | { action: 'play'; startAt: number; rebuffered: boolean; state: ScheduleState }
  | { action: 'drop'; reason: 'duplicate' | 'late'; state: ScheduleState };

/** A sequence number this far below the last one is a restarted host, not a repeat. */
const SEQUENCE_RESTART = 1000;

/**
 * Where a chunk starts on the AudioContext clock `now`: right after the previous one (`nextStartTime`) when it follows
 * it (next sequence number, same format) and the buffer has not run dry; otherwise playback restarts `target` ahead
 * (first chunk, gap, format change or underrun), never before what is already scheduled. Chunks already played
 * (a reconnect's backlog) are dropped as duplicates, and chunks arriving while more than `target + maxLag` is
 * scheduled are dropped as late, so delay after a stall shrinks back instead of lasting.
 */
export function planChunk(
  state: ScheduleState,
  chunk: ChunkTiming,
  now: number,
  settings: JitterSettings = DEFAULT_JITTER,
): ScheduleDecision {
  const { lastSequence, nextStartTime } = state;
  if (
    lastSequence !== null &&
    chunk.sequenceNumber <= lastSequence &&
    lastSequence - chunk.sequenceNumber < SEQUENCE_RESTART
  ) {
    return { action: 'drop', reason: 'duplicate', state };
  }
  const ahead = nextStartTime === null ? 0 : nextStartTime - now;
  if (ahead > settings.target + settings.maxLag) {
    return { action: 'drop', reason: 'late', state: { ...state, lastSequence: chunk.sequenceNumber } };
  }
  const follows = lastSequence !== null && chunk.sequenceNumber === lastSequence + 1 && state.format === chunk.format;
  let startAt: number;
  let rebuffered = false;
  if (nextStartTime !== null && follows && nextStartTime >= now + settings.minLead) {
    startAt = nextStartTime;
  } else {
    startAt = Math.max(now + settings.target, nextStartTime ?? 0);
    rebuffered = true;
  }
  return {
    action: 'play',
    startAt,
    rebuffered,
    state: { nextStartTime: startAt + chunk.duration, lastSequence: chunk.sequenceNumber, format: chunk.format },
  };
}

/** Seconds of audio scheduled ahead of `now`. */
export function bufferedAhead(state: ScheduleState, now: number): number {
  return state.nextStartTime === null ? 0 : Math.max(0, state.nextStartTime - now);
}

/**
 * How many of the oldest waiting chunks to drop so the newest `keepSeconds` remain (at least the newest chunk):
 * chunks received before playback began are mostly the past, and playing them all would start that far behind.
 */
export function backlogToDrop(durations: readonly number[], keepSeconds: number): number {
  let kept = 0;
  let index = durations.length;
  while (index > 0 && (index === durations.length || kept + durations[index - 1]! <= keepSeconds)) {
    index -= 1;
    kept += durations[index]!;
  }
  return index;
}

/**
 * Roughly how late the listener hears the host, in ms: the chunk's age when it was scheduled (the host's capture
 * time against the server's clock) plus how long it waits before playing.
 */
export function playbackDelayMs(chunkTimestamp: number, serverNowMs: number, startAt: number, now: number): number {
  return Math.round(serverNowMs - chunkTimestamp + (startAt - now) * 1000);
}

/** The key of a chunk's format (a change between chunks is a gap). */
export function formatKey(frame: Pick<AudioFrame, 'sampleRate' | 'channels' | 'codec'>): string {
  return `${frame.codec}/${frame.sampleRate}/${frame.channels}`;
}

/** Seconds of audio in a PCM frame (undefined for Opus, whose length is known once decoded). */
export function pcmDuration(frame: Pick<AudioFrame, 'codec' | 'channels' | 'sampleRate' | 'data'>): number | undefined {
  if (frame.codec === 'opus') return undefined;
  const bytes = frame.codec === 'pcm_f32' ? 4 : 2;
  return Math.floor(frame.data.byteLength / (bytes * frame.channels)) / frame.sampleRate;
}

// ---------- The player ----------

/** What the player shows in the buffer indicator. */
export interface PlayerStats {
  state: 'idle' | 'starting' | 'playing' | 'suspended' | 'closed';
  /** AudioBuffers scheduled so far. */
  scheduled: number;
  /** Chunks dropped: already played, too late, or undecodable. */
  dropped: number;
  /** Times playback restarted from an empty buffer (start, gaps, underruns). */
  rebuffers: number;
  /** Milliseconds of audio scheduled ahead of the AudioContext's clock. */
  bufferedMs: number;
  /** Approximate delay behind the host, ms, or null before any chunk played. */
  delayMs: number | null;
  /** A codec this browser cannot play, when one arrived. */
  unsupportedCodec: FrameCodec | null;
}

/** A decoded chunk waiting to be scheduled. */
interface Decoded {
  channels: Float32Array[];
  sampleRate: number;
  sequenceNumber: number;
  timestamp: number;
  format: string;
}

/** How much audio is kept while waiting for the listener to tap play, seconds. */
const WAITING_SECONDS = 2;

type OpusState =
  | { kind: 'none' }
  | { kind: 'unsupported' }
  | { kind: 'ready'; decoder: AudioDecoder; format: string; pending: AudioFrame[] };

/**
 * Plays audio frames on an AudioContext created by {@link start} (browsers only allow sound after a tap). Frames
 * that arrive before then are kept (the newest two seconds) and the most recent `target` of them plays first.
 */
export class PcmPlayer {
  private ctx: AudioContext | null = null;
  private gain: GainNode | null = null;
  private schedule: ScheduleState = INITIAL_SCHEDULE;
  private waiting: Decoded[] = [];
  private readonly sources = new Set<AudioBufferSourceNode>();
  private opus: OpusState = { kind: 'none' };
  private scheduled = 0;
  private dropped = 0;
  private rebuffers = 0;
  private delayMs: number | null = null;
  private unsupportedCodec: FrameCodec | null = null;
  private starting = false;
  /** The server's clock minus ours, to age chunks (set from the socket's messages). */
  serverOffsetMs = 0;

  constructor(private readonly settings: JitterSettings = DEFAULT_JITTER) {}

  /** Creates and resumes the AudioContext (call it from a tap), then plays the newest waiting audio. */
  async start(): Promise<void> {
    if (this.ctx && this.ctx.state !== 'closed') {
      await this.ctx.resume();
      return;
    }
    this.starting = true;
    try {
      const ctx = new AudioContext({ latencyHint: 'playback' });
      this.ctx = ctx;
      this.gain = ctx.createGain();
      this.gain.connect(ctx.destination);
      this.schedule = INITIAL_SCHEDULE;
      await ctx.resume();
    } finally {
      this.starting = false;
    }
    const drop = backlogToDrop(
      this.waiting.map((d) => d.channels[0]!.length / d.sampleRate),
      this.settings.target,
    );
    this.dropped += drop;
    const waiting = this.waiting.slice(drop);
    this.waiting = [];
    for (const decoded of waiting) this.play(decoded);
  }

  /** Stops the sound and releases the AudioContext; frames are kept waiting again until the next {@link start}. */
  async stop(): Promise<void> {
    for (const source of this.sources) {
      try {
        source.stop();
      } catch {
        // Already stopped.
      }
    }
    this.sources.clear();
    const ctx = this.ctx;
    this.ctx = null;
    this.gain = null;
    this.schedule = INITIAL_SCHEDULE;
    this.delayMs = null;
    if (this.opus.kind === 'ready') this.opus.decoder.close();
    this.opus = { kind: 'none' };
    if (ctx && ctx.state !== 'closed') await ctx.close();
  }

  /** Takes one frame from the socket. */
  push(frame: AudioFrame): void {
    if (frame.codec === 'opus') {
      this.decodeOpus(frame);
      return;
    }
    const channels = pcmToChannels(frame.codec, frame.channels, frame.data);
    if ((channels[0]?.length ?? 0) === 0) {
      this.dropped += 1;
      return;
    }
    this.accept({
      channels,
      sampleRate: frame.sampleRate,
      sequenceNumber: frame.sequenceNumber,
      timestamp: frame.timestamp,
      format: formatKey(frame),
    });
  }

  /** The numbers for the buffer indicator. */
  stats(): PlayerStats {
    const ctx = this.ctx;
    let state: PlayerStats['state'] = 'idle';
    if (this.starting) state = 'starting';
    else if (ctx) state = ctx.state === 'running' ? 'playing' : ctx.state === 'closed' ? 'closed' : 'suspended';
    return {
      state,
      scheduled: this.scheduled,
      dropped: this.dropped,
      rebuffers: this.rebuffers,
      bufferedMs: ctx ? Math.round(bufferedAhead(this.schedule, ctx.currentTime) * 1000) : 0,
      delayMs: this.delayMs,
      unsupportedCodec: this.unsupportedCodec,
    };
  }

  /** Whether sound is (or is about to be) playing. */
  get active(): boolean {
    return this.ctx !== null && this.ctx.state !== 'closed';
  }

  private accept(decoded: Decoded): void {
    if (!this.ctx || !this.gain) {
      this.waiting.push(decoded);
      let seconds = this.waiting.reduce((sum, d) => sum + d.channels[0]!.length / d.sampleRate, 0);
      while (this.waiting.length > 1 && seconds > WAITING_SECONDS) {
        const old = this.waiting.shift()!;
        seconds -= old.channels[0]!.length / old.sampleRate;
      }
      return;
    }
    this.play(decoded);
  }

  private play(decoded: Decoded): void {
    const ctx = this.ctx;
    const gain = this.gain;
    if (!ctx || !gain) return;
    const frames = decoded.channels[0]!.length;
    const now = ctx.currentTime;
    const decision = planChunk(
      this.schedule,
      { sequenceNumber: decoded.sequenceNumber, duration: frames / decoded.sampleRate, format: decoded.format },
      now,
      this.settings,
    );
    this.schedule = decision.state;
    if (decision.action === 'drop') {
      this.dropped += 1;
      return;
    }
    let buffer: AudioBuffer;
    try {
      buffer = ctx.createBuffer(decoded.channels.length, frames, decoded.sampleRate);
    } catch {
      // A sample rate or channel count this browser's Web Audio refuses.
      this.dropped += 1;
      return;
    }
    decoded.channels.forEach((samples, c) => buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, c));
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(gain);
    source.onended = () => {
      this.sources.delete(source);
      source.disconnect();
    };
    this.sources.add(source);
    source.start(decision.startAt);
    this.scheduled += 1;
    if (decision.rebuffered) this.rebuffers += 1;
    this.delayMs = playbackDelayMs(decoded.timestamp, Date.now() + this.serverOffsetMs, decision.startAt, now);
  }

  /** Opus packets through WebCodecs' AudioDecoder, where the browser has one; otherwise they are counted as dropped. */
  private decodeOpus(frame: AudioFrame): void {
    const format = formatKey(frame);
    if (this.opus.kind === 'unsupported') {
      this.dropped += 1;
      return;
    }
    if (this.opus.kind === 'ready' && this.opus.format !== format) {
      this.opus.decoder.close();
      this.opus = { kind: 'none' };
    }
    if (this.opus.kind === 'none') {
      if (typeof AudioDecoder === 'undefined' || typeof EncodedAudioChunk === 'undefined') {
        this.opus = { kind: 'unsupported' };
        this.unsupportedCodec = 'opus';
        this.dropped += 1;
        return;
      }
      const pending: AudioFrame[] = [];
      try {
        const decoder = new AudioDecoder({
          output: (data) => this.onOpusOutput(data, pending),
          error: () => {
            this.opus = { kind: 'unsupported' };
            this.unsupportedCodec = 'opus';
          },
        });
        decoder.configure({ codec: 'opus', sampleRate: frame.sampleRate, numberOfChannels: frame.channels });
        this.opus = { kind: 'ready', decoder, format, pending };
      } catch {
        this.opus = { kind: 'unsupported' };
        this.unsupportedCodec = 'opus';
        this.dropped += 1;
        return;
      }
    }
    if (this.opus.kind !== 'ready') return;
    this.opus.pending.push(frame);
    try {
      this.opus.decoder.decode(
        new EncodedAudioChunk({ type: 'key', timestamp: Math.round(frame.timestamp * 1000), data: frame.data }),
      );
    } catch {
      this.opus.pending.pop();
      this.dropped += 1;
    }
  }

  private onOpusOutput(data: AudioData, pending: AudioFrame[]): void {
    const frame = pending.shift();
    try {
      if (!frame) return;
      const channels = Array.from({ length: data.numberOfChannels }, (_, plane) => {
        const samples = new Float32Array(data.numberOfFrames);
        data.copyTo(samples, { planeIndex: plane, format: 'f32-planar' });
        return samples;
      });
      this.accept({
        channels,
        sampleRate: data.sampleRate,
        sequenceNumber: frame.sequenceNumber,
        timestamp: frame.timestamp,
        format: formatKey(frame),
      });
    } finally {
      data.close();
    }
  }
}
