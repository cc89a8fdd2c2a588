-- A blind index of each patient's family name (PostgreSQL). Kept in step with the SQLite file.
ALTER TABLE patients ADD COLUMN family_index BYTEA;
