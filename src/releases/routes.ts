import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import type { FeatureContext } from '../app.ts';
import { languageName } from '../domain/music.ts';
import { AppError, notFound } from '../errors.ts';
import type { Logger } from '../infra/logger.ts';
import type { RateLimiter } from '../ports/rate-limiter.ts';
import type { ReleaseFetcher } from './fetcher.ts';
import type { ReleasesService } from './service.ts';
import type { ReleaseStream } from './stream.ts';

const SongId = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'song id' }) });
const RunId = Type.Object({
  id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'run id' }),
});

export interface ReleasesRouteDeps {
  service: ReleasesService;
  fetcher: ReleaseFetcher;
  stream: ReleaseStream;
  rateLimiter: RateLimiter;
  logger: Logger;
}

/** The HTTP API of the releases job (see spec/releases.md). Routes validate and delegate to the service. */
export function releasesRoutes(deps: ReleasesRouteDeps): FastifyPluginAsync<FeatureContext> {
  const { service, fetcher, stream } = deps;
  return async (fastify, { requireAdmin, guestAuth }) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    await app.register(rateLimit, { global: false });

    app.get(
      '/api/new-releases',
      {
        schema: {
          querystring: Type.Object(
            {
              language: Type.Optional(Type.String({ minLength: 2, maxLength: 20 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 24 })),
              cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const { language: rawLanguage, limit = 24, cursor } = request.query;
        let language: string | undefined;
        if (rawLanguage !== undefined) {
          language = languageName(rawLanguage);
          if (!language)
            throw new AppError(
              'BACKBEAT_ERR_VALIDATION',
              `querystring/language "${rawLanguage}" is not a known language`,
            );
        }
        const userId = await guestAuth.optionalUser(request);
        const json = await service.listJson({
          limit,
          ...(language ? { language } : {}),
          ...(cursor ? { cursor } : {}),
          ...(userId ? { userId } : {}),
        });
        return reply.type('application/json; charset=utf-8').send(json);
      },
    );

    app.get('/api/new-releases/songs/:id', { schema: { params: SongId } }, async (request) => {
      const userId = await guestAuth.optionalUser(request);
      return service.song(Number(request.params.id), userId);
    });

    app.get(
      '/api/new-releases/albums/:name',
      { schema: { params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 300 }) }) } },
      async (request) => service.album(request.params.name.trim()),
    );

    app.post(
      '/api/new-releases/fetch',
      {
        preHandler: requireAdmin,
        schema: {
          querystring: Type.Object({ wait: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        },
      },
      async (request, reply) => {
        const { run, started, done } = await fetcher.trigger('manual');
        if (request.query.wait) {
          const summary = await done;
          return reply.status(200).send({ ...summary, joined: !started });
        }
        // The run goes on after this answer; its failure is recorded on the run, not thrown here.
        done.catch(() => undefined);
        return reply
          .status(202)
          .header('location', `/api/new-releases/runs/${run.runId}`)
          .send({ runId: run.runId, status: run.status, started, statusUrl: `/api/new-releases/runs/${run.runId}` });
      },
    );

    app.get('/api/new-releases/runs/:id', { preHandler: requireAdmin, schema: { params: RunId } }, async (request) => {
      const run = await fetcher.get(request.params.id);
      if (!run) throw notFound(`No fetch run with id ${request.params.id}`);
      return run;
    });

    app.get('/api/new-releases/events', async (request, reply) => {
      await stream.connect(request, reply);
    });

    for (const method of ['POST', 'DELETE'] as const) {
      app.route({
        method,
        url: '/api/new-releases/songs/:id/like',
        schema: { params: SongId },
        handler: async (request) => {
          const userId = await guestAuth.requireUser(request);
          return service.like(Number(request.params.id), userId, method === 'POST');
        },
      });
    }

    app.post(
      '/api/telemetry',
      {
        config: { rateLimit: { max: 120, timeWindow: 60_000 } },
        schema: {
          body: Type.Object(
            {
              event: Type.Literal('client_new_release_received'),
              songId: Type.Optional(Type.Integer({ minimum: 1 })),
              eventId: Type.Optional(Type.Integer({ minimum: 0 })),
              latencyMs: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400_000 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const { event, songId, eventId, latencyMs } = request.body;
        deps.logger.info({ event, songId, eventId, latencyMs, ip: request.ip });
        return reply.status(202).send({ accepted: true });
      },
    );

    const Service = Type.Object({ service: Type.String({ pattern: '^[a-z0-9_-]{1,40}$' }) });
    const present = (s: Awaited<ReturnType<RateLimiter['get']>>) => ({
      service: s.service,
      maxTokens: s.maxTokens,
      refillRate: s.refillRate,
      refillIntervalMs: s.refillIntervalMs,
      tokens: Math.round(s.tokens * 1000) / 1000,
      lastRefill: s.lastRefill.toISOString(),
      pausedUntil: s.pausedUntil ? s.pausedUntil.toISOString() : null,
    });
    app.get(
      '/api/admin/rate-limits/:service',
      { preHandler: requireAdmin, schema: { params: Service } },
      async (request) => present(await deps.rateLimiter.get(request.params.service)),
    );
    app.put(
      '/api/admin/rate-limits/:service',
      {
        preHandler: requireAdmin,
        schema: {
          params: Service,
          body: Type.Object(
            {
              maxTokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
              refillRate: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000_000 })),
              refillIntervalMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 366 * 86_400_000 })),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
        },
      },
      async (request) => present(await deps.rateLimiter.update(request.params.service, request.body)),
    );
  };
}
