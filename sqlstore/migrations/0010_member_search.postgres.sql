-- Member search that stays fast at a million members, the sort orders of the
-- admin console, and the time of each member's last sign-in (PostgreSQL).
--
-- Search matches a part of the normalized username, display name or either
-- email (sqlstore/member_search.go), as before; trigram indexes of
-- the pg_trgm extension (shipped with PostgreSQL) let the planner find the
-- rows of a search of three characters or more without reading the others,
-- and an index of every character and pair of characters those of one or
-- two, in which pg_trgm finds no trigram. Indexes are kept by PostgreSQL
-- itself on every write.

-- last_signin_at is when the member last completed a sign-in (every factor
-- proven), NULL for never. Written only by RecordSignIn.
ALTER TABLE members ADD COLUMN last_signin_at BIGINT;

-- One index per sort order of the member list, as on SQLite (see the SQLite
-- variant of this migration for why each has the shape it has).
-- The username order, the one searches are shown in, also holds the other
-- searched fields and the id, so that a search walking it reads no member it
-- does not show (an index-only scan, once VACUUM has marked the table's pages).
CREATE INDEX members_sort_username ON members (org_id, username_norm, role, state)
    INCLUDE (display_name_norm, email_norm, work_email_norm, id);
CREATE INDEX members_sort_name ON members (org_id, display_name_norm, username_norm, role, state);
CREATE INDEX members_sort_email ON members (org_id, email_norm, username_norm, role, state);
CREATE INDEX members_sort_role ON members (org_id,
    (CASE role WHEN 'member' THEN 1 WHEN 'administrator' THEN 2 WHEN 'owner' THEN 3 ELSE 4 END), username_norm, role, state);
CREATE INDEX members_sort_state ON members (org_id,
    (CASE state WHEN 'never_activated' THEN 1 WHEN 'active' THEN 2 WHEN 'expired' THEN 3 WHEN 'disabled' THEN 4 ELSE 5 END), username_norm, role, state);
CREATE INDEX members_sort_signin ON members (org_id, (COALESCE(last_signin_at, 0)), username_norm, role, state);
CREATE INDEX members_sort_password ON members (org_id, (COALESCE(password_changed_at, 0)), username_norm, role, state);

-- member_grams lists every character and pair of characters of the four
-- fields: a field contains a text of one or two characters exactly when the
-- list holds it. Used only by the index below and the queries that match it
-- (only when they name few members: computing it for every member of a scan
-- would take a minute).
CREATE FUNCTION member_grams(a text, b text, c text, d text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT COALESCE(array_agg(DISTINCT g), '{}') FROM (
        SELECT substr(t, i, n) AS g
        FROM unnest(ARRAY[a, b, c, d]) AS t, generate_series(1, length(t)) AS i, (VALUES (1), (2)) AS v(n)
    ) grams
$$;
CREATE INDEX members_search_short ON members
    USING gin (member_grams(username_norm, display_name_norm, email_norm, work_email_norm));

-- pg_trgm is installed once per database, in one schema, and used from there
-- by every schema: when it is already installed (by an operator, or by
-- another Gatehouse in another schema of the same database) the indexes name
-- its operator classes in that schema; otherwise this creates it in the
-- current schema, which needs the CREATE privilege on the database (pg_trgm
-- is a trusted extension from PostgreSQL 13 on) or a superuser. A lock held
-- to the end of this transaction keeps migrators of two schemas from both
-- creating it. Queries use plain LIKE, a built-in operator, so they find the
-- indexes whatever their search_path.
DO $$
DECLARE
    trgm text;
BEGIN
    PERFORM pg_advisory_xact_lock(74687, 0); -- 74687: "gatehouse extensions"
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    IF trgm IS NULL THEN
        CREATE EXTENSION pg_trgm;
        SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'pg_trgm';
    END IF;
    EXECUTE format('CREATE INDEX members_search_username ON members USING gin (username_norm %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX members_search_name ON members USING gin (display_name_norm %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX members_search_email ON members USING gin (email_norm %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX members_search_work_email ON members USING gin (work_email_norm %I.gin_trgm_ops)', trgm);
END
$$;
