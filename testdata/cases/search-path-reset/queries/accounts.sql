-- name: AccountsByStatus :many
SELECT id FROM accounts WHERE status = $1 LIMIT 50;
