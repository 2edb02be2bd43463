import { Type, type Static } from 'typebox';

/**
 * The Trending job's public contract: every response body and pushed event payload, defined once. Routes use these
 * as response schemas (Fastify serializes with them and OpenAPI documents them), the event map is typed from them,
 * and the web app imports the types.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = (description?: string) =>
  Type.String(description === undefined ? { format: 'date-time' } : { format: 'date-time', description });

export const MatchStatus = Type.Union(
  [Type.Literal('queued'), Type.Literal('matched'), Type.Literal('no_match'), Type.Literal('failed')],
  { description: 'queued: waiting for its MusicBrainz search; failed: gave up after `attempts` tries' },
);
export type MatchStatus = Static<typeof MatchStatus>;

export const MusicBrainzMatch = Type.Object(
  {
    status: MatchStatus,
    releaseGroupId: Nullable(Type.String({ format: 'uuid' })),
    releaseId: Nullable(Type.String({ format: 'uuid' })),
    url: Nullable(Type.String({ description: 'https://musicbrainz.org/release-group/<id> when matched' })),
    confidence: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'Our combined score of the choice' })),
    mbScore: Nullable(Type.Integer({ minimum: 0, maximum: 100, description: "MusicBrainz' own search score" })),
    reason: Nullable(Type.String({ description: 'Why this candidate (or none) was chosen' })),
    attempts: Type.Integer({ minimum: 0 }),
    decidedAt: Nullable(DateTime()),
  },
  { title: 'MusicBrainzMatch', description: "An album's MusicBrainz enrichment outcome" },
);
export type MusicBrainzMatch = Static<typeof MusicBrainzMatch>;

export const TrendingArtistRef = Type.Object({ id: Type.String(), name: Type.String() });

export const TrendingAlbum = Type.Object(
  {
    id: Type.String({ description: 'Spotify album id' }),
    name: Type.String(),
    artists: Type.Array(TrendingArtistRef),
    releaseDate: Nullable(Type.String({ description: 'YYYY, YYYY-MM or YYYY-MM-DD (see releaseDatePrecision)' })),
    releaseDatePrecision: Nullable(Type.Union([Type.Literal('year'), Type.Literal('month'), Type.Literal('day')])),
    type: Type.Union([Type.Literal('album'), Type.Literal('single'), Type.Literal('compilation')]),
    totalTracks: Nullable(Type.Integer({ minimum: 0 })),
    imageUrl: Nullable(Type.String({ description: 'The largest cover image' })),
    spotifyUrl: Nullable(Type.String()),
    position: Nullable(Type.Integer({ minimum: 1, description: 'Position in the latest new-releases list' })),
    musicbrainz: Nullable(MusicBrainzMatch),
  },
  { title: 'TrendingAlbum' },
);
export type TrendingAlbum = Static<typeof TrendingAlbum>;

export const PopularAlbum = Type.Intersect(
  [
    TrendingAlbum,
    Type.Object({
      points: Type.Number({ description: 'Ranking points over the window (see the README for the rule)' }),
      appearances: Type.Integer({ minimum: 0 }),
      bestPosition: Nullable(Type.Integer({ minimum: 1 })),
    }),
  ],
  { title: 'PopularAlbum' },
);
export type PopularAlbum = Static<typeof PopularAlbum>;

export const TrendingArtist = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    points: Type.Number(),
    albums: Type.Integer({ minimum: 0, description: 'Distinct albums of theirs in the window' }),
    appearances: Type.Integer({ minimum: 0 }),
    imageUrl: Nullable(Type.String({ description: 'Cover of their best-ranked album' })),
  },
  { title: 'TrendingArtist' },
);
export type TrendingArtist = Static<typeof TrendingArtist>;

export const TrendingSourceStatus = Type.Union(
  [
    Type.Literal('ok'),
    Type.Literal('error'),
    Type.Literal('unavailable'),
    Type.Literal('disabled'),
    Type.Literal('unknown'),
  ],
  {
    description:
      'unavailable: the endpoint answered 403 (removed for development-mode apps); disabled: no credentials; ' +
      'error: the last refresh failed for another reason',
  },
);
export type TrendingSourceStatus = Static<typeof TrendingSourceStatus>;

export const TrendingSource = Type.Object(
  {
    name: Type.String({ description: 'e.g. spotify_new_releases' }),
    status: TrendingSourceStatus,
    lastSuccessAt: Nullable(DateTime()),
    lastAttemptAt: Nullable(DateTime()),
    lastError: Nullable(Type.String({ description: 'A short message from a fixed catalog; details are logged' })),
    lastErrorCode: Nullable(Type.String()),
  },
  { title: 'TrendingSource' },
);
export type TrendingSource = Static<typeof TrendingSource>;

export const EnrichmentCounts = Type.Object(
  {
    queued: Type.Integer({ minimum: 0 }),
    matched: Type.Integer({ minimum: 0 }),
    no_match: Type.Integer({ minimum: 0 }),
    failed: Type.Integer({ minimum: 0 }),
  },
  { title: 'EnrichmentCounts' },
);
export type EnrichmentCounts = Static<typeof EnrichmentCounts>;

export const TrendingDocument = Type.Object(
  {
    key: Type.String({ description: 'cache_data.key' }),
    newReleases: Type.Array(TrendingAlbum),
    trendingArtists: Type.Array(TrendingArtist),
    popularAlbums: Type.Array(PopularAlbum),
    total: Type.Integer({ minimum: 0, description: "Spotify's total of the list" }),
    asOf: Nullable(DateTime('When the data was fetched from Spotify; null before the first successful sync')),
    expires: Nullable(DateTime('When the data goes stale (asOf + CACHE_DURATION_HOURS)')),
    stale: Type.Boolean(),
    ageSeconds: Nullable(Type.Integer({ minimum: 0 })),
    refreshing: Type.Boolean({ description: 'A refresh is running somewhere (this read may have started it)' }),
    sources: Type.Array(TrendingSource),
    rankingWindowDays: Type.Integer({ minimum: 1 }),
    metadata: Type.Object({
      mbMatches: Type.Record(Type.String(), MusicBrainzMatch, {
        description: 'By Spotify album id, for the albums of this document that have an outcome',
      }),
      enrichment: EnrichmentCounts,
    }),
  },
  { title: 'TrendingDocument', description: 'The cached trending document, answered from the database' },
);
export type TrendingDocument = Static<typeof TrendingDocument>;

export const SyncResult = Type.Object(
  {
    source: Type.Union([Type.Literal('cache'), Type.Literal('fresh')], {
      description: 'fresh: this request refreshed the cache from Spotify',
    }),
    data: TrendingDocument,
  },
  { title: 'SyncResult' },
);
export type SyncResult = Static<typeof SyncResult>;

export const ForcedSyncResult = Type.Object(
  {
    outcome: Type.Union([Type.Literal('refreshed'), Type.Literal('joined'), Type.Literal('failed')], {
      description: 'joined: a refresh already running in another request or process was waited for',
    }),
    error: Nullable(Type.String()),
    errorCode: Nullable(Type.String()),
    data: TrendingDocument,
  },
  { title: 'ForcedSyncResult' },
);
export type ForcedSyncResult = Static<typeof ForcedSyncResult>;

export const SpotifyRawPage = Type.Object(
  {
    albums: Type.Object({
      href: Type.Optional(Type.String()),
      items: Type.Array(Type.Unknown(), { description: "Spotify's SimplifiedAlbum objects, as received" }),
      limit: Type.Integer(),
      next: Nullable(Type.String()),
      offset: Type.Integer(),
      previous: Nullable(Type.String()),
      total: Type.Integer(),
    }),
  },
  { title: 'SpotifyRawPage', description: 'One page of GET /v1/browse/new-releases, straight from Spotify' },
);
export type SpotifyRawPage = Static<typeof SpotifyRawPage>;

export const AlbumSummary = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    artists: Type.Array(TrendingArtistRef),
    imageUrl: Nullable(Type.String()),
    musicbrainz: Nullable(MusicBrainzMatch),
  },
  { title: 'AlbumSummary' },
);
export type AlbumSummary = Static<typeof AlbumSummary>;

export const AppearanceHistory = Type.Object(
  {
    albumId: Type.String(),
    album: AlbumSummary,
    history: Type.Array(
      Type.Object({ source: Type.String(), position: Nullable(Type.Integer()), seenAt: DateTime() }),
      { description: 'Oldest first' },
    ),
    summary: Type.Object({
      firstSeenAt: Nullable(DateTime()),
      lastSeenAt: Nullable(DateTime()),
      peakPosition: Nullable(Type.Integer()),
      count: Type.Integer({ minimum: 0 }),
      sources: Type.Array(Type.String()),
    }),
  },
  { title: 'AppearanceHistory' },
);
export type AppearanceHistory = Static<typeof AppearanceHistory>;

const Movement = Type.Object({
  album: AlbumSummary,
  source: Type.String(),
  from: Type.Integer(),
  to: Type.Integer(),
  change: Type.Integer({ description: 'Positions gained (negative: lost)' }),
});

export const TrendingStats = Type.Object(
  {
    window: Type.Object({ from: DateTime(), to: DateTime(), days: Type.Integer({ minimum: 1 }) }),
    refreshes: Type.Integer({ minimum: 0 }),
    rankingRule: Type.String(),
    perSource: Type.Array(
      Type.Object({
        source: Type.String(),
        refreshes: Type.Integer(),
        albums: Type.Integer(),
        appearances: Type.Integer(),
      }),
    ),
    mostPersistent: Type.Array(
      Type.Object({ album: AlbumSummary, appearances: Type.Integer(), refreshesInWindow: Type.Integer() }),
    ),
    newEntries: Type.Array(
      Type.Object({ album: AlbumSummary, firstSeenAt: DateTime(), position: Nullable(Type.Integer()) }),
    ),
    climbers: Type.Array(Movement),
    fallers: Type.Array(Movement),
    popularAlbums: Type.Array(PopularAlbum),
    trendingArtists: Type.Array(TrendingArtist),
  },
  { title: 'TrendingStats' },
);
export type TrendingStats = Static<typeof TrendingStats>;

export const CollectionItem = Type.Object(
  { album: AlbumSummary, addedAt: DateTime(), source: Type.String({ description: 'Where it was added from' }) },
  { title: 'CollectionItem' },
);
export type CollectionItem = Static<typeof CollectionItem>;

export const CollectionList = Type.Object({ items: Type.Array(CollectionItem) }, { title: 'CollectionList' });
export type CollectionList = Static<typeof CollectionList>;

export const CollectionAdded = Type.Object(
  { added: Type.Boolean({ description: 'False when it was already there (nothing changed)' }), item: CollectionItem },
  { title: 'CollectionAdded' },
);
export type CollectionAdded = Static<typeof CollectionAdded>;

export const CollectionRemoved = Type.Object(
  { removed: Type.Boolean({ description: 'False when it was not there (nothing changed)' }) },
  { title: 'CollectionRemoved' },
);
export type CollectionRemoved = Static<typeof CollectionRemoved>;

export const EnrichmentProgress = Type.Object(
  {
    counts: EnrichmentCounts,
    total: Type.Integer({ minimum: 0 }),
    requestsLastMinute: Type.Integer({ minimum: 0, description: 'MusicBrainz searches sent in the last 60 s' }),
    ratePerSecond: Type.Number({ minimum: 0, description: 'requestsLastMinute / 60' }),
    limitPerSecond: Nullable(
      Type.Number({ minimum: 0, description: "The musicbrainz bucket's sustained rate; null before it exists" }),
    ),
    lastDecisionAt: Nullable(DateTime()),
    recent: Type.Array(Type.Object({ album: AlbumSummary, decidedAt: Nullable(DateTime()) })),
  },
  { title: 'EnrichmentProgress' },
);
export type EnrichmentProgress = Static<typeof EnrichmentProgress>;

/** Pushed over the SSE stream when an album gets its MusicBrainz outcome. */
export const MusicBrainzMatchEvent = Type.Object(
  { albumId: Type.String(), match: MusicBrainzMatch },
  { title: 'MusicBrainzMatchEvent', description: 'Data of the SSE musicbrainz_match event' },
);
export type MusicBrainzMatchEvent = Static<typeof MusicBrainzMatchEvent>;

/** Pushed over the SSE stream when the cached document changed (a refresh stored new data or a new error). */
export const TrendingRefreshedEvent = Type.Object(
  {
    key: Type.String(),
    asOf: Nullable(DateTime()),
    total: Type.Integer({ minimum: 0 }),
    ok: Type.Boolean({ description: 'False when the refresh failed and the previous data is kept' }),
  },
  { title: 'TrendingRefreshedEvent', description: 'Data of the SSE trending_refreshed event' },
);
export type TrendingRefreshedEvent = Static<typeof TrendingRefreshedEvent>;
