import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../web/src/lib/api.ts';
import {
  approveAction,
  betterUrlAction,
  breakdownParts,
  describeMatchesError,
  formatBreakdown,
  formatDuration,
  formatScore,
  isTextEntry,
  mergeTrackUpdate,
  moveIndex,
  parseBetterUrl,
  parseReleaseInput,
  platformOfUrl,
  proposedUpload,
  queueCommand,
  rejectAction,
  sourceLabel,
  statusLabel,
  statusTone,
  summarize,
  trackKey,
} from '../../web/src/lib/matches.ts';
import {
  fetchMatchStats,
  fetchReleaseMatches,
  fetchReviewQueue,
  MatchesApiError,
  postMatchAction,
} from '../../web/src/lib/matchesApi.ts';
import {
  parseMatchStats,
  parseReleaseMatches,
  parseReviewQueue,
  parseTrackMatch,
  type CandidateView,
  type TrackMatch,
} from '../../web/src/lib/types.ts';

function candidate(id: string, total: number, overrides: Partial<CandidateView> = {}): CandidateView {
  return {
    platform: 'youtube',
    url: `https://www.youtube.com/watch?v=${id}`,
    title: `Upload ${id}`,
    uploader: 'Arlo Thorne',
    durationSeconds: 162,
    thumbnailUrl: `https://i.ytimg.com/vi/${id}/hqdefault.jpg`,
    origin: 'youtube_search',
    breakdown: { title: 1, artist: 0.9, duration: 1, penalties: [], penalty: 0, total },
    ...overrides,
  };
}

function track(index: number, overrides: Partial<TrackMatch> = {}): TrackMatch {
  const chosen = candidate(`c${index}`, 0.62);
  const runnerUp = candidate(`r${index}`, 0.41);
  return {
    releaseId: 5855817,
    trackIndex: index,
    position: `A${index + 1}`,
    title: `Track ${index}`,
    artists: ['Arlo Thorne'],
    durationSeconds: 162,
    status: 'needs_review',
    source: 'computed',
    match: {
      platform: 'youtube',
      matchUrl: chosen.url,
      confidence: 0.62,
      approved: false,
      verifiedBy: null,
      verifiedAt: null,
    },
    chosen,
    runnerUp,
    candidates: [chosen, runnerUp],
    settledBy: 'search',
    error: null,
    ...overrides,
  };
}

describe('opening a release', () => {
  it('reads a bare id, Discogs notation and both forms of release link', () => {
    const ok = (value: number) => ({ ok: true, value });
    expect(parseReleaseInput('123456')).toEqual(ok(123456));
    expect(parseReleaseInput('  123456 ')).toEqual(ok(123456));
    expect(parseReleaseInput('[r123456]')).toEqual(ok(123456));
    expect(parseReleaseInput('r123456')).toEqual(ok(123456));
    expect(parseReleaseInput('https://www.discogs.com/release/123456-Artist-Title')).toEqual(ok(123456));
    expect(parseReleaseInput('https://www.discogs.com/Artist-Title/release/123456')).toEqual(ok(123456));
    expect(parseReleaseInput('https://www.discogs.com/release/123456')).toEqual(ok(123456));
    expect(parseReleaseInput('www.discogs.com/release/123456-Artist-Title?ev=rr#images')).toEqual(ok(123456));
    expect(parseReleaseInput('https://www.discogs.com/de/release/123456-Künstler-Titel')).toEqual(ok(123456));
    expect(parseReleaseInput('http://discogs.com/release/7')).toEqual(ok(7));
  });

  it('says why anything else is not a release', () => {
    for (const input of ['', '   ', '0', '0123', '1234567890123', 'abc', 'https://example.com/release/123']) {
      const parsed = parseReleaseInput(input);
      expect(parsed.ok, input).toBe(false);
      if (!parsed.ok) expect(parsed.message, input).toMatch(/Discogs release id/);
    }
    const master = parseReleaseInput('https://www.discogs.com/master/98765-Artist-Title');
    expect(master).toEqual({ ok: false, message: expect.stringMatching(/master release/) as string });
    expect(parseReleaseInput('https://www.discogs.com/artist/42-Someone').ok).toBe(false);
    expect(parseReleaseInput('https://www.discogs.com/release/abc').ok).toBe(false);
    expect(parseReleaseInput('javascript:alert(1)').ok).toBe(false);
  });
});

