-- Sleep for eleven days.
SELECT pg_sleep(1000000);
