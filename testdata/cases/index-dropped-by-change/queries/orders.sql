-- name: OrdersOfCustomer :many
SELECT id, placed_at FROM orders WHERE customer_id = $1;
