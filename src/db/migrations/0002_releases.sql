CREATE TABLE "fetch_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"trigger" text NOT NULL,
	"owner" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"fetched" integer DEFAULT 0 NOT NULL,
	"new_songs" integer DEFAULT 0 NOT NULL,
	"new_albums" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"rate_limited" boolean DEFAULT false NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "new_release_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"song_id" bigint NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"run_id" text,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"notified" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "song_likes" (
	"song_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "song_likes_song_id_user_id_pk" PRIMARY KEY("song_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "songs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"title" text NOT NULL,
	"artists" text NOT NULL,
	"artist_names" jsonb NOT NULL,
	"album" text NOT NULL,
	"album_key" text NOT NULL,
	"album_external_id" text,
	"language" text NOT NULL,
	"release_date" date,
	"image_url" text,
	"url" text,
	"duration_seconds" integer,
	"kind" text DEFAULT 'song' NOT NULL,
	"metadata" jsonb NOT NULL,
	"fingerprint" text NOT NULL,
	"featured" boolean DEFAULT false NOT NULL,
	"likes" integer DEFAULT 0 NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "source_state" (
	"name" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"last_success_at" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "new_release_events" ADD CONSTRAINT "new_release_events_song_id_songs_id_fk" FOREIGN KEY ("song_id") REFERENCES "public"."songs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "song_likes" ADD CONSTRAINT "song_likes_song_id_songs_id_fk" FOREIGN KEY ("song_id") REFERENCES "public"."songs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "fetch_runs_one_running" ON "fetch_runs" USING btree ((true)) WHERE "fetch_runs"."status" = 'running';--> statement-breakpoint
CREATE INDEX "fetch_runs_started_idx" ON "fetch_runs" USING btree ("started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "new_release_events_unnotified_idx" ON "new_release_events" USING btree ("id") WHERE NOT "new_release_events"."notified";--> statement-breakpoint
CREATE UNIQUE INDEX "songs_source_external_id_key" ON "songs" USING btree ("source","external_id");--> statement-breakpoint
CREATE UNIQUE INDEX "songs_one_featured_per_album" ON "songs" USING btree ("album_key") WHERE "songs"."featured";--> statement-breakpoint
CREATE INDEX "songs_featured_recent_idx" ON "songs" USING btree ("release_date" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "songs"."featured";--> statement-breakpoint
CREATE INDEX "songs_album_lower_idx" ON "songs" USING btree (lower("album"));