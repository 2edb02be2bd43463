/**
 * The demo session's song, "Share the Sunshine": a 48-second loop synthesised on the fly, with synced LRC lyrics
 * that follow its melody. The demo host streams it so a listener page has audio, lyrics and artwork without anyone
 * sharing real music. Pure and deterministic: a sample depends only on its index, so chunks rendered in any order or
 * size join exactly, and the song loops without a seam.
 *
 * The arrangement: 120 BPM in C major, one chord per bar over I–V–vi–IV (C, G, Am, F), a soft three-note pad, a bass
 * on beats 1 and 3, and a lead voice singing one two-bar phrase per lyric line. Every note fades in and out inside
 * its own length (no clicks) and the last note ends before the loop point.
 */

const SAMPLE_RATE = 22_050;
const BEATS_PER_MINUTE = 120;
const BEAT_SECONDS = 60 / BEATS_PER_MINUTE;
const BEATS_PER_BAR = 4;
const BAR_SECONDS = BEAT_SECONDS * BEATS_PER_BAR;
const BARS = 24;
const DURATION_SECONDS = BARS * BAR_SECONDS;
const LOOP_SAMPLES = DURATION_SECONDS * SAMPLE_RATE;

const TITLE = 'Share the Sunshine';
const ARTIST = 'The Backbeat Demo Band';

/** One bar's chord: the pad's three notes (close voicing around middle C) and the bass root, as MIDI numbers. */
interface Chord {
  pad: [number, number, number];
  bass: number;
}
const C: Chord = { pad: [60, 64, 67], bass: 48 };
const G: Chord = { pad: [59, 62, 67], bass: 43 };
const Am: Chord = { pad: [57, 60, 64], bass: 45 };
const F: Chord = { pad: [57, 60, 65], bass: 41 };
const PROGRESSION = [C, G, Am, F];

/**
 * A melody as `note/beats` tokens played back to back: `E4/.5` is the E above middle C for half a beat, `r/1` a
 * one-beat rest.
 */
