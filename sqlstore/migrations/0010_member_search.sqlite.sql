-- Member search that stays fast at a million members, the sort orders of the
-- admin console, and the time of each member's last sign-in (SQLite).
--
-- Search matches a part of the normalized username, display name or either
-- email (sqlstore/member_search.go). A full-text index with the trigram
-- tokenizer finds the candidates of a search, and the same LIKE as before
-- confirms each, so the results are exactly those of a scan. The index is kept
-- by triggers on members: no code path that writes these columns can forget it.

-- last_signin_at is when the member last completed a sign-in (every factor
-- proven), NULL for never. Written only by RecordSignIn.
ALTER TABLE members ADD COLUMN last_signin_at BIGINT;

-- One index per sort order of the member list, each within the organization
-- and ending in username_norm, which is unique there and breaks ties, so that a
-- page cursor is (key, username_norm). The keys are the expressions that
-- sqlstore/member_search.go orders by, written identically so that SQLite
-- uses these indexes; role and state, in the index, let a filter on them be
-- checked without reading the row.
-- The username order, the one searches are shown in, also holds the other
-- searched fields, so that a search walking it reads no member it does not
-- show: each member read from the table is a page of its own, at random in a
-- file of a gigabyte at a million members.
CREATE INDEX members_sort_username ON members (org_id, username_norm, role, state,
    display_name_norm, email_norm, work_email_norm);
CREATE INDEX members_sort_name ON members (org_id, display_name_norm, username_norm, role, state);
CREATE INDEX members_sort_email ON members (org_id, email_norm, username_norm, role, state);
CREATE INDEX members_sort_role ON members (org_id,
    (CASE role WHEN 'member' THEN 1 WHEN 'administrator' THEN 2 WHEN 'owner' THEN 3 ELSE 4 END), username_norm, role, state);
CREATE INDEX members_sort_state ON members (org_id,
    (CASE state WHEN 'never_activated' THEN 1 WHEN 'active' THEN 2 WHEN 'expired' THEN 3 WHEN 'disabled' THEN 4 ELSE 5 END), username_norm, role, state);
CREATE INDEX members_sort_signin ON members (org_id, (COALESCE(last_signin_at, 0)), username_norm, role, state);
CREATE INDEX members_sort_password ON members (org_id, (COALESCE(password_changed_at, 0)), username_norm, role, state);

-- The search index. Its rows are numbered by member_search_rows.seq, an
-- INTEGER PRIMARY KEY that nothing renumbers (the rowid of members itself,
-- a table keyed by TEXT, may change in a VACUUM), and numbered in the order
-- of usernames: the index then gives the candidates of a search in the
-- order of its page, and a search by username reads a page of them rather
-- than all (sqlstore/member_search.go). seq is the first eight characters of
-- the username as a number in base 40 (0 for none, then - . 0-9 _ a-z, the
-- characters a normalized username may hold, in byte order) times 2^20, plus
-- one more than the greatest seq with the same eight characters: usernames
-- that share them are in no order among themselves, and the search sorts
-- them. member_search_rows also holds a copy of what a search checks and
-- sorts by, read one after the other in the order of the index rather than
-- each from a page of its own of members.
--
-- The index stores no text of its own (content=''), only the trigrams;
-- contentless_delete lets the triggers remove a member's row. Each value is
-- indexed with two U+0001 after it (no name or address holds one), so that
-- every character of it begins a trigram: a search of one or two characters
-- is then the trigrams that begin with them, listed by member_search_terms
-- (one row per occurrence, in term order, read lazily).
CREATE TABLE member_search_rows (
    seq               INTEGER PRIMARY KEY,
    member_id         TEXT NOT NULL UNIQUE,
    org_id            TEXT NOT NULL,
    role              TEXT NOT NULL,
    state             TEXT NOT NULL,
    username_norm     TEXT NOT NULL,
    display_name_norm TEXT NOT NULL,
    email_norm        TEXT NOT NULL,
    work_email_norm   TEXT NOT NULL
);
CREATE VIRTUAL TABLE member_search USING fts5(
    username, display_name, email, work_email,
    tokenize = 'trigram case_sensitive 1', content = '', contentless_delete = 1
);
CREATE VIRTUAL TABLE member_search_terms USING fts5vocab(member_search, 'instance');

