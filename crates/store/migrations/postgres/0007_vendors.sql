-- The registry of vendors and their business associate agreements, PostgreSQL. Kept in step with
-- ../sqlite/0007_vendors.sql. No PHI here: names of companies, dates and a document reference.
CREATE TABLE vendors (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL UNIQUE,
    service         TEXT NOT NULL,
    baa_signed_on   TEXT,
    baa_expires_on  TEXT,
    document_ref    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'pending', 'terminated')),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
