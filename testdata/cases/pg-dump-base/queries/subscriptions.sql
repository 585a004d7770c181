-- name: SubscriptionsByStatus :many
SELECT id FROM subscriptions WHERE status = $1 LIMIT 100;

-- name: PlanName :one
SELECT name FROM plans WHERE id = $1;
