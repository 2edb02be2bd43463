/**
 * Pure helpers of the Matches review page: reading a Discogs release id from what an admin pastes, the platform of an
 * upload link, labels and formatting of statuses, tiers, scores and durations, and the bodies of the match actions.
 */
import type {
  CandidateView,
  MatchSource,
  Platform,
  ReleaseMatches,
  ScoreBreakdown,
  TrackMatch,
  TrackStatus,
} from './types.ts';

/** A value read from user input, or why it could not be. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** The release ids the API accepts (`^[1-9][0-9]{0,11}$`). */
const RELEASE_ID = /^[1-9][0-9]{0,11}$/;

const RELEASE_HINT =
  'Enter a Discogs release id (123456) or a release link (https://www.discogs.com/release/123456-…).';

function asUrl(text: string): URL | null {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  try {
    return new URL(withScheme);
  } catch {
    return null;
  }
}

function isDiscogsHost(host: string): boolean {
  return host === 'discogs.com' || host.endsWith('.discogs.com');
}

/**
 * The Discogs release id in `input`: a bare id (`123456`, `r123456`, `[r123456]`), or a release link in either form
 * Discogs uses, `https://www.discogs.com/release/123456-Artist-Title` and `https://www.discogs.com/Artist-Title/release/123456`
 * (with or without scheme, a language prefix such as `/de/`, a query or a fragment).
 */
export function parseReleaseInput(input: string): Parsed<number> {
  const text = input.trim();
  if (text === '') return { ok: false, message: RELEASE_HINT };
  const bare = /^\[?r?(\d+)\]?$/i.exec(text);
  if (bare) {
    const digits = bare[1]!;
    return RELEASE_ID.test(digits)
      ? { ok: true, value: Number(digits) }
      : { ok: false, message: `“${text}” is not a Discogs release id. ${RELEASE_HINT}` };
  }
  const url = asUrl(text);
  if (!url || !/^https?:$/.test(url.protocol) || !isDiscogsHost(url.hostname.toLowerCase())) {
    return { ok: false, message: `That is neither a release id nor a Discogs link. ${RELEASE_HINT}` };
  }
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const at = segments.findIndex((s) => s.toLowerCase() === 'release');
  const id = at >= 0 ? /^(\d+)(?:-|$)/.exec(segments[at + 1] ?? '')?.[1] : undefined;
  if (id !== undefined && RELEASE_ID.test(id)) return { ok: true, value: Number(id) };
  if (segments.some((s) => s.toLowerCase() === 'master')) {
    return { ok: false, message: 'That is a master release: open one of its releases (a link with /release/).' };
  }
  return { ok: false, message: `That Discogs link names no release. ${RELEASE_HINT}` };
}

/** The platform of an upload link: youtube.com and youtu.be are YouTube, soundcloud.com is SoundCloud. */
export function platformOfUrl(value: string): Platform | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const within = (domain: string) => host === domain || host.endsWith(`.${domain}`);
  if (within('youtube.com') || within('youtu.be') || within('youtube-nocookie.com')) return 'youtube';
  if (within('soundcloud.com')) return 'soundcloud';
  return null;
}

/** The longest link the API takes. */
const MAX_URL_LENGTH = 2048;

/** A better upload pasted by an admin: an http(s) link on YouTube or SoundCloud, with its platform. */
export function parseBetterUrl(input: string): Parsed<{ platform: Platform; url: string }> {
  const text = input.trim();
  if (text === '') return { ok: false, message: 'Paste the link of the right upload on YouTube or SoundCloud.' };
  if (!/^https?:\/\/\S+$/i.test(text)) {
    return { ok: false, message: 'Paste a full link starting with https:// (no spaces).' };
  }
  if (text.length > MAX_URL_LENGTH) return { ok: false, message: 'That link is too long.' };
  const platform = platformOfUrl(text);
  if (!platform)
    return { ok: false, message: 'Only YouTube (youtube.com, youtu.be) and SoundCloud links can be used.' };
  return { ok: true, value: { platform, url: text } };
}

