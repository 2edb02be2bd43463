import { afterEach, describe, expect, it, vi } from 'vitest';
import { GUEST_TOKEN_KEY } from '../../web/src/lib/api.ts';
import {
  applyMatch,
  artistNames,
  chartSeries,
  dataTakenAt,
  enrichmentDone,
  formatChange,
  freshness,
  isStaleNow,
  matchOf,
  musicBrainzUrl,
  newerMatch,
  parseDays,
  releaseDateLabel,
  removeCollectionItem,
  safeHttpUrl,
  sourceProblem,
  trendingSourceLabel,
  upsertCollectionItem,
  windowLabel,
  withLiveMatches,
} from '../../web/src/lib/trending.ts';
import {
  addToCollection,
  fetchCollection,
  fetchTrendingDocument,
  fetchTrendingStats,
  syncTrending,
} from '../../web/src/lib/trendingApi.ts';
import {
  parseAppearanceHistory,
  parseCollectionAdded,
  parseEnrichmentProgress,
  parseMusicBrainzMatchEvent,
  parseTrendingDocument,
  parseTrendingStats,
  type CollectionItem,
  type MusicBrainzMatch,
  type PopularAlbum,
  type TrendingAlbum,
  type TrendingDocument,
  type TrendingSource,
} from '../../web/src/lib/types.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2024-03-10T12:00:00.000Z');
const RG = '0f2b7a52-4c55-4f0e-9d0a-1a2b3c4d5e6f';

function match(status: MusicBrainzMatch['status'], overrides: Partial<MusicBrainzMatch> = {}): MusicBrainzMatch {
  const matched = status === 'matched';
  return {
    status,
    releaseGroupId: matched ? RG : null,
    releaseId: matched ? '9a8b7c6d-1111-4222-8333-444455556666' : null,
    url: matched ? `https://musicbrainz.org/release-group/${RG}` : null,
    confidence: matched ? 0.93 : null,
    mbScore: matched ? 98 : null,
    reason: null,
    attempts: status === 'queued' ? 0 : 1,
    decidedAt: status === 'queued' ? null : '2024-03-10T11:00:00.000Z',
    ...overrides,
  };
}

function album(id: string, overrides: Partial<TrendingAlbum> = {}): TrendingAlbum {
  return {
    id,
    name: `Album ${id}`,
    artists: [{ id: `artist-${id}`, name: `Artist ${id}` }],
    releaseDate: '2024-03-08',
    releaseDatePrecision: 'day',
    type: 'album',
    totalTracks: 10,
    imageUrl: `https://i.scdn.co/image/${id}`,
    spotifyUrl: `https://open.spotify.com/album/${id}`,
    position: 1,
    musicbrainz: null,
    ...overrides,
  };
}

function popular(id: string, overrides: Partial<PopularAlbum> = {}): PopularAlbum {
  return { ...album(id), points: 12, appearances: 4, bestPosition: 2, ...overrides };
}

function source(status: TrendingSource['status'], overrides: Partial<TrendingSource> = {}): TrendingSource {
  return {
    name: 'spotify_new_releases',
    status,
    lastSuccessAt: '2024-03-08T12:00:00.000Z',
    lastAttemptAt: '2024-03-10T11:59:00.000Z',
    lastError: null,
    lastErrorCode: null,
    ...overrides,
  };
}

function doc(overrides: Partial<TrendingDocument> = {}): TrendingDocument {
  return {
    key: 'spotify_new_releases',
    newReleases: [album('a', { musicbrainz: match('queued') }), album('b', { position: 2 })],
    trendingArtists: [{ id: 'artist-a', name: 'Artist a', points: 20, albums: 1, appearances: 5, imageUrl: null }],
    popularAlbums: [popular('a', { musicbrainz: match('queued') })],
    total: 2,
    asOf: '2024-03-10T09:00:00.000Z',
    expires: '2024-03-10T15:00:00.000Z',
    stale: false,
    ageSeconds: 3 * 3600,
    refreshing: false,
    sources: [source('ok')],
    rankingWindowDays: 7,
    metadata: { mbMatches: { a: match('queued') }, enrichment: { queued: 1, matched: 0, no_match: 0, failed: 0 } },
    ...overrides,
  };
}