function readMelody(melody: string): { midi: number | null; beats: number }[] {
  return melody.split(' ').map((token) => {
    const match = /^(?:([A-G])(#?)(\d)|r)\/(\d*\.?\d+)$/.exec(token);
    if (!match) throw new Error(`bad melody token ${token}`);
    const [, letter, sharp, octave, beats] = match;
    const midi =
      letter === undefined ? null : 12 * (Number(octave) + 1) + 'C D EF G A B'.indexOf(letter) + (sharp ? 1 : 0);
    return { midi, beats: Number(beats) };
  });
}

/**
 * The lead part, two bars (eight beats) per entry. Entries with `text` are lyric lines: the LRC time of each is its
 * phrase's first beat, so lyrics and melody cannot drift apart. `text: ''` is the instrumental outro (a blank LRC
 * line); no `text` at all (the intro) writes no line.
 */
const PHRASES: { bar: number; text?: string; melody: string }[] = [
  {
    bar: 0,
    melody: 'C5/1 E5/1 G5/2 D5/1 B4/1 G4/1.5 r/.5',
  },
  {
    bar: 2,
    text: 'Sunlight tapping on my window pane',
    melody: 'E4/.5 E4/.5 A4/.5 A4/.5 G4/.5 A4/.5 C5/1 C5/1 A4/2 r/1',
  },
  {
    bar: 4,
    text: "Humming every tune I can't explain",
    melody: 'G4/.5 G4/.5 E4/.5 G4/.5 C5/1 A4/.5 G4/.5 B4/1 D5/2 r/1',
  },
  {
    bar: 6,
    text: 'Step out on the street, the city sings',
    melody: 'A4/.5 A4/.5 C5/.5 B4/.5 A4/1 G4/.5 A4/.5 C5/1 F4/2 r/1',
  },
  {
    bar: 8,
    text: 'Every little beat is giving wings',
    melody: 'E4/.5 E4/.5 G4/.5 G4/.5 C5/1 B4/.5 A4/.5 D5/1 B4/2 r/1',
  },
  {
    bar: 10,
    text: 'Oh, turn it up, let the music play',
    melody: 'E5/1 C5/.5 C5/.5 E5/1 D5/.5 C5/.5 F5/.5 E5/.5 C5/2 r/1',
  },
  {
    bar: 12,
    text: "We're sharing every note along the way",
    melody: 'C5/.5 C5/.5 E5/1 D5/.5 C5/.5 C5/1 B4/.5 D5/.5 D5/.5 D5/1.5 r/1',
  },
  {
    bar: 14,
    text: 'From my speakers straight to you',
    melody: 'A4/.5 C5/.5 E5/1 D5/1 C5/1 C5/1 A4/2 r/1',
  },
  {
    bar: 16,
    text: 'A little song to carry you through',
    melody: 'G4/.5 C5/.5 C5/.5 E5/1.5 D5/1 D5/.5 B4/.5 G4/1 B4/1 r/1',
  },
  {
    bar: 18,
    text: 'Hum along, the day is shining new',
    melody: 'E5/1 D5/.5 C5/1.5 A4/.5 C5/.5 C5/.5 F5/.5 E5/.5 C5/1.5 r/1',
  },
  {
    bar: 20,
    text: "Press play, I'm sharing it with you",
    melody: 'C5/1 E5/1 D5/.5 C5/.5 C5/.5 D5/.5 D5/1 D5/2 r/1',
  },
  {
    bar: 22,
    text: '',
    melody: 'E5/1 C5/1 A4/2 C5/1 A4/1 F4/1.5 r/.5',
  },
];

/** How a voice sounds: peak level, harmonic mix (sums to 1, so the wave stays within ±1) and envelope, in seconds. */
interface Voice {
  level: number;
  harmonics: readonly [number, number, number];
  attack: number;
  release: number;
  /** Exponential decay rate per second while the note holds (a plucked or struck feel). */
  decay: number;
}
/** Levels add up to 0.485 with every voice at its peak at once: the mix stays under 0.5 with no limiter. */
const LEAD: Voice = { level: 0.2, harmonics: [0.75, 0.18, 0.07], attack: 0.012, release: 0.06, decay: 1.1 };
const PAD: Voice = { level: 0.055, harmonics: [0.85, 0.15, 0], attack: 0.08, release: 0.25, decay: 0.35 };
const BASS: Voice = { level: 0.12, harmonics: [0.85, 0.15, 0], attack: 0.01, release: 0.08, decay: 1.8 };

interface Note {
  /** Start and length, seconds into the song. */
  start: number;
  length: number;
  /** Angular frequency, radians per second. */
  omega: number;
  voice: Voice;
}

const midiToOmega = (midi: number): number => 2 * Math.PI * 440 * 2 ** ((midi - 69) / 12);

function arrange(): Note[] {
  const notes: Note[] = [];
  for (let bar = 0; bar < BARS; bar++) {
    const chord = PROGRESSION[bar % PROGRESSION.length]!;
    const start = bar * BAR_SECONDS;
    for (const midi of chord.pad) notes.push({ start, length: BAR_SECONDS, omega: midiToOmega(midi), voice: PAD });
    for (const beat of [0, 2]) {
      notes.push({
        start: start + beat * BEAT_SECONDS,
        length: 2 * BEAT_SECONDS,
        omega: midiToOmega(beat === 0 ? chord.bass : chord.bass + 12),
        voice: BASS,
      });
    }
  }
  for (const phrase of PHRASES) {
    let beat = phrase.bar * BEATS_PER_BAR;
    for (const { midi, beats } of readMelody(phrase.melody)) {
      if (midi !== null) {
        notes.push({ start: beat * BEAT_SECONDS, length: beats * BEAT_SECONDS, omega: midiToOmega(midi), voice: LEAD });
      }
      beat += beats;
    }
  }
  return notes;
}

const NOTES = arrange();

const lrcTime = (seconds: number): string => {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds - minutes * 60;
  return `${String(minutes).padStart(2, '0')}:${rest.toFixed(2).padStart(5, '0')}`;
};

function writeLrc(): string {
  const lines = [
    `[ti:${TITLE}]`,
    `[ar:${ARTIST}]`,
    '[al:Backbeat Demo]',
    `[length:${lrcTime(DURATION_SECONDS).slice(0, 5)}]`,
  ];
  for (const phrase of PHRASES) {
    if (phrase.text !== undefined) lines.push(`[${lrcTime(phrase.bar * BAR_SECONDS)}]${phrase.text}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface DemoSong {
  title: string;
  artist: string;
  durationSeconds: number;
  sampleRate: number;
  channels: 1;
  /** Synced lyrics: ID tags, ten sung lines and a blank line for the instrumental outro. */
  lrc: string;
}

export const DEMO_SONG: Readonly<DemoSong> = Object.freeze({
  title: TITLE,
  artist: ARTIST,
  durationSeconds: DURATION_SECONDS,
  sampleRate: SAMPLE_RATE,
  channels: 1,
  lrc: writeLrc(),
});

/** Adds every note sounding in song samples [from, to) into `out` from index `at`. */
function mix(out: Float64Array, at: number, from: number, to: number): void {
  for (const note of NOTES) {
    const first = Math.max(from, Math.ceil(note.start * SAMPLE_RATE));
    const end = Math.min(to, Math.ceil((note.start + note.length) * SAMPLE_RATE));
    const { level, harmonics, attack, release, decay } = note.voice;
    const [h1, h2, h3] = harmonics;
    for (let sample = first; sample < end; sample++) {
      const t = sample / SAMPLE_RATE - note.start;
      const left = note.length - t;
      const envelope = Math.min(1, t / attack, left / release) * Math.exp(-decay * t);
      if (envelope <= 0) continue;
      const phase = note.omega * t;
      const wave = h1 * Math.sin(phase) + h2 * Math.sin(2 * phase) + h3 * Math.sin(3 * phase);
      const i = at + sample - from;
      out[i] = out[i]! + level * envelope * wave;
    }
  }
}

/**
 * Mono float samples `[startSample, startSample + frames)` of the song looped forever (sample 0 is the start of the
 * song; any integer start works, negative or past many loops). Same arguments, same samples, and a range rendered in
 * pieces equals the range rendered at once. Every sample is within ±0.5.
 */
export function renderDemoChunk(startSample: number, frames: number): Float32Array {
  if (!Number.isSafeInteger(startSample)) throw new RangeError('startSample must be a safe integer');
  if (!Number.isSafeInteger(frames) || frames < 0) throw new RangeError('frames must be a non-negative integer');
  const acc = new Float64Array(frames);
  let done = 0;
  let position = ((startSample % LOOP_SAMPLES) + LOOP_SAMPLES) % LOOP_SAMPLES;
  while (done < frames) {
    const take = Math.min(frames - done, LOOP_SAMPLES - position);
    mix(acc, done, position, position + take);
    done += take;
    position = 0;
  }
  return Float32Array.from(acc);
}

/**
 * The demo's artwork: a 16×16 RGB PNG (an amber to coral gradient), base64. A literal keeps this module free of an
 * encoder (PNG needs deflate); the test decodes it and checks its chunks.
 */
export function demoThumbnailBase64(): string {
  return DEMO_THUMBNAIL_PNG;
}

const DEMO_THUMBNAIL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAnklEQVR42mP4v8/m/y67f9sd/212/rve9e8ajz8rvP4s8fm90P/33MBfM4N/TQv7' +
  'OSniZ1/Uj+7YH+3xDCSp/t6cyECS6u8NKQwkqf5Wk8ZAkupvFRkMJKn+WprNQJLqr4W5DCSp/pKbz0CS6i9ZRQwkqf6cVsJAkurPSWUMJKn+FF/J' +
  'QJLqT9HVDCSp/hhey0CS6o8hDQwkqf4Q0AQAPlTd0JgNXvcAAAAASUVORK5CYII=';
