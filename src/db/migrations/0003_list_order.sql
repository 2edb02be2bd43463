DROP INDEX "songs_featured_recent_idx";--> statement-breakpoint
ALTER TABLE "songs" ADD COLUMN "sort_date" date;--> statement-breakpoint
UPDATE "songs" SET "sort_date" = COALESCE("release_date", ("added_at" AT TIME ZONE 'UTC')::date);--> statement-breakpoint
ALTER TABLE "songs" ALTER COLUMN "sort_date" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "songs_featured_list_idx" ON "songs" USING btree ("sort_date","id") WHERE "songs"."featured";--> statement-breakpoint
CREATE INDEX "songs_featured_language_list_idx" ON "songs" USING btree ("language","sort_date","id") WHERE "songs"."featured";--> statement-breakpoint
CREATE INDEX "songs_album_key_idx" ON "songs" USING btree ("album_key");