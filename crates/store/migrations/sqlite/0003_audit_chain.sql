-- The audit log's hash chain (SQLite). Kept in step with ../postgres/0003_audit_chain.sql.
-- Row `position` links event `seq` into the chain: hash = SHA-256(domain || previous hash ||
-- canonical event). Written in sequence order by the sealer; append-only like the events.
CREATE TABLE audit_chain (
    position  BIGINT PRIMARY KEY,
    seq       BIGINT NOT NULL UNIQUE,
    hash      BLOB NOT NULL
);
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END;
