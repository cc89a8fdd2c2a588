-- Browsers an account has signed in from, sqlite. Kept in step with ../postgres/0013_known_devices.sql.
-- A device is a random token in a long-lived cookie, stored only as its SHA-256. A patient who
-- signs in from a device not seen before (after their first) is told by a security notification.
CREATE TABLE known_devices (
    account_kind  TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    device_hash   BLOB NOT NULL,
    first_seen    BIGINT NOT NULL,
    last_seen     BIGINT NOT NULL,
    PRIMARY KEY (account_kind, account_id, device_hash)
);
