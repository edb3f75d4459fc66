-- Which address of a member is proven to reach them (issue 15: the OpenID
-- Connect claim email_verified). A link emailed to an address (activation,
-- reset) records it in sent_to; using the link copies it to the member's
-- verified_email, with the time. Members and links from before know none.
ALTER TABLE members ADD COLUMN verified_email TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN email_verified_at BIGINT;
ALTER TABLE tokens ADD COLUMN sent_to TEXT NOT NULL DEFAULT '';
