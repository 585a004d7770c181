-- The change under review: a retry worker for payments stuck in pending.
ALTER TABLE payments ADD COLUMN retry_count integer NOT NULL DEFAULT 0;
