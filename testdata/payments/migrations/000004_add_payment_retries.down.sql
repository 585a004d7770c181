ALTER TABLE payments DROP COLUMN retry_count;
