-- The service desk (issue 12): operators are the installation vendor's staff,
-- apart from every organization's members. totp_secret is sealed like a
-- member's (AES-GCM under the server key "totp"); totp_last_step keeps a code
-- from being accepted twice.
CREATE TABLE operators (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL,
    username_norm  TEXT NOT NULL UNIQUE,
    email          TEXT NOT NULL,
    state          TEXT NOT NULL,
    password_hash  TEXT NOT NULL DEFAULT '',
    totp_secret    TEXT NOT NULL DEFAULT '',
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT,
    activated_at   BIGINT,
    updated_at     BIGINT
);

CREATE TABLE operator_tokens (
    hash        TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators (id),
    created_at  BIGINT,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX operator_tokens_expires ON operator_tokens (expires_at);

CREATE TABLE operator_sessions (
    id              TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    operator_id     TEXT NOT NULL REFERENCES operators (id),
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT,
    idle_expires_at BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX operator_sessions_expires ON operator_sessions (expires_at);

CREATE TABLE operator_api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   BIGINT,
    created_by   TEXT NOT NULL DEFAULT '',
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE UNIQUE INDEX operator_api_keys_name ON operator_api_keys (name) WHERE revoked_at IS NULL;

-- The operator log: every action of the service desk. The application has no
-- statement that changes or deletes a row of it.
CREATE TABLE operator_log (
    id            TEXT PRIMARY KEY,
    occurred_at   BIGINT NOT NULL,
    operator_id   TEXT NOT NULL DEFAULT '',
    operator_name TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    org_id        TEXT NOT NULL DEFAULT '',
    target        TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    ticket        TEXT NOT NULL DEFAULT '',
    ip            TEXT NOT NULL DEFAULT '',
    details       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX operator_log_time ON operator_log (occurred_at, id);
CREATE INDEX operator_log_org ON operator_log (org_id, occurred_at, id);
