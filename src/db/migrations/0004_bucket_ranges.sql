-- Rows an operator set out of range before these checks existed are brought into range first (NaN counts as out).
UPDATE "rate_limit_tokens" SET
  "max_tokens" = LEAST(GREATEST("max_tokens", 0), 100000000),
  "refill_rate" = CASE
    WHEN "refill_rate" = 'NaN'::float8 OR "refill_rate" <= 0 THEN 0
    WHEN "refill_rate" < 0.001 THEN 0.001
    ELSE LEAST("refill_rate", 100000000) END,
  "refill_interval" = LEAST(GREATEST("refill_interval", interval '1 second'), interval '366 days'),
  "tokens" = CASE
    WHEN "tokens" = 'NaN'::float8 OR "tokens" <= 0 THEN 0
    ELSE LEAST("tokens", LEAST(GREATEST("max_tokens", 0), 100000000)::float8) END
WHERE NOT ("max_tokens" BETWEEN 0 AND 100000000)
  OR NOT ("refill_rate" = 0 OR ("refill_rate" >= 0.001 AND "refill_rate" <= 100000000))
  OR NOT ("refill_interval" >= interval '1 second' AND "refill_interval" <= interval '366 days')
  OR NOT ("tokens" >= 0 AND "tokens" <= 100000000);--> statement-breakpoint
ALTER TABLE "rate_limit_tokens" ADD CONSTRAINT "rate_limit_tokens_max_tokens_range" CHECK ("rate_limit_tokens"."max_tokens" BETWEEN 0 AND 100000000);--> statement-breakpoint
ALTER TABLE "rate_limit_tokens" ADD CONSTRAINT "rate_limit_tokens_refill_rate_range" CHECK ("rate_limit_tokens"."refill_rate" = 0 OR ("rate_limit_tokens"."refill_rate" >= 0.001 AND "rate_limit_tokens"."refill_rate" <= 100000000));--> statement-breakpoint
ALTER TABLE "rate_limit_tokens" ADD CONSTRAINT "rate_limit_tokens_refill_interval_range" CHECK ("rate_limit_tokens"."refill_interval" >= interval '1 second' AND "rate_limit_tokens"."refill_interval" <= interval '366 days');--> statement-breakpoint
ALTER TABLE "rate_limit_tokens" ADD CONSTRAINT "rate_limit_tokens_tokens_range" CHECK ("rate_limit_tokens"."tokens" >= 0 AND "rate_limit_tokens"."tokens" <= 100000000);