describe('freshness', () => {
  it('dates the data by the server’s age, immune to a skewed browser clock', () => {
    // The browser's clock is an hour ahead: asOf would read 4 h old, ageSeconds says 3 h.
    const receivedAt = NOW + HOUR;
    expect(dataTakenAt(doc(), receivedAt)).toBe(receivedAt - 3 * HOUR);
    expect(dataTakenAt(doc({ ageSeconds: null }), receivedAt)).toBe(Date.parse('2024-03-10T09:00:00.000Z'));
    expect(dataTakenAt(doc({ asOf: null, ageSeconds: null }), receivedAt)).toBeNull();
  });

  it('says how old fresh data is', () => {
    expect(freshness(doc(), NOW, NOW)).toEqual({ state: 'fresh', label: 'Updated 3 h ago' });
    expect(freshness(doc({ refreshing: true }), NOW, NOW).label).toBe('Updated 3 h ago · refreshing…');
  });

  it('says "Stale — refreshing…" while a stale document is being refreshed', () => {
    const stale = doc({ stale: true, ageSeconds: 8 * 3600 });
    expect(freshness({ ...stale, refreshing: true }, NOW, NOW)).toEqual({
      state: 'refreshing',
      label: 'Stale — refreshing…',
    });
    expect(freshness(stale, NOW, NOW)).toEqual({ state: 'stale', label: 'Stale — updated 8 h ago' });
  });

  it('turns stale while the page stays open past the freshness window', () => {
    const d = doc();
    expect(isStaleNow(d, NOW, NOW + 2 * HOUR)).toBe(false);
    expect(isStaleNow(d, NOW, NOW + 3 * HOUR)).toBe(true);
    expect(freshness(d, NOW, NOW + 4 * HOUR).state).toBe('stale');
  });

  it('has wording for no data at all', () => {
    const empty = doc({ asOf: null, expires: null, ageSeconds: null, stale: true, newReleases: [] });
    expect(freshness(empty, NOW, NOW)).toEqual({ state: 'empty', label: 'No data yet' });
    expect(freshness({ ...empty, refreshing: true }, NOW, NOW).label).toBe('No data yet — fetching from Spotify…');
  });
});

describe('source problems', () => {
  const twoDaysAgo = NOW - 2 * DAY;

  it('tells what an unavailable endpoint means for the data shown', () => {
    expect(sourceProblem(source('unavailable'), twoDaysAgo, NOW)).toBe(
      'Spotify new releases unavailable (403): showing data from 2 days ago',
    );
  });

  it('names the failure and its status when the code carries one', () => {
    const failed = source('error', {
      lastError: 'Spotify answered with a server error.',
      lastErrorCode: 'SPOTIFY_HTTP_503',
    });
    expect(sourceProblem(failed, NOW - 5 * HOUR, NOW)).toBe(
      'Spotify new releases failed (503) — Spotify answered with a server error: showing data from 5 hours ago',
    );
    expect(sourceProblem(source('error'), null, NOW)).toBe('Spotify new releases failed: no data yet');
  });

  it('explains a source without credentials, and says nothing for a healthy one', () => {
    expect(sourceProblem(source('disabled'), null, NOW)).toBe(
      'Spotify new releases disabled (no credentials configured): no data yet',
    );
    expect(sourceProblem(source('ok'), twoDaysAgo, NOW)).toBeNull();
    expect(sourceProblem(source('unknown'), twoDaysAgo, NOW)).toBeNull();
    expect(sourceProblem(source('unknown'), null, NOW)).toBe('Spotify new releases not checked yet');
    expect(sourceProblem(source('unavailable'), NOW - 10_000, NOW)).toBe(
      'Spotify new releases unavailable (403): showing data from a moment ago',
    );
  });

  it('labels sources', () => {
    expect(trendingSourceLabel('spotify_new_releases')).toBe('Spotify new releases');
    expect(trendingSourceLabel('musicbrainz_search')).toBe('MusicBrainz search');
    expect(trendingSourceLabel('x')).toBe('X');
  });
});

