-- Idempotency keys (SQLite), kept in step with ../postgres/0021_idempotency_by_key.sql.
-- One B-tree keyed by the key first instead of a table, its primary key and an index on the key:
-- every message sent with a key wrote to all three, at three places in the file, and under load
-- the pages a commit rewrites are most of its cost. Lookups are by key (a batch's keys at once)
-- or by (account, key), both served by this key. Same uniqueness as before.
CREATE TABLE idempotency_keys_by_key (
    key           TEXT NOT NULL,
    account_kind  TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    message_id    TEXT NOT NULL REFERENCES messages(id),
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (key, account_kind, account_id)
) WITHOUT ROWID;
INSERT INTO idempotency_keys_by_key (key, account_kind, account_id, message_id, created_at)
SELECT key, account_kind, account_id, message_id, created_at FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_by_key RENAME TO idempotency_keys;
