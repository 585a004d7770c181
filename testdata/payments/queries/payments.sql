-- Queries of the payments service, in sqlc's format.

-- name: GetPayment :one
SELECT id, order_id, amount_cents, provider, status, created_at
FROM payments
WHERE id = $1;

-- name: ListOrderPayments :many
SELECT id, amount_cents, status, created_at
FROM payments
WHERE order_id = $1
ORDER BY created_at;

-- name: CustomerRecentOrders :many
SELECT id, total_cents, currency, status, created_at
FROM orders
WHERE customer_id = $1
ORDER BY created_at DESC
LIMIT 20;

-- name: CreatePayment :one
INSERT INTO payments (order_id, amount_cents, provider, status)
VALUES ($1, $2, $3, 'pending')
RETURNING id;

-- name: MarkPaymentSucceeded :exec
UPDATE payments
SET status = 'succeeded', updated_at = now()
WHERE id = $1;

-- name: ListPendingPayments :many
-- New in this change: the retry worker polls for payments stuck in pending.
-- No index serves "status = 'pending'": on production-sized data this reads
-- the whole payments table on every poll.
SELECT id, order_id, amount_cents, retry_count, created_at
FROM payments
WHERE status = 'pending' AND created_at < $1
ORDER BY created_at
LIMIT 100;
