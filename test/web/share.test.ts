import { describe, expect, it } from 'vitest';
import {
  anchorFromMetadata,
  currentLineIndex,
  formatBytes,
  formatClock,
  INITIAL_LISTENER_STATE,
  isSessionCode,
  isSyncedLyrics,
  listenerReducer,
  listenPath,
  lrcTags,
  lyricsOf,
  normalizeSessionCode,
  parseListenerMessage,
  phaseForClose,
  progressAt,
  progressFraction,
  randomSessionCode,
  reconnectDelayMs,
  shareSocketUrl,
  thumbnailSrc,
  titleArtistFromFileName,
  MAX_EXTRAPOLATION_S,
  type ListenerState,
  type ProgressAnchor,
} from '../../web/src/lib/share.ts';
import type { ListenerMessage, LyricsState } from '../../web/src/lib/types.ts';

const T0 = 1_700_000_000_000;

describe('session codes and links', () => {
  it('accepts exactly six digits, dropping spaces and dashes people type', () => {
    expect(isSessionCode('123456')).toBe(true);
    expect(isSessionCode('12345')).toBe(false);
    expect(isSessionCode('1234567')).toBe(false);
    expect(isSessionCode('12345a')).toBe(false);
    expect(normalizeSessionCode(' 123 456 ')).toBe('123456');
    expect(normalizeSessionCode('123-456')).toBe('123456');
    expect(normalizeSessionCode('12 34')).toBeNull();
  });

  it('draws random codes with leading zeros kept', () => {
    expect(randomSessionCode(() => 0)).toBe('000000');
    expect(randomSessionCode(() => 0.000042)).toBe('000042');
    expect(randomSessionCode(() => 0.9999999)).toBe('999999');
    for (let i = 0; i < 50; i += 1) expect(isSessionCode(randomSessionCode())).toBe(true);
  });

  it('builds listener paths and socket URLs on the page origin', () => {
    expect(listenPath('123456')).toBe('/share/123456');
    expect(listenPath('123456', 'a b')).toBe('/share/123456?t=a%20b');
    expect(shareSocketUrl({ protocol: 'http:', host: 'localhost:3000' }, '123456', 'listen', 'tok+/=')).toBe(
      'ws://localhost:3000/api/share/123456/listen?token=tok%2B%2F%3D',
    );
    expect(shareSocketUrl({ protocol: 'https:', host: 'example.org' }, '000001', 'host', 't')).toBe(
      'wss://example.org/api/share/000001/host?token=t',
    );
  });

  it('makes thumbnails data URLs, PNG by its base64 signature, JPEG otherwise', () => {
    expect(thumbnailSrc('iVBORw0KGgo=')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(thumbnailSrc('/9j/4AAQ')).toBe('data:image/jpeg;base64,/9j/4AAQ');
    expect(thumbnailSrc('')).toBeNull();
    expect(thumbnailSrc(undefined)).toBeNull();
  });

  it('formats clocks and byte counts', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(65.9)).toBe('1:05');
    expect(formatClock(3725)).toBe('1:02:05');
    expect(formatClock(null)).toBe('–:––');
    expect(formatClock(-1)).toBe('–:––');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB');
  });
});

