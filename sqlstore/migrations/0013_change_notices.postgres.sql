-- Change notices for the caches of every replica (internal/bus, sqlstore/bus.go).
--
-- A replica keeps recent session lookups in memory for a fraction of a
-- second. When a session or its member changes, every replica must drop them:
-- these triggers send a notification, on a channel of this schema, naming the
-- member, from whatever wrote the row (a replica, `gatehouse` commands, psql),
-- so no write path can forget it. PostgreSQL delivers it when the transaction
-- commits, and never when it rolls back.
--
-- The channel is 'gh_bus_' and the first 16 hex digits of md5(schema name):
-- channels are per database, and several deployments (or tests) may share one
-- database in different schemas.

CREATE OR REPLACE FUNCTION gatehouse_notice_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gh_bus_' || left(md5(TG_TABLE_SCHEMA), 16), 'member:' || OLD.id);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION gatehouse_notice_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gh_bus_' || left(md5(TG_TABLE_SCHEMA), 16), 'member:' || OLD.member_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER members_notice AFTER UPDATE OR DELETE ON members
    FOR EACH ROW EXECUTE FUNCTION gatehouse_notice_member();

-- A session that had already ended needs no notice (every cache checks the
-- expiry itself): the clean-up job deletes those by the thousand.
CREATE TRIGGER sessions_notice AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW WHEN (OLD.ends_at > (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
    EXECUTE FUNCTION gatehouse_notice_session();
