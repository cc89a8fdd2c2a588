-- Blind indexes of the beginnings of patients' names, postgres. Kept in step with ../sqlite/0017_name_tokens.sql.
-- For each word of a patient's name: a keyed hash (HMAC under the blind-index key) of the whole
-- word and of each of its beginnings of three letters or more, so the front desk can find
-- "Garc" without any name being decrypted to search. Rows of patients created before this
-- migration are filled in when the server starts.
CREATE TABLE patient_name_tokens (
    token       BYTEA NOT NULL,
    patient_id  TEXT NOT NULL,
    PRIMARY KEY (token, patient_id)
);
CREATE INDEX patient_name_tokens_patient ON patient_name_tokens(patient_id);
