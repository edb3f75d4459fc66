-- Nothing on SQLite: its search index already gives candidates in username
-- order (migration 0010); 0028 parts PostgreSQL's copy of 0027.
SELECT 1;
