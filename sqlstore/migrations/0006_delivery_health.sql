-- Delivery attempts are counted when a send was made and its outcome recorded,
-- no longer when a message is claimed (issue 10): last_attempt_at is when the
-- latest real try ended, and lapsed_claims counts the claims that ran out
-- without any report (the worker died or stopped), the guard against a message
-- that kills its senders.
ALTER TABLE messages ADD COLUMN last_attempt_at BIGINT;
ALTER TABLE messages ADD COLUMN lapsed_claims INTEGER NOT NULL DEFAULT 0;