describe('progress extrapolation', () => {
  const meta = (elapsedSeconds: number, timestamp: number, totalSeconds = 200) => ({
    elapsedSeconds,
    totalSeconds,
    timestamp,
  });

  it('anchors on arrival, adding the update’s age on the server clock', () => {
    const anchor = anchorFromMetadata(meta(10, T0), T0 + 5000, T0 + 300, null)!;
    expect(anchor.elapsed).toBeCloseTo(10.3);
    expect(anchor.atLocalMs).toBe(T0 + 5000);
    expect(anchor.total).toBe(200);
    expect(anchor.playing).toBe(true);
    // Without the server's time, the local clock measures the age.
    expect(anchorFromMetadata(meta(10, T0), T0 + 200, null, null)!.elapsed).toBeCloseTo(10.2);
  });

  it('ignores an age the clocks cannot agree on (negative, or over ten seconds)', () => {
    expect(anchorFromMetadata(meta(10, T0), T0, T0 - 2000, null)!.elapsed).toBe(10);
    expect(anchorFromMetadata(meta(10, T0), T0, T0 + 60_000, null)!.elapsed).toBe(10);
  });

  it('has no anchor without elapsedSeconds; an unknown length is null', () => {
    expect(anchorFromMetadata({ title: 'x' }, T0, T0, null)).toBeNull();
    expect(anchorFromMetadata({ elapsedSeconds: 3 }, T0, T0, null)!.total).toBeNull();
  });

  it('moves with the clock while playing, capped at the end and at the extrapolation limit', () => {
    const anchor: ProgressAnchor = {
      elapsed: 10,
      atLocalMs: T0,
      total: 12,
      playing: true,
      reported: { elapsed: 10, at: T0 },
    };
    expect(progressAt(anchor, T0)).toBe(10);
    expect(progressAt(anchor, T0 + 1500)).toBeCloseTo(11.5);
    expect(progressAt(anchor, T0 + 5000)).toBe(12);
    expect(progressAt(anchor, T0 - 5000)).toBe(10);
    const long = { ...anchor, total: null };
    expect(progressAt(long, T0 + 60_000)).toBe(10 + MAX_EXTRAPOLATION_S);
  });

  it('stands still while paused: an update that did not move while a second passed', () => {
    const first = anchorFromMetadata(meta(42, T0), T0, T0, null)!;
    const second = anchorFromMetadata(meta(42, T0 + 1000), T0 + 1000, T0 + 1000, first)!;
    expect(second.playing).toBe(false);
    expect(progressAt(second, T0 + 5000)).toBe(42);
    // The same update again (a reconnect's state) keeps what was known.
    expect(anchorFromMetadata(meta(42, T0 + 1000), T0 + 1200, T0 + 1200, second)!.playing).toBe(false);
    // Moving again is playing.
    const third = anchorFromMetadata(meta(43, T0 + 2000), T0 + 2000, T0 + 2000, second)!;
    expect(third.playing).toBe(true);
  });

  it('stops at the end of the track', () => {
    const anchor = anchorFromMetadata(meta(200, T0), T0, T0 + 500, null)!;
    expect(anchor.playing).toBe(false);
    expect(anchor.elapsed).toBe(200);
  });

  it('turns elapsed into a bar fraction', () => {
    expect(progressFraction(50, 200)).toBe(0.25);
    expect(progressFraction(250, 200)).toBe(1);
    expect(progressFraction(-1, 200)).toBe(0);
    expect(progressFraction(5, null)).toBe(0);
  });
});

describe('lyrics', () => {
  const lines = [
    { time: 1, text: 'one' },
    { time: 2.5, text: 'two' },
    { time: 4, text: 'three' },
    { time: 4, text: 'three again' },
    { time: 9, text: 'four' },
  ];

  it('finds the current line: the last whose time has come', () => {
    expect(currentLineIndex(lines, 0.5)).toBe(-1);
    expect(currentLineIndex(lines, 1)).toBe(0);
    expect(currentLineIndex(lines, 2.49)).toBe(0);
    expect(currentLineIndex(lines, 3)).toBe(1);
    // Of lines with one time, the last is current.
    expect(currentLineIndex(lines, 4)).toBe(3);
    expect(currentLineIndex(lines, 100)).toBe(4);
    expect(currentLineIndex([], 3)).toBe(-1);
    expect(currentLineIndex(lines, Number.NaN)).toBe(-1);
  });

  it('tells synced lyrics and reads the LRC title and artist tags', () => {
    const text = '[ti:Song]\n[ar:Someone]\n[offset:500]\n[00:01.50]First\n[00:03.2][00:10.00]Chorus';
    expect(isSyncedLyrics(text)).toBe(true);
    expect(isSyncedLyrics('just words\nmore words')).toBe(false);
    expect(lrcTags(text)).toEqual({ title: 'Song', artist: 'Someone' });
    expect(lrcTags('[00:01]x')).toEqual({ title: null, artist: null });
  });

  it('takes the server’s parsed lyrics, else reads the metadata’s text', () => {
    const server: LyricsState = { synced: true, lines: [{ time: 1, text: 'a' }], lineIndex: 0, nextLineAt: null };
    expect(lyricsOf({ lyrics: '[00:05]b' }, server)).toBe(server);
    expect(lyricsOf({ lyrics: '[00:05]b\n[00:07]c', elapsedSeconds: 6 }, null)).toEqual({
      synced: true,
      lines: [
        { time: 5, text: 'b' },
        { time: 7, text: 'c' },
      ],
      lineIndex: 0,
      nextLineAt: null,
    });
    expect(lyricsOf({ lyrics: '[00:05]b', lineIndex: -1 }, null)).toMatchObject({ synced: true, lineIndex: -1 });
    expect(lyricsOf({ lyrics: 'plain\ntext' }, null)).toMatchObject({
      synced: false,
      lines: [
        { time: 0, text: 'plain' },
        { time: 0, text: 'text' },
      ],
    });
    // The host said the tags are not worth following: shown as plain text.
    expect(lyricsOf({ lyrics: '[00:05]b', hasSyncedLyrics: false }, null)).toMatchObject({
      synced: false,
      lines: [{ time: 0, text: 'b' }],
    });
    expect(lyricsOf({ lyrics: '  ' }, null)).toBeNull();
    expect(lyricsOf(null, null)).toBeNull();
  });

  it('guesses title and artist from a file name', () => {
    expect(titleArtistFromFileName('Daft Punk - One More Time.mp3')).toEqual({
      artist: 'Daft Punk',
      title: 'One More Time',
    });
    expect(titleArtistFromFileName('03. Some_Song.flac')).toEqual({ title: 'Some Song', artist: '' });
    expect(titleArtistFromFileName('C:\\music\\A – B - C.wav')).toEqual({ artist: 'A', title: 'B - C' });
    expect(titleArtistFromFileName('noext')).toEqual({ title: 'noext', artist: '' });
  });
});

