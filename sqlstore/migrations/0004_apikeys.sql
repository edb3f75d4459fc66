-- API keys of the management API. Only the SHA-256 of a key is stored (hash);
-- prefix is the key's first characters, shown in lists so people can tell keys
-- apart. A revoked key stays, for the audit trail, with revoked_at set; the
-- name of an unrevoked key is unique in its organization.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE UNIQUE INDEX api_keys_active_name ON api_keys (org_id, name) WHERE revoked_at IS NULL;
CREATE INDEX api_keys_org_time ON api_keys (org_id, created_at);
