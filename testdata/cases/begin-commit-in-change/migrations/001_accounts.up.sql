CREATE TABLE accounts (id bigserial PRIMARY KEY, owner text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
