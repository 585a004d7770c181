-- name: AccountByEmail :one
SELECT id FROM accounts WHERE email = $1;

-- name: AccountsByOwner :many
SELECT id FROM accounts WHERE owner = $1;
