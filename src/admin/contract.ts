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

/**
 * The ranges a bucket's settings may take, here and in the table's CHECK constraints (migration 0004): a refill rate
 * is 0 (never refills) or between 0.001 and 1e8 tokens per interval, so the refill arithmetic stays finite.
 */
export const BUCKET_LIMITS = {
  maxTokens: { min: 0, max: 100_000_000 },
  refillRate: { minPositive: 0.001, max: 100_000_000 },
  refillIntervalMs: { min: 1000, max: 366 * 86_400_000 },
} as const;

export const RateLimitUpdate = Type.Object(
  {
    maxTokens: Type.Optional(
      Type.Integer({ minimum: BUCKET_LIMITS.maxTokens.min, maximum: BUCKET_LIMITS.maxTokens.max }),
    ),
    refillRate: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: BUCKET_LIMITS.refillRate.max,
        description: 'Tokens added per refillIntervalMs: 0 (no refill) or 0.001 to 1e8',
      }),
    ),
    refillIntervalMs: Type.Optional(
      Type.Integer({ minimum: BUCKET_LIMITS.refillIntervalMs.min, maximum: BUCKET_LIMITS.refillIntervalMs.max }),
    ),
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
