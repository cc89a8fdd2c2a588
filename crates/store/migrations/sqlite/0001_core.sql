-- Portico core schema (SQLite). Kept in step with ../postgres/0001_core.sql; never edited once landed.
-- Columns of type BLOB that hold PHI are AES-256-GCM ciphertexts bound to (table, column, row id).

CREATE TABLE system_keys (
    purpose     TEXT PRIMARY KEY,
    wrapped     BLOB NOT NULL,
    kek_id      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE teams (
    id                        TEXT PRIMARY KEY,
    name                      TEXT NOT NULL UNIQUE,
    accepts_patient_messages  BIGINT NOT NULL DEFAULT 1,
    created_at                BIGINT NOT NULL
);

CREATE TABLE staff (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    totp_secret     BLOB,
    totp_pending    BLOB,
    totp_last_step  BIGINT,
    deactivated_at  BIGINT,
    created_at      BIGINT NOT NULL
);

CREATE TABLE staff_teams (
    staff_id  TEXT NOT NULL REFERENCES staff(id),
    team_id   TEXT NOT NULL REFERENCES teams(id),
    PRIMARY KEY (staff_id, team_id)
);

CREATE TABLE patients (
    id                  TEXT PRIMARY KEY,
    name                BLOB NOT NULL,
    date_of_birth       BLOB NOT NULL,
    mrn                 BLOB NOT NULL,
    mrn_index           BLOB NOT NULL UNIQUE,
    email               BLOB,
    email_index         BLOB,
    phone               BLOB,
    preferred_language  BLOB NOT NULL,
    created_at          BIGINT NOT NULL
);
CREATE INDEX patients_email_index ON patients(email_index);

-- Deleting a row here crypto-shreds that patient's PHI.
CREATE TABLE patient_keys (
    patient_id   TEXT PRIMARY KEY REFERENCES patients(id),
    wrapped_key  BLOB NOT NULL,
    kek_id       TEXT NOT NULL
);

CREATE TABLE patient_accounts (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL UNIQUE REFERENCES patients(id),
    email           BLOB NOT NULL,
    email_index     BLOB NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    totp_secret     BLOB,
    totp_pending    BLOB,
    totp_last_step  BIGINT,
    created_at      BIGINT NOT NULL
);

CREATE TABLE proxy_links (
    account_id    TEXT NOT NULL REFERENCES patient_accounts(id),
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    relationship  TEXT NOT NULL,
    ends_at       BIGINT,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (account_id, patient_id)
);

CREATE TABLE invitations (
    id               TEXT PRIMARY KEY,
    patient_id       TEXT NOT NULL REFERENCES patients(id),
    code_hash        BLOB NOT NULL UNIQUE,
    expires_at       BIGINT NOT NULL,
    failed_attempts  BIGINT NOT NULL DEFAULT 0,
    used_at          BIGINT,
    voided_at        BIGINT,
    created_at       BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash    BLOB PRIMARY KEY,
    account_kind  TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_kind, account_id);

CREATE TABLE audit_events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    at             BIGINT NOT NULL,
    actor_id       TEXT NOT NULL,
    actor_role     TEXT NOT NULL,
    action         TEXT NOT NULL,
    patient_id     TEXT,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT,
    purpose        TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    source_ip      TEXT,
    session_hash   TEXT,
    request_id     TEXT
);
CREATE INDEX audit_events_patient ON audit_events(patient_id, at);

-- The audit log is append-only.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
