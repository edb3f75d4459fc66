-- One-time confirmations of administrators' bulk actions (the bulk send of
-- activation codes). The confirmation page stores what it shows (payload); the
-- confirming POST sets used_at, once, in the transaction that does the work
-- and stores what it did (result), so that a second POST of the page does
-- nothing and shows that result. actor_id is who may confirm and read it.
CREATE TABLE confirmations (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    actor_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL DEFAULT '',
    result     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX confirmations_expires ON confirmations (expires_at);
