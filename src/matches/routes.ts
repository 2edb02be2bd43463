import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { AppError, notFound } from '../errors.ts';
import { errorResponses } from '../http/contract.ts';
import type { ModuleContext } from '../http/module.ts';
import { MatchStats, ReleaseMatches, ReviewQueue, TrackMatch, Platform } from './contract.ts';
import type { MatchService } from './service.ts';

const ReleaseParams = Type.Object({
  releaseId: Type.String({ pattern: '^[1-9][0-9]{0,11}$', description: 'Discogs release id' }),
});
const TrackParams = Type.Object({
  releaseId: Type.String({ pattern: '^[1-9][0-9]{0,11}$', description: 'Discogs release id' }),
  trackId: Type.String({
    pattern: '^(0|[1-9][0-9]{0,3})$',
    description: "The track's 0-based index in the release's tracklist, headings excluded",
  }),
});
const MatchUrl = Type.String({ pattern: '^https?://[^\\s]{1,2000}$', maxLength: 2048 });

const MatchAction = Type.Object(
  {
    action: Type.Union([Type.Literal('approve'), Type.Literal('reject'), Type.Literal('clear')]),
    platform: Type.Optional(Platform),
    matchUrl: Type.Optional(MatchUrl),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);

const tags = ['matches'];
const admin = { tags, security: [{ adminToken: [] }] };

/** Who acts, for `verified_by`: the admin token is one identity. */
const ADMIN_USER = 'admin';

export interface MatchesRouteDeps {
  service: MatchService;
  stats: () => Promise<MatchStats>;
}

/** The HTTP API of the Matches job (spec/matches.md), admin token required. Routes validate and delegate. */
export function matchesRoutes(deps: MatchesRouteDeps): FastifyPluginAsync<ModuleContext> {
  const { service } = deps;
  return async (fastify, { requireAdmin }) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/api/admin/releases/:releaseId/audio-match',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: 'Every track of a Discogs release with its match, the tier that answered and its status',
          params: ReleaseParams,
          response: { 200: ReleaseMatches, ...errorResponses(400, 401, 403, 404, 429, 502, 503) },
        },
      },
      async (request) => {
        const { release, tracks } = await service.releaseMatches(Number(request.params.releaseId), ADMIN_USER);
        const count = (status: string) => tracks.filter((t) => t.error === null && t.status === status).length;
        return {
          release: {
            id: release.id,
            title: release.title,
            artists: [...release.artists],
            year: release.year,
            url: release.url,
          },
          tracks,
          summary: {
            approved: count('approved'),
            needs_review: count('needs_review'),
            no_match: count('no_match'),
            deferred: count('deferred'),
            settledByReleaseVideos: tracks.filter((t) => t.settledBy === 'release_videos').length,
            errors: tracks.filter((t) => t.error !== null).length,
          },
        };
      },
    );

    app.post(
      '/api/admin/releases/:releaseId/tracks/:trackId/match',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: "Approve, reject (optionally with a better URL) or clear a track's match",
          params: TrackParams,
          body: MatchAction,
          response: { 200: TrackMatch, ...errorResponses(400, 401, 403, 404, 502, 503) },
        },
      },
      async (request) => {
        const releaseId = Number(request.params.releaseId);
        const trackIndex = Number(request.params.trackId);
        const { action, platform, matchUrl, confidence } = request.body;
        if (action === 'approve' && (!platform || !matchUrl)) {
          throw new AppError('BACKBEAT_ERR_VALIDATION', 'body/platform and body/matchUrl are required to approve');
        }
        if (action === 'reject' && (platform === undefined) !== (matchUrl === undefined)) {
          throw new AppError('BACKBEAT_ERR_VALIDATION', 'body/platform and body/matchUrl go together');
        }
        // Only a release already opened (GET …/audio-match) can be acted on: no Discogs lookup from here.
        const release = await service.knownRelease(releaseId);
        if (!release) throw notFound(`Release ${releaseId} has not been opened yet: GET its audio-match first`);
        const track = release.tracks[trackIndex];
        if (!track) throw notFound(`Release ${releaseId} has no track ${trackIndex} (it has ${release.tracks.length})`);
        if (action === 'approve' && platform && matchUrl) {
          await service.approveMatch(releaseId, trackIndex, platform, matchUrl, confidence ?? 1, ADMIN_USER);
        } else if (action === 'reject') {
          const better = platform && matchUrl ? { platform, matchUrl, confidence: confidence ?? 1 } : undefined;
          await service.rejectMatch(releaseId, trackIndex, ADMIN_USER, better);
        } else {
          await service.clearMatch(releaseId, trackIndex);
        }
        return service.present(release, track, await service.lookup(release, track, ADMIN_USER));
      },
    );

    app.get(
      '/api/admin/matches/review',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: 'The review queue: tracks whose match needs an admin, most confident first',
          querystring: Type.Object(
            { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) },
            { additionalProperties: false },
          ),
          response: { 200: ReviewQueue, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => ({ items: await service.reviewQueue(request.query.limit ?? 50) }),
    );

    app.get(
      '/api/admin/matches/stats',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: 'Per platform: total matches, average confidence, approved count; tracks per status; cache keys',
          response: { 200: MatchStats, ...errorResponses(401, 403) },
        },
      },
      async () => deps.stats(),
    );
  };
}
