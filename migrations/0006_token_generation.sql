ALTER TABLE "users" ADD COLUMN "token_generation" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- ADMIN_EMAILS is now applied when a token is checked, not stored at registration: only the
-- first user keeps admin as a stored role, so an email taken off the list loses the role.
UPDATE "users" SET "role" = 'user'
WHERE "role" = 'admin'
  AND "id" <> (SELECT "id" FROM "users" ORDER BY "created_at", "id" LIMIT 1);
