-- Builtin CAPTCHA challenges already used, so that each works once whichever
-- replica sees it. id is a hash of the challenge; a row may go once expires_at
-- (microseconds) has passed, as the challenge no longer verifies by then.
CREATE TABLE captcha_solutions (
    id         TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX captcha_solutions_expires ON captcha_solutions (expires_at);
