-- name: AccountsLike :many
SELECT id FROM accounts WHERE owner LIKE '%' || $1 || '%' LIMIT 20;
