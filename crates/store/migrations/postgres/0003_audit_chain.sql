-- The audit log's hash chain (PostgreSQL). Kept in step with ../sqlite/0003_audit_chain.sql.
CREATE TABLE audit_chain (
    position  BIGINT PRIMARY KEY,
    seq       BIGINT NOT NULL UNIQUE,
    hash      BYTEA NOT NULL
);
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE OR DELETE ON audit_chain
FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
