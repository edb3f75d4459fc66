-- The sender of an email is stored with it when it is queued (issue 11), so
-- that the delivery worker needs nothing but the message and never reads the
-- organization's settings. Emails still queued take the sender that their
-- organization's settings give now, as the worker would have read it: the
-- address (default gatehouse@localhost) and the sender name, or else the
-- organization name (default Gatehouse).
ALTER TABLE messages ADD COLUMN from_address TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN from_name TEXT NOT NULL DEFAULT '';
UPDATE messages SET
    from_address = COALESCE((SELECT value FROM org_settings s
        WHERE s.org_id = messages.org_id AND s.name = 'mail_from_address'), 'gatehouse@localhost'),
    from_name = COALESCE(
        NULLIF((SELECT value FROM org_settings s WHERE s.org_id = messages.org_id AND s.name = 'mail_from_name'), ''),
        (SELECT value FROM org_settings s WHERE s.org_id = messages.org_id AND s.name = 'organization_name'),
        'Gatehouse')
WHERE status = 'queued' AND channel = 'email';
