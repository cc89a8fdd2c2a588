-- Disclosures outside treatment, payment and operations (45 CFR 164.528), SQLite. Kept in step
-- with ../postgres/0006_disclosures.sql. recipient, description and purpose are sealed under
-- the patient's data key. Kept at least six years; nothing in Portico deletes them.
CREATE TABLE disclosures (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    disclosed_at  BIGINT NOT NULL,
    recipient     BLOB NOT NULL,
    description   BLOB NOT NULL,
    purpose       BLOB NOT NULL,
    recorded_by   TEXT NOT NULL REFERENCES staff(id),
    recorded_at   BIGINT NOT NULL
);
CREATE INDEX disclosures_patient ON disclosures(patient_id, disclosed_at);
