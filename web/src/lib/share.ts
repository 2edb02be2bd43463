/**
 * Pure rules of the Share pages (listener and host): session codes, links, thumbnails, progress extrapolation, the
 * current lyric line (with the server's own LRC parser and lookup, `src/domain/lrc.ts`), and the listener page's
 * state machine. No DOM, no timers: the pages and hooks feed them the clock, so every rule can be unit-tested.
 */
import { lyricPosition, parseLrc } from '../../../src/domain/lrc.ts';
import type { LyricLine, ListenerMessage, LyricsState, ShareCloseCodes, ShareMetadata } from './types.ts';

/**
 * The sockets' close codes. Spelled out here rather than imported, so the server's contract (and its schema
 * library) stays out of the bundle; `satisfies` keeps them equal to the contract's.
 */
export const CLOSE_CODES = {
  stopped: 4000,
  unauthorized: 4001,
  notFound: 4004,
  tooSlow: 4008,
  badFrame: 4400,
  rateLimited: 4429,
  goingAway: 1001,
} as const satisfies ShareCloseCodes;

/** A session code: exactly six digits (the server refuses anything else). */
export function isSessionCode(value: string): boolean {
  return /^[0-9]{6}$/.test(value);
}

/** The code as typed (spaces and dashes people add when reading it out dropped), or null when not six digits. */
export function normalizeSessionCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, '');
  return isSessionCode(code) ? code : null;
}

/** A random six-digit code (leading zeros allowed), from `random` in [0, 1). */
export function randomSessionCode(random: () => number = Math.random): string {
  return String(Math.floor(random() * 1_000_000) % 1_000_000).padStart(6, '0');
}

/** The listener page's path for a code, with the listener token when there is one. */
export function listenPath(code: string, token?: string | null): string {
  return `/share/${encodeURIComponent(code)}${token ? `?t=${encodeURIComponent(token)}` : ''}`;
}

