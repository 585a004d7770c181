-- The fix: an index that serves the retry worker's poll.
CREATE INDEX CONCURRENTLY payments_status_created_at_idx ON payments (status, created_at);
