ALTER TABLE "deliveries" ADD COLUMN "attempts_before_run" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "delivery_attempts" ADD COLUMN "outcome_unknown" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "posting_job_posts" ADD COLUMN "canceled_deliveries" integer DEFAULT 0 NOT NULL;