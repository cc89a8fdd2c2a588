-- Idempotency keys (PostgreSQL), kept in step with ../sqlite/0021_idempotency_by_key.sql:
-- one index, led by the key, instead of the primary key and a second index on the key.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (key, account_kind, account_id);
DROP INDEX idempotency_keys_key;