-- The group of a username (its first eight characters in base 40, times
-- 2^20) is spelled out where it is needed: SQL has no functions of its own.
-- sqlstore/member_search.go computes the same in Go (usernameGroup).

CREATE TRIGGER members_search_insert AFTER INSERT ON members BEGIN
    INSERT INTO member_search_rows (seq, member_id, org_id, role, state, username_norm, display_name_norm, email_norm, work_email_norm)
        SELECT COALESCE((SELECT MAX(seq) FROM member_search_rows WHERE seq BETWEEN g AND g + 1048575), g - 1) + 1,
               NEW.id, NEW.org_id, NEW.role, NEW.state, NEW.username_norm, NEW.display_name_norm, NEW.email_norm, NEW.work_email_norm
        FROM (SELECT (((CASE WHEN length(NEW.username_norm) >= 1 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 1, 1)) ELSE 0 END) * 163840000000
        + (CASE WHEN length(NEW.username_norm) >= 2 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 2, 1)) ELSE 0 END) * 4096000000
        + (CASE WHEN length(NEW.username_norm) >= 3 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 3, 1)) ELSE 0 END) * 102400000
        + (CASE WHEN length(NEW.username_norm) >= 4 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 4, 1)) ELSE 0 END) * 2560000
        + (CASE WHEN length(NEW.username_norm) >= 5 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 5, 1)) ELSE 0 END) * 64000
        + (CASE WHEN length(NEW.username_norm) >= 6 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 6, 1)) ELSE 0 END) * 1600
        + (CASE WHEN length(NEW.username_norm) >= 7 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 7, 1)) ELSE 0 END) * 40
        + (CASE WHEN length(NEW.username_norm) >= 8 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 8, 1)) ELSE 0 END) * 1) * 1048576) AS g);
    INSERT INTO member_search (rowid, username, display_name, email, work_email)
        VALUES (last_insert_rowid(), NEW.username_norm || char(1, 1), NEW.display_name_norm || char(1, 1),
                NEW.email_norm || char(1, 1), NEW.work_email_norm || char(1, 1));
END;

-- A change of role or state changes the copy only; a change of a searched
-- field replaces the member's row and trigrams (a new username, a new seq).
CREATE TRIGGER members_search_update_filter AFTER UPDATE OF org_id, role, state ON members
    WHEN OLD.org_id IS NOT NEW.org_id OR OLD.role IS NOT NEW.role OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE member_search_rows SET org_id = NEW.org_id, role = NEW.role, state = NEW.state WHERE member_id = OLD.id;
END;

CREATE TRIGGER members_search_update
    AFTER UPDATE OF id, username_norm, display_name_norm, email_norm, work_email_norm ON members
    WHEN OLD.id IS NOT NEW.id OR OLD.username_norm IS NOT NEW.username_norm
      OR OLD.display_name_norm IS NOT NEW.display_name_norm OR OLD.email_norm IS NOT NEW.email_norm
      OR OLD.work_email_norm IS NOT NEW.work_email_norm