/** The WebSocket URL of a session's listener or host socket, on the page's own origin (`ws:` under `http:`). */
export function shareSocketUrl(
  location: { protocol: string; host: string },
  sessionId: string,
  role: 'listen' | 'host',
  token: string,
): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/share/${encodeURIComponent(sessionId)}/${role}?token=${encodeURIComponent(token)}`;
}

/** A `data:` URL for the host's base64 thumbnail: PNG when its bytes start with the PNG signature, else JPEG. */
export function thumbnailSrc(base64: string | null | undefined): string | null {
  if (!base64) return null;
  const type = base64.startsWith('iVBOR') ? 'png' : 'jpeg';
  return `data:image/${type};base64,${base64}`;
}

/** `m:ss` (or `h:mm:ss`) for a number of seconds; `–:––` when unknown. */
export function formatClock(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–:––';
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Bytes in words (`1.2 MB`). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

// ---------- Progress ----------

/**
 * Where the track was at a known moment of this page's clock: metadata says "elapsedSeconds at `timestamp`" in the
 * host's clock, so the anchor moves that into local time once, on arrival, and the progress bar extrapolates from it.
 */
export interface ProgressAnchor {
  /** Seconds into the track at `atLocalMs`. */
  elapsed: number;
  /** Local clock (`Date.now()`) of `elapsed`. */
  atLocalMs: number;
  /** Track length, or null when unknown. */
  total: number | null;
  /** Whether the track is moving (false once an update shows it stood still). */
  playing: boolean;
  /** The update's own elapsedSeconds and timestamp (host clock), to tell a pause from the next update. */
  reported: { elapsed: number; at: number | null };
}

/** The longest a metadata update is taken to have travelled; beyond, the clocks disagree and the age is ignored. */
const MAX_METADATA_AGE_MS = 10_000;
/** How long the bar keeps moving without news from the host (metadata comes every second or so). */
export const MAX_EXTRAPOLATION_S = 15;

/**
 * The anchor of one metadata update received at `receivedLocalMs`. Its age is measured on the server's clock when the
 * message carries `serverTime` (the host's and the server's clocks are assumed close), else on the local clock; an
 * age outside 0–10 s means the clocks disagree and is taken as 0. `previous` tells a paused track: an update whose
 * position did not move while time did.
 */
export function anchorFromMetadata(
  metadata: ShareMetadata,
  receivedLocalMs: number,
  serverTime: number | null,
  previous: ProgressAnchor | null,
): ProgressAnchor | null {
  if (typeof metadata.elapsedSeconds !== 'number' || !Number.isFinite(metadata.elapsedSeconds)) return null;
  const total = typeof metadata.totalSeconds === 'number' && metadata.totalSeconds > 0 ? metadata.totalSeconds : null;
  let ageMs = 0;
  if (typeof metadata.timestamp === 'number' && metadata.timestamp > 0) {
    const age = (serverTime ?? receivedLocalMs) - metadata.timestamp;
    ageMs = age >= 0 && age <= MAX_METADATA_AGE_MS ? age : 0;
  }
  const at = typeof metadata.timestamp === 'number' && metadata.timestamp > 0 ? metadata.timestamp : null;
  let playing = true;
  if (previous) {
    const movedBy = metadata.elapsedSeconds - previous.reported.elapsed;
    const timePassed =
      at !== null && previous.reported.at !== null
        ? (at - previous.reported.at) / 1000
        : (receivedLocalMs - previous.atLocalMs) / 1000;
    // Host updates come about once a second: a second or more of clock with no movement is a pause. The same
    // update seen twice (a reconnect's state) passes no time and keeps what was known.
    if (timePassed >= 0.9 && Math.abs(movedBy) < 0.05) playing = false;
    else if (timePassed < 0.05 && Math.abs(movedBy) < 0.05) playing = previous.playing;
  }
  const ended = total !== null && metadata.elapsedSeconds >= total;
  return {
    elapsed: metadata.elapsedSeconds + (playing && !ended ? ageMs / 1000 : 0),
    atLocalMs: receivedLocalMs,
    total,
    playing: playing && !ended,
    reported: { elapsed: metadata.elapsedSeconds, at },
  };
}

/**
 * Seconds into the track at local time `nowMs`: the anchor moved on by the clock while playing (at most
 * {@link MAX_EXTRAPOLATION_S} past it, so a silent host does not run the bar on forever), never past the end.
 */
export function progressAt(anchor: ProgressAnchor, nowMs: number): number {
  let elapsed = anchor.elapsed;
  if (anchor.playing) elapsed += Math.min(Math.max(0, (nowMs - anchor.atLocalMs) / 1000), MAX_EXTRAPOLATION_S);
  if (anchor.total !== null) elapsed = Math.min(elapsed, anchor.total);
  return Math.max(0, elapsed);
}

/** The bar's fill, 0–1 (0 when the length is unknown). */
export function progressFraction(elapsed: number, total: number | null): number {
  if (total === null || total <= 0) return 0;
  return Math.min(1, Math.max(0, elapsed / total));
}

// ---------- Lyrics ----------

/**
 * The synced line playing at `elapsed` seconds: the last line whose time has come (-1 before the first), by the same
 * lookup the server uses for its lineIndex.
 */
export function currentLineIndex(lines: readonly Pick<LyricLine, 'time'>[], elapsed: number): number {
  if (!Number.isFinite(elapsed)) return -1;
  return lyricPosition(lines, elapsed).lineIndex;
}

/** Whether lyrics have LRC time tags worth following. */
export function isSyncedLyrics(text: string): boolean {
  return parseLrc(text).synced;
}

/** The `[ti:]` and `[ar:]` tags of an LRC file, when present. */
export function lrcTags(text: string): { title: string | null; artist: string | null } {
  const { tags } = parseLrc(text);
  return { title: tags.ti || null, artist: tags.ar || null };
}

/**
 * Title and artist guessed from an audio file's name: `Artist - Title.mp3` gives both, anything else only the title
 * (extension, track numbers like `03 ` or `03. ` and underscores dropped).
 */
export function titleArtistFromFileName(name: string): { title: string; artist: string } {
  const base = name
    .replace(/^.*[\\/]/, '')
    .replace(/\.[a-z0-9]{1,5}$/i, '')
    .replace(/_/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const parts = base.split(/\s+[-–—]\s+/);
  const strip = (s: string) => s.replace(/^\d{1,3}(?:\s*[.)-]\s*|\s+)/, '').trim();
  if (parts.length >= 2) {
    return { artist: strip(parts[0]!), title: parts.slice(1).join(' - ').trim() };
  }
  return { title: strip(base) || base, artist: '' };
}

// ---------- Listener messages ----------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const optional =
  (check: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    v === undefined || check(v);
const isString = (v: unknown) => typeof v === 'string';
const isFiniteNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

const METADATA_CHECKS: { readonly [K in keyof ShareMetadata]-?: (v: unknown) => boolean } = {
  title: optional(isString),
  artist: optional(isString),
  lyrics: optional(isString),
  hasSyncedLyrics: optional((v) => typeof v === 'boolean'),
  elapsedSeconds: optional(isFiniteNumber),
  totalSeconds: optional(isFiniteNumber),
  thumbnailData: optional(isString),
  timestamp: optional(isFiniteNumber),
  lineIndex: optional((v) => Number.isInteger(v)),
  nextLineAt: optional((v) => v === null || isFiniteNumber(v)),
};

/** Metadata as the server sends it; fields of the wrong type are dropped rather than failing the update. */
export function parseShareMetadata(value: unknown): ShareMetadata | null {
  if (!isRecord(value)) return null;
  const out: Record<string, unknown> = {};
  for (const [field, check] of Object.entries(METADATA_CHECKS)) {
    if (value[field] !== undefined && check(value[field])) out[field] = value[field];
  }
  return out;
}

/** Lyrics state as the server sends it, or null when absent or unreadable. */
export function parseLyricsState(value: unknown): LyricsState | null {
  if (!isRecord(value) || !Array.isArray(value.lines)) return null;
  const lines = value.lines.filter(
    (l): l is LyricLine => isRecord(l) && isFiniteNumber(l.time) && typeof l.text === 'string',
  );
  return {
    synced: value.synced === true,
    lines,
    lineIndex: Number.isInteger(value.lineIndex) ? Math.max(-1, value.lineIndex as number) : -1,
    nextLineAt: isFiniteNumber(value.nextLineAt) ? (value.nextLineAt as number) : null,
  };
}

const count = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : 0);

/** One text frame of the listener socket, or null when it is not JSON or not a message this page knows. */
export function parseListenerMessage(text: string): ListenerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'state':
      return {
        type: 'state',
        sessionId: typeof value.sessionId === 'string' ? value.sessionId : '',
        isActive: value.isActive !== false,
        startTime: isFiniteNumber(value.startTime) ? (value.startTime as number) : 0,
        listenerCount: count(value.listenerCount),
        metadata: value.metadata === null ? null : parseShareMetadata(value.metadata),
        lyrics: parseLyricsState(value.lyrics),
        serverTime: isFiniteNumber(value.serverTime) ? (value.serverTime as number) : Date.now(),
      };
    case 'metadata': {
      const metadata = parseShareMetadata(value.metadata);
      if (!metadata) return null;
      return {
        type: 'metadata',
        metadata,
        lyrics: parseLyricsState(value.lyrics),
        serverTime: isFiniteNumber(value.serverTime) ? (value.serverTime as number) : Date.now(),
      };
    }
    case 'listeners':
      return { type: 'listeners', listenerCount: count(value.listenerCount) };
    case 'ended':
      return { type: 'ended', reason: value.reason === 'expired' ? 'expired' : 'stopped' };
    case 'error':
      return {
        type: 'error',
        error: typeof value.error === 'string' ? value.error : 'The server reported an error',
        code: typeof value.code === 'string' ? value.code : 'unknown',
      };
    default:
      return null;
  }
}

/**
 * The lyrics a listener can show: the server's parsed state, else the metadata's text parsed here (synced when it has
 * time tags and the host did not say otherwise).
 */
export function lyricsOf(metadata: ShareMetadata | null, lyrics: LyricsState | null): LyricsState | null {
  if (lyrics && lyrics.lines.length > 0) return lyrics;
  const text = metadata?.lyrics;
  if (!text || !text.trim()) return null;
  const parsed = parseLrc(text);
  if (parsed.lines.length === 0) return null;
  if (parsed.synced && metadata.hasSyncedLyrics !== false) {
    const lineIndex =
      metadata.lineIndex ??
      (typeof metadata.elapsedSeconds === 'number' ? currentLineIndex(parsed.lines, metadata.elapsedSeconds) : -1);
    return { synced: true, lines: parsed.lines, lineIndex, nextLineAt: metadata.nextLineAt ?? null };
  }
  return {
    synced: false,
    lines: parsed.lines.map((line) => ({ time: 0, text: line.text })),
    lineIndex: -1,
    nextLineAt: null,
  };
}

// ---------- Listener page state ----------

/**
 * Where the listener page stands:
 * - `joining`: asking the server for a listener token (the code was typed, no link);
 * - `connecting` / `live` / `reconnecting`: the listener socket;
 * - `ended`: the host stopped the session; `expired`: it timed out;
 * - `not_found`: no live session with this code; `unauthorized`: the link's token does not open it;
 * - `error`: something else failed (said in `message`).
 */
export type ListenerPhase =
  'joining' | 'connecting' | 'live' | 'reconnecting' | 'ended' | 'expired' | 'not_found' | 'unauthorized' | 'error';

/** Phases after which the page stops connecting. */
export const FINAL_PHASES: ReadonlySet<ListenerPhase> = new Set(['ended', 'expired', 'not_found', 'unauthorized']);

/** What the listener page shows. */
export interface ListenerState {
  phase: ListenerPhase;
  metadata: ShareMetadata | null;
  lyrics: LyricsState | null;
  anchor: ProgressAnchor | null;
  listenerCount: number | null;
  /** Whether the session had been seen live on this page (a later 4004 then reads "expired", not "no session"). */
  seen: boolean;
  /** The server's clock minus ours, from the last message that carried the server time. */
  serverOffsetMs: number;
  message: string | null;
}

export const INITIAL_LISTENER_STATE: ListenerState = {
  phase: 'connecting',
  metadata: null,
  lyrics: null,
  anchor: null,
  listenerCount: null,
  seen: false,
  serverOffsetMs: 0,
  message: null,
};

/** What happens to the listener page. */
export type ListenerEvent =
  | { type: 'joining' }
  | { type: 'connecting'; retry: boolean }
  | { type: 'message'; message: ListenerMessage; at: number }
  | { type: 'closed'; code: number; reason: string; at: number }
  | { type: 'not_found' }
  | { type: 'unauthorized' }
  | { type: 'failed'; message: string }
  | { type: 'reset' };

/** Close codes and their final phase (see CLOSE_CODES in the server's contract). */
export function phaseForClose(code: number, seen: boolean): ListenerPhase | null {
  if (code === CLOSE_CODES.stopped) return 'ended';
  if (code === CLOSE_CODES.notFound) return seen ? 'expired' : 'not_found';
  if (code === CLOSE_CODES.unauthorized) return 'unauthorized';
  return null;
}

/** The listener page's state machine: socket messages and lifecycle in, what to show out. */
export function listenerReducer(state: ListenerState, event: ListenerEvent): ListenerState {
  switch (event.type) {
    case 'reset':
      return INITIAL_LISTENER_STATE;
    case 'joining':
      return { ...state, phase: 'joining', message: null };
    case 'connecting':
      if (FINAL_PHASES.has(state.phase)) return state;
      return { ...state, phase: event.retry ? 'reconnecting' : 'connecting' };
    case 'not_found':
      return { ...state, phase: state.seen ? 'expired' : 'not_found' };
    case 'unauthorized':
      return { ...state, phase: 'unauthorized' };
    case 'failed':
      return { ...state, phase: 'error', message: event.message };
    case 'closed': {
      if (FINAL_PHASES.has(state.phase)) return state;
      const final = phaseForClose(event.code, state.seen);
      return final ? ended(state, final, event.at) : { ...state, phase: 'reconnecting' };
    }
    case 'message':
      return applyMessage(state, event.message, event.at);
  }
}

function withMetadata(
  state: ListenerState,
  metadata: ShareMetadata | null,
  lyrics: LyricsState | null,
  serverTime: number,
  at: number,
): ListenerState {
  const anchor = metadata ? anchorFromMetadata(metadata, at, serverTime, state.anchor) : null;
  return {
    ...state,
    metadata,
    lyrics: lyricsOf(metadata, lyrics),
    anchor,
    serverOffsetMs: serverTime - at,
  };
}

/** The progress where it stood at `at`, no longer moving. */
export function frozenAnchor(anchor: ProgressAnchor | null, at: number): ProgressAnchor | null {
  if (!anchor || !anchor.playing) return anchor;
  return { ...anchor, elapsed: progressAt(anchor, at), atLocalMs: at, playing: false };
}

/** A session over: the bar and the lyrics stop where they were. */
function ended(state: ListenerState, phase: ListenerPhase, at: number): ListenerState {
  return { ...state, phase, anchor: frozenAnchor(state.anchor, at) };
}

function applyMessage(state: ListenerState, message: ListenerMessage, at: number): ListenerState {
  switch (message.type) {
    case 'state': {
      if (FINAL_PHASES.has(state.phase)) return state;
      const next = withMetadata(state, message.metadata, message.lyrics, message.serverTime, at);
      const joined = {
        ...next,
        phase: 'live' as const,
        listenerCount: message.listenerCount,
        seen: true,
        message: null,
      };
      // A stopped session (still readable for its grace period) shows where it stopped.
      return message.isActive ? joined : ended(joined, 'ended', at);
    }
    case 'metadata':
      return { ...withMetadata(state, message.metadata, message.lyrics, message.serverTime, at), seen: true };
    case 'listeners':
      return { ...state, listenerCount: message.listenerCount };
    case 'ended':
      return ended(state, message.reason === 'expired' ? 'expired' : 'ended', at);
    case 'error':
      return { ...state, message: message.error };
  }
}

/** Delay before reconnect attempt `attempt` (0-based): 0.5 s doubling to 15 s, with ±20% jitter from `random`. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(15_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.8 + 0.4 * random()));
}
