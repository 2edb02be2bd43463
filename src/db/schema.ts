import { sql } from 'drizzle-orm';
import { doublePrecision, integer, interval, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Seed 001's token bucket, one row per upstream service. Operators tune it with SQL, e.g.
 * `UPDATE rate_limit_tokens SET max_tokens = 2000, refill_rate = 2000 WHERE service_name = 'jiosaavn'`.
 * `tokens` is fractional because refill is continuous. `paused_until` holds an upstream's Retry-After.
 */
export const rateLimitTokens = pgTable('rate_limit_tokens', {
  serviceName: text('service_name').primaryKey(),
  maxTokens: integer('max_tokens').notNull().default(1000),
  refillRate: doublePrecision('refill_rate').notNull().default(1000),
  refillInterval: interval('refill_interval').notNull().default('1 day'),
  tokens: doublePrecision('tokens').notNull().default(1000),
  lastRefill: timestamp('last_refill', { withTimezone: true }).notNull().default(sql`now()`),
  pausedUntil: timestamp('paused_until', { withTimezone: true }),
});
