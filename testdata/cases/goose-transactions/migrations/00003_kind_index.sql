-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY events_kind_idx ON events (kind);

-- +goose Down
DROP INDEX CONCURRENTLY events_kind_idx;
