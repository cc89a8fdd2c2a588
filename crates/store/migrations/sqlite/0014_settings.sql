-- Settings an administrator changes while the clinic runs, sqlite. Kept in step with ../postgres/0014_settings.sql.
-- One row per group of settings (today: 'social', the social bridge with its Meta credentials),
-- sealed whole under the 'settings' system key. Every node polls the version and reloads.
CREATE TABLE settings (
    name        TEXT PRIMARY KEY,
    sealed      BLOB NOT NULL,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
