-- name: OpenTickets :many
SELECT id, title FROM tickets WHERE status = $1 ORDER BY opened_at DESC LIMIT 50;

-- name: CommentsOfTicket :many
SELECT id, body FROM comments WHERE ticket_id = $1;
