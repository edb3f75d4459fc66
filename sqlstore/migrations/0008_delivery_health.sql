-- Delivery attempts are counted when a send was made and its outcome recorded,
-- no longer when a message is claimed (issue 10): last_attempt_at is when the
-- latest real try ended, and lapsed_claims counts the claims that ran out
-- without any report (the worker died or stopped), the guard against a message
-- that kills its senders.
ALTER TABLE messages ADD COLUMN last_attempt_at BIGINT;
ALTER TABLE messages ADD COLUMN lapsed_claims INTEGER NOT NULL DEFAULT 0;

-- A row that readiness checks rewrite to prove that the database still takes
-- writes after one failed for want of storage (a full disk, an I/O error, a
-- read-only file); see Store.Ready.
CREATE TABLE heartbeats (
    name TEXT PRIMARY KEY,
    at   BIGINT NOT NULL
);
