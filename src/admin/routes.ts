import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../http/contract.ts';
import type { ModuleContext } from '../http/module.ts';
import { RateLimitBucket, RateLimitList, RateLimitUpdate, TelemetryAccepted, TelemetryEvent } from './contract.ts';
import type { AdminService } from './service.ts';

const ServiceName = Type.Object({
  service: Type.String({ pattern: '^[a-z0-9_-]{1,40}$', description: 'Upstream service name, e.g. jiosaavn' }),
});
const adminOnly = { tags: ['admin'], security: [{ adminToken: [] }] };

/**
 * The admin HTTP API: token buckets and client telemetry. Routes validate and delegate to {@link AdminService}.
 * Telemetry is rate limited by the app's limiter (`config.rateLimit`), shared across processes in scaled mode.
 */
export function adminRoutes(service: AdminService): FastifyPluginAsync<ModuleContext> {
  return async (fastify, { requireAdmin }) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/api/admin/rate-limits',
      {
        preHandler: requireAdmin,
        schema: {
          ...adminOnly,
          summary: 'Every token bucket',
          response: { 200: RateLimitList, ...errorResponses(401, 403) },
        },
      },
      async () => ({ items: await service.buckets() }),
    );

    app.get(
      '/api/admin/rate-limits/:service',
      {
        preHandler: requireAdmin,
        schema: {
          ...adminOnly,
          summary: 'One token bucket',
          params: ServiceName,
          response: { 200: RateLimitBucket, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => service.bucket(request.params.service),
    );

    app.put(
      '/api/admin/rate-limits/:service',
      {
        preHandler: requireAdmin,
        schema: {
          ...adminOnly,
          summary: 'Change a token bucket (applies to the next take in every process)',
          params: ServiceName,
          body: RateLimitUpdate,
          response: { 200: RateLimitBucket, ...errorResponses(400, 401, 403, 415) },
        },
      },
      async (request) => service.updateBucket(request.params.service, request.body),
    );

    app.post(
      '/api/telemetry',
      {
        config: { rateLimit: { max: 120, timeWindow: 60_000 } },
        schema: {
          tags: ['admin'],
          summary: 'Report a client event (rate limited: 120 a minute per client)',
          body: TelemetryEvent,
          response: { 202: TelemetryAccepted, ...errorResponses(400, 415, 429) },
        },
      },
      async (request, reply) => {
        service.recordTelemetry(request.body, request.ip);
        return reply.status(202).send({ accepted: true });
      },
    );
  };
}
