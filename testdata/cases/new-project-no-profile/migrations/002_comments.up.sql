CREATE TABLE comments (id bigserial PRIMARY KEY, ticket_id bigint NOT NULL REFERENCES tickets (id), body text NOT NULL);
CREATE INDEX comments_ticket_id_idx ON comments (ticket_id);
