-- Planning folds the immutable call: EXPLAIN itself would sleep.
SELECT owner FROM accounts WHERE id = slow_constant();

-- An endless recursive CTE: harmless unless executed.
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
SELECT count(*) FROM r;

-- name: Fine :one
SELECT owner FROM accounts WHERE id = $1;
