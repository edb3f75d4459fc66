-- Nothing on SQLite: its member_search_rows (migration 0010) already holds
-- the copy that PostgreSQL's migration 0027 adds.
SELECT 1;
