-- name: AccountsByOwner :many
SELECT id, note FROM accounts WHERE owner = $1;
