-- E-mails to staff, sqlite. Kept in step with ../postgres/0019_staff_notices.sql.
-- Two kinds, both saying only that something waits behind a sign-in:
--   digest       one per staff member and day, queued at 07:00 in the clinic's time zone for
--                those who asked (staff.email_digest), sent if new threads arrived in their
--                teams the day before;
--   break_glass  one per privacy officer for each emergency access granted, written in the
--                grant's transaction: a grant waits for their review.
-- Claimed and delivered like the patients' outbox (lease, retry, dead letter).
ALTER TABLE staff ADD COLUMN email_digest INTEGER NOT NULL DEFAULT 0;
CREATE TABLE staff_notices (
    id           TEXT PRIMARY KEY,
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    kind         TEXT NOT NULL CHECK (kind IN ('digest', 'break_glass')),
    due_at       BIGINT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_until  BIGINT,
    last_error   TEXT,
    finished_at  BIGINT
);
CREATE INDEX staff_notices_due ON staff_notices(status, due_at);
