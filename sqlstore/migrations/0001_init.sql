-- The first schema. Portable DDL: it runs unchanged on SQLite and PostgreSQL.
-- Times are BIGINT microseconds since the Unix epoch (UTC), NULL when unset;
-- booleans are INTEGER 0/1; ids are TEXT made by the application. Every table
-- that belongs to an organization carries org_id.

CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    created_at BIGINT
);

-- Every installation has the default organization. Portable SQL has no common
-- way to read the clock as microseconds: Migrate stamps its creation time.
INSERT INTO organizations (id, created_at) VALUES ('default', NULL);

-- The *_norm columns hold gatehouse.NormalizeIdentifier of their field (trimmed,
-- lower-cased in Go, so both databases agree on Unicode), for case-insensitive
-- lookups and searches. Email addresses are not unique: several accounts may
-- share one.
CREATE TABLE members (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organizations (id),
    username             TEXT NOT NULL,
    username_norm        TEXT NOT NULL,
    display_name         TEXT NOT NULL DEFAULT '',
    display_name_norm    TEXT NOT NULL DEFAULT '',
    email                TEXT NOT NULL DEFAULT '',
    email_norm           TEXT NOT NULL DEFAULT '',
    work_email           TEXT NOT NULL DEFAULT '',
    work_email_norm      TEXT NOT NULL DEFAULT '',
    mobile               TEXT NOT NULL DEFAULT '',
    role                 TEXT NOT NULL,
    state                TEXT NOT NULL,
    expires_at           BIGINT,
    password_hash        TEXT NOT NULL DEFAULT '',
    password_changed_at  BIGINT,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    support_pin_hash     TEXT NOT NULL DEFAULT '',
    created_at           BIGINT,
    updated_at           BIGINT
);
CREATE UNIQUE INDEX members_username ON members (org_id, username_norm);
CREATE INDEX members_email ON members (org_id, email_norm);
CREATE INDEX members_work_email ON members (org_id, work_email_norm);
CREATE INDEX members_role_state ON members (org_id, role, state);

-- seq numbers a member's passwords in order, so that "newest first" and
-- "keep the newest N" do not depend on two changes having distinct times.
CREATE TABLE password_history (
    member_id  TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    hash       TEXT NOT NULL,
    created_at BIGINT,
    PRIMARY KEY (member_id, seq)
);

-- ends_at is the earlier of idle_expires_at and expires_at, kept by every write,
-- so that expiry is one indexed column.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    org_id          TEXT NOT NULL REFERENCES organizations (id),
    member_id       TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    stage           TEXT NOT NULL,
    after_reset     INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT,
    idle_expires_at BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    ends_at         BIGINT NOT NULL,
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_member ON sessions (member_id, created_at);
CREATE INDEX sessions_ends ON sessions (ends_at);

-- member_id is NULL for tokens about no member (setup).
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    member_id  TEXT REFERENCES members (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    created_at BIGINT,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX tokens_member ON tokens (member_id, purpose);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE org_settings (
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at BIGINT,
    PRIMARY KEY (org_id, name)
);

-- member_id has no foreign key: the log outlives the members it is about.
-- details is a JSON object of strings, '' when there are none.
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    occurred_at BIGINT NOT NULL,
    event_type  TEXT NOT NULL,
    actor_kind  TEXT NOT NULL DEFAULT '',
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_name  TEXT NOT NULL DEFAULT '',
    member_id   TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_org_time ON audit_events (org_id, occurred_at, id);
CREATE INDEX audit_member_time ON audit_events (org_id, member_id, occurred_at, id);
CREATE INDEX audit_type_time ON audit_events (org_id, event_type, occurred_at, id);

-- The outbox. claimed_by and claimed_until are a worker's lease; done_at is when
-- the message was sent or given up, from which retention counts.
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations (id),
    member_id       TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL,
    kind            TEXT NOT NULL DEFAULT '',
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    text_body       TEXT NOT NULL DEFAULT '',
    html_body       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    done_at         BIGINT,
    claimed_by      TEXT NOT NULL DEFAULT '',
    claimed_until   BIGINT
);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX messages_org_time ON messages (org_id, created_at, id);
CREATE INDEX messages_done ON messages (done_at) WHERE status <> 'queued';

-- Throttling counters shared by replicas; keys are chosen by the caller.
CREATE TABLE counters (
    key        TEXT PRIMARY KEY,
    count      BIGINT NOT NULL,
    first_at   BIGINT NOT NULL,
    last_at    BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX counters_expires ON counters (expires_at);

-- Random keys shared by replicas (cookie and CAPTCHA signing), base64 text.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT
);
