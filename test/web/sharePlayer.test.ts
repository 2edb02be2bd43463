import { describe, expect, it } from 'vitest';
import { decodeAudioFrame, encodeAudioFrame } from '../../src/domain/audio-frame.ts';
import {
  backlogToDrop,
  bufferedAhead,
  DEFAULT_JITTER,
  downmix,
  formatKey,
  INITIAL_SCHEDULE,
  interleaveF32,
  pcmDuration,
  pcmToChannels,
  planChunk,
  playbackDelayMs,
  streamSampleRate,
  type ScheduleState,
} from '../../web/src/lib/pcmPlayer.ts';
import { chunkCount, chunkFrames, chunksDue } from '../../web/src/lib/shareHost.ts';

function f32Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

function s16Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setInt16(i * 2, v, true));
  return out;
}

describe('PCM conversion', () => {
  it('splits interleaved little-endian float32 into channels', () => {
    const [left, right] = pcmToChannels('pcm_f32', 2, f32Bytes([0.5, -0.5, 0.25, -0.25, 1, -1]));
    expect(Array.from(left!)).toEqual([0.5, 0.25, 1]);
    expect(Array.from(right!)).toEqual([-0.5, -0.25, -1]);
  });

  it('scales 16-bit integers to -1…1', () => {
    const [mono] = pcmToChannels('pcm_s16', 1, s16Bytes([0, 16384, -32768, 32767]));
    expect(Array.from(mono!)).toEqual([0, 0.5, -1, 32767 / 32768]);
  });

  it('ignores a trailing partial sample frame and reads from a subarray at any offset', () => {
    const bytes = f32Bytes([0.1, 0.2, 0.3, 0.4, 0.5]);
    const [l, r] = pcmToChannels('pcm_f32', 2, bytes);
    expect(l!.length).toBe(2);
    expect(r![1]).toBeCloseTo(0.4);
    const padded = new Uint8Array(3 + 8);
    padded.set(f32Bytes([0.75, -0.75]), 3);
    const [a, b] = pcmToChannels('pcm_f32', 2, padded.subarray(3));
    expect([a![0], b![0]]).toEqual([0.75, -0.75]);
  });

  it('reads what the binary frame carries, through the shared frame codec', () => {
    const frame = decodeAudioFrame(
      encodeAudioFrame({
        codec: 'pcm_f32',
        channels: 2,
        sampleRate: 48_000,
        sequenceNumber: 7,
        timestamp: 1234.5,
        data: interleaveF32([new Float32Array([0.1, 0.2]), new Float32Array([-0.1, -0.2])], 0, 2),
      }),
    );
    const [l, r] = pcmToChannels('pcm_f32', frame.channels, frame.data);
    expect(Array.from(l!)).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    expect(Array.from(r!)).toEqual([Math.fround(-0.1), Math.fround(-0.2)]);
    expect(pcmDuration(frame)).toBeCloseTo(2 / 48_000);
    expect(formatKey(frame)).toBe('pcm_f32/48000/2');
  });

  it('interleaves a window of channels as float32 bytes (the inverse)', () => {
    const left = new Float32Array([1, 2, 3, 4]);
    const right = new Float32Array([-1, -2, -3, -4]);
    const bytes = interleaveF32([left, right], 1, 3);
    expect(bytes.byteLength).toBe(16);
    const [l, r] = pcmToChannels('pcm_f32', 2, bytes);
    expect(Array.from(l!)).toEqual([2, 3]);
    expect(Array.from(r!)).toEqual([-2, -3]);
    expect(interleaveF32([left], 4, 2).byteLength).toBe(0);
  });

  it('downmixes more than two channels into left (even) and right (odd), averaged', () => {
    const ch = [0.2, 0.4, 0.6, 0.8, 1, 0].map((v) => new Float32Array([v, v]));
    const [l, r] = downmix(ch, 2);
    expect(l![0]).toBeCloseTo((0.2 + 0.6 + 1) / 3);
    expect(r![0]).toBeCloseTo((0.4 + 0.8 + 0) / 3);
    const stereo = [new Float32Array([1]), new Float32Array([2])];
    expect(downmix(stereo, 2)).toEqual(stereo);
    expect(Array.from(downmix(stereo, 1)[0]!)).toEqual([1.5]);
  });

  it('keeps sample rates the relay accepts', () => {
    expect(streamSampleRate(44_100)).toBe(44_100);
    expect(streamSampleRate(8000)).toBe(8000);
    expect(streamSampleRate(192_000)).toBe(192_000);
    expect(streamSampleRate(384_000)).toBe(48_000);
    expect(streamSampleRate(4000)).toBe(48_000);
  });

  it('knows PCM durations; opus has none before decoding', () => {
    expect(pcmDuration({ codec: 'pcm_s16', channels: 2, sampleRate: 8000, data: new Uint8Array(3200) })).toBe(0.1);
    expect(pcmDuration({ codec: 'opus', channels: 2, sampleRate: 48_000, data: new Uint8Array(10) })).toBeUndefined();
  });
});