describe('live MusicBrainz outcomes', () => {
  it('puts an outcome on every copy of the album, in mbMatches and in the counts', () => {
    const before = doc();
    const after = applyMatch(before, { albumId: 'a', match: match('matched') });
    expect(after).not.toBe(before);
    expect(after.newReleases[0]?.musicbrainz?.status).toBe('matched');
    expect(after.newReleases[1]).toBe(before.newReleases[1]);
    expect(after.popularAlbums[0]?.musicbrainz?.status).toBe('matched');
    expect(after.metadata.mbMatches.a?.status).toBe('matched');
    expect(after.metadata.enrichment).toEqual({ queued: 0, matched: 1, no_match: 0, failed: 0 });
    expect(matchOf(after, { id: 'a', musicbrainz: null })?.releaseGroupId).toBe(RG);
    // The original is untouched.
    expect(before.metadata.mbMatches.a?.status).toBe('queued');
  });

  it('counts an album without an earlier outcome once', () => {
    const after = applyMatch(doc(), { albumId: 'b', match: match('no_match') });
    expect(after.metadata.enrichment).toEqual({ queued: 1, matched: 0, no_match: 1, failed: 0 });
    expect(after.newReleases[1]?.musicbrainz?.status).toBe('no_match');
  });

  it('ignores albums not in the document and outcomes older than the one shown', () => {
    const d = doc();
    expect(applyMatch(d, { albumId: 'zzz', match: match('matched') })).toBe(d);
    const matched = applyMatch(d, { albumId: 'a', match: match('matched') });
    const older = match('no_match', { decidedAt: '2024-03-10T10:00:00.000Z' });
    expect(applyMatch(matched, { albumId: 'a', match: older })).toBe(matched);
    expect(applyMatch(matched, { albumId: 'a', match: match('queued') })).toBe(matched);
  });

  it('chooses the later decision, and a decision over "queued" on a tie', () => {
    const early = match('no_match', { decidedAt: '2024-03-10T10:00:00.000Z' });
    const late = match('matched', { decidedAt: '2024-03-10T11:00:00.000Z' });
    expect(newerMatch(null, early)).toBe(early);
    expect(newerMatch(early, late)).toBe(late);
    expect(newerMatch(late, early)).toBe(late);
    const undecided = match('failed', { decidedAt: null });
    expect(newerMatch(undecided, match('queued'))).toBe(undecided);
  });

  it('re-applies live outcomes to a document read before they were stored', () => {
    const live = new Map([['a', match('matched')]]);
    const stale = doc();
    const merged = withLiveMatches(stale, live);
    expect(merged.metadata.mbMatches.a?.status).toBe('matched');
    // A document that already carries the outcome is left as it is.
    expect(withLiveMatches(merged, live)).toBe(merged);
  });

  it('links only real release-group ids, and only https(s) elsewhere', () => {
    expect(musicBrainzUrl(match('matched'))).toBe(`https://musicbrainz.org/release-group/${RG}`);
    expect(musicBrainzUrl(match('matched', { releaseGroupId: '../../evil' }))).toBeNull();
    expect(musicBrainzUrl(match('no_match'))).toBeNull();
    expect(musicBrainzUrl(null)).toBeNull();
    expect(safeHttpUrl('javascript:alert(1)')).toBeNull();
    expect(safeHttpUrl('https://open.spotify.com/album/a')).toBe('https://open.spotify.com/album/a');
    expect(safeHttpUrl('not a url')).toBeNull();
  });
});

