-- name: Account :one
SELECT owner, balance, region FROM accounts WHERE id = $1;
