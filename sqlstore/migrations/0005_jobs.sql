-- Periodic jobs that replicas take turns at (see Store.ClaimJob). One row per
-- job: who holds it and until when (microseconds since the Unix epoch). A job
-- whose locked_until has passed may be claimed by anyone.
CREATE TABLE jobs (
    name         TEXT PRIMARY KEY,
    holder       TEXT NOT NULL,
    claimed_at   BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);
