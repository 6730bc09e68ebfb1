-- The status trigger cost a worker's claim and publish ~0.25 ms each. Two reasons:
-- derive_post_status was a SQL function, which PL/pgSQL re-plans in every transaction (a
-- PL/pgSQL function keeps its plan for the session), and the trigger derived twice (in SET and
-- in WHERE). Now it derives once, and not at all when the delivery just became queued,
-- processing or retrying: then the post is `processing` whatever its other deliveries are
-- (see the CASE's order). The post row is still locked first, as 0003 explains.
CREATE OR REPLACE FUNCTION derive_post_status(p_post_id uuid) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (
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
    FROM deliveries WHERE post_id = p_post_id);
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION deliveries_sync_post_status() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  derived text;
BEGIN
  PERFORM 1 FROM posts WHERE id = NEW.post_id FOR UPDATE;
  derived := CASE WHEN NEW.status IN ('queued', 'processing', 'retrying') THEN 'processing'
                  ELSE derive_post_status(NEW.post_id) END;
  UPDATE posts SET status = derived WHERE id = NEW.post_id AND status IS DISTINCT FROM derived;
  RETURN NULL;
END
$$;
