BEGIN;
SET lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN note text;
CREATE INDEX accounts_owner_idx ON accounts (owner);
COMMIT;
