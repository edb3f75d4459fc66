-- The OpenID Connect provider (package oidc). Secrets, codes and tokens are
-- stored as SHA-256 hashes only; signing keys sealed under the server key
-- "oidc". URI lists are newline-separated. Everything of a client goes with it.
CREATE TABLE oidc_clients (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id),
    name             TEXT NOT NULL,
    secret_hash      TEXT NOT NULL DEFAULT '',
    old_secret_hash  TEXT NOT NULL DEFAULT '',
    old_secret_until BIGINT,
    redirect_uris    TEXT NOT NULL DEFAULT '',
    post_logout_uris TEXT NOT NULL DEFAULT '',
    backchannel_uri  TEXT NOT NULL DEFAULT '',
    public           INTEGER NOT NULL DEFAULT 0,
    first_party      INTEGER NOT NULL DEFAULT 0,
    offline          INTEGER NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL
);
CREATE INDEX oidc_clients_org ON oidc_clients (org_id, name);

CREATE TABLE oidc_consents (
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    member_id  TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, client_id)
);
CREATE INDEX oidc_consents_client ON oidc_consents (client_id);

-- Authorization requests waiting for the member to sign in (any replica resumes them).
CREATE TABLE oidc_requests (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    client_id    TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scope        TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT '',
    nonce        TEXT NOT NULL DEFAULT '',
    challenge    TEXT NOT NULL DEFAULT '',
    prompt       TEXT NOT NULL DEFAULT '',
    login_hint   TEXT NOT NULL DEFAULT '',
    max_age      INTEGER NOT NULL DEFAULT -1,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX oidc_requests_expires ON oidc_requests (expires_at);
CREATE INDEX oidc_requests_client ON oidc_requests (client_id);

CREATE TABLE oidc_codes (
    hash         TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id),
    client_id    TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    member_id    TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scope        TEXT NOT NULL DEFAULT '',
    nonce        TEXT NOT NULL DEFAULT '',
    challenge    TEXT NOT NULL DEFAULT '',
    session_id   TEXT NOT NULL DEFAULT '',
    amr          TEXT NOT NULL DEFAULT '',
    grant_id     TEXT NOT NULL,
    auth_time    BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX oidc_codes_expires ON oidc_codes (expires_at);
CREATE INDEX oidc_codes_client ON oidc_codes (client_id);
CREATE INDEX oidc_codes_member ON oidc_codes (member_id);

-- A grant is the family of tokens descending from one code.
CREATE TABLE oidc_grants (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    client_id  TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    member_id  TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL DEFAULT '',
    session_id TEXT NOT NULL DEFAULT '',
    amr        TEXT NOT NULL DEFAULT '',
    auth_time  BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX oidc_grants_member ON oidc_grants (member_id, session_id);
CREATE INDEX oidc_grants_client ON oidc_grants (client_id);

CREATE TABLE oidc_tokens (
    hash       TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL REFERENCES oidc_grants (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX oidc_tokens_grant ON oidc_tokens (grant_id);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);

CREATE TABLE oidc_keys (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    private    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX oidc_keys_org ON oidc_keys (org_id, created_at);

-- Back-channel logout tokens to deliver; claimed by a replica until next_at.
CREATE TABLE oidc_logouts (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    client_id  TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    member_id  TEXT NOT NULL,
    session_id TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    next_at    BIGINT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    done_at    BIGINT,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX oidc_logouts_due ON oidc_logouts (done_at, next_at);
CREATE INDEX oidc_logouts_client ON oidc_logouts (client_id);