describe('chart history', () => {
  it('builds one row per refresh, oldest first, with one series per source', () => {
    const series = chartSeries([
      { source: 'spotify_new_releases', position: 4, seenAt: '2024-03-09T12:00:00.000Z' },
      { source: 'spotify_new_releases', position: 9, seenAt: '2024-03-08T12:00:00.000Z' },
      { source: 'spotify_trending', position: 12, seenAt: '2024-03-09T12:00:00.000Z' },
      { source: 'spotify_new_releases', position: null, seenAt: '2024-03-10T12:00:00.000Z' },
      { source: 'spotify_new_releases', position: 1, seenAt: 'yesterday' },
    ]);
    expect(series.sources).toEqual(['spotify_new_releases', 'spotify_trending']);
    expect(series.rows.map((r) => r.positions)).toEqual([
      { spotify_new_releases: 9 },
      { spotify_new_releases: 4, spotify_trending: 12 },
      { spotify_new_releases: null },
    ]);
    expect(series.rows.map((r) => r.t)).toEqual([
      Date.parse('2024-03-08T12:00:00.000Z'),
      Date.parse('2024-03-09T12:00:00.000Z'),
      Date.parse('2024-03-10T12:00:00.000Z'),
    ]);
    expect(series.maxPosition).toBe(12);
    expect(chartSeries([])).toEqual({ sources: [], rows: [], maxPosition: 1 });
  });
});

describe('labels', () => {
  it('writes release dates at their precision', () => {
    expect(releaseDateLabel('2024-03-04', 'day')).toBe('Mar 4, 2024');
    expect(releaseDateLabel('2024-03', 'month')).toBe('Mar 2024');
    expect(releaseDateLabel('2024', 'year')).toBe('2024');
    expect(releaseDateLabel('2024-03-04', null)).toBe('Mar 4, 2024');
    expect(releaseDateLabel(null, null)).toBeNull();
    expect(releaseDateLabel('soon', 'day')).toBeNull();
  });

  it('reads the stats window from the URL', () => {
    expect(parseDays(null)).toBe(7);
    expect(parseDays('30')).toBe(30);
    expect(parseDays('90')).toBe(90);
    expect(parseDays('0')).toBe(7);
    expect(parseDays('91')).toBe(7);
    expect(parseDays('1e1')).toBe(7);
    expect(windowLabel(1)).toBe('Last 24 hours');
    expect(windowLabel(30)).toBe('Last 30 days');
  });

  it('formats changes, progress and artists', () => {
    expect(formatChange(3)).toBe('+3');
    expect(formatChange(-2)).toBe('−2');
    expect(formatChange(0)).toBe('0');
    expect(enrichmentDone({ queued: 5, matched: 10, no_match: 4, failed: 1 })).toEqual({
      done: 15,
      total: 20,
      percent: 75,
    });
    expect(enrichmentDone({ queued: 0, matched: 0, no_match: 0, failed: 0 }, 0).percent).toBe(0);
    expect(artistNames([])).toBe('Unknown artist');
    expect(artistNames([{ name: 'A' }, { name: 'B' }])).toBe('A, B');
  });

  it('keeps the collection newest first without duplicates', () => {
    const item = (id: string): CollectionItem => ({
      album: { id, name: id, artists: [], imageUrl: null, musicbrainz: null },
      addedAt: '2024-03-10T12:00:00.000Z',
      source: 'spotify_new_releases',
    });
    const items = upsertCollectionItem([item('a'), item('b')], item('b'));
    expect(items.map((i) => i.album.id)).toEqual(['b', 'a']);
    expect(removeCollectionItem(items, 'b').map((i) => i.album.id)).toEqual(['a']);
  });
});

