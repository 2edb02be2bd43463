import { Type, type Static } from 'typebox';

/**
 * The Matches job's public contract: every response body and pushed event payload, defined once. Routes use these as
 * response schemas (Fastify serializes with them and OpenAPI documents them), the event map is typed from them, and
 * the web app imports the types.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = (options: { description?: string } = {}) => Type.String({ format: 'date-time', ...options });

export const Platform = Type.Union([Type.Literal('youtube'), Type.Literal('soundcloud')]);
export type Platform = Static<typeof Platform>;

export const TrackStatus = Type.Union(
  [Type.Literal('approved'), Type.Literal('needs_review'), Type.Literal('no_match'), Type.Literal('deferred')],
  {
    description:
      'approved: confident (or an admin approved it); needs_review: below MATCH_AUTO_APPROVE, or two uploads as good; ' +
      'no_match: no candidate; deferred: a platform had no search budget left, retried when tokens return',
  },
);
export type TrackStatus = Static<typeof TrackStatus>;

export const MatchSource = Type.Union([Type.Literal('cache'), Type.Literal('database'), Type.Literal('computed')], {
  description: 'The tier that answered: cache (match:{releaseId}:{trackIndex}), database (track_matches), computed',
});
export type MatchSource = Static<typeof MatchSource>;

/** Seed 003's match value (the cache's and `track_matches`' columns), camel-cased. */
export const MatchValue = Type.Object(
  {
    platform: Platform,
    matchUrl: Type.String(),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    approved: Type.Boolean(),
    verifiedBy: Nullable(Type.String()),
    verifiedAt: Nullable(DateTime()),
  },
  { title: 'MatchValue' },
);
export type MatchValue = Static<typeof MatchValue>;

export const ScoreBreakdown = Type.Object(
  {
    title: Type.Number(),
    artist: Type.Number(),
    duration: Nullable(Type.Number({ description: 'null when either duration is unknown' })),
    penalties: Type.Array(Type.String(), { description: 'Versions the track is not: live, cover, karaoke, …' }),
    penalty: Type.Number(),
    total: Type.Number(),
  },
  { title: 'ScoreBreakdown' },
);
export type ScoreBreakdown = Static<typeof ScoreBreakdown>;

export const CandidateView = Type.Object(
  {
    platform: Platform,
    url: Type.String(),
    title: Type.String(),
    uploader: Type.String(),
    durationSeconds: Nullable(Type.Number()),
    thumbnailUrl: Nullable(Type.String()),
    origin: Type.Union([
      Type.Literal('release_videos'),
      Type.Literal('youtube_search'),
      Type.Literal('soundcloud_search'),
      Type.Literal('admin'),
    ]),
    breakdown: ScoreBreakdown,
  },
  { title: 'Candidate' },
);
export type CandidateView = Static<typeof CandidateView>;

export const TrackError = Type.Object({ code: Type.String(), message: Type.String() });

export const TrackMatch = Type.Object(
  {
    releaseId: Type.Integer(),
    trackIndex: Type.Integer({ minimum: 0 }),
    position: Type.String(),
    title: Type.String(),
    artists: Type.Array(Type.String()),
    durationSeconds: Nullable(Type.Number()),
    status: TrackStatus,
    source: Nullable(MatchSource),
    match: Nullable(MatchValue),
    chosen: Nullable(CandidateView),
    runnerUp: Nullable(CandidateView),
    candidates: Type.Array(CandidateView, { description: 'Scored candidates, best first (rejected ones left out)' }),
    settledBy: Nullable(
      Type.Union([Type.Literal('release_videos'), Type.Literal('search'), Type.Literal('admin')], {
        description: "release_videos: the release's own curated videos settled it, no search was spent",
      }),
    ),
    error: Nullable(TrackError),
  },
  { title: 'TrackMatch' },
);
export type TrackMatch = Static<typeof TrackMatch>;

