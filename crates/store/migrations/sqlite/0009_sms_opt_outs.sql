-- Numbers that answered STOP, SQLite. Kept in step with ../postgres/0009_sms_opt_outs.sql.
-- A number is kept only as a blind index (keyed hash): it is PHI.
CREATE TABLE sms_opt_outs (
    phone_index  BLOB PRIMARY KEY,
    opted_out    INTEGER NOT NULL,
    changed_at   BIGINT NOT NULL
);
