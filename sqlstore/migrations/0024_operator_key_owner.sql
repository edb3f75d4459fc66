-- The operator who created an operator API key ('' for the command line):
-- while that operator is disabled or removed, the key does not work.
ALTER TABLE operator_api_keys ADD COLUMN created_by_id TEXT NOT NULL DEFAULT '';
