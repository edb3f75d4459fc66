-- A narrow copy of what a member search reads (PostgreSQL), as SQLite's
-- member_search_rows is: the organization, role, state, username and the four
-- searched fields of each member, joined into one text, with one pg_trgm
-- index on it. A search whose matches are many, or gather far along the
-- username order, reads its candidates here (some 150 bytes a row) instead of
-- a page of members each (345 bytes a row and twenty columns to decode), and
-- sorts them by the username it finds beside them; only the page's members are
-- then read from members (sqlstore/member_search_text.go, pgCopyQuery).
--
-- search is username_norm, display_name_norm, email_norm and work_email_norm
-- joined by a line feed: a text without a line feed is a part of it exactly
-- when it is a part of one of the four (a query holding a line feed is not
-- looked up here). pg_trgm splits words at the line feed, so the index holds
-- the trigrams of the four fields.
--
-- A trigger keeps the copy on every write of members, whatever writes it
-- (the store's methods, CreateMembers' COPY, a statement by hand), in the
-- writer's transaction: a rollback undoes both.
CREATE TABLE member_search_rows (
    member_id     TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    username_norm TEXT NOT NULL,
    role          TEXT NOT NULL,
    state         TEXT NOT NULL,
    search        TEXT NOT NULL
);

CREATE FUNCTION member_search_rows_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO member_search_rows (member_id, org_id, username_norm, role, state, search)
        VALUES (NEW.id, NEW.org_id, NEW.username_norm, NEW.role, NEW.state,
            NEW.username_norm || E'\n' || NEW.display_name_norm || E'\n' || NEW.email_norm || E'\n' || NEW.work_email_norm);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE member_search_rows SET member_id = NEW.id, org_id = NEW.org_id, username_norm = NEW.username_norm,
            role = NEW.role, state = NEW.state,
            search = NEW.username_norm || E'\n' || NEW.display_name_norm || E'\n' || NEW.email_norm || E'\n' || NEW.work_email_norm
        WHERE member_id = OLD.id;
    ELSE
        DELETE FROM member_search_rows WHERE member_id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;

-- An update that changes none of the copied columns (a sign-in, a password)
-- leaves the copy alone.
CREATE TRIGGER members_search_rows_insert AFTER INSERT ON members
    FOR EACH ROW EXECUTE FUNCTION member_search_rows_keep();
CREATE TRIGGER members_search_rows_update AFTER UPDATE ON members
    FOR EACH ROW WHEN ((OLD.id, OLD.org_id, OLD.username_norm, OLD.role, OLD.state,
        OLD.display_name_norm, OLD.email_norm, OLD.work_email_norm)
        IS DISTINCT FROM (NEW.id, NEW.org_id, NEW.username_norm, NEW.role, NEW.state,
        NEW.display_name_norm, NEW.email_norm, NEW.work_email_norm))
    EXECUTE FUNCTION member_search_rows_keep();
CREATE TRIGGER members_search_rows_delete AFTER DELETE ON members
    FOR EACH ROW EXECUTE FUNCTION member_search_rows_keep();

-- The members already there, in username order.
INSERT INTO member_search_rows (member_id, org_id, username_norm, role, state, search)
SELECT id, org_id, username_norm, role, state,
    username_norm || E'\n' || display_name_norm || E'\n' || email_norm || E'\n' || work_email_norm
FROM members ORDER BY org_id, username_norm;

-- pg_trgm's schema, as migration 0010 found or created it.
DO $$
DECLARE
    trgm text;
BEGIN
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX member_search_rows_trgm ON member_search_rows USING gin (search %I.gin_trgm_ops)', trgm);
END
$$;
