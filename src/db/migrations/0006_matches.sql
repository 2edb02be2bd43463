CREATE TABLE "discogs_oauth_requests" (
	"request_token" text PRIMARY KEY NOT NULL,
	"request_secret" text NOT NULL,
	"username" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "discogs_releases" (
	"id" bigint PRIMARY KEY NOT NULL,
	"release" jsonb NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "discogs_tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"access_token" text NOT NULL,
	"access_secret" text NOT NULL,
	"refresh_token" text,
	"token_type" text DEFAULT 'oauth',
	"expires_at" timestamp with time zone,
	"scope" text,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	"last_used_at" timestamp with time zone,
	CONSTRAINT "discogs_tokens_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "track_match_details" (
	"release_id" bigint NOT NULL,
	"track_index" integer NOT NULL,
	"status" text NOT NULL,
	"breakdown" jsonb,
	"runner_up" jsonb,
	"candidates" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"settled_by" text,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "track_match_details_release_id_track_index_pk" PRIMARY KEY("release_id","track_index"),
	CONSTRAINT "track_match_details_status" CHECK ("track_match_details"."status" IN ('approved', 'needs_review', 'no_match', 'deferred'))
);
--> statement-breakpoint
CREATE TABLE "track_match_rejections" (
	"release_id" bigint NOT NULL,
	"track_index" integer NOT NULL,
	"match_url" text NOT NULL,
	"platform" text NOT NULL,
	"rejected_by" text,
	"rejected_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "track_match_rejections_release_id_track_index_match_url_pk" PRIMARY KEY("release_id","track_index","match_url")
);
--> statement-breakpoint
CREATE TABLE "track_matches" (
	"id" serial PRIMARY KEY NOT NULL,
	"release_id" bigint NOT NULL,
	"track_index" integer NOT NULL,
	"platform" text NOT NULL,
	"match_url" text NOT NULL,
	"confidence" real NOT NULL,
	"approved" boolean DEFAULT false NOT NULL,
	"verified_by" text,
	"verified_at" timestamp with time zone DEFAULT now(),
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "track_matches_release_id_track_index_key" UNIQUE("release_id","track_index")
);
--> statement-breakpoint
CREATE INDEX "track_match_details_status_idx" ON "track_match_details" USING btree ("status","updated_at");