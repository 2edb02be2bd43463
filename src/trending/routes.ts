import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../http/contract.ts';
import type { ModuleContext } from '../http/module.ts';
import {
  AppearanceHistory,
  CollectionAdded,
  CollectionList,
  CollectionRemoved,
  EnrichmentProgress,
  ForcedSyncResult,
  SpotifyRawPage,
  SyncResult,
  TrendingDocument,
  TrendingStats,
} from './contract.ts';
import type { TrendingService } from './service.ts';

/** A Spotify album id: base 62, 22 characters (a little slack either way for other sources' ids). */
const AlbumId = Type.String({ pattern: '^[A-Za-z0-9]{10,40}$', description: 'Spotify album id' });

const tags = ['trending'];
const admin = { tags, security: [{ adminToken: [] }] };
const guest = { tags, security: [{ guestToken: [] }] };

export interface TrendingRouteDeps {
  service: TrendingService;
  /** `GET /api/spotify/trending` requests per client per minute. */
  rawPerMinute: number;
}

/** The HTTP API of the Trending job (spec/trending.md). Routes validate and delegate to the service. */
export function trendingRoutes(deps: TrendingRouteDeps): FastifyPluginAsync<ModuleContext> {
  const { service } = deps;
  return async (fastify, { requireAdmin, guestAuth }) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/api/cache/trending',
      {
        schema: {
          tags,
          summary: 'The cached trending document, from the database at once; a stale read starts a background refresh',
          response: { 200: TrendingDocument, ...errorResponses() },
        },
      },
      async (_request, reply) => {
        // Serialized by the service: the stored part once per change, the time-dependent fields per request.
        // Serialized bytes with a JSON content type are sent as they are (Fastify serializes only objects).
        reply.type('application/json; charset=utf-8');
        return reply.send((await service.readBody()) as unknown as TrendingDocument);
      },
    );

    app.get(
      '/api/spotify/sync',
      {
        schema: {
          tags,
          summary: 'The cache when fresh, else a refresh from Spotify (joined when one is running) and its data',
          response: { 200: SyncResult, ...errorResponses() },
        },
      },
      async () => service.sync(),
    );

    app.get(
      '/api/spotify/trending',
      {
        config: { rateLimit: { max: deps.rawPerMinute, timeWindow: 60_000 } },
        schema: {
          tags,
          summary: `One page of Spotify's new releases, straight from Spotify (${deps.rawPerMinute} a minute per client)`,
          querystring: Type.Object(
            {
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
              offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 0 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: SpotifyRawPage, ...errorResponses(400, 429, 502, 503) },
        },
      },
      async (request) => service.raw({ limit: request.query.limit ?? 20, offset: request.query.offset ?? 0 }),
    );

    app.get(
      '/api/albums/appearances/:id',
      {
        schema: {
          tags,
          summary: 'Chart history of one album: every appearance, first and last seen, peak position, count',
          params: Type.Object({ id: AlbumId }),
          response: { 200: AppearanceHistory, ...errorResponses(400, 404) },
        },
      },
      async (request) => service.history(request.params.id),
    );

    app.get(
      '/api/stats/trending',
      {
        schema: {
          tags,
          summary: 'Trending analytics over a window: persistence, new entries, climbers, fallers, per-source counts',
          querystring: Type.Object(
            {
              days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 7 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: TrendingStats, ...errorResponses(400) },
        },
      },
      async (request) => service.stats(request.query.days ?? 7, request.query.limit ?? 10),
    );

    app.post(
      '/api/albums/add-from-trending',
      {
        schema: {
          ...guest,
          summary: "Add a trending album to the caller's collection (idempotent: 201 added, 200 already there)",
          body: Type.Object({ albumId: AlbumId }, { additionalProperties: false }),
          response: { 200: CollectionAdded, 201: CollectionAdded, ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const userId = await guestAuth.requireUser(request);
        const result = await service.addToCollection(userId, request.body.albumId);
        return reply.code(result.added ? 201 : 200).send(result);
      },
    );

    app.get(
      '/api/collection',
      {
        schema: {
          ...guest,
          summary: "The caller's collection, most recently added first",
          response: { 200: CollectionList, ...errorResponses(401) },
        },
      },
      async (request) => service.collection(await guestAuth.requireUser(request)),
    );

    app.delete(
      '/api/collection/:albumId',
      {
        schema: {
          ...guest,
          summary: "Remove an album from the caller's collection (idempotent: removed false when it was not there)",
          params: Type.Object({ albumId: AlbumId }),
          response: { 200: CollectionRemoved, ...errorResponses(400, 401) },
        },
      },
      async (request) => service.removeFromCollection(await guestAuth.requireUser(request), request.params.albumId),
    );

    app.post(
      '/api/admin/trending/sync',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: 'Refresh the trending document from Spotify now, whatever its age',
          response: { 200: ForcedSyncResult, ...errorResponses(401, 403, 503) },
        },
      },
      async () => service.forceSync(),
    );

    app.get(
      '/api/admin/trending/enrichment',
      {
        preHandler: requireAdmin,
        schema: {
          ...admin,
          summary: 'MusicBrainz enrichment progress: outcomes, queue, current request rate, recent decisions',
          response: { 200: EnrichmentProgress, ...errorResponses(401, 403) },
        },
      },
      async () => service.enrichmentProgress(),
    );
  };
}
