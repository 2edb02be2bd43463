CREATE TABLE "album_appearances" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"album_id" text NOT NULL,
	"source" text NOT NULL,
	"position" integer,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cache_data" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"key" text NOT NULL,
	"data" jsonb NOT NULL,
	"expires" timestamp with time zone NOT NULL,
	"metadata" jsonb,
	CONSTRAINT "cache_data_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "cache_refreshes" (
	"key" text PRIMARY KEY NOT NULL,
	"owner" text,
	"lease_until" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"refreshes" integer DEFAULT 0 NOT NULL,
	"retry_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "collection_items" (
	"user_id" text NOT NULL,
	"album_id" text NOT NULL,
	"source" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "collection_items_user_id_album_id_pk" PRIMARY KEY("user_id","album_id")
);
--> statement-breakpoint
CREATE TABLE "musicbrainz_matches" (
	"album_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"release_group_id" text,
	"release_id" text,
	"confidence" double precision,
	"mb_score" integer,
	"reason" text,
	"last_error" text,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	CONSTRAINT "musicbrainz_matches_status" CHECK ("musicbrainz_matches"."status" IN ('queued', 'matched', 'no_match', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "musicbrainz_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"album_id" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	"status" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trending_albums" (
	"id" text PRIMARY KEY NOT NULL,
	"album" jsonb NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "collection_items" ADD CONSTRAINT "collection_items_album_id_trending_albums_id_fk" FOREIGN KEY ("album_id") REFERENCES "public"."trending_albums"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "musicbrainz_matches" ADD CONSTRAINT "musicbrainz_matches_album_id_trending_albums_id_fk" FOREIGN KEY ("album_id") REFERENCES "public"."trending_albums"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "album_appearances_once_per_refresh" ON "album_appearances" USING btree ("album_id","source","seen_at");--> statement-breakpoint
CREATE INDEX "album_appearances_seen_idx" ON "album_appearances" USING btree ("seen_at");--> statement-breakpoint
CREATE INDEX "cache_data_key_expires_idx" ON "cache_data" USING btree ("key","expires");--> statement-breakpoint
CREATE INDEX "collection_items_user_idx" ON "collection_items" USING btree ("user_id","added_at");--> statement-breakpoint
CREATE INDEX "musicbrainz_matches_decided_idx" ON "musicbrainz_matches" USING btree ("decided_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "musicbrainz_requests_sent_idx" ON "musicbrainz_requests" USING btree ("sent_at");--> statement-breakpoint
CREATE INDEX "trending_albums_first_seen_idx" ON "trending_albums" USING btree ("first_seen_at" DESC NULLS LAST,"id");