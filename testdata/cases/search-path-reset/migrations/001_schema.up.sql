SELECT pg_catalog.set_config('search_path', '', false);
CREATE TABLE public.accounts (id bigint PRIMARY KEY, owner text NOT NULL, status text NOT NULL);
