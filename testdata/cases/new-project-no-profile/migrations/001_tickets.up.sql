CREATE TABLE tickets (id bigserial PRIMARY KEY, title text NOT NULL, status text NOT NULL, opened_at timestamptz NOT NULL DEFAULT now());
