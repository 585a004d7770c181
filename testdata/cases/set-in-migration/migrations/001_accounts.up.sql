SET enable_seqscan = off;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SET work_mem = '1GB';
CREATE TABLE accounts (id bigserial PRIMARY KEY, owner text NOT NULL, email text NOT NULL);
CREATE INDEX accounts_owner_idx ON accounts (owner);