export const ReleaseMatches = Type.Object(
  {
    release: Type.Object({
      id: Type.Integer(),
      title: Type.String(),
      artists: Type.Array(Type.String()),
      year: Nullable(Type.Integer()),
      url: Type.String(),
    }),
    tracks: Type.Array(TrackMatch),
    summary: Type.Object({
      approved: Type.Integer(),
      needs_review: Type.Integer(),
      no_match: Type.Integer(),
      deferred: Type.Integer(),
      settledByReleaseVideos: Type.Integer(),
      errors: Type.Integer(),
    }),
  },
  { title: 'ReleaseMatches' },
);
export type ReleaseMatches = Static<typeof ReleaseMatches>;

export const ReviewQueue = Type.Object(
  { items: Type.Array(TrackMatch, { description: 'Tracks needing review, most confident first' }) },
  { title: 'ReviewQueue' },
);
export type ReviewQueue = Static<typeof ReviewQueue>;

export const MatchStats = Type.Object(
  {
    platforms: Type.Array(
      Type.Object({
        platform: Type.String(),
        totalMatches: Type.Integer(),
        avgConfidence: Nullable(Type.Number()),
        approvedCount: Type.Integer(),
      }),
      { description: "Seed 003's statistics query, per platform" },
    ),
    statuses: Type.Record(Type.String(), Type.Integer(), { description: 'Tracks per status' }),
    cache: Type.Object({ totalKeys: Type.Integer(), matchKeys: Type.Integer(), memoryUsage: Nullable(Type.String()) }),
  },
  { title: 'MatchStats' },
);
export type MatchStats = Static<typeof MatchStats>;

/** Pushed over the SSE stream while a release is matched in the background. */
export const MatchProgressEvent = Type.Object(
  {
    releaseId: Type.Integer(),
    trackIndex: Type.Integer(),
    status: TrackStatus,
    done: Type.Integer(),
    total: Type.Integer(),
    error: Type.Optional(
      Type.Object(
        { code: Type.String(), message: Type.String() },
        { description: 'Why the track could not be matched this time (a platform failed); it is deferred' },
      ),
    ),
  },
  { title: 'MatchProgressEvent', description: 'Data of the SSE match_progress event' },
);
export type MatchProgressEvent = Static<typeof MatchProgressEvent>;

/** `POST /api/admin/releases/:releaseId/match`: the release is queued; progress arrives as `match_progress` events. */
export const ReleaseMatchQueued = Type.Object(
  {
    releaseId: Type.Integer(),
    tracks: Type.Integer({ minimum: 0, description: 'Tracks to look up (one match_progress event each)' }),
    statusUrl: Type.String({ description: "Every track's match and status so far" }),
  },
  { title: 'ReleaseMatchQueued' },
);
export type ReleaseMatchQueued = Static<typeof ReleaseMatchQueued>;

/** `POST /api/admin/discogs/connect`: where to send the user to approve the app on Discogs. */
export const DiscogsConnectStarted = Type.Object(
  {
    authorizeUrl: Type.String({
      description:
        "Discogs' authorise page for this request (valid 15 minutes); Discogs then redirects to the callback",
    }),
  },
  { title: 'DiscogsConnectStarted' },
);
export type DiscogsConnectStarted = Static<typeof DiscogsConnectStarted>;

/** A connected Discogs account, without its tokens (they never leave the vault through the API). */
export const DiscogsAccount = Type.Object(
  {
    username: Type.String(),
    tokenType: Nullable(Type.String()),
    createdAt: Nullable(DateTime()),
    updatedAt: Nullable(DateTime()),
    lastUsedAt: Nullable(DateTime({ description: 'When a release lookup last used this account' })),
  },
  { title: 'DiscogsAccount' },
);
export type DiscogsAccount = Static<typeof DiscogsAccount>;

export const DiscogsAccounts = Type.Object(
  {
    items: Type.Array(DiscogsAccount, {
      description: 'By username; release lookups use the most recently connected one',
    }),
  },
  { title: 'DiscogsAccounts' },
);
export type DiscogsAccounts = Static<typeof DiscogsAccounts>;

export const DiscogsAccountRemoved = Type.Object(
  { username: Type.String(), removed: Type.Literal(true) },
  { title: 'DiscogsAccountRemoved' },
);
export type DiscogsAccountRemoved = Static<typeof DiscogsAccountRemoved>;
