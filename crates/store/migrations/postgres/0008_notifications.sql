-- The notification outbox, PostgreSQL. Kept in step with ../sqlite/0008_notifications.sql.
-- A row is written in the same transaction as the event that causes it. It holds no PHI and
-- no address: the recipient's address is looked up when the notification is delivered, and
-- the text only invites the recipient to sign in. coalesce_key makes several events of the
-- same thread within one window a single notification, and is the delivery's idempotency key.
CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES patients(id),
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    kind            TEXT NOT NULL,
    thread_id       TEXT REFERENCES threads(id),
    message_id      TEXT,
    coalesce_key    TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'cancelled')),
    due_at          BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    lease_until     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT
);
CREATE INDEX notifications_due ON notifications(status, due_at);
CREATE INDEX notifications_thread ON notifications(thread_id, status);

-- Every delivery attempt: when, how it ended, and the provider's answer (never an address).
CREATE TABLE notification_attempts (
    notification_id TEXT NOT NULL REFERENCES notifications(id),
    attempt         INTEGER NOT NULL,
    at              BIGINT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'dead', 'skipped')),
    detail          TEXT NOT NULL,
    PRIMARY KEY (notification_id, attempt)
);