describe('listener messages', () => {
  it('reads each message type, with defaults for missing fields', () => {
    const state = parseListenerMessage(
      JSON.stringify({
        type: 'state',
        sessionId: '123456',
        isActive: true,
        startTime: T0,
        listenerCount: 2,
        metadata: { title: 'T', artist: 42, elapsedSeconds: 3 },
        lyrics: { synced: true, lines: [{ time: 1, text: 'x' }, { time: 'bad' }], lineIndex: 0, nextLineAt: 2 },
        serverTime: T0 + 1,
      }),
    );
    expect(state).toEqual({
      type: 'state',
      sessionId: '123456',
      isActive: true,
      startTime: T0,
      listenerCount: 2,
      // A field of the wrong type is dropped, not the update.
      metadata: { title: 'T', elapsedSeconds: 3 },
      lyrics: { synced: true, lines: [{ time: 1, text: 'x' }], lineIndex: 0, nextLineAt: 2 },
      serverTime: T0 + 1,
    });
    expect(parseListenerMessage('{"type":"listeners","listenerCount":3}')).toEqual({
      type: 'listeners',
      listenerCount: 3,
    });
    expect(parseListenerMessage('{"type":"ended","reason":"expired"}')).toEqual({ type: 'ended', reason: 'expired' });
    expect(parseListenerMessage('{"type":"ended"}')).toEqual({ type: 'ended', reason: 'stopped' });
    expect(parseListenerMessage('{"type":"error","error":"nope","code":"X"}')).toEqual({
      type: 'error',
      error: 'nope',
      code: 'X',
    });
    expect(parseListenerMessage('{"type":"metadata","metadata":{"title":"A"},"lyrics":null,"serverTime":5}')).toEqual({
      type: 'metadata',
      metadata: { title: 'A' },
      lyrics: null,
      serverTime: 5,
    });
  });

  it('refuses what is not a known message', () => {
    expect(parseListenerMessage('not json')).toBeNull();
    expect(parseListenerMessage('[1]')).toBeNull();
    expect(parseListenerMessage('{"type":"surprise"}')).toBeNull();
    expect(parseListenerMessage('{"type":"metadata","metadata":"x"}')).toBeNull();
  });
});