describe('trending guards', () => {
  it('keeps a valid document as it is', () => {
    const d = doc();
    expect(parseTrendingDocument(JSON.parse(JSON.stringify(d)))).toEqual(d);
  });

  it('drops malformed albums, artists, sources and matches rather than the document', () => {
    const { musicbrainz: _dropped, ...noMatchField } = album('c');
    const parsed = parseTrendingDocument({
      ...doc(),
      newReleases: [album('a'), { ...album('b'), type: 'ep' }, noMatchField, { ...album('d'), artists: ['x'] }],
      trendingArtists: [{ id: 1 }],
      sources: [source('ok'), { ...source('ok'), status: 'fine' }],
      metadata: { mbMatches: { a: match('matched'), b: { status: 'matched' } }, enrichment: 'lots' },
    });
    expect(parsed?.newReleases.map((a) => a.id)).toEqual(['a']);
    expect(parsed?.trendingArtists).toEqual([]);
    expect(parsed?.sources).toHaveLength(1);
    expect(Object.keys(parsed?.metadata.mbMatches ?? {})).toEqual(['a']);
    expect(parsed?.metadata.enrichment).toEqual({ queued: 0, matched: 0, no_match: 0, failed: 0 });
  });

  it('refuses what is not a document', () => {
    expect(parseTrendingDocument(null)).toBeNull();
    expect(parseTrendingDocument({ error: { code: 'x', message: 'y' } })).toBeNull();
  });

  it('reads the pushed events', () => {
    expect(parseMusicBrainzMatchEvent({ albumId: 'a', match: match('matched') })).toEqual({
      albumId: 'a',
      match: match('matched'),
    });
    expect(parseMusicBrainzMatchEvent({ albumId: 'a', match: { status: 'matched' } })).toBeNull();
  });

  it('reads histories, stats, progress and collection answers', () => {
    const summary = { id: 'a', name: 'A', artists: [], imageUrl: null, musicbrainz: null };
    const history = parseAppearanceHistory({
      albumId: 'a',
      album: summary,
      history: [{ source: 's', position: 3, seenAt: '2024-03-10T12:00:00.000Z' }, { source: 's' }],
      summary: { firstSeenAt: '2024-03-10T12:00:00.000Z', lastSeenAt: null, peakPosition: 3, count: 1, sources: ['s'] },
    });
    expect(history?.history).toHaveLength(1);
    expect(history?.summary.peakPosition).toBe(3);
    expect(parseAppearanceHistory({ albumId: 'a' })).toBeNull();

    const stats = parseTrendingStats({
      window: { from: '2024-03-03T12:00:00.000Z', to: '2024-03-10T12:00:00.000Z', days: 7 },
      refreshes: 28,
      rankingRule: 'Points: 51 − position per appearance.',
      perSource: [{ source: 's', refreshes: 28, albums: 40, appearances: 900 }, { source: 's' }],
      mostPersistent: [{ album: summary, appearances: 28, refreshesInWindow: 28 }],
      newEntries: [{ album: summary, firstSeenAt: '2024-03-10T12:00:00.000Z', position: null }],
      climbers: [{ album: summary, source: 's', from: 12, to: 4, change: 8 }],
      fallers: [{ album: summary, source: 's', from: 4, to: 'x', change: -8 }],
      popularAlbums: [],
      trendingArtists: [],
    });
    expect(stats?.perSource).toHaveLength(1);
    expect(stats?.climbers).toHaveLength(1);
    expect(stats?.fallers).toHaveLength(0);
    expect(stats?.rankingRule).toMatch(/Points/);
    expect(parseTrendingStats({ window: { days: 7 } })).toBeNull();

    const progress = parseEnrichmentProgress({
      counts: { queued: 3, matched: 5, no_match: 1, failed: 0 },
      total: 9,
      requestsLastMinute: 59,
      ratePerSecond: 0.98,
      limitPerSecond: 0.971,
      lastDecisionAt: null,
      recent: [{ album: summary, decidedAt: null }, { album: {} }],
    });
    expect(progress?.recent).toHaveLength(1);
    expect(progress?.limitPerSecond).toBe(0.971);
    expect(parseEnrichmentProgress({ counts: { queued: 0, matched: 0, no_match: 0, failed: 0 } })?.limitPerSecond).toBe(
      null,
    );
    expect(parseEnrichmentProgress({ counts: { queued: -1 } })).toBeNull();

    const item = { album: summary, addedAt: '2024-03-10T12:00:00.000Z', source: 'spotify_new_releases' };
    expect(parseCollectionAdded({ added: false, item })).toEqual({ added: false, item });
    expect(parseCollectionAdded({ added: true })).toBeNull();
  });
});

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    key: (i) => [...data.keys()][i] ?? null,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

