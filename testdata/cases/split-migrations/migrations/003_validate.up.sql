SET lock_timeout = '2s';
ALTER TABLE accounts VALIDATE CONSTRAINT accounts_balance_check;
