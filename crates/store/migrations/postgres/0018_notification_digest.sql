-- The patient's daily digest option, postgres. Kept in step with ../sqlite/0018_notification_digest.sql.
-- With it on, notices of new messages and results wait for the day's digest: one notice per
-- channel a day, at 17:00 in the patient's time zone.
ALTER TABLE notification_preferences ADD COLUMN digest INTEGER NOT NULL DEFAULT 0;
