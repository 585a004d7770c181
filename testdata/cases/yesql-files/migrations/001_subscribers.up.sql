CREATE TABLE subscribers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL, status text NOT NULL);
