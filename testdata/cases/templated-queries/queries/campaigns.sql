-- name: query-campaigns
SELECT id, name FROM campaigns WHERE %query% ORDER BY %order% LIMIT 20

-- name: get-campaign
SELECT id, name FROM campaigns WHERE id = $1
