-- +goose Up
-- +goose StatementBegin
SET lock_timeout = '2s';
SET statement_timeout = '30s';
LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE;
DELETE FROM events WHERE kind = 'debug' AND id < 100;
-- +goose StatementEnd

-- +goose Down
SELECT 1;
