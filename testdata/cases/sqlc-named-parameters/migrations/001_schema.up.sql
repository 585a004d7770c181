CREATE TABLE authors (id bigserial PRIMARY KEY, name text NOT NULL, country text NOT NULL);
CREATE TABLE books (id bigserial PRIMARY KEY, author_id bigint NOT NULL REFERENCES authors (id), title text NOT NULL, year int NOT NULL);
CREATE INDEX books_author_id_idx ON books (author_id);
