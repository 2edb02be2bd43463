/**
 * Media the emulations serve for their own catalog, generated in code: placeholder covers (SVG), short audio previews
 * (WAV tones) and small HTML pages, so links an app stores from the sandbox open something real in a browser.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Rng, hash32 } from './random.ts';

/** A square placeholder cover: a colour from `key`, and `label` (a few letters) in the middle. */
export function coverSvg(key: string, label: string, size: number): string {
  const hue = hash32(key) % 360;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 100 100">` +
    `<rect width="100" height="100" fill="hsl(${hue},55%,42%)"/>` +
    `<text x="50" y="62" font-family="sans-serif" font-size="32" fill="#fff" text-anchor="middle">` +
    `${escapeHtml(label)}</text></svg>`
  );
}

const SAMPLE_RATE = 11_025;
// A major pentatonic scale from A3: every sequence of its notes sounds tolerable.
const SCALE_HZ = [220, 246.94, 277.18, 329.63, 369.99, 440, 493.88, 554.37, 659.25];

/**
 * A short mono 16-bit PCM WAV: a melody of pentatonic notes chosen by `seed` (the same seed, the same tune), each
 * with a soft attack and decay. About 22 KB per second.
 */
export function toneWav(seed: number, seconds = 6): Buffer {
  const rng = new Rng(hash32(`tone:${seed}`));
  const noteSeconds = [0.25, 0.5, 0.5, 0.75][rng.int(0, 3)] ?? 0.5;
  const samples = Math.round(seconds * SAMPLE_RATE);
  const perNote = Math.round(noteSeconds * SAMPLE_RATE);
  const notes = Array.from({ length: Math.ceil(samples / perNote) }, () => rng.pick(SCALE_HZ));
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const index = Math.floor(i / perNote);
    const hz = notes[index] ?? 440;
    const t = (i % perNote) / SAMPLE_RATE;
    const envelope = Math.min(1, t / 0.02) * Math.exp((-3 * t) / noteSeconds);
    // The fundamental and a quieter octave, for a less bare tone.
    const phase = 2 * Math.PI * hz * (i / SAMPLE_RATE);
    const fadeOut = Math.min(1, (samples - i) / (0.05 * SAMPLE_RATE));
    const value = (Math.sin(phase) * 0.8 + Math.sin(2 * phase) * 0.2) * envelope * fadeOut * 0.5;
    data.writeInt16LE(Math.round(value * 32_767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/**
 * Sends `body` with `Accept-Ranges`, answering a single `Range: bytes=…` request with 206 (Safari plays audio only
 * from servers that do) and an unsatisfiable one with 416.
 */
export function sendMedia(
  request: FastifyRequest,
  reply: FastifyReply,
  body: Buffer,
  contentType: string,
): FastifyReply {
  reply
    .header('content-type', contentType)
    .header('accept-ranges', 'bytes')
    .header('cache-control', 'public, max-age=86400');
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
  if (range === null || (range[1] === '' && range[2] === '')) return reply.send(body);
  const size = body.length;
  let start: number;
  let end: number;
  if (range[1] === '') {
    // A suffix range: the last N bytes.
    start = Math.max(0, size - Number(range[2]));
    end = size - 1;
  } else {
    start = Number(range[1]);
    end = range[2] === '' ? size - 1 : Math.min(size - 1, Number(range[2]));
  }
  if (start >= size || start > end) {
    return reply.code(416).header('content-range', `bytes */${size}`).send();
  }
  return reply
    .code(206)
    .header('content-range', `bytes ${start}-${end}/${size}`)
    .send(body.subarray(start, end + 1));
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A small standalone HTML page (inline style, no scripts) around `body`, which must already be escaped. */
export function htmlPage(title: string, body: string): string {
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>` +
    'body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:40rem;padding:0 1rem;color:#222}' +
    'img{border-radius:.5rem}audio{width:100%;margin:.5rem 0 1rem}small{color:#666}' +
    'ol{padding-left:1.25rem}li{margin:.75rem 0}a{color:#0b57d0}' +
    `</style></head><body>\n${body}\n</body></html>\n`
  );
}
