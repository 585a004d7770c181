CREATE TABLE accounts (
    id         bigint PRIMARY KEY,
    email      text NOT NULL,
    status     text NOT NULL CHECK (status IN ('active', 'closed')),
    created_at timestamptz NOT NULL
);
