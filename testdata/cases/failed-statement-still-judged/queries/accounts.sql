-- name: Account :one
SELECT owner FROM accounts WHERE id = $1;