/** `3:45`, `1:02:03`; `–` when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '–';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A score of 0–1 as a whole percentage (`87%`). */
export function formatScore(score: number): string {
  if (!Number.isFinite(score)) return '–';
  return `${Math.round(Math.min(1, Math.max(0, score)) * 100)}%`;
}

/** One part of a score breakdown, as the page lists it. */
export interface BreakdownPart {
  key: 'title' | 'artist' | 'duration' | 'penalties';
  label: string;
  value: string;
}

function formatPenalty(penalty: number): string {
  return `−${String(Math.round(Math.abs(penalty) * 100) / 100)}`;
}

/** Title, artist and duration similarity, and the penalties (versions the track is not) with what they took off. */
export function breakdownParts(breakdown: ScoreBreakdown): BreakdownPart[] {
  const penalties =
    breakdown.penalties.length === 0
      ? breakdown.penalty > 0
        ? formatPenalty(breakdown.penalty)
        : 'none'
      : `${breakdown.penalties.join(', ')}${breakdown.penalty > 0 ? ` (${formatPenalty(breakdown.penalty)})` : ''}`;
  return [
    { key: 'title', label: 'Title', value: formatScore(breakdown.title) },
    { key: 'artist', label: 'Artist', value: formatScore(breakdown.artist) },
    {
      key: 'duration',
      label: 'Duration',
      value: breakdown.duration === null ? 'unknown' : formatScore(breakdown.duration),
    },
    { key: 'penalties', label: 'Penalties', value: penalties },
  ];
}

/** The breakdown on one line: `title 100% · artist 90% · duration 100% · penalties none`. */
export function formatBreakdown(breakdown: ScoreBreakdown): string {
  return breakdownParts(breakdown)
    .map((part) => `${part.label.toLowerCase()} ${part.value}`)
    .join(' · ');
}

/** Tones of the status pill (the admin area's pill tones). */
export type StatusTone = 'ok' | 'warn' | 'bad' | 'muted';

const STATUS_LABELS: Record<TrackStatus, string> = {
  approved: 'Approved',
  needs_review: 'Needs review',
  no_match: 'No match',
  deferred: 'Deferred',
};

const STATUS_TONES: Record<TrackStatus, StatusTone> = {
  approved: 'ok',
  needs_review: 'warn',
  no_match: 'bad',
  deferred: 'muted',
};

/** `Needs review` for `needs_review`; an unknown status (from the stats) is shown as it is. */
export function statusLabel(status: string): string {
  return (STATUS_LABELS as Record<string, string | undefined>)[status] ?? status.replace(/_/g, ' ');
}

export function statusTone(status: string): StatusTone {
  return (STATUS_TONES as Record<string, StatusTone | undefined>)[status] ?? 'muted';
}

const SOURCE_LABELS: Record<MatchSource, string> = { cache: 'Cache', database: 'Database', computed: 'Computed' };

/** The tier that answered; `null` when none did (the track failed). */
export function sourceLabel(source: MatchSource | null): string {
  return source === null ? 'No answer' : SOURCE_LABELS[source];
}

/** What each tier means, for the badge's tooltip. */
export function sourceDescription(source: MatchSource | null): string {
  switch (source) {
    case 'cache':
      return 'Answered from the cache (match:{release}:{track}); the cache keeps the match only, not its scores';
    case 'database':
      return 'Answered from the database (track_matches)';
    case 'computed':
      return 'Computed now: release videos, then YouTube and SoundCloud searches';
    case null:
      return 'No tier answered';
  }
}

export function platformLabel(platform: string): string {
  if (platform === 'youtube') return 'YouTube';
  if (platform === 'soundcloud') return 'SoundCloud';
  return platform;
}