describe('upload links', () => {
  it('knows the platform from the host', () => {
    expect(platformOfUrl('https://www.youtube.com/watch?v=abc')).toBe('youtube');
    expect(platformOfUrl('https://youtube.com/watch?v=abc')).toBe('youtube');
    expect(platformOfUrl('https://m.youtube.com/watch?v=abc')).toBe('youtube');
    expect(platformOfUrl('https://music.youtube.com/watch?v=abc')).toBe('youtube');
    expect(platformOfUrl('https://youtu.be/abc')).toBe('youtube');
    expect(platformOfUrl('http://soundcloud.com/artist/track')).toBe('soundcloud');
    expect(platformOfUrl('https://on.soundcloud.com/x')).toBe('soundcloud');
    expect(platformOfUrl('https://notyoutube.com/watch?v=abc')).toBeNull();
    expect(platformOfUrl('https://youtube.com.evil.test/watch')).toBeNull();
    expect(platformOfUrl('ftp://youtube.com/x')).toBeNull();
    expect(platformOfUrl('not a url')).toBeNull();
  });

  it('validates a pasted better upload', () => {
    expect(parseBetterUrl(' https://youtu.be/abc ')).toEqual({
      ok: true,
      value: { platform: 'youtube', url: 'https://youtu.be/abc' },
    });
    expect(parseBetterUrl('https://soundcloud.com/a/b')).toEqual({
      ok: true,
      value: { platform: 'soundcloud', url: 'https://soundcloud.com/a/b' },
    });
    expect(parseBetterUrl('')).toMatchObject({ ok: false, message: expect.stringMatching(/Paste/) as string });
    expect(parseBetterUrl('youtube.com/watch?v=abc')).toMatchObject({ ok: false });
    expect(parseBetterUrl('https://www.youtube.com/watch?v=a b')).toMatchObject({ ok: false });
    expect(parseBetterUrl('https://vimeo.com/123')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/YouTube .* SoundCloud/) as string,
    });
    expect(parseBetterUrl(`https://youtube.com/watch?v=${'x'.repeat(2100)}`)).toMatchObject({ ok: false });
  });
});

describe('formatting', () => {
  it('formats durations and scores', () => {
    expect(formatDuration(225)).toBe('3:45');
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(-1)).toBe('–');
    expect(formatScore(0.5125)).toBe('51%');
    expect(formatScore(1)).toBe('100%');
    expect(formatScore(1.3)).toBe('100%');
    expect(formatScore(Number.NaN)).toBe('–');
  });

  it('lists a breakdown with its penalties', () => {
    const breakdown = {
      title: 0.9167,
      artist: 1,
      duration: null,
      penalties: ['instrumental', 'live'],
      penalty: 0.45,
      total: 0.5125,
    };
    expect(breakdownParts(breakdown)).toEqual([
      { key: 'title', label: 'Title', value: '92%' },
      { key: 'artist', label: 'Artist', value: '100%' },
      { key: 'duration', label: 'Duration', value: 'unknown' },
      { key: 'penalties', label: 'Penalties', value: 'instrumental, live (−0.45)' },
    ]);
    expect(formatBreakdown({ ...breakdown, duration: 1, penalties: [], penalty: 0 })).toBe(
      'title 92% · artist 100% · duration 100% · penalties none',
    );
  });

  it('names statuses and tiers', () => {
    expect(statusLabel('needs_review')).toBe('Needs review');
    expect(statusLabel('something_new')).toBe('something new');
    expect(statusTone('approved')).toBe('ok');
    expect(statusTone('no_match')).toBe('bad');
    expect(statusTone('unknown')).toBe('muted');
    expect(sourceLabel('cache')).toBe('Cache');
    expect(sourceLabel(null)).toBe('No answer');
  });
});