const GUEST = { token: 'guest-jwt', userId: 'u1', expiresAt: '2999-01-01T00:00:00.000Z' };

describe('trending API', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reads the cached document and the background sync', async () => {
    const fetchMock = vi.fn(async (url: string) =>
      url === '/api/spotify/sync' ? answer(200, { source: 'fresh', data: doc() }) : answer(200, doc()),
    );
    vi.stubGlobal('fetch', fetchMock);
    await expect(fetchTrendingDocument()).resolves.toEqual(doc());
    await expect(syncTrending()).resolves.toEqual({ source: 'fresh', data: doc() });
    expect(fetchMock.mock.calls.map((c) => c[0])).toEqual(['/api/cache/trending', '/api/spotify/sync']);
  });

  it('turns an unexpected body or an error answer into ApiError', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(200, { hello: 'world' })),
    );
    await expect(fetchTrendingDocument()).rejects.toMatchObject({ name: 'ApiError', code: 'bad_response' });
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(400, { error: { code: 'BACKBEAT_ERR_VALIDATION', message: 'days must be <= 90' } })),
    );
    await expect(fetchTrendingStats(91)).rejects.toMatchObject({ status: 400, message: 'days must be <= 90' });
    expect(vi.mocked(fetch).mock.calls[0]?.[0]).toBe('/api/stats/trending?days=91');
  });

  it('reads no collection (and creates no guest) for a visitor without a guest session', async () => {
    vi.stubGlobal('window', { localStorage: memoryStorage() });
    const fetchMock = vi.fn(async () => answer(200, { items: [] }));
    vi.stubGlobal('fetch', fetchMock);
    await expect(fetchCollection()).resolves.toEqual({ items: [] });
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('reads the collection with the stored guest token, forgetting one the server refuses', async () => {
    const storage = memoryStorage();
    storage.setItem(GUEST_TOKEN_KEY, JSON.stringify(GUEST));
    vi.stubGlobal('window', { localStorage: storage });
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(401, { error: { code: 'BACKBEAT_ERR_UNAUTHORIZED', message: 'expired' } })),
    );
    await expect(fetchCollection()).resolves.toEqual({ items: [] });
    const init = vi.mocked(fetch).mock.calls[0]?.[1];
    expect(new Headers(init?.headers).get('authorization')).toBe('Bearer guest-jwt');
    expect(storage.getItem(GUEST_TOKEN_KEY)).toBeNull();
  });

  it('adds to the collection as a guest, getting a new guest token when the stored one is refused', async () => {
    const storage = memoryStorage();
    storage.setItem(GUEST_TOKEN_KEY, JSON.stringify({ ...GUEST, token: 'old-jwt' }));
    vi.stubGlobal('window', { localStorage: storage });
    const item = {
      album: { id: 'a', name: 'A', artists: [], imageUrl: null, musicbrainz: null },
      addedAt: '2024-03-10T12:00:00.000Z',
      source: 'spotify_new_releases',
    };
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (url === '/api/auth/guest') return answer(201, GUEST);
      const auth = new Headers(init?.headers).get('authorization');
      if (auth !== 'Bearer guest-jwt')
        return answer(401, { error: { code: 'BACKBEAT_ERR_UNAUTHORIZED', message: 'no' } });
      return answer(201, { added: true, item });
    });
    vi.stubGlobal('fetch', fetchMock);
    await expect(addToCollection('a')).resolves.toEqual({ added: true, item });
    const calls = fetchMock.mock.calls.map((c) => c[0]);
    expect(calls).toEqual(['/api/albums/add-from-trending', '/api/auth/guest', '/api/albums/add-from-trending']);
    const last = fetchMock.mock.calls[2]?.[1];
    expect(last?.method).toBe('POST');
    expect(last?.body).toBe(JSON.stringify({ albumId: 'a' }));
    expect(JSON.parse(storage.getItem(GUEST_TOKEN_KEY) ?? '{}')).toMatchObject({ token: 'guest-jwt' });
  });
});
