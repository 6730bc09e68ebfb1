ALTER TABLE "deliveries" ADD COLUMN "claim_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "cancel_requested_at" timestamp with time zone;