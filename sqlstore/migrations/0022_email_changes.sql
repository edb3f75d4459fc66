-- A member's own changes of an email address, waiting for the link sent to
-- the new address (package profile). hash is the SHA-256 of the link's token;
-- in_use says that another member used the new address when it was asked for,
-- and no link went. Used, called off and superseded rows have used_at.
CREATE TABLE email_changes (
    hash       TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    member_id  TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    field      TEXT NOT NULL,
    new_email  TEXT NOT NULL,
    old_email  TEXT NOT NULL,
    in_use     INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX email_changes_member ON email_changes (member_id, created_at);
CREATE INDEX email_changes_expires ON email_changes (expires_at);
