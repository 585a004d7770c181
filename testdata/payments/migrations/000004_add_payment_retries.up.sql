-- The change under review: a retry worker for payments stuck in pending.
-- Give up rather than queue every payment query behind this ALTER if a
-- long transaction holds payments.
SET lock_timeout = '2s';

ALTER TABLE payments ADD COLUMN retry_count integer NOT NULL DEFAULT 0;
