-- A blind index of each patient's family name (SQLite), so the "staff member opened a record
-- with their own family name" alert needs no decryption. Kept in step with the PostgreSQL file.
ALTER TABLE patients ADD COLUMN family_index BLOB;
