-- Change notices for the caches of every process (internal/bus,
-- sqlstore/bus.go).
--
-- A process keeps recent session lookups in memory for a fraction of a
-- second. When a session or its member changes, every process on the file
-- must drop them: these triggers append a notice naming the member to
-- change_notices, from whatever wrote the row (the server, `gatehouse`
-- commands, the sqlite3 shell), so no write path can forget it. Every process
-- reads the new notices a few times a second and prunes the old ones. A notice
-- of a transaction rolled back is rolled back with it.
-- AUTOINCREMENT: a sequence number is never used twice, even after pruning,
-- so that a reader can tell it missed notices.
CREATE TABLE change_notices (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key   TEXT NOT NULL
);

CREATE TRIGGER members_notice_update AFTER UPDATE ON members BEGIN
    INSERT INTO change_notices (topic, key) VALUES ('member', OLD.id);
END;

CREATE TRIGGER members_notice_delete AFTER DELETE ON members BEGIN
    INSERT INTO change_notices (topic, key) VALUES ('member', OLD.id);
END;

-- A session that had already ended needs no notice (every cache checks the
-- expiry itself): the clean-up job deletes those by the thousand.
CREATE TRIGGER sessions_notice_update AFTER UPDATE ON sessions
    WHEN OLD.ends_at > CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
BEGIN
    INSERT INTO change_notices (topic, key) VALUES ('member', OLD.member_id);
END;

CREATE TRIGGER sessions_notice_delete AFTER DELETE ON sessions
    WHEN OLD.ends_at > CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
BEGIN
    INSERT INTO change_notices (topic, key) VALUES ('member', OLD.member_id);
END;
