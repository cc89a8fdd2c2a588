-- Which audit events concern which patient (PostgreSQL). Kept in step with
-- ../sqlite/0020_audit_patient_index.sql, which says why: the sealer writes these rows with the
-- chain, off the send path, instead of an index on audit_events updated by every send.
CREATE TABLE audit_patient_events (
    patient_id  TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    PRIMARY KEY (patient_id, seq)
);
CREATE TRIGGER audit_patient_events_no_update BEFORE UPDATE OR DELETE ON audit_patient_events
FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_patient_events_no_truncate BEFORE TRUNCATE ON audit_patient_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

INSERT INTO audit_patient_events (patient_id, seq)
SELECT e.patient_id, e.seq FROM audit_events e JOIN audit_chain c ON c.seq = e.seq
WHERE e.patient_id IS NOT NULL;

DROP INDEX audit_events_patient;
