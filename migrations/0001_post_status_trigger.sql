-- A post's status is derived from its deliveries. Keeping it in a column (for filtered,
-- paginated listing) means it must never drift: the database recomputes it whenever a
-- delivery is added or changes status, whatever code path did it.
CREATE OR REPLACE FUNCTION derive_post_status(p_post_id uuid) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN count(*) = 0 THEN 'pending'
    WHEN count(*) FILTER (WHERE status <> 'canceled') = 0 THEN 'canceled'
    WHEN bool_or(status IN ('queued', 'processing', 'retrying')) THEN 'processing'
    WHEN bool_or(status = 'scheduled') THEN 'scheduled'
    WHEN bool_or(status = 'pending') THEN 'pending'
    WHEN bool_and(status IN ('posted', 'canceled')) THEN 'published'
    WHEN bool_or(status = 'posted') THEN 'partial'
    ELSE 'failed'
  END
  FROM deliveries WHERE post_id = p_post_id
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION deliveries_sync_post_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE posts SET status = derive_post_status(NEW.post_id)
  WHERE id = NEW.post_id AND status IS DISTINCT FROM derive_post_status(NEW.post_id);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER deliveries_sync_post_status_insert
AFTER INSERT ON deliveries
FOR EACH ROW EXECUTE FUNCTION deliveries_sync_post_status();
--> statement-breakpoint
CREATE TRIGGER deliveries_sync_post_status_update
AFTER UPDATE OF status ON deliveries
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION deliveries_sync_post_status();