const ORIGIN_LABELS: Record<CandidateView['origin'], string> = {
  release_videos: 'Release video',
  youtube_search: 'YouTube search',
  soundcloud_search: 'SoundCloud search',
  admin: 'Pasted by an admin',
};

export function originLabel(origin: CandidateView['origin']): string {
  return ORIGIN_LABELS[origin];
}

/** How the track's match was settled, or null. */
export function settledByLabel(settledBy: TrackMatch['settledBy']): string | null {
  if (settledBy === 'release_videos') return "Settled by the release's own videos (no search spent)";
  if (settledBy === 'search') return 'Settled by a YouTube/SoundCloud search';
  if (settledBy === 'admin') return 'Settled by an admin';
  return null;
}

/** The body of a match action (`POST …/tracks/:trackId/match`). */
export type MatchAction =
  | { action: 'approve'; platform: Platform; matchUrl: string; confidence: number }
  | { action: 'reject'; platform?: Platform; matchUrl?: string; confidence?: number }
  | { action: 'clear' };

function clampConfidence(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, Math.round(n * 1000) / 1000)) : 0;
}

/** The upload proposed for a track: the chosen candidate, else the bare match (a cache answer carries no candidate). */
export function proposedUpload(
  track: TrackMatch,
): { platform: Platform; url: string; confidence: number; candidate: CandidateView | null } | null {
  if (track.chosen) {
    return {
      platform: track.chosen.platform,
      url: track.chosen.url,
      confidence: clampConfidence(
        track.match?.matchUrl === track.chosen.url ? track.match.confidence : track.chosen.breakdown.total,
      ),
      candidate: track.chosen,
    };
  }
  if (track.match) {
    return {
      platform: track.match.platform,
      url: track.match.matchUrl,
      confidence: clampConfidence(track.match.confidence),
      candidate: null,
    };
  }
  return null;
}

/** Approving the proposed upload, or null when there is none (no match) or it is approved already. */
export function approveAction(track: TrackMatch): MatchAction | null {
  const proposed = proposedUpload(track);
  if (!proposed || track.match?.approved === true) return null;
  return { action: 'approve', platform: proposed.platform, matchUrl: proposed.url, confidence: proposed.confidence };
}

/** Rejecting the proposed upload (the next candidate is then proposed), or null when nothing is proposed. */
export function rejectAction(track: TrackMatch): MatchAction | null {
  return track.match ? { action: 'reject' } : null;
}

/** Rejecting the proposed upload in favour of a pasted one, which is approved (confidence 1: an admin chose it). */
export function betterUrlAction(platform: Platform, url: string): MatchAction {
  return { action: 'reject', platform, matchUrl: url, confidence: 1 };
}

/**
 * The track after an action: the server's answer, with the candidate details of the track as shown before kept where
 * the answer comes from the cache tier (which holds the match only) and names the same upload.
 */
export function mergeTrackUpdate(previous: TrackMatch | undefined, next: TrackMatch): TrackMatch {
  if (!previous || next.chosen !== null || next.match === null) return next;
  const url = next.match.matchUrl;
  const known = [previous.chosen, previous.runnerUp, ...previous.candidates].find((c) => c?.url === url) ?? null;
  if (!known) return next;
  const runnerUp = next.runnerUp ?? (previous.runnerUp && previous.runnerUp.url !== url ? previous.runnerUp : null);
  return {
    ...next,
    chosen: known,
    runnerUp,
    candidates: next.candidates.length > 0 ? next.candidates : previous.candidates,
    settledBy: next.settledBy ?? previous.settledBy,
  };
}

/** The tracks per status (failed tracks counted apart), as the release's summary: counted again after each action. */
export function summarize(tracks: readonly TrackMatch[]): ReleaseMatches['summary'] {
  const count = (status: TrackStatus) => tracks.filter((t) => t.error === null && t.status === status).length;
  return {
    approved: count('approved'),
    needs_review: count('needs_review'),
    no_match: count('no_match'),
    deferred: count('deferred'),
    settledByReleaseVideos: tracks.filter((t) => t.settledBy === 'release_videos').length,
    errors: tracks.filter((t) => t.error !== null).length,
  };
}