describe('match actions', () => {
  it('approves the proposed candidate with its confidence', () => {
    const t = track(0);
    expect(approveAction(t)).toEqual({
      action: 'approve',
      platform: 'youtube',
      matchUrl: 'https://www.youtube.com/watch?v=c0',
      confidence: 0.62,
    });
    // An answer from the cache has the match only.
    const cached = track(1, { chosen: null, runnerUp: null, candidates: [], source: 'cache' });
    expect(proposedUpload(cached)).toMatchObject({ url: 'https://www.youtube.com/watch?v=c1', candidate: null });
    expect(approveAction(cached)).toMatchObject({ action: 'approve', confidence: 0.62 });
    // Nothing to approve: approved already, or no match.
    expect(approveAction(track(2, { match: { ...t.match!, approved: true }, status: 'approved' }))).toBeNull();
    const none = track(3, { match: null, chosen: null, runnerUp: null, candidates: [], status: 'no_match' });
    expect(approveAction(none)).toBeNull();
    expect(rejectAction(none)).toBeNull();
    expect(rejectAction(t)).toEqual({ action: 'reject' });
    expect(betterUrlAction('soundcloud', 'https://soundcloud.com/a/b')).toEqual({
      action: 'reject',
      platform: 'soundcloud',
      matchUrl: 'https://soundcloud.com/a/b',
      confidence: 1,
    });
  });

  it('keeps the candidate details a cache answer leaves out, for the same upload only', () => {
    const before = track(0);
    const approved = track(0, {
      status: 'approved',
      source: 'cache',
      match: { ...before.match!, approved: true, verifiedBy: 'admin', verifiedAt: '2026-01-01T00:00:00.000Z' },
      chosen: null,
      runnerUp: null,
      candidates: [],
      settledBy: null,
    });
    const merged = mergeTrackUpdate(before, approved);
    expect(merged.chosen).toEqual(before.chosen);
    expect(merged.runnerUp).toEqual(before.runnerUp);
    expect(merged.candidates).toEqual(before.candidates);
    expect(merged.settledBy).toBe('search');
    expect(merged.source).toBe('cache');
    expect(merged.match?.approved).toBe(true);

    // A pasted upload nobody had scored: shown as the bare match.
    const pasted = { ...approved, match: { ...approved.match!, matchUrl: 'https://youtu.be/other', confidence: 1 } };
    expect(mergeTrackUpdate(before, pasted)).toBe(pasted);
    // A full answer is taken as it is.
    const full = track(0, { chosen: candidate('n', 0.5) });
    expect(mergeTrackUpdate(before, full)).toBe(full);
    expect(mergeTrackUpdate(undefined, approved)).toBe(approved);
  });

  it('counts tracks per status, failures apart', () => {
    const tracks = [
      track(0, { status: 'approved', settledBy: 'release_videos' }),
      track(1),
      track(2, { status: 'no_match' }),
      track(3, { status: 'deferred', error: { code: 'BACKBEAT_ERR_UPSTREAM', message: 'YouTube failed' } }),
    ];
    expect(summarize(tracks)).toEqual({
      approved: 1,
      needs_review: 1,
      no_match: 1,
      deferred: 0,
      settledByReleaseVideos: 1,
      errors: 1,
    });
  });
});

describe('review queue keys', () => {
  it('maps keys to commands, leaving shortcuts and text fields alone', () => {
    expect(queueCommand({ key: 'j' })).toBe('next');
    expect(queueCommand({ key: 'ArrowDown' })).toBe('next');
    expect(queueCommand({ key: 'k' })).toBe('previous');
    expect(queueCommand({ key: 'ArrowUp' })).toBe('previous');
    expect(queueCommand({ key: 'a' })).toBe('approve');
    expect(queueCommand({ key: 'A' })).toBe('approve');
    expect(queueCommand({ key: 'r' })).toBe('reject');
    expect(queueCommand({ key: 'o' })).toBe('open');
    expect(queueCommand({ key: 'Home' })).toBe('first');
    expect(queueCommand({ key: 'x' })).toBeNull();
    expect(queueCommand({ key: 'Enter' })).toBeNull();
    expect(queueCommand({ key: 'r', ctrlKey: true })).toBeNull();
    expect(queueCommand({ key: 'a', metaKey: true })).toBeNull();
    expect(queueCommand({ key: 'a' }, { tagName: 'INPUT' })).toBeNull();
    expect(queueCommand({ key: 'j' }, { tagName: 'textarea' })).toBeNull();
    expect(queueCommand({ key: 'j' }, { tagName: 'DIV', isContentEditable: true })).toBeNull();
    expect(queueCommand({ key: 'j' }, { tagName: 'OL' })).toBe('next');
    expect(isTextEntry(null)).toBe(false);
    expect(isTextEntry({ tagName: 'SELECT' })).toBe(true);
  });

  it('moves within the list', () => {
    expect(moveIndex(0, 'next', 3)).toBe(1);
    expect(moveIndex(2, 'next', 3)).toBe(2);
    expect(moveIndex(0, 'previous', 3)).toBe(0);
    expect(moveIndex(5, 'previous', 3)).toBe(1);
    expect(moveIndex(1, 'last', 3)).toBe(2);
    expect(moveIndex(1, 'first', 3)).toBe(0);
    expect(moveIndex(0, 'next', 0)).toBe(-1);
    expect(trackKey(track(4))).toBe('5855817:4');
  });
});

