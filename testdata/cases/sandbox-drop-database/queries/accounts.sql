-- name: AccountByID :one
SELECT owner FROM accounts WHERE id = $1;

-- name: DatabaseSize :one
SELECT pg_database_size(current_database());
