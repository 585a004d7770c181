-- A function the planner runs while planning (IMMUTABLE is folded).
CREATE FUNCTION slow_constant() RETURNS bigint IMMUTABLE LANGUAGE sql AS 'SELECT 1::bigint FROM pg_sleep(1000000)';
