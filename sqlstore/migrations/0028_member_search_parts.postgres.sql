-- PostgreSQL's search copy (migration 0027) in parts by ranges of the
-- username: one before 'a', then from each letter and from the letter and
-- 'm' (a, am, b, bm, ... z, zm): 53 parts, each with its own trigram index.
-- A search in username order reads the parts one after another and stops
-- at the first that fill its page (pgCopyPage): it reads the candidates of
-- those parts alone, which sit together on their parts' pages, instead of
-- every candidate from every page of the copy. The parts' bounds are only
-- for speed: the query's own ranges (pgCopyRanges) cover every username,
-- whatever parts the table has.
ALTER TABLE member_search_rows RENAME TO member_search_rows_flat;

CREATE TABLE member_search_rows (
    member_id     TEXT NOT NULL,
    org_id        TEXT NOT NULL,
    username_norm TEXT NOT NULL,
    role          TEXT NOT NULL,
    state         TEXT NOT NULL,
    search        TEXT NOT NULL
) PARTITION BY RANGE (username_norm);

DO $$
DECLARE
    bounds text[] := ARRAY(SELECT chr(c) || s FROM generate_series(ascii('a'), ascii('z')) c, unnest(ARRAY['', 'm']) s
        ORDER BY c, s);
    lo text := 'MINVALUE';
    trgm text;
BEGIN
    FOR i IN 1 .. array_length(bounds, 1) LOOP
        EXECUTE format('CREATE TABLE member_search_rows_%s PARTITION OF member_search_rows FOR VALUES FROM (%s) TO (%L)',
            i - 1, lo, bounds[i]);
        lo := quote_literal(bounds[i]);
    END LOOP;
    EXECUTE format('CREATE TABLE member_search_rows_%s PARTITION OF member_search_rows FOR VALUES FROM (%s) TO (MAXVALUE)',
        array_length(bounds, 1), lo);
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX member_search_rows_parts_trgm ON member_search_rows USING gin (search %I.gin_trgm_ops)', trgm);
END
$$;
-- The trigger finds a member's row by its id, in the part its username names
-- (no index on the username: a search must not walk a part in its order).
CREATE INDEX member_search_rows_parts_member ON member_search_rows (member_id);

INSERT INTO member_search_rows SELECT * FROM member_search_rows_flat ORDER BY org_id, username_norm;
DROP TABLE member_search_rows_flat;

CREATE OR REPLACE FUNCTION member_search_rows_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO member_search_rows (member_id, org_id, username_norm, role, state, search)
        VALUES (NEW.id, NEW.org_id, NEW.username_norm, NEW.role, NEW.state,
            NEW.username_norm || E'\n' || NEW.display_name_norm || E'\n' || NEW.email_norm || E'\n' || NEW.work_email_norm);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE member_search_rows SET member_id = NEW.id, org_id = NEW.org_id, username_norm = NEW.username_norm,
            role = NEW.role, state = NEW.state,
            search = NEW.username_norm || E'\n' || NEW.display_name_norm || E'\n' || NEW.email_norm || E'\n' || NEW.work_email_norm
        WHERE username_norm = OLD.username_norm AND member_id = OLD.id;
    ELSE
        DELETE FROM member_search_rows WHERE username_norm = OLD.username_norm AND member_id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;
