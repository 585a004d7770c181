-- name: EventsOfKind :many
SELECT id, at FROM events WHERE kind = $1 LIMIT 100;
