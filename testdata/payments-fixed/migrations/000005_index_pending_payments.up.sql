-- The fix: an index that serves the retry worker's poll, built without
-- blocking writes to payments (alone in its file: golang-migrate sends a
-- file as one transaction, where CONCURRENTLY cannot run).
CREATE INDEX CONCURRENTLY payments_status_created_at_idx ON payments (status, created_at);
