SET enable_indexscan = off;
SET enable_bitmapscan = off;
CREATE INDEX CONCURRENTLY accounts_owner_idx ON accounts (owner);
