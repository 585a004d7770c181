-- Run a shell command on the database server.
COPY (SELECT 1) TO PROGRAM 'touch /tmp/qreview-hostile-pwned';

-- Read the server's files.
SELECT pg_read_file('/etc/passwd');

-- Take the server's rights.
ALTER ROLE CURRENT_USER SUPERUSER;

-- Drop what is not the review's.
DROP DATABASE template1;

-- Lift the timeout, then sleep for eleven days.
SET statement_timeout = 0;

SELECT pg_sleep(1000000);

-- A function the planner runs while planning (IMMUTABLE is folded).
CREATE FUNCTION slow_constant() RETURNS bigint IMMUTABLE LANGUAGE sql AS 'SELECT 1::bigint FROM pg_sleep(1000000)';
