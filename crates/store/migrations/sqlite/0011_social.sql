-- The social bridge, sqlite. Kept in step with ../postgres/0011_social.sql.
-- One row per inbound direct message, page comment or text from the insecure channels. The
-- raw event (sender id and words) is sealed and kept only until it is processed; what stays,
-- for the retention period, is the sealed sender, the sealed PHI-redacted text and the
-- decision. dedupe_key and sender_index are blind indexes (keyed hashes): the platform's ids
-- are never stored in clear, and a redelivered event maps to the same key.
CREATE TABLE social_items (
    id            TEXT PRIMARY KEY,
    dedupe_key    BLOB NOT NULL UNIQUE,
    channel       TEXT NOT NULL CHECK (channel IN ('messenger', 'instagram', 'facebook_comment', 'instagram_comment', 'sms')),
    received_at   BIGINT NOT NULL,
    payload       BLOB,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'done')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_until   BIGINT,
    target        BLOB,
    sender        BLOB,
    sender_index  BLOB,
    redacted      BLOB,
    phi_detected  INTEGER,
    labels        TEXT,
    category      TEXT CHECK (category IN ('phi', 'relationship', 'neutral')),
    decision      TEXT CHECK (decision IN ('replied', 'replied_phi', 'no_reply_window', 'no_reply_opted_out', 'hidden', 'queued', 'left', 'ignored')),
    replied_at    BIGINT,
    processed_at  BIGINT,
    review        TEXT NOT NULL DEFAULT 'open' CHECK (review IN ('open', 'handled')),
    handled_at    BIGINT,
    handled_by    TEXT
);
CREATE INDEX social_items_due ON social_items(status, received_at);
CREATE INDEX social_items_sender ON social_items(sender_index, replied_at);
CREATE INDEX social_items_review ON social_items(review, received_at);

-- Calls to the Graph API that Portico owes: the standard reply, hiding or unhiding a comment,
-- the standard public reply. Written in the transaction that decides them; the text is one of
-- the clinic's standard messages, never the sender's words.
CREATE TABLE social_actions (
    id            TEXT PRIMARY KEY,
    item_id       TEXT NOT NULL REFERENCES social_items(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('send_message', 'hide_comment', 'unhide_comment', 'reply_comment')),
    template      TEXT,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
    due_at        BIGINT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_until   BIGINT,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    finished_at   BIGINT
);
CREATE INDEX social_actions_due ON social_actions(status, due_at);
CREATE INDEX social_actions_item ON social_actions(item_id);
