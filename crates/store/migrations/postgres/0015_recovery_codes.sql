-- One-time recovery codes of accounts with a second factor, postgres. Kept in step with ../sqlite/0015_recovery_codes.sql.
-- Each code is stored only as its SHA-256 (60 random bits each, so a hash is enough); a used
-- code keeps its row with the time it was used.
CREATE TABLE recovery_codes (
    account_kind  TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    code_hash     BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    used_at       BIGINT,
    PRIMARY KEY (account_kind, account_id, code_hash)
);
