CREATE INDEX CONCURRENTLY subscriptions_status_idx ON subscriptions (status);
