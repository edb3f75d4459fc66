-- Whether a member's mobile number is proven to reach them (issue 13): the
-- number a code sent by SMS last came back from, and when. A number an
-- administrator sets stays unverified until the member enters a code sent to
-- it. Numbers from before count as verified when a code sent to them by SMS
-- is on record as used (the confirmation of a new number, a sign-in code);
-- the others, set by an administrator or imported, start unverified.
ALTER TABLE members ADD COLUMN verified_mobile TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN mobile_verified_at BIGINT;
UPDATE members SET
    verified_mobile = mobile,
    mobile_verified_at = (SELECT MAX(c.used_at) FROM sent_codes c
        WHERE c.member_id = members.id AND c.channel = 'sms' AND c.recipient = members.mobile AND c.used_at IS NOT NULL)
WHERE mobile <> '' AND EXISTS (SELECT 1 FROM sent_codes c
    WHERE c.member_id = members.id AND c.channel = 'sms' AND c.recipient = members.mobile AND c.used_at IS NOT NULL);
