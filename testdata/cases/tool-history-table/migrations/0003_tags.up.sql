CREATE TABLE tags (id bigserial PRIMARY KEY, item_id bigint NOT NULL REFERENCES items (id));
CREATE INDEX tags_item_id_idx ON tags (item_id);
