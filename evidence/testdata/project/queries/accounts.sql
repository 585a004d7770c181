-- name: GetAccount :one
SELECT id, email, status, plan FROM accounts WHERE id = $1;

-- name: ListAccounts :many
SELECT * FROM accounts WHERE id > $1 ORDER BY id LIMIT 50;
