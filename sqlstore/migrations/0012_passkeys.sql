-- Passkeys (WebAuthn credentials) and the ceremonies begun and not finished.
-- Portable DDL, like the first schema.

-- credential_id is the credential's id, base64url; credential the library's
-- record (public key, transports, attestation) as JSON. sign_count and the
-- backup flags are checked and updated at every use.
CREATE TABLE passkeys (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations (id),
    member_id       TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    credential_id   TEXT NOT NULL,
    name            TEXT NOT NULL,
    aaguid          TEXT NOT NULL,
    credential      TEXT NOT NULL,
    sign_count      BIGINT NOT NULL DEFAULT 0,
    backup_eligible INTEGER NOT NULL DEFAULT 0,
    backup_state    INTEGER NOT NULL DEFAULT 0,
    user_verified   INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT
);
CREATE UNIQUE INDEX passkeys_credential ON passkeys (org_id, credential_id);
CREATE INDEX passkeys_member ON passkeys (member_id, created_at);

-- One row per ceremony begun: id is the SHA-256 of the challenge, binding the
-- SHA-256 of the session or browser that asked. Taken (deleted) once.
CREATE TABLE passkey_challenges (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    member_id  TEXT REFERENCES members (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    binding    TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX passkey_challenges_expires ON passkey_challenges (expires_at);
