import { Type, type Static } from 'typebox';

/**
 * The releases job's public contract: every response body and pushed event payload, defined once. Routes use these
 * as response schemas (Fastify serializes with them and OpenAPI documents them), the event map is typed from them,
 * and the web app imports the types.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const Release = Type.Object(
  {
    id: Type.Integer({ description: 'Backbeat song id' }),
    title: Type.String(),
    artists: Type.Array(Type.String(), { description: 'Display names, primary artist first' }),
    album: Type.Object({ id: Nullable(Type.String()), name: Type.String() }),
    language: Type.String({ description: 'JioSaavn language name, e.g. malayalam' }),
    releaseDate: Nullable(Type.String({ description: 'YYYY-MM-DD' })),
    imageUrl: Nullable(Type.String()),
    url: Nullable(Type.String({ description: 'Upstream permalink where the song can be played' })),
    durationSeconds: Nullable(Type.Integer()),
    isNew: Type.Boolean({ description: 'Released or first detected within NEW_WINDOW_DAYS' }),
    likes: Type.Integer({ minimum: 0 }),
    liked: Type.Optional(Type.Boolean({ description: "The caller's like; present only with a guest token" })),
    featured: Type.Boolean({ description: "The album's featured song (one per album)" }),
    kind: Type.Union([Type.Literal('song'), Type.Literal('album')]),
    source: Type.String(),
    detectedAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { title: 'Release', description: 'One release as every list, lookup and pushed event shows it' },
);
export type Release = Static<typeof Release>;

/** The stable code of a failure shown in a public answer (see `publicError` in `service.ts`). */
export const PublicErrorCode = Type.Union(
  [
    Type.Literal('upstream_server'),
    Type.Literal('upstream_client'),
    Type.Literal('upstream_rate_limited'),
    Type.Literal('upstream_timeout'),
    Type.Literal('upstream_network'),
    Type.Literal('upstream_blocked'),
    Type.Literal('upstream_malformed'),
    Type.Literal('rate_limited'),
    Type.Literal('internal'),
  ],
  { description: 'The stable code of lastError; present when lastError is' },
);
export type PublicErrorCode = Static<typeof PublicErrorCode>;

export const SourceStatus = Type.Object(
  {
    name: Type.String(),
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('unknown')]),
    lastSuccessAt: Nullable(Type.String({ format: 'date-time' })),
    lastError: Nullable(
      Type.String({
        description: 'While degraded: a short message from a fixed catalog (never raw error text; details are logged)',
      }),
    ),
    lastErrorCode: Type.Optional(PublicErrorCode),
  },
  { title: 'SourceStatus', description: 'Freshness of one upstream source' },
);
export type SourceStatus = Static<typeof SourceStatus>;

export const ReleaseList = Type.Object(
  {
    items: Type.Array(Release),
    nextCursor: Nullable(Type.String({ description: 'Pass as ?cursor= for the next page' })),
    asOf: Type.String({ format: 'date-time' }),
    sources: Type.Array(SourceStatus),
  },
  { title: 'ReleaseList' },
);
export type ReleaseList = Static<typeof ReleaseList>;

export const SongDetail = Type.Intersect([
  Release,
  Type.Object({ metadata: Type.Unknown({ description: 'The upstream item as received' }), fingerprint: Type.String() }),
]);
export type SongDetail = Static<typeof SongDetail>;

export const AlbumReleases = Type.Object(
  { name: Type.String(), items: Type.Array(Release) },
  { title: 'AlbumReleases' },
);
export type AlbumReleases = Static<typeof AlbumReleases>;

export const LikeResult = Type.Object(
  { id: Type.Integer(), likes: Type.Integer({ minimum: 0 }), liked: Type.Boolean() },
  { title: 'LikeResult' },
);
export type LikeResult = Static<typeof LikeResult>;

export const RunStatus = Type.Union([
  Type.Literal('running'),
  Type.Literal('succeeded'),
  Type.Literal('partial'),
  Type.Literal('failed'),
  Type.Literal('abandoned'),
]);
export type RunStatus = Static<typeof RunStatus>;

export const RunError = Type.Object({
  source: Type.String(),
  language: Type.Optional(Type.String()),
  page: Type.Optional(Type.Integer()),
  code: Type.String(),
  message: Type.String(),
  retryAfterMs: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'With code rate_limited: how long the upstream or the bucket asked to wait',
    }),
  ),
});
export type RunError = Static<typeof RunError>;

export const RunSummary = Type.Object(
  {
    runId: Type.String({ format: 'uuid' }),
    status: RunStatus,
    trigger: Type.String({ description: 'schedule, start, manual or cli' }),
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Nullable(Type.String({ format: 'date-time' })),
    fetched: Type.Integer(),
    newSongs: Type.Integer(),
    newAlbums: Type.Integer(),
    updated: Type.Integer(),
    rateLimited: Type.Boolean(),
    errors: Type.Array(RunError),
  },
  { title: 'RunSummary', description: 'One fetch run' },
);
export type RunSummary = Static<typeof RunSummary>;

export const RunList = Type.Object({ items: Type.Array(RunSummary) }, { title: 'RunList' });
export type RunList = Static<typeof RunList>;

export const FetchAccepted = Type.Object(
  {
    runId: Type.String({ format: 'uuid' }),
    status: RunStatus,
    started: Type.Boolean({ description: 'False when a run was already in flight: this is that run' }),
    statusUrl: Type.String(),
  },
  { title: 'FetchAccepted' },
);
export type FetchAccepted = Static<typeof FetchAccepted>;

export const FetchFinished = Type.Intersect([
  RunSummary,
  Type.Object({ joined: Type.Boolean({ description: 'True when this request joined a run already in flight' }) }),
]);
export type FetchFinished = Static<typeof FetchFinished>;

export const ReleaseEvent = Type.Object(
  {
    eventId: Type.Integer({ description: 'new_release_events.id (monotonic): the SSE id' }),
    type: Type.Union([Type.Literal('new_release'), Type.Literal('release_updated')]),
    release: Release,
    detectedAt: Type.String({ format: 'date-time' }),
  },
  { title: 'ReleaseEvent', description: 'Data of the SSE new_release and release_updated events' },
);
export type ReleaseEvent = Static<typeof ReleaseEvent>;

export const ResetEvent = Type.Object(
  {
    reason: Type.Union([Type.Literal('replay_window_exceeded'), Type.Literal('unknown_event_id')]),
    lastEventId: Type.Integer(),
  },
  { title: 'ResetEvent', description: 'Data of the SSE reset event: refetch the list' },
);
export type ResetEvent = Static<typeof ResetEvent>;