describe('jitter buffer scheduling', () => {
  const chunk = (sequenceNumber: number, duration = 0.1, format = 'pcm_f32/48000/2') => ({
    sequenceNumber,
    duration,
    format,
  });
  const { target, minLead, maxLag } = DEFAULT_JITTER;

  /** Plays chunks arriving at the given AudioContext times; returns the decisions. */
  function feed(arrivals: Array<[number, number]>, from: ScheduleState = INITIAL_SCHEDULE) {
    let state = from;
    return arrivals.map(([seq, now]) => {
      const d = planChunk(state, chunk(seq), now);
      state = d.state;
      return d;
    });
  }

  it('starts the first chunk one jitter buffer ahead, then plays chunks back to back', () => {
    const [a, b, c] = feed([
      [0, 10],
      [1, 10.1],
      [2, 10.2],
    ]);
    expect(a).toMatchObject({ action: 'play', startAt: 10 + target, rebuffered: true });
    expect(b).toMatchObject({ action: 'play', startAt: 10 + target + 0.1, rebuffered: false });
    expect(c).toMatchObject({ action: 'play', rebuffered: false });
    if (c!.action === 'play') expect(c!.startAt).toBeCloseTo(10 + target + 0.2);
  });

  it('absorbs jitter: chunks arriving early or late (within the buffer) keep the same seamless timeline', () => {
    const decisions = feed([
      [0, 0],
      [1, 0.02],
      [2, 0.33],
      [3, 0.34],
      [4, 0.35],
    ]);
    const starts = decisions.map((d) => (d.action === 'play' ? d.startAt : Number.NaN));
    starts.forEach((start, i) => expect(start).toBeCloseTo(target + i * 0.1));
    expect(decisions.filter((d) => d.action === 'play' && d.rebuffered)).toHaveLength(1);
  });

  it('rebuffers after an underrun: the next chunk starts a jitter buffer ahead of now', () => {
    const [, late] = feed([
      [0, 0],
      [1, 2],
    ]);
    expect(late).toMatchObject({ action: 'play', startAt: 2 + target, rebuffered: true });
    // Just inside the minimum lead is an underrun too.
    const [, tight] = feed([
      [0, 0],
      [1, target + 0.1 - minLead / 2],
    ]);
    expect(tight).toMatchObject({ rebuffered: true });
  });

  it('resets on a sequence gap or a format change, never before what is already scheduled', () => {
    const [first, b] = feed([
      [0, 0],
      [5, 0.05],
    ]);
    expect(b).toMatchObject({ action: 'play', rebuffered: true });
    if (first!.action === 'play' && b!.action === 'play')
      expect(b!.startAt).toBe(Math.max(0.05 + target, first!.startAt + 0.1));
    const [a] = feed([[0, 0]]);
    const format = planChunk(a!.state, chunk(1, 0.1, 'pcm_f32/44100/2'), 0.01);
    expect(format).toMatchObject({ action: 'play', rebuffered: true });
    // The first chunk still plays until target + 0.1: the new format follows it, not over it.
    if (format.action === 'play') expect(format.startAt).toBeCloseTo(target + 0.1);
    const later = planChunk(a!.state, chunk(1, 0.1, 'pcm_f32/44100/2'), 0.3);
    if (later.action === 'play') expect(later.startAt).toBeCloseTo(0.3 + target);
  });

  it('drops repeated chunks (a reconnect’s backlog) but takes a restarted host’s low numbers', () => {
    const decisions = feed([
      [10, 0],
      [11, 0.05],
      [9, 0.06],
      [11, 0.07],
      [12, 0.08],
    ]);
    expect(decisions.map((d) => d.action)).toEqual(['play', 'play', 'drop', 'drop', 'play']);
    expect(decisions[2]).toMatchObject({ reason: 'duplicate' });
    const restarted = feed([
      [5000, 0],
      [0, 0.05],
    ]);
    expect(restarted[1]).toMatchObject({ action: 'play', rebuffered: true });
  });

  it('drops chunks while more than target + maxLag is scheduled, so a burst after a stall cannot add lasting delay', () => {
    // Twenty chunks (2 s) arrive at once.
    const arrivals: Array<[number, number]> = Array.from({ length: 20 }, (_, i) => [i, 0]);
    const decisions = feed(arrivals);
    const played = decisions.filter((d) => d.action === 'play');
    const dropped = decisions.filter((d) => d.action === 'drop');
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((d) => d.action === 'drop' && d.reason === 'late')).toBe(true);
    const last = played[played.length - 1]!;
    expect(bufferedAhead(last.state, 0)).toBeLessThanOrEqual(target + maxLag + 0.1 + 1e-9);
    // Dropping as late moves the sequence on: the chunk after a dropped one still plays seamlessly.
    const after = planChunk(decisions[decisions.length - 1]!.state, chunk(20), 1.0);
    expect(after).toMatchObject({ action: 'play', rebuffered: false });
  });

  it('measures the buffer ahead of the clock', () => {
    expect(bufferedAhead(INITIAL_SCHEDULE, 5)).toBe(0);
    expect(bufferedAhead({ nextStartTime: 5.3, lastSequence: 1, format: '' }, 5)).toBeCloseTo(0.3);
    expect(bufferedAhead({ nextStartTime: 4, lastSequence: 1, format: '' }, 5)).toBe(0);
  });

  it('keeps only the newest audio that waited for the tap', () => {
    expect(backlogToDrop([0.1, 0.1, 0.1, 0.1, 0.1], 0.25)).toBe(3);
    expect(backlogToDrop([0.1, 0.1], 1)).toBe(0);
    expect(backlogToDrop([0.5, 0.5], 0.25)).toBe(1);
    expect(backlogToDrop([], 0.25)).toBe(0);
  });

  it('estimates the delay behind the host: the chunk’s age plus its wait', () => {
    expect(playbackDelayMs(1000, 1300, 10.25, 10)).toBe(550);
  });
});

describe('host pacing', () => {
  it('cuts 100 ms chunks at any sample rate', () => {
    expect(chunkFrames(48_000)).toBe(4800);
    expect(chunkFrames(44_100)).toBe(4410);
    expect(chunkFrames(8000)).toBe(800);
    expect(chunkCount(48_000 * 3 + 1, 4800)).toBe(31);
  });

  it('sends each chunk when its audio starts by the wall clock, never past the end', () => {
    expect(chunksDue(0, 100, 50)).toBe(1);
    expect(chunksDue(99, 100, 50)).toBe(1);
    expect(chunksDue(100, 100, 50)).toBe(2);
    expect(chunksDue(1050, 100, 50)).toBe(11);
    expect(chunksDue(60_000, 100, 50)).toBe(50);
    expect(chunksDue(-10, 100, 50)).toBe(0);
    expect(chunksDue(50, 100, 50, 100)).toBe(2);
  });
});
