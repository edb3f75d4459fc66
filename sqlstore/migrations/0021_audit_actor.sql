-- The audit log filtered by who acted (the admin page's "Done by", the API's
-- actor_id) reads this index rather than the organization's whole log.
CREATE INDEX audit_actor_time ON audit_events (org_id, actor_id, occurred_at, id);
