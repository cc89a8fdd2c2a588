-- Staff members' daily e-mail digest of new threads in their teams, sqlite. Kept in step with
-- ../postgres/0019_staff_digests.sql. One row per staff member and day, written when the day's
-- digest falls due (07:00 in the clinic's time zone) for those who asked for it, then claimed
-- and delivered like the patients' outbox. The e-mail says only that new threads are waiting.
ALTER TABLE staff ADD COLUMN email_digest INTEGER NOT NULL DEFAULT 0;
CREATE TABLE staff_digests (
    id           TEXT PRIMARY KEY,
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    due_at       BIGINT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_until  BIGINT,
    last_error   TEXT,
    finished_at  BIGINT
);
CREATE INDEX staff_digests_due ON staff_digests(status, due_at);
