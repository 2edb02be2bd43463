import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { lyricPosition, parseLrc } from '../domain/lrc.ts';
import { DEMO_SONG, demoThumbnailBase64, renderDemoChunk } from './demo-melody.ts';

const LOOP = DEMO_SONG.durationSeconds * DEMO_SONG.sampleRate;
const concat = (...parts: Float32Array[]): Float32Array => {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};
/** Index of the first sample that differs (-1: identical); quicker than a deep equality on long arrays. */
const firstDifference = (a: Float32Array, b: Float32Array): number => {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  return a.findIndex((sample, i) => !Object.is(sample, b[i]));
};
const rms = (samples: Float32Array): number => Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);

describe('DEMO_SONG', () => {
  it('is a mono 22.05 kHz song of about 48 seconds', () => {
    expect(DEMO_SONG).toMatchObject({ sampleRate: 22_050, channels: 1, durationSeconds: 48 });
    expect(Number.isInteger(LOOP)).toBe(true);
  });

  it('has synced lyrics: ten sung lines and a blank outro, in order, inside the song', () => {
    const lyrics = parseLrc(DEMO_SONG.lrc);
    expect(lyrics.synced).toBe(true);
    expect(lyrics.tags).toMatchObject({ ti: DEMO_SONG.title, ar: DEMO_SONG.artist, length: '00:48' });
    expect(lyrics.lines.map((l) => l.time)).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44]);
    expect(lyrics.lines.filter((l) => l.text !== '')).toHaveLength(10);
    expect(lyrics.lines.at(-1)!.text).toBe('');
    for (const line of lyrics.lines) expect(line.time).toBeLessThan(DEMO_SONG.durationSeconds);
    expect(lyricPosition(lyrics.lines, 30)).toEqual({ lineIndex: 6, nextLineAt: 32 });
  });
});

describe(renderDemoChunk.name, () => {
  it('is deterministic', () => {
    expect(firstDifference(renderDemoChunk(12_345, 2205), renderDemoChunk(12_345, 2205))).toBe(-1);
  });

  it.each([1, 100, 2205, 7919])('renders [0, N) exactly as [0, k) + [k, N) (k = %s)', (k) => {
    const n = 3 * 22_050;
    expect(firstDifference(concat(renderDemoChunk(0, k), renderDemoChunk(k, n - k)), renderDemoChunk(0, n))).toBe(-1);
  });

  it('joins chunks of 100 ms into the same stream as one render', () => {
    const chunk = 2205;
    const pieces = Array.from({ length: 20 }, (_, i) => renderDemoChunk(5 * LOOP + i * chunk, chunk));
    expect(firstDifference(concat(...pieces), renderDemoChunk(0, 20 * chunk))).toBe(-1);
  });

  it('loops: a start one or many loops later gives the same samples', () => {
    const reference = renderDemoChunk(1000, 4410);
    expect(firstDifference(renderDemoChunk(1000 + LOOP, 4410), reference)).toBe(-1);
    expect(firstDifference(renderDemoChunk(1000 + 1000 * LOOP, 4410), reference)).toBe(-1);
    expect(firstDifference(renderDemoChunk(1000 - LOOP, 4410), reference)).toBe(-1);
  });

  it('crosses the loop point seamlessly', () => {
    const across = renderDemoChunk(LOOP - 1000, 3000);
    expect(firstDifference(across, concat(renderDemoChunk(LOOP - 1000, 1000), renderDemoChunk(0, 2000)))).toBe(-1);
    // No click: neighbouring samples stay close across the seam as everywhere else.
    for (let i = 1; i < across.length; i++) expect(Math.abs(across[i]! - across[i - 1]!)).toBeLessThan(0.1);
  });

  it('stays within ±0.5, without jumps, and is not silent', () => {
    const song = renderDemoChunk(0, LOOP);
    let peak = 0;
    let jump = 0;
    for (let i = 0; i < song.length; i++) {
      peak = Math.max(peak, Math.abs(song[i]!));
      if (i > 0) jump = Math.max(jump, Math.abs(song[i]! - song[i - 1]!));
    }
    expect(peak).toBeLessThanOrEqual(0.5);
    expect(peak).toBeGreaterThan(0.1);
    expect(jump).toBeLessThan(0.1);
    expect(rms(song)).toBeGreaterThan(0.03);
  });

  it('returns an empty array for zero frames and refuses bad arguments', () => {
    expect(renderDemoChunk(10, 0)).toHaveLength(0);
    expect(() => renderDemoChunk(0.5, 10)).toThrow(RangeError);
    expect(() => renderDemoChunk(0, -1)).toThrow(RangeError);
    expect(() => renderDemoChunk(Number.NaN, 1)).toThrow(RangeError);
  });
});

describe(demoThumbnailBase64.name, () => {
  it('is a valid 16×16 PNG whose chunks check out', () => {
    const png = Buffer.from(demoThumbnailBase64(), 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const chunks: { type: string; data: Buffer }[] = [];
    for (let at = 8; at < png.length;) {
      const length = png.readUInt32BE(at);
      const type = png.toString('latin1', at + 4, at + 8);
      const data = png.subarray(at + 8, at + 8 + length);
      expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
      chunks.push({ type, data });
      at += 12 + length;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = chunks[0]!.data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([16, 16, 8, 2]);
    // 16 rows of a filter byte and 16 RGB pixels.
    expect(inflateSync(chunks[1]!.data)).toHaveLength(16 * (1 + 16 * 3));
    expect(demoThumbnailBase64()).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
  });
});
