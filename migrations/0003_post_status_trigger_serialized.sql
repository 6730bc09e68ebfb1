-- Two deliveries of one post finishing at the same moment in two transactions each derived
-- the post's status from a snapshot that did not yet see the other's change, and the post
-- stayed 'processing' forever. Lock the post row first; the UPDATE that follows is a new
-- statement, so under READ COMMITTED it sees every delivery change committed before the lock.
CREATE OR REPLACE FUNCTION deliveries_sync_post_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM posts WHERE id = NEW.post_id FOR UPDATE;
  UPDATE posts SET status = derive_post_status(NEW.post_id)
  WHERE id = NEW.post_id AND status IS DISTINCT FROM derive_post_status(NEW.post_id);
  RETURN NULL;
END
$$;