BEGIN
    DELETE FROM member_search WHERE rowid = (SELECT seq FROM member_search_rows WHERE member_id = OLD.id);
    DELETE FROM member_search_rows WHERE member_id = OLD.id;
    INSERT INTO member_search_rows (seq, member_id, org_id, role, state, username_norm, display_name_norm, email_norm, work_email_norm)
        SELECT COALESCE((SELECT MAX(seq) FROM member_search_rows WHERE seq BETWEEN g AND g + 1048575), g - 1) + 1,
               NEW.id, NEW.org_id, NEW.role, NEW.state, NEW.username_norm, NEW.display_name_norm, NEW.email_norm, NEW.work_email_norm
        FROM (SELECT (((CASE WHEN length(NEW.username_norm) >= 1 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 1, 1)) ELSE 0 END) * 163840000000
        + (CASE WHEN length(NEW.username_norm) >= 2 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 2, 1)) ELSE 0 END) * 4096000000
        + (CASE WHEN length(NEW.username_norm) >= 3 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 3, 1)) ELSE 0 END) * 102400000
        + (CASE WHEN length(NEW.username_norm) >= 4 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 4, 1)) ELSE 0 END) * 2560000
        + (CASE WHEN length(NEW.username_norm) >= 5 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 5, 1)) ELSE 0 END) * 64000
        + (CASE WHEN length(NEW.username_norm) >= 6 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 6, 1)) ELSE 0 END) * 1600
        + (CASE WHEN length(NEW.username_norm) >= 7 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 7, 1)) ELSE 0 END) * 40
        + (CASE WHEN length(NEW.username_norm) >= 8 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(NEW.username_norm, 8, 1)) ELSE 0 END) * 1) * 1048576) AS g);
    INSERT INTO member_search (rowid, username, display_name, email, work_email)
        VALUES (last_insert_rowid(), NEW.username_norm || char(1, 1), NEW.display_name_norm || char(1, 1),
                NEW.email_norm || char(1, 1), NEW.work_email_norm || char(1, 1));
END;

CREATE TRIGGER members_search_delete AFTER DELETE ON members BEGIN
    DELETE FROM member_search WHERE rowid = (SELECT seq FROM member_search_rows WHERE member_id = OLD.id);
    DELETE FROM member_search_rows WHERE member_id = OLD.id;
END;

-- The members already there, through the insert trigger's own statements.
INSERT INTO member_search_rows (seq, member_id, org_id, role, state, username_norm, display_name_norm, email_norm, work_email_norm)
    SELECT ((((CASE WHEN length(username_norm) >= 1 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 1, 1)) ELSE 0 END) * 163840000000
        + (CASE WHEN length(username_norm) >= 2 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 2, 1)) ELSE 0 END) * 4096000000
        + (CASE WHEN length(username_norm) >= 3 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 3, 1)) ELSE 0 END) * 102400000
        + (CASE WHEN length(username_norm) >= 4 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 4, 1)) ELSE 0 END) * 2560000
        + (CASE WHEN length(username_norm) >= 5 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 5, 1)) ELSE 0 END) * 64000
        + (CASE WHEN length(username_norm) >= 6 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 6, 1)) ELSE 0 END) * 1600
        + (CASE WHEN length(username_norm) >= 7 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 7, 1)) ELSE 0 END) * 40
        + (CASE WHEN length(username_norm) >= 8 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 8, 1)) ELSE 0 END) * 1) * 1048576)) + ROW_NUMBER() OVER (PARTITION BY (((CASE WHEN length(username_norm) >= 1 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 1, 1)) ELSE 0 END) * 163840000000
        + (CASE WHEN length(username_norm) >= 2 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 2, 1)) ELSE 0 END) * 4096000000
        + (CASE WHEN length(username_norm) >= 3 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 3, 1)) ELSE 0 END) * 102400000
        + (CASE WHEN length(username_norm) >= 4 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 4, 1)) ELSE 0 END) * 2560000
        + (CASE WHEN length(username_norm) >= 5 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 5, 1)) ELSE 0 END) * 64000
        + (CASE WHEN length(username_norm) >= 6 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 6, 1)) ELSE 0 END) * 1600
        + (CASE WHEN length(username_norm) >= 7 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 7, 1)) ELSE 0 END) * 40
        + (CASE WHEN length(username_norm) >= 8 THEN instr('-.0123456789_abcdefghijklmnopqrstuvwxyz', substr(username_norm, 8, 1)) ELSE 0 END) * 1) * 1048576) ORDER BY id) - 1,
           id, org_id, role, state, username_norm, display_name_norm, email_norm, work_email_norm
    FROM members;
INSERT INTO member_search (rowid, username, display_name, email, work_email)
    SELECT seq, username_norm || char(1, 1), display_name_norm || char(1, 1),
           email_norm || char(1, 1), work_email_norm || char(1, 1)
    FROM member_search_rows;
