CREATE TABLE campaigns (id serial PRIMARY KEY, name text NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX campaigns_created_at_idx ON campaigns (created_at);
