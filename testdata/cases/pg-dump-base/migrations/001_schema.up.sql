\restrict Zq5Yf3kDLbXw2

SET statement_timeout = 0;
SET lock_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;

CREATE TABLE public.plans (
    id integer NOT NULL,
    name text NOT NULL
);

CREATE TABLE public.subscriptions (
    id bigint NOT NULL,
    plan_id integer NOT NULL,
    status text NOT NULL
);

COPY public.plans (id, name) FROM stdin;
1	free
2	pro
\.

ALTER TABLE ONLY public.plans
    ADD CONSTRAINT plans_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES public.plans(id);

\unrestrict Zq5Yf3kDLbXw2