/** The error of a matches call as the page states it. */
export interface MatchesErrorInfo {
  status: number;
  message: string;
  retryAfterSeconds?: number | null;
}

function sentence(message: string): string {
  const text = message.trim();
  return text === '' ? '' : text.replace(/[.!?]?$/, '.');
}

/** A clear sentence for a failed call: unreachable, refused token, unknown release, Discogs budget, upstream down. */
export function describeMatchesError(error: MatchesErrorInfo): string {
  const { status, message } = error;
  if (status === 0) return 'The server could not be reached. Check the connection and try again.';
  if (status === 401 || status === 403) return `The server refused the admin token (${status}).`;
  if (status === 404) return sentence(message) || 'Not found.';
  if (status === 429) {
    const wait = error.retryAfterSeconds;
    const when =
      wait && wait > 0
        ? `try again in ${wait < 120 ? `${wait} s` : `${Math.ceil(wait / 60)} min`}`
        : 'try again shortly';
    return `Too many Discogs lookups just now (429): ${when}.`;
  }
  if (status === 502 || status === 504) {
    return `An upstream service (Discogs, YouTube or SoundCloud) failed (${status}): ${sentence(message) || 'try again later.'}`;
  }
  if (status === 503) return `The service is unavailable just now (503): ${sentence(message) || 'try again shortly.'}`;
  if (status >= 500) return `The server failed (${status}). Try again.`;
  return sentence(message) || `The request failed (${status}).`;
}

/** What a key does in the review queue. */
export type QueueCommand = 'next' | 'previous' | 'first' | 'last' | 'approve' | 'reject' | 'open';

/** The element a key went to, as far as {@link queueCommand} needs it. */
export interface KeyTarget {
  tagName?: string;
  isContentEditable?: boolean;
}

/** True for a text field, a select or editable content: keys typed there are never taken. */
export function isTextEntry(target: KeyTarget | null | undefined): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = (target.tagName ?? '').toUpperCase();
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}

/**
 * The review queue's command for a key: `j`/`ArrowDown` next, `k`/`ArrowUp` previous, `Home`/`End`, `a` approve,
 * `r` reject, `o` open the upload. Null for any other key, with Ctrl, Alt or Meta held (browser shortcuts), or in a
 * text field.
 */
export function queueCommand(
  event: { key: string; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean },
  target?: KeyTarget | null,
): QueueCommand | null {
  if (event.ctrlKey || event.altKey || event.metaKey || isTextEntry(target)) return null;
  switch (event.key) {
    case 'ArrowDown':
      return 'next';
    case 'ArrowUp':
      return 'previous';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
  }
  switch (event.key.toLowerCase()) {
    case 'j':
      return 'next';
    case 'k':
      return 'previous';
    case 'a':
      return 'approve';
    case 'r':
      return 'reject';
    case 'o':
      return 'open';
    default:
      return null;
  }
}

/** The index after a move in a list of `length` items (kept within it); -1 for an empty list. */
export function moveIndex(index: number, command: 'next' | 'previous' | 'first' | 'last', length: number): number {
  if (length <= 0) return -1;
  const at = Math.min(Math.max(index, 0), length - 1);
  switch (command) {
    case 'next':
      return Math.min(at + 1, length - 1);
    case 'previous':
      return Math.max(at - 1, 0);
    case 'first':
      return 0;
    case 'last':
      return length - 1;
  }
}

/** A track's key in lists (release and index). */
export function trackKey(track: Pick<TrackMatch, 'releaseId' | 'trackIndex'>): string {
  return `${track.releaseId}:${track.trackIndex}`;
}
