-- Which audit events concern which patient (SQLite). Kept in step with
-- ../postgres/0020_audit_patient_index.sql.
--
-- The index audit_events(patient_id, at) put one entry per event at a random place (patients
-- interleave), so every group commit rewrote a page per patient it touched: three quarters of
-- an audit event's cost on the send path. Instead, the sealer, which already reads every event
-- in sequence order to link it into the hash chain, writes (patient_id, seq) here in the same
-- transaction as the chain rows, many at a time. Events not yet sealed (after the chain head)
-- are found by a scan of that short tail; see Store::patient_accesses.
CREATE TABLE audit_patient_events (
    patient_id  TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    PRIMARY KEY (patient_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER audit_patient_events_no_update BEFORE UPDATE ON audit_patient_events
BEGIN SELECT RAISE(ABORT, 'audit_patient_events is append-only'); END;
CREATE TRIGGER audit_patient_events_no_delete BEFORE DELETE ON audit_patient_events
BEGIN SELECT RAISE(ABORT, 'audit_patient_events is append-only'); END;

INSERT INTO audit_patient_events (patient_id, seq)
SELECT e.patient_id, e.seq FROM audit_events e JOIN audit_chain c ON c.seq = e.seq
WHERE e.patient_id IS NOT NULL;

DROP INDEX audit_events_patient;
