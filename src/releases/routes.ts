import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { languageName } from '../domain/music.ts';
import { AppError, notFound } from '../errors.ts';
import { SafeText, errorResponses } from '../http/contract.ts';
import type { ModuleContext } from '../http/module.ts';
import { parseLastEventId, sseQueryErrorFormatter } from '../http/sse.ts';
import {
  AlbumReleases,
  FetchAccepted,
  FetchFinished,
  LikeResult,
  ReleaseList,
  RunList,
  RunSummary,
  SongDetail,
} from './contract.ts';
import type { ReleaseFetcher } from './fetcher.ts';
import { publicRunSummary, type ReleasesService } from './service.ts';
import type { ReleaseStream } from './stream.ts';

const SongId = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'song id' }) });
const RunId = Type.Object({
  id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'run id' }),
});
/** The longest album name a route parameter takes (the router's own cap is raised to match, see `app.ts`). */
export const MAX_ALBUM_NAME = 300;

/** Likes and unlikes one client (address) may send: enough for a person, not for a script inflating counts. */
export const LIKE_RATE_LIMIT = { max: 60, timeWindow: 60_000 } as const;

const tags = ['releases'];
const admin = { tags, security: [{ adminToken: [] }] };

export interface ReleasesRouteDeps {
  service: ReleasesService;
  fetcher: ReleaseFetcher;
  stream: ReleaseStream;
}

/** The HTTP API of the releases job (see spec/releases.md). Routes validate and delegate to the service. */
export function releasesRoutes(deps: ReleasesRouteDeps): FastifyPluginAsync<ModuleContext> {
  const { service, fetcher, stream } = deps;
  return async (fastify, { requireAdmin, guestAuth }) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/api/new-releases',
      {
        schema: {
          tags,
          summary: 'Featured releases of the recent window, newest first, one per album',
          querystring: Type.Object(
            {
              language: Type.Optional(
                SafeText({ minLength: 2, maxLength: 20, description: 'A language name or code: malayalam, ml' }),
              ),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 24 })),
              cursor: Type.Optional(
                Type.String({
                  minLength: 1,
                  maxLength: 200,
                  pattern: '^[A-Za-z0-9_-]+$',
                  description: 'nextCursor of a page',
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: ReleaseList, ...errorResponses(400) },
        },
      },
      async (request, reply) => {
        const { language: rawLanguage, limit = 24, cursor } = request.query;
        let language: string | undefined;
        if (rawLanguage !== undefined) {
          language = languageName(rawLanguage);
          if (!language) {
            throw new AppError(
              'BACKBEAT_ERR_VALIDATION',
              `querystring/language "${rawLanguage}" is not a known language`,
            );
          }
        }
        const userId = await guestAuth.optionalUser(request);
        const json = await service.listJson({
          limit,
          ...(language ? { language } : {}),
          ...(cursor ? { cursor } : {}),
          ...(userId ? { userId } : {}),
        });
        // Already serialized (and cached) by the service: Fastify sends a string with a content type as it is, so
        // the response schema documents this answer without serializing it twice.
        return reply.type('application/json; charset=utf-8').send(json as unknown as ReleaseList);
      },
    );

    app.get(
      '/api/new-releases/songs/:id',
      {
        schema: {
          tags,
          summary: 'One song with its upstream metadata and fingerprint',
          params: SongId,
          response: { 200: SongDetail, ...errorResponses(400, 404) },
        },
      },
      async (request) => {
        const userId = await guestAuth.optionalUser(request);
        return service.song(Number(request.params.id), userId);
      },
    );

    app.get(
      '/api/new-releases/albums/:name',
      {
        schema: {
          tags,
          summary: "Every stored song of an album, by the album's name",
          params: Type.Object({ name: SafeText({ minLength: 1, maxLength: MAX_ALBUM_NAME }) }),
          response: { 200: AlbumReleases, ...errorResponses(400, 404) },
        },
      },
      async (request) => service.album(request.params.name.trim()),
    );

    app.post(
      '/api/new-releases/fetch',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: 'Start a fetch run now (or join the one in flight)',
          description: 'Answers 202 with the run id at once, or with `?wait=true` 200 and the summary when it ends.',
          querystring: Type.Object({ wait: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          response: { 200: FetchFinished, 202: FetchAccepted, ...errorResponses(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const { run, started, done } = await fetcher.trigger('manual');
        if (request.query.wait) {
          const summary = publicRunSummary(await done);
          return reply.status(200).send({ ...summary, joined: !started });
        }
        // The run goes on after this answer; its failure is recorded on the run, not thrown here.
        done.catch(() => undefined);
        const statusUrl = `/api/new-releases/runs/${run.runId}`;
        return reply
          .status(202)
          .header('location', statusUrl)
          .send({ runId: run.runId, status: run.status, started, statusUrl });
      },
    );

    app.get(
      '/api/new-releases/runs',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: 'The most recent fetch runs, newest first',
          querystring: Type.Object(
            { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) },
            { additionalProperties: false },
          ),
          response: { 200: RunList, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => ({ items: (await fetcher.recent(request.query.limit ?? 20)).map(publicRunSummary) }),
    );

    app.get(
      '/api/new-releases/runs/:id',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: 'One fetch run',
          params: RunId,
          response: { 200: RunSummary, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const run = await fetcher.get(request.params.id);
        if (!run) throw notFound(`No fetch run with id ${request.params.id}`);
        return publicRunSummary(run);
      },
    );

    app.get(
      '/api/new-releases/events',
      {
        schema: {
          tags,
          summary: 'Server-sent events: new_release, release_updated, reset',
          description:
            'text/event-stream. Each event has `id:` (the database event id), `event:` and one JSON `data:` line ' +
            '(a ReleaseEvent; `reset` carries a ResetEvent). Reconnect with `Last-Event-ID` (or `?lastEventId=`) ' +
            'to get every missed event replayed.',
          querystring: Type.Object(
            { lastEventId: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) },
            { additionalProperties: false },
          ),
          response: {
            200: {
              description: 'An event stream',
              content: { 'text/event-stream': { schema: Type.String() } },
            },
            // 429: this client holds SSE_MAX_PER_IP streams; 503: the process holds SSE_MAX_CONNECTIONS.
            ...errorResponses(400, 429, 503),
          },
        },
        schemaErrorFormatter: sseQueryErrorFormatter,
      },
      async (request, reply) => {
        const lastEventId = parseLastEventId(request);
        await stream.connect(stream.hub.open(request, reply), lastEventId);
      },
    );

    // One route for both methods, so likes and unlikes share one count per client (address) whatever guest tokens
    // it holds: minting more tokens buys no more likes per minute.
    app.route({
      method: ['POST', 'DELETE'],
      url: '/api/new-releases/songs/:id/like',
      config: { rateLimit: LIKE_RATE_LIMIT },
      schema: {
        tags,
        summary: `Like a song (POST) or take a like back (DELETE); ${LIKE_RATE_LIMIT.max} a minute per client`,
        security: [{ guestToken: [] }],
        params: SongId,
        response: { 200: LikeResult, ...errorResponses(400, 401, 404, 429) },
      },
      handler: async (request) => {
        const userId = await guestAuth.requireUser(request);
        return service.like(Number(request.params.id), userId, request.method === 'POST');
      },
    });
  };
}
