ALTER TABLE "media" ADD COLUMN "alt_text" text;--> statement-breakpoint
ALTER TABLE "media" ADD COLUMN "jpeg_rendition" jsonb;--> statement-breakpoint
ALTER TABLE "media" ADD CONSTRAINT "media_alt_text_length" CHECK (char_length("media"."alt_text") <= 1000);