describe('listener state machine', () => {
  const state = (over: Partial<Extract<ListenerMessage, { type: 'state' }>> = {}): ListenerMessage => ({
    type: 'state',
    sessionId: '123456',
    isActive: true,
    startTime: T0,
    listenerCount: 1,
    metadata: { title: 'Song', artist: 'Artist', elapsedSeconds: 5, totalSeconds: 100, timestamp: T0 },
    lyrics: null,
    serverTime: T0 + 100,
    ...over,
  });
  const run = (events: Parameters<typeof listenerReducer>[1][], from: ListenerState = INITIAL_LISTENER_STATE) =>
    events.reduce(listenerReducer, from);

  it('goes live on the state message, with metadata, anchor, count and the server clock offset', () => {
    const s = run([
      { type: 'connecting', retry: false },
      { type: 'message', message: state(), at: T0 + 1100 },
    ]);
    expect(s.phase).toBe('live');
    expect(s.seen).toBe(true);
    expect(s.metadata?.title).toBe('Song');
    expect(s.listenerCount).toBe(1);
    expect(s.serverOffsetMs).toBe(-1000);
    expect(s.anchor?.elapsed).toBeCloseTo(5.1);
  });

  it('follows metadata and listener counts', () => {
    const s = run([
      { type: 'message', message: state(), at: T0 },
      {
        type: 'message',
        message: {
          type: 'metadata',
          metadata: { title: 'Next', lyrics: '[00:01]hi', elapsedSeconds: 0, timestamp: T0 + 1000 },
          lyrics: null,
          serverTime: T0 + 1000,
        },
        at: T0 + 1000,
      },
      { type: 'message', message: { type: 'listeners', listenerCount: 4 }, at: T0 + 1000 },
    ]);
    expect(s.metadata?.title).toBe('Next');
    expect(s.lyrics?.lines).toEqual([{ time: 1, text: 'hi' }]);
    expect(s.listenerCount).toBe(4);
  });

  it('ends on `ended` and on the stop/expiry close codes, and stays ended', () => {
    const live = run([{ type: 'message', message: state(), at: T0 }]);
    expect(run([{ type: 'message', message: { type: 'ended', reason: 'stopped' }, at: T0 }], live).phase).toBe('ended');
    expect(run([{ type: 'closed', code: 4000, reason: '', at: T0 }], live).phase).toBe('ended');
    expect(run([{ type: 'closed', code: 4004, reason: '', at: T0 }], live).phase).toBe('expired');
    const ended = run([{ type: 'closed', code: 4000, reason: '', at: T0 }], live);
    expect(
      run(
        [
          { type: 'connecting', retry: true },
          { type: 'closed', code: 1006, reason: '', at: T0 },
        ],
        ended,
      ).phase,
    ).toBe('ended');
    // A stopped session (the grace period) joins as ended.
    expect(run([{ type: 'message', message: state({ isActive: false }), at: T0 }]).phase).toBe('ended');
  });

  it('stops the progress where it stood when the session ends', () => {
    const live = run([{ type: 'message', message: state(), at: T0 + 100 }]);
    expect(live.anchor?.playing).toBe(true);
    const over = run([{ type: 'closed', code: 4000, reason: '', at: T0 + 2100 }], live);
    expect(over.anchor?.playing).toBe(false);
    expect(progressAt(over.anchor!, T0 + 60_000)).toBeCloseTo(7.1);
    const expired = run([{ type: 'message', message: { type: 'ended', reason: 'expired' }, at: T0 + 1100 }], live);
    expect(progressAt(expired.anchor!, T0 + 60_000)).toBeCloseTo(6.1);
  });

  it('reconnects on other closes; a 4004 before anything was seen is "no session"', () => {
    const live = run([{ type: 'message', message: state(), at: T0 }]);
    expect(run([{ type: 'closed', code: 1006, reason: '', at: T0 }], live).phase).toBe('reconnecting');
    expect(run([{ type: 'closed', code: 4008, reason: '', at: T0 }], live).phase).toBe('reconnecting');
    expect(run([{ type: 'closed', code: 1001, reason: '', at: T0 }], live).phase).toBe('reconnecting');
    expect(run([{ type: 'closed', code: 4004, reason: '', at: T0 }]).phase).toBe('not_found');
    expect(run([{ type: 'not_found' }]).phase).toBe('not_found');
    expect(run([{ type: 'not_found' }], live).phase).toBe('expired');
    expect(run([{ type: 'unauthorized' }]).phase).toBe('unauthorized');
    expect(run([{ type: 'failed', message: 'x' }]).message).toBe('x');
    expect(phaseForClose(4001, false)).toBe('unauthorized');
    expect(phaseForClose(1000, true)).toBeNull();
  });

  it('backs off between reconnects: doubling, jittered, capped', () => {
    expect(reconnectDelayMs(0, () => 0.5)).toBe(500);
    expect(reconnectDelayMs(1, () => 0.5)).toBe(1000);
    expect(reconnectDelayMs(3, () => 0.5)).toBe(4000);
    expect(reconnectDelayMs(30, () => 0.5)).toBe(15_000);
    expect(reconnectDelayMs(0, () => 0)).toBe(400);
    expect(reconnectDelayMs(0, () => 1)).toBe(600);
  });
});
