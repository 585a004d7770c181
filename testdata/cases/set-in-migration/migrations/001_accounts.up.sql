SET enable_seqscan = off;
SET work_mem = '1GB';
CREATE TABLE accounts (id bigserial PRIMARY KEY, owner text NOT NULL, email text NOT NULL);
