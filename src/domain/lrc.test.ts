import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lyricPosition, parseLrc } from './lrc.ts';

/** A parse result in short form: `synced` and `[time, text]` pairs. */
const summary = (input: string): { synced: boolean; lines: [number, string][] } => {
  const parsed = parseLrc(input);
  return { synced: parsed.synced, lines: parsed.lines.map((l) => [l.time, l.text]) };
};

const synced = (...lines: [number, string][]) => ({ synced: true, lines });
const plain = (...texts: string[]) => ({ synced: false, lines: texts.map((t): [number, string] => [0, t]) });

describe('parseLrc', () => {
  it.each<[string, string, ReturnType<typeof synced>]>([
    // Time tag forms
    ['[mm:ss.xx]', '[00:12.50]Hello', synced([12.5, 'Hello'])],
    ['[mm:ss.xxx]', '[00:12.505]Hello', synced([12.505, 'Hello'])],
    ['[mm:ss]', '[01:02]Hello', synced([62, 'Hello'])],
    ['[m:ss.x]', '[1:02.5]Hello', synced([62.5, 'Hello'])],
    ['[m:s] with one-digit seconds', '[0:5]Hello', synced([5, 'Hello'])],
    ['minutes ≥ 60', '[75:02.10]Late', synced([4502.1, 'Late'])],
    ['four-digit minutes', '[1000:00.00]Very late', synced([60_000, 'Very late'])],
    ['hundredths read as hundredths', '[00:00.05]a', synced([0.05, 'a'])],
    ['tenths read as tenths', '[00:00.5]a', synced([0.5, 'a'])],
    ['whitespace inside the brackets', '[ 00:03.00 ]a', synced([3, 'a'])],
    ['time 0', '[00:00.00]Start', synced([0, 'Start'])],
    ['59.999 seconds', '[00:59.999]Edge', synced([59.999, 'Edge'])],
    // Several tags, sorting
    ['two times on one line', '[00:12.00][01:30.50]Chorus', synced([12, 'Chorus'], [90.5, 'Chorus'])],
    [
      'repeated tags interleaved with other lines',
      '[00:12.00][00:30.00]Chorus\n[00:20.00]Verse',
      synced([12, 'Chorus'], [20, 'Verse'], [30, 'Chorus']),
    ],
    ['lines out of order are sorted', '[00:20.00]B\n[00:10.00]A', synced([10, 'A'], [20, 'B'])],
    ['equal times keep file order', '[00:05.00]first\n[00:05.00]second', synced([5, 'first'], [5, 'second'])],
    ['equal times from one line keep tag order', '[00:05.00][00:05.00]x', synced([5, 'x'], [5, 'x'])],
    // Text handling
    [
      'blank timed line kept (instrumental gap)',
      '[00:01.00]a\n[00:05.00]\n[00:09.00]b',
      synced([1, 'a'], [5, ''], [9, 'b']),
    ],
    ['whitespace-only timed line is blank', '[00:05.00]    ', synced([5, ''])],
    ['text trimmed', '   [00:01.00]   spaced out   ', synced([1, 'spaced out'])],
    ['inner spacing kept', '[00:01.00]a  b', synced([1, 'a  b'])],
    ['brackets later in the text stay', '[00:01.00]call [me] maybe', synced([1, 'call [me] maybe'])],
    ['a time tag after text stays text', '[00:01.00]a [00:02.00] b', synced([1, 'a [00:02.00] b'])],
    ['unicode text', '[00:01.00]Ça va? 夜空 🎵', synced([1, 'Ça va? 夜空 🎵'])],
    // Enhanced LRC
    ['word times stripped', '[00:12.00]<00:12.50>Hello <00:13.00>world', synced([12, 'Hello world'])],
    ['trailing word time stripped', '[00:12.00]<00:12.00>Hi <00:12.80>', synced([12, 'Hi'])],
    ['word time with milliseconds', '[00:12.00]<00:12.505>Hi', synced([12, 'Hi'])],
    ['angle text that is not a time stays', '[00:01.00]a <b> c', synced([1, 'a <b> c'])],
    // Newlines, BOM
    ['CRLF newlines', '[00:01.00]a\r\n[00:02.00]b\r\n', synced([1, 'a'], [2, 'b'])],
    ['CR newlines', '[00:01.00]a\r[00:02.00]b', synced([1, 'a'], [2, 'b'])],
    ['mixed newlines', '[00:01.00]a\r\n[00:02.00]b\n[00:03.00]c\rd', synced([1, 'a'], [2, 'b'], [3, 'c'])],
    ['BOM', '\uFEFF[00:01.00]a', synced([1, 'a'])],
    ['surrounding blank lines and spaces', '\n\n  [00:01.00]a  \n\n', synced([1, 'a'])],
    // Invalid times
    ['seconds ≥ 60 is text, untimed, dropped from a synced file', '[00:75.00]x\n[00:01.00]a', synced([1, 'a'])],
    ['invalid time after a valid one is text', '[00:12.00][00:75.00]x', synced([12, '[00:75.00]x'])],
    ['letters are text', '[00:01.00]a\n[aa:bb.cc]b', synced([1, 'a'])],
    ['five-digit minutes are not a time', '[00:01.00][12345:00.00]x', synced([1, '[12345:00.00]x'])],
    ['four fraction digits are not a time', '[00:01.00][00:02.0000]x', synced([1, '[00:02.0000]x'])],
    ['negative time is not a time', '[00:01.00][-00:02.00]x', synced([1, '[-00:02.00]x'])],
    ['untimed lines in a synced file are dropped', '[ti:T]\nIntro words\n[00:01.00]a\n[Chorus]', synced([1, 'a'])],
    ['unclosed bracket is text', '[00:01.00]a\n[00:02.00[b', synced([1, 'a'])],
    // Offset
    ['positive offset: earlier', '[offset:+250]\n[00:10.00]a', synced([9.75, 'a'])],
    ['negative offset: later', '[offset:-100]\n[00:10.00]a', synced([10.1, 'a'])],
    ['offset without sign', '[offset:500]\n[00:10.00]a', synced([9.5, 'a'])],
    ['offset never pushes below 0', '[offset:+2000]\n[00:01.00]a\n[00:03.00]b', synced([0, 'a'], [1, 'b'])],
    ['offset after the lines still applies', '[00:10.00]a\n[offset:1000]', synced([9, 'a'])],
    ['non-numeric offset ignored', '[offset:soon]\n[00:10.00]a', synced([10, 'a'])],
    ['last offset wins', '[offset:100]\n[offset:200]\n[00:10.00]a', synced([9.8, 'a'])],
  ])('%s', (_name, input, expected) => {
    expect(summary(input)).toEqual(expected);
  });

  it.each<[string, string, ReturnType<typeof plain>]>([
    ['empty string', '', plain()],
    ['whitespace only', ' \n\t\r\n ', plain()],
    ['plain lines at time 0', 'Hello\nWorld', plain('Hello', 'World')],
    ['stanza breaks collapse to one blank line', 'a\nb\n\n\n\nc', plain('a', 'b', '', 'c')],
    ['no blank line at either end', '\n\na\n\n', plain('a')],
    ['only invalid times: unsynced, kept as text', '[00:75.00]Hello', plain('[00:75.00]Hello')],
    ['section headers are text, not tags', '[Chorus: Someone]\nLa la', plain('[Chorus: Someone]', 'La la')],
    ['tags only', '[ti:Title]\n[ar:Artist]', plain()],
    ['tags and plain text', '[ti:Title]\nJust words', plain('Just words')],
    ['word times stripped from plain text too', '<00:01.00>Hi <00:02.00>there', plain('Hi there')],
    ['BOM and CRLF', '\uFEFFa\r\nb', plain('a', 'b')],
  ])('plain text: %s', (_name, input, expected) => {
    expect(summary(input)).toEqual(expected);
  });

  it('reads ID tags into tags, not lines', () => {
    const parsed = parseLrc(
      '[ti: Morning Song ]\n[ar:The Band]\n[al:First]\n[by:someone]\n[length: 03:25]\n[AU:Writer]\n' +
        '[offset:+250]\n[#:a comment]\n[re:Editor][ve:1.0]\n[00:01.00]Line',
    );
    expect(parsed.tags).toEqual({
      ti: 'Morning Song',
      ar: 'The Band',
      al: 'First',
      by: 'someone',
      length: '03:25',
      au: 'Writer',
      offset: '+250',
      '#': 'a comment',
      re: 'Editor',
      ve: '1.0',
    });
    expect(parsed.offsetMs).toBe(250);
    expect(parsed.lines).toEqual([{ time: 0.75, text: 'Line' }]);
  });

  it('keeps the text after a tag on the same line', () => {
    expect(summary('[ti:T]Hello')).toEqual(plain('Hello'));
    expect(parseLrc('[ti:T][00:02.00]Hi')).toMatchObject({ tags: { ti: 'T' }, lines: [{ time: 2, text: 'Hi' }] });
  });

  it('reports offset 0 without an offset tag', () => {
    expect(parseLrc('[00:01.00]a').offsetMs).toBe(0);
    expect(parseLrc('[offset:]\n[00:01.00]a').offsetMs).toBe(0);
  });

  it.each<[string, string]>([
    ['many timed lines', '[00:01.00]la la la la\n'.repeat(3500)],
    ['one line of open brackets', '['.repeat(64 * 1024)],
    ['open brackets then a close', `${'['.repeat(64 * 1024 - 1)}]`],
    ['time tags without text', '[00:01.00]'.repeat(6500)],
    ['almost-times', '[00:01.0000'.repeat(5900)],
    ['almost word times', '[00:01.00]' + '<0000:00.000'.repeat(5400)],
    ['tag-like brackets', '[ti:'.repeat(16 * 1024)],
    ['newlines only', '\r\n'.repeat(32 * 1024)],
  ])('parses 64 KiB of %s quickly', (_name, input) => {
    // Tens of milliseconds at most on an idle machine; the budget leaves room for a loaded one, while a backtracking
    // regex or a quadratic scan on inputs like these takes seconds.
    const started = performance.now();
    parseLrc(input);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('never throws, and returns sorted times ≥ 0 (property)', () => {
    const lrcish = fc.array(
      fc.oneof(
        fc.string(),
        fc
          .tuple(fc.nat(120), fc.nat(70), fc.nat(999), fc.string())
          .map(([m, s, f, t]) => `[${m}:${String(s).padStart(2, '0')}.${f}]${t}`),
        fc.integer({ min: -5000, max: 5000 }).map((ms) => `[offset:${ms}]`),
        fc.constantFrom('\n', '\r\n', '\r', '[', ']', '<00:01.00>', '\uFEFF', '[ti:x]'),
      ),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          lrcish.map((parts) => parts.join('')),
        ),
        (input) => {
          const parsed = parseLrc(input);
          for (let i = 0; i < parsed.lines.length; i++) {
            const line = parsed.lines[i]!;
            expect(line.time).toBeGreaterThanOrEqual(0);
            expect(Number.isFinite(line.time)).toBe(true);
            if (i > 0) expect(line.time).toBeGreaterThanOrEqual(parsed.lines[i - 1]!.time);
            if (!parsed.synced) expect(line.time).toBe(0);
            expect(line.text).toBe(line.text.trim());
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('lyricPosition', () => {
  const lines = [
    { time: 0.5, text: 'a' },
    { time: 2, text: 'b' },
    { time: 2, text: 'b again' },
    { time: 5, text: 'c' },
  ];

  it.each<[number, number, number | null]>([
    [0, -1, 0.5],
    [0.49, -1, 0.5],
    [0.5, 0, 2],
    [1.99, 0, 2],
    [2, 2, 5],
    [4.999, 2, 5],
    [5, 3, null],
    [1e9, 3, null],
    [-3, -1, 0.5],
    [Number.POSITIVE_INFINITY, 3, null],
    [Number.NEGATIVE_INFINITY, -1, 0.5],
    [Number.NaN, -1, 0.5],
  ])('at %s s: line %s, next at %s', (elapsed, lineIndex, nextLineAt) => {
    expect(lyricPosition(lines, elapsed)).toEqual({ lineIndex, nextLineAt });
  });

  it('has no line and no next line for no lyrics', () => {
    expect(lyricPosition([], 10)).toEqual({ lineIndex: -1, nextLineAt: null });
  });

  it('follows parsed lyrics', () => {
    const parsed = parseLrc('[00:10.00]b\n[00:05.00]a\n[00:20.00]\n[00:30.00]c');
    expect(lyricPosition(parsed.lines, 21)).toEqual({ lineIndex: 2, nextLineAt: 30 });
    expect(parsed.lines[2]!.text).toBe('');
  });

  it('agrees with a linear scan and is monotonic in elapsed time (property)', () => {
    const sortedTimes = fc
      .array(fc.double({ min: 0, max: 600, noNaN: true }), { maxLength: 40 })
      .map((times) => [...times].sort((a, b) => a - b).map((time) => ({ time })));
    fc.assert(
      fc.property(
        sortedTimes,
        fc.double({ min: -10, max: 700, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (ls, elapsed, later) => {
          const at = lyricPosition(ls, elapsed);
          let expected = -1;
          ls.forEach((l, i) => {
            if (l.time <= elapsed) expected = i;
          });
          expect(at.lineIndex).toBe(expected);
          expect(at.nextLineAt).toBe(ls[expected + 1]?.time ?? null);
          if (at.nextLineAt !== null) expect(at.nextLineAt).toBeGreaterThan(elapsed);
          expect(lyricPosition(ls, elapsed + later).lineIndex).toBeGreaterThanOrEqual(at.lineIndex);
        },
      ),
      { numRuns: 500 },
    );
  });
});
