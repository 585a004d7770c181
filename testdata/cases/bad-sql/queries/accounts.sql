-- name: Account :one
SELECT owner FROM accounts WHERE id = $1;

-- name: Broken :many
SELECT owner FROM accounts WHERE
  id = $1 AND AND owner = $2;
