-- A member's own language and time zone (issue 18): '' is the automatic
-- choice (the browser's language, the organization's defaults).
ALTER TABLE members ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