describe('error sentences', () => {
  it('says clearly what went wrong', () => {
    expect(describeMatchesError({ status: 0, message: '' })).toMatch(/could not be reached/);
    expect(describeMatchesError({ status: 401, message: 'x' })).toMatch(/refused the admin token \(401\)/);
    expect(describeMatchesError({ status: 404, message: 'Discogs has no release 999' })).toBe(
      'Discogs has no release 999.',
    );
    expect(describeMatchesError({ status: 429, message: '', retryAfterSeconds: 42 })).toBe(
      'Too many Discogs lookups just now (429): try again in 42 s.',
    );
    expect(describeMatchesError({ status: 429, message: '', retryAfterSeconds: 600 })).toMatch(/in 10 min/);
    expect(describeMatchesError({ status: 429, message: '' })).toMatch(/try again shortly/);
    expect(describeMatchesError({ status: 502, message: 'Upstream failed' })).toMatch(
      /upstream service \(Discogs, YouTube or SoundCloud\) failed \(502\): Upstream failed\./,
    );
    expect(describeMatchesError({ status: 400, message: 'body/matchUrl must match pattern' })).toBe(
      'body/matchUrl must match pattern.',
    );
  });
});

describe('guards', () => {
  const body = {
    release: { id: 5855817, title: 'Lights & Dreams', artists: ['Arlo Thorne'], year: 1973, url: 'https://x' },
    tracks: [track(0), track(1, { status: 'approved' }), { ...track(2), status: 'maybe' }, null],
    summary: { approved: 1, needs_review: 1, no_match: 0, deferred: 0, settledByReleaseVideos: 0, errors: 0 },
  };

  it('keeps the valid tracks of a release and counts a missing summary', () => {
    const parsed = parseReleaseMatches(body);
    expect(parsed?.tracks.map((t) => t.trackIndex)).toEqual([0, 1]);
    expect(parsed?.summary.approved).toBe(1);
    const { summary: _summary, ...withoutSummary } = body;
    expect(parseReleaseMatches(withoutSummary)?.summary).toMatchObject({ approved: 1, needs_review: 1 });
    expect(parseReleaseMatches({ ...body, release: { id: 'x' } })).toBeNull();
    expect(parseReleaseMatches(null)).toBeNull();
  });

  it('checks a track to the last field', () => {
    expect(parseTrackMatch(track(0))).toEqual(track(0));
    expect(parseTrackMatch({ ...track(0), chosen: { ...candidate('x', 1), origin: 'elsewhere' } })).toBeNull();
    expect(parseTrackMatch({ ...track(0), match: { ...track(0).match!, confidence: 2 } })).toBeNull();
    expect(parseTrackMatch({ ...track(0), source: 'disk' })).toBeNull();
    const { breakdown: _b, ...noBreakdown } = candidate('y', 1);
    expect(parseTrackMatch({ ...track(0), runnerUp: noBreakdown })).toBeNull();
  });

  it('reads the queue and the stats', () => {
    expect(parseReviewQueue({ items: [track(0), { nope: true }] })?.items).toHaveLength(1);
    expect(parseReviewQueue({})).toBeNull();
    expect(
      parseMatchStats({
        platforms: [
          { platform: 'youtube', totalMatches: 8, avgConfidence: 0.927, approvedCount: 7 },
          { platform: 'soundcloud', totalMatches: -1, avgConfidence: null, approvedCount: 0 },
        ],
        statuses: { approved: 7, needs_review: 1, odd: 'x' },
        cache: { totalKeys: 9, matchKeys: 8, memoryUsage: null },
      }),
    ).toEqual({
      platforms: [{ platform: 'youtube', totalMatches: 8, avgConfidence: 0.927, approvedCount: 7 }],
      statuses: { approved: 7, needs_review: 1 },
      cache: { totalKeys: 9, matchKeys: 8, memoryUsage: null },
    });
    expect(parseMatchStats({ platforms: [] })).toEqual({
      platforms: [],
      statuses: {},
      cache: { totalKeys: 0, matchKeys: 0, memoryUsage: null },
    });
    expect(parseMatchStats([])).toBeNull();
  });
});

