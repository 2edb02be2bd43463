import { Type, type Static } from 'typebox';

/** The admin module's public contract: token buckets and client telemetry. */

export const RateLimitBucket = Type.Object(
  {
    service: Type.String(),
    maxTokens: Type.Integer({ minimum: 0 }),
    refillRate: Type.Number({ minimum: 0, description: 'Tokens added per refillIntervalMs' }),
    refillIntervalMs: Type.Integer({ minimum: 1 }),
    tokens: Type.Number({ description: 'Tokens available now (refill applied)' }),
    lastRefill: Type.String({ format: 'date-time' }),
    pausedUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: "Set when an upstream's Retry-After paused the service",
    }),
  },
  { title: 'RateLimitBucket', description: 'One row of rate_limit_tokens' },
);
export type RateLimitBucket = Static<typeof RateLimitBucket>;

export const RateLimitList = Type.Object({ items: Type.Array(RateLimitBucket) }, { title: 'RateLimitList' });
export type RateLimitList = Static<typeof RateLimitList>;

export const RateLimitUpdate = Type.Object(
  {
    maxTokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    refillRate: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000_000 })),
    refillIntervalMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 366 * 86_400_000 })),
  },
  { additionalProperties: false, minProperties: 1, title: 'RateLimitUpdate' },
);
export type RateLimitUpdate = Static<typeof RateLimitUpdate>;

export const TelemetryEvent = Type.Object(
  {
    event: Type.Literal('client_new_release_received'),
    songId: Type.Optional(Type.Integer({ minimum: 1 })),
    eventId: Type.Optional(Type.Integer({ minimum: 0 })),
    latencyMs: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400_000 })),
  },
  { additionalProperties: false, title: 'TelemetryEvent' },
);
export type TelemetryEvent = Static<typeof TelemetryEvent>;

export const TelemetryAccepted = Type.Object({ accepted: Type.Literal(true) }, { title: 'TelemetryAccepted' });
