-- name: Item :one
SELECT name FROM items WHERE id = $1;
