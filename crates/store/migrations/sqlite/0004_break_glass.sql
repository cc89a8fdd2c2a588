-- Break-glass emergency access (SQLite). Kept in step with ../postgres/0004_break_glass.sql.
-- reason and review_note are sealed under the patient's data key.
CREATE TABLE break_glass_grants (
    id           TEXT PRIMARY KEY,
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    patient_id   TEXT NOT NULL REFERENCES patients(id),
    reason       BLOB NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    verdict      TEXT,
    review_note  BLOB,
    reviewed_by  TEXT REFERENCES staff(id),
    reviewed_at  BIGINT
);
CREATE INDEX break_glass_staff ON break_glass_grants(staff_id, expires_at);
