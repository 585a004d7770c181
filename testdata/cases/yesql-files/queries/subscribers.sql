-- name: get-subscriber
-- Fetch one subscriber.
SELECT id, email FROM subscribers WHERE id = $1

-- name: subscriber-by-email
SELECT id FROM subscribers
WHERE email = $1;

-- name: blocklisted-subscribers
SELECT id, email FROM subscribers WHERE status = 'blocklisted'
