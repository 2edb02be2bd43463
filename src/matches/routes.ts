import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { AppError, notFound } from '../errors.ts';
import { errorResponses } from '../http/contract.ts';
import type { ModuleContext } from '../http/module.ts';
import { ConnectError, type ConnectFailure, type DiscogsConnect } from './connect.ts';
import {
  DiscogsAccountRemoved,
  DiscogsAccounts,
  DiscogsConnectStarted,
  MatchStats,
  Platform,
  ReleaseMatches,
  ReleaseMatchQueued,
  ReviewQueue,
  TrackMatch,
} from './contract.ts';
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

/** A Discogs username as Discogs allows them (letters, digits, dots, dashes and underscores). */
const DiscogsUsername = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'A Discogs username' });
/** OAuth tokens and verifiers are short printable strings; anything longer or odd is not one. */
const OAuthValue = Type.String({ pattern: '^[\\x21-\\x7E]{1,256}$' });

const tags = ['matches'];
const admin = { tags, security: [{ adminToken: [] }] };

/** Where the callback sends the browser: the admin page, which shows the outcome. */
const ADMIN_PAGE = '/admin/matches';
const CALLBACK_PATH = '/api/discogs/callback';

/** Who acts, for `verified_by`: the admin token is one identity. */
const ADMIN_USER = 'admin';

export interface MatchesRouteDeps {
  service: MatchService;
  stats: () => Promise<MatchStats>;
  connect: DiscogsConnect;
  queueRelease: (releaseId: number) => Promise<{ releaseId: number; tracks: number }>;
}

/** The callback's answer: back to the admin page with the outcome in the query. */
function adminPage(params: Record<string, string>): string {
  return `${ADMIN_PAGE}?${new URLSearchParams(params).toString()}`;
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
        // Opening a release is not a verification: what it approves on its own is verified by `auto`.
        const { release, tracks } = await service.releaseMatches(Number(request.params.releaseId), null);
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
        const lookup = await service.lookup(release, track, null);
        const details = lookup.details ?? (await service.trackDetails(releaseId, trackIndex));
        return service.present(release, track, { ...lookup, details });
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

    app.post(
      '/api/admin/releases/:releaseId/match',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: 'Match every track of a release in the background, progress pushed as match_progress events',
          description:
            'Answers 202 once the release is known and its job queued (asking again while it is queued or running ' +
            'joins the same job). Each track then sends one `match_progress` event on `/api/new-releases/events`; ' +
            '`statusUrl` shows every track so far.',
          params: ReleaseParams,
          response: { 202: ReleaseMatchQueued, ...errorResponses(400, 401, 403, 404, 429, 502) },
        },
      },
      async (request, reply) => {
        const { releaseId, tracks } = await deps.queueRelease(Number(request.params.releaseId));
        const statusUrl = `/api/admin/releases/${releaseId}/audio-match`;
        return reply.status(202).header('location', statusUrl).send({ releaseId, tracks, statusUrl });
      },
    );

    app.post(
      '/api/admin/discogs/connect',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: 'Start connecting a Discogs account (OAuth 1.0a): the URL where the user approves the app',
          description:
            'Send the user to `authorizeUrl`; Discogs brings them back to `/api/discogs/callback`, which stores the ' +
            "account's token encrypted and redirects to the admin page. With `username`, only that account may " +
            'approve. 503 when ENCRYPTION_KEY or the Discogs consumer key and secret are not set.',
          body: Type.Object({ username: Type.Optional(DiscogsUsername) }, { additionalProperties: false }),
          response: { 200: DiscogsConnectStarted, ...errorResponses(400, 401, 403, 429, 502, 503) },
        },
      },
      async (request) => {
        // The callback is on this server, as the browser reaches it: Fastify reads X-Forwarded-Proto/-Host only from
        // the proxies TRUST_PROXY names.
        let callbackUrl: string;
        try {
          callbackUrl = new URL(CALLBACK_PATH, `${request.protocol}://${request.host}`).href;
        } catch {
          throw new AppError('BACKBEAT_ERR_VALIDATION', 'The Host header does not name a reachable host');
        }
        return deps.connect.start(request.body.username, callbackUrl);
      },
    );

    app.get(
      CALLBACK_PATH,
      {
        schema: {
          tags,
          summary: 'Where Discogs sends the browser back after the user approved: stores the account, then redirects',
          description:
            'No admin token: the browser arrives from Discogs. Redirects (302) to ' +
            '`/admin/matches?discogs=connected&user=<username>`, or `/admin/matches?discogs=error&reason=<code>` ' +
            'with reason not_configured, invalid_callback, denied, unknown_request, username_mismatch, ' +
            'discogs_refused, rate_limited, discogs_unavailable or vault_error.',
          querystring: Type.Object({
            oauth_token: Type.Optional(OAuthValue),
            oauth_verifier: Type.Optional(OAuthValue),
            denied: Type.Optional(OAuthValue),
          }),
          response: {
            302: Type.Null({ description: 'To the admin page, with the outcome in its query (Location header)' }),
            ...errorResponses(400),
          },
        },
      },
      async (request, reply) => {
        const { oauth_token: token, oauth_verifier: verifier, denied } = request.query;
        const fail = (reason: ConnectFailure) => reply.redirect(adminPage({ discogs: 'error', reason }), 302);
        if (deps.connect.unavailableReason !== undefined) return fail('not_configured');
        if (denied !== undefined) {
          await deps.connect.deny(denied);
          return fail('denied');
        }
        if (token === undefined || verifier === undefined) return fail('invalid_callback');
        try {
          const { username } = await deps.connect.finish(token, verifier);
          return reply.redirect(adminPage({ discogs: 'connected', user: username }), 302);
        } catch (err) {
          if (err instanceof ConnectError) return fail(err.reason);
          throw err;
        }
      },
    );

    app.get(
      '/api/admin/discogs/accounts',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: 'Connected Discogs accounts, without their tokens',
          response: { 200: DiscogsAccounts, ...errorResponses(401, 403, 503) },
        },
      },
      async () => ({
        items: (await deps.connect.accounts()).map((account) => ({
          username: account.username,
          tokenType: account.tokenType,
          createdAt: account.createdAt?.toISOString() ?? null,
          updatedAt: account.updatedAt?.toISOString() ?? null,
          lastUsedAt: account.lastUsedAt?.toISOString() ?? null,
        })),
      }),
    );

    app.delete(
      '/api/admin/discogs/accounts/:username',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary:
            'Disconnect a Discogs account: its stored tokens are deleted (lookups go back to DISCOGS_USER_TOKEN)',
          params: Type.Object({ username: DiscogsUsername }),
          response: { 200: DiscogsAccountRemoved, ...errorResponses(400, 401, 403, 404, 503) },
        },
      },
      async (request) => {
        await deps.connect.disconnect(request.params.username);
        return { username: request.params.username, removed: true as const };
      },
    );
  };
}
