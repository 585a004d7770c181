-- Lift the timeout for the rest of the migration run.
SET statement_timeout = 0;
