-- name: AccountByID :one
SELECT owner FROM accounts WHERE id = $1;
