-- Secure messaging (SQLite). Kept in step with ../postgres/0002_messaging.sql; never edited once landed.
-- subject, body, filename, content and sha256 are AES-256-GCM ciphertexts under the patient's data key.

CREATE TABLE threads (
    id                TEXT PRIMARY KEY,
    patient_id        TEXT NOT NULL REFERENCES patients(id),
    team_id           TEXT NOT NULL REFERENCES teams(id),
    subject           BLOB NOT NULL,
    category          TEXT NOT NULL,
    status            TEXT NOT NULL,
    assignee_id       TEXT REFERENCES staff(id),
    created_at        BIGINT NOT NULL,
    last_activity_at  BIGINT NOT NULL
);
CREATE INDEX threads_patient ON threads(patient_id, last_activity_at);
CREATE INDEX threads_team ON threads(team_id, last_activity_at);

CREATE TABLE messages (
    id           TEXT PRIMARY KEY,
    thread_id    TEXT NOT NULL REFERENCES threads(id),
    author_kind  TEXT NOT NULL,
    author_id    TEXT NOT NULL,
    body         BLOB NOT NULL,
    internal     BIGINT NOT NULL DEFAULT 0,
    release_at   BIGINT,
    created_at   BIGINT NOT NULL,
    recalled_at  BIGINT,
    recalled_by  TEXT
);
CREATE INDEX messages_thread ON messages(thread_id, created_at);

CREATE TABLE message_reads (
    message_id   TEXT NOT NULL REFERENCES messages(id),
    reader_kind  TEXT NOT NULL,
    reader_id    TEXT NOT NULL,
    read_at      BIGINT NOT NULL,
    PRIMARY KEY (message_id, reader_kind, reader_id)
);

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    message_id    TEXT NOT NULL REFERENCES messages(id),
    filename      BLOB NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        BLOB NOT NULL,
    content       BLOB NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);

-- A recalled message that a recipient had already read: a possible breach to review.
CREATE TABLE misdirected_messages (
    id           TEXT PRIMARY KEY,
    message_id   TEXT NOT NULL UNIQUE REFERENCES messages(id),
    thread_id    TEXT NOT NULL REFERENCES threads(id),
    patient_id   TEXT NOT NULL REFERENCES patients(id),
    recalled_by  TEXT NOT NULL,
    recalled_at  BIGINT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open'
);

CREATE TABLE saved_replies (
    id          TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL REFERENCES teams(id),
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES staff(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX saved_replies_team ON saved_replies(team_id);

CREATE TABLE idempotency_keys (
    account_kind  TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    key           TEXT NOT NULL,
    message_id    TEXT NOT NULL REFERENCES messages(id),
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (account_kind, account_id, key)
);
CREATE INDEX idempotency_keys_key ON idempotency_keys(key);
