SET lock_timeout = '2s';
UPDATE accounts SET region = 'eu' WHERE id < 10;
