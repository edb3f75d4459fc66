-- Webhook endpoints of an organization (issue 16). secret and old_secret are
-- sealed (AES-GCM under the server key "webhook-secrets"); old_secret signs
-- too until old_until, after a rotation. events is the subscription as given,
-- space-separated; webhook_patterns holds the same patterns one a row, so that
-- the fan-out of an audit event is one indexed INSERT ... SELECT.
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations (id),
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    events          TEXT NOT NULL,
    secret          TEXT NOT NULL,
    old_secret      TEXT NOT NULL DEFAULT '',
    old_until       BIGINT,
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    disabled_at     BIGINT,
    disabled_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, created_at);

CREATE TABLE webhook_patterns (
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL,
    pattern     TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, pattern)
);
CREATE INDEX webhook_patterns_match ON webhook_patterns (org_id, pattern);

-- One row per event and endpoint, written in the transaction of the audit
-- event. id is endpoint_id || '.' || event_id. claimed_by and claimed_until
-- are a worker's lease, as in messages.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL REFERENCES audit_events (id),
    org_id          TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_attempt_at BIGINT,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    done_at         BIGINT,
    claimed_by      TEXT NOT NULL DEFAULT '',
    claimed_until   BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_org_time ON webhook_deliveries (org_id, created_at, id);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at, id);
CREATE INDEX webhook_deliveries_done ON webhook_deliveries (done_at) WHERE status <> 'pending';
