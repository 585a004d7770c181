CREATE TABLE notes (id bigserial PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id));
