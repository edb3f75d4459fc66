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
CREATE INDEX members_sort_username ON members (org_id, username_norm, role, state);
CREATE INDEX members_sort_name ON members (org_id, display_name_norm, username_norm, role, state);
CREATE INDEX members_sort_email ON members (org_id, email_norm, username_norm, role, state);
CREATE INDEX members_sort_role ON members (org_id,
    (CASE role WHEN 'member' THEN 1 WHEN 'administrator' THEN 2 WHEN 'owner' THEN 3 ELSE 4 END), username_norm, role, state);
CREATE INDEX members_sort_state ON members (org_id,
    (CASE state WHEN 'never_activated' THEN 1 WHEN 'active' THEN 2 WHEN 'expired' THEN 3 WHEN 'disabled' THEN 4 ELSE 5 END), username_norm, role, state);
CREATE INDEX members_sort_signin ON members (org_id, (COALESCE(last_signin_at, 0)), username_norm, role, state);
CREATE INDEX members_sort_password ON members (org_id, (COALESCE(password_changed_at, 0)), username_norm, role, state);

-- The search index. Its rows are numbered by member_search_rows.seq, an
-- INTEGER PRIMARY KEY that nothing renumbers: the rowid of members itself
-- (a table keyed by TEXT) may change in a VACUUM. The index stores no text
-- of its own (content=''), only the trigrams; contentless_delete lets the
-- triggers remove a member's row. Each value is indexed with two U+0001 after
-- it (no name or address holds one), so that every character of it begins a
-- trigram: a search of one or two characters is then the trigrams that begin
-- with them, listed by member_search_terms (one row per occurrence, in term
-- order, read lazily).
CREATE TABLE member_search_rows (
    seq       INTEGER PRIMARY KEY,
    member_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE member_search USING fts5(
    username, display_name, email, work_email,
    tokenize = 'trigram case_sensitive 1', content = '', contentless_delete = 1
);
CREATE VIRTUAL TABLE member_search_terms USING fts5vocab(member_search, 'instance');

INSERT INTO member_search_rows (member_id) SELECT id FROM members;
INSERT INTO member_search (rowid, username, display_name, email, work_email)
    SELECT r.seq, m.username_norm || char(1, 1), m.display_name_norm || char(1, 1),
           m.email_norm || char(1, 1), m.work_email_norm || char(1, 1)
    FROM member_search_rows r JOIN members m ON m.id = r.member_id;

CREATE TRIGGER members_search_insert AFTER INSERT ON members BEGIN
    INSERT INTO member_search_rows (member_id) VALUES (NEW.id);
    INSERT INTO member_search (rowid, username, display_name, email, work_email)
        VALUES ((SELECT seq FROM member_search_rows WHERE member_id = NEW.id),
                NEW.username_norm || char(1, 1), NEW.display_name_norm || char(1, 1),
                NEW.email_norm || char(1, 1), NEW.work_email_norm || char(1, 1));
END;

CREATE TRIGGER members_search_update
    AFTER UPDATE OF id, username_norm, display_name_norm, email_norm, work_email_norm ON members
    WHEN OLD.id IS NOT NEW.id OR OLD.username_norm IS NOT NEW.username_norm
      OR OLD.display_name_norm IS NOT NEW.display_name_norm OR OLD.email_norm IS NOT NEW.email_norm
      OR OLD.work_email_norm IS NOT NEW.work_email_norm
BEGIN
    DELETE FROM member_search WHERE rowid = (SELECT seq FROM member_search_rows WHERE member_id = OLD.id);
    UPDATE member_search_rows SET member_id = NEW.id WHERE member_id = OLD.id;
    INSERT INTO member_search (rowid, username, display_name, email, work_email)
        VALUES ((SELECT seq FROM member_search_rows WHERE member_id = NEW.id),
                NEW.username_norm || char(1, 1), NEW.display_name_norm || char(1, 1),
                NEW.email_norm || char(1, 1), NEW.work_email_norm || char(1, 1));
END;

CREATE TRIGGER members_search_delete AFTER DELETE ON members BEGIN
    DELETE FROM member_search WHERE rowid = (SELECT seq FROM member_search_rows WHERE member_id = OLD.id);
    DELETE FROM member_search_rows WHERE member_id = OLD.id;
END;
