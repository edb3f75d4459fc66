-- Back-channel logouts are claimed like the outbox's messages and the webhook
-- deliveries (sqlstore/lease.go): a worker leases due rows (claimed_by,
-- claimed_until) and only the holder of the lease records the outcome, so
-- that a slow delivery is never sent twice by two replicas.
ALTER TABLE oidc_logouts ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE oidc_logouts ADD COLUMN claimed_until BIGINT;
