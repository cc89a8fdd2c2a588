-- Testimonials and HIPAA authorizations (45 CFR 164.508), sqlite. Kept in step with
-- ../postgres/0012_testimonials.sql. A testimonial's words, as given and de-identified, are
-- sealed under the patient's data key; it may be marked publishable only while an
-- authorization of the same patient is in force, and revoking that authorization withdraws it.
CREATE TABLE hipaa_authorizations (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    purpose       TEXT NOT NULL CHECK (purpose IN ('testimonial')),
    scope         TEXT NOT NULL,
    signed_on     TEXT NOT NULL,
    expires_on    TEXT NOT NULL,
    document_ref  TEXT NOT NULL,
    revoked_at    BIGINT,
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX hipaa_authorizations_patient ON hipaa_authorizations(patient_id);

CREATE TABLE testimonials (
    id                TEXT PRIMARY KEY,
    patient_id        TEXT NOT NULL REFERENCES patients(id),
    original          BLOB NOT NULL,
    deidentified      BLOB NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'publishable', 'withdrawn')),
    authorization_id  TEXT REFERENCES hipaa_authorizations(id),
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX testimonials_patient ON testimonials(patient_id);
