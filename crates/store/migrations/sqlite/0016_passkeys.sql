-- Passkeys (WebAuthn credentials) and ceremonies under way, sqlite. Kept in step with ../postgres/0016_passkeys.sql.
-- A passkey row holds the credential's public key and signature counter as webauthn-rs
-- serialises them: nothing secret (the private key never leaves the authenticator). Its name
-- is chosen by Portico ("Passkey 1"), never typed by the user, so it holds no PHI.
CREATE TABLE passkeys (
    credential_id  TEXT PRIMARY KEY,
    account_kind   TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    name           TEXT NOT NULL,
    passkey        TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_used_at   BIGINT
);
CREATE INDEX passkeys_account ON passkeys(account_kind, account_id);

-- A registration or sign-in started and not yet finished: the challenge and what the finish
-- must check, for a few minutes. In the database, not in memory, so a ceremony may start on
-- one node and finish on another. Taken (deleted) by the finish: each is used once.
CREATE TABLE webauthn_ceremonies (
    id             TEXT PRIMARY KEY,
    purpose        TEXT NOT NULL,
    account_kind   TEXT,
    account_id     TEXT,
    state          TEXT NOT NULL,
    expires_at     BIGINT NOT NULL
);