describe('matches API', () => {
  afterEach(() => vi.unstubAllGlobals());

  function answer(status: number, payload: unknown, headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(payload), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
  }

  function stub(response: () => Response) {
    const fetchMock = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => response());
    vi.stubGlobal('fetch', fetchMock);
    return fetchMock;
  }

  it('sends the admin token and reads the answers', async () => {
    const release = parseReleaseMatches({
      release: { id: 5855817, title: 'Lights', artists: [], year: null, url: 'https://x' },
      tracks: [track(0)],
      summary: { approved: 0, needs_review: 1, no_match: 0, deferred: 0, settledByReleaseVideos: 0, errors: 0 },
    });
    let fetchMock = stub(() => answer(200, release));
    await expect(fetchReleaseMatches('tok', 5855817)).resolves.toEqual(release);
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/api/admin/releases/5855817/audio-match');
    expect(fetchMock.mock.calls[0]?.[1]?.headers).toMatchObject({ Authorization: 'Bearer tok' });

    fetchMock = stub(() => answer(200, track(3, { status: 'approved' })));
    await expect(
      postMatchAction('tok', 5855817, 3, {
        action: 'approve',
        platform: 'youtube',
        matchUrl: 'https://youtu.be/a',
        confidence: 1,
      }),
    ).resolves.toMatchObject({ trackIndex: 3, status: 'approved' });
    const [path, init] = fetchMock.mock.calls[0]!;
    expect(path).toBe('/api/admin/releases/5855817/tracks/3/match');
    expect(init?.method).toBe('POST');
    expect(JSON.parse(init?.body as string)).toEqual({
      action: 'approve',
      platform: 'youtube',
      matchUrl: 'https://youtu.be/a',
      confidence: 1,
    });

    fetchMock = stub(() => answer(200, { items: [track(1)] }));
    await expect(fetchReviewQueue('tok', 20)).resolves.toHaveLength(1);
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/api/admin/matches/review?limit=20');

    stub(() => answer(200, { platforms: [], statuses: { approved: 2 }, cache: { totalKeys: 2, matchKeys: 2 } }));
    await expect(fetchMatchStats('tok')).resolves.toMatchObject({ statuses: { approved: 2 } });

    stub(() => answer(200, { tracks: 'nope' }));
    await expect(fetchReleaseMatches('tok', 1)).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('turns failures into clear errors, keeping refused tokens for the session', async () => {
    stub(() =>
      answer(
        429,
        { error: { code: 'BACKBEAT_ERR_RATE_LIMITED', message: 'Too many Discogs lookups' } },
        { 'retry-after': '30' },
      ),
    );
    const limited = await fetchReleaseMatches('tok', 1).catch((err: unknown) => err);
    expect(limited).toBeInstanceOf(MatchesApiError);
    expect(limited).toMatchObject({ status: 429, retryAfterSeconds: 30 });
    expect((limited as MatchesApiError).message).toMatch(/in 30 s/);

    stub(() => answer(404, { error: { code: 'BACKBEAT_ERR_NOT_FOUND', message: 'Discogs has no release 999' } }));
    await expect(fetchReleaseMatches('tok', 999)).rejects.toMatchObject({
      status: 404,
      message: 'Discogs has no release 999.',
    });

    stub(() => answer(502, { error: { code: 'BACKBEAT_ERR_UPSTREAM', message: 'An upstream service failed' } }));
    await expect(fetchReleaseMatches('tok', 1)).rejects.toMatchObject({
      status: 502,
      message: expect.stringMatching(/\(502\)/) as string,
    });

    stub(() => answer(401, { error: { code: 'BACKBEAT_ERR_UNAUTHORIZED', message: 'Admin token required' } }));
    const refused = await fetchReviewQueue('bad').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).not.toBeInstanceOf(MatchesApiError);
    expect(refused).toMatchObject({ status: 401, isAuthError: true, message: 'Admin token required' });
  });
});
