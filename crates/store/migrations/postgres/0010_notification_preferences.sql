-- Patients' notification preferences, PostgreSQL. Kept in step with
-- ../sqlite/0010_notification_preferences.sql. A patient without a row has the defaults.
CREATE TABLE notification_preferences (
    patient_id   TEXT PRIMARY KEY REFERENCES patients(id),
    email        INTEGER NOT NULL,
    sms          INTEGER NOT NULL,
    quiet_start  INTEGER,
    quiet_end    INTEGER,
    time_zone    TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);
