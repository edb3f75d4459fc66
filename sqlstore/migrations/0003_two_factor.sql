-- Two-factor sign-in: codes sent by SMS or email, trusted browsers,
-- authenticator apps and recovery codes. Portable DDL, like the first schema.

-- One code per session and purpose; a resend replaces the row. code_hash is an
-- HMAC under a server key, so the table alone does not give the codes away.
CREATE TABLE sent_codes (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    member_id   TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL,
    channel     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    used_at     BIGINT,
    message_id  TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX sent_codes_session ON sent_codes (session_id, purpose);
CREATE INDEX sent_codes_member ON sent_codes (member_id);

-- Browsers that passed the second factor; the cookie holds the secret, the
-- table its SHA-256.
CREATE TABLE trusted_devices (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    member_id    TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at   BIGINT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX trusted_devices_member ON trusted_devices (member_id, created_at);
CREATE INDEX trusted_devices_expires ON trusted_devices (expires_at);

-- One authenticator app per member. secret is sealed with AES-256-GCM under a
-- server key; last_step is the last TOTP time step accepted (replay guard).
CREATE TABLE authenticators (
    member_id    TEXT PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    secret       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT NOT NULL DEFAULT 0
);

-- Single-use recovery codes, by SHA-256 only.
CREATE TABLE recovery_codes (
    member_id  TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (member_id, code_hash)
);
