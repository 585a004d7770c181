CREATE INDEX CONCURRENTLY accounts_owner_trgm_idx ON accounts USING gin (owner gin_trgm_ops);
