CREATE TABLE "rate_limit_tokens" (
	"service_name" text PRIMARY KEY NOT NULL,
	"max_tokens" integer DEFAULT 1000 NOT NULL,
	"refill_rate" double precision DEFAULT 1000 NOT NULL,
	"refill_interval" interval DEFAULT '1 day' NOT NULL,
	"tokens" double precision DEFAULT 1000 NOT NULL,
	"last_refill" timestamp with time zone DEFAULT now() NOT NULL,
	"paused_until" timestamp with time zone
);
