CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL, placed_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX orders_customer_idx ON orders (customer_id);
