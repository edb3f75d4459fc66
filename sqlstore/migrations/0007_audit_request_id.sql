-- The correlation id of the request that caused an event (X-Request-Id), so
-- that an event can be found in the logs and the logs of an event; '' for
-- events no request caused and for events older than this column.
ALTER TABLE audit_events ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
