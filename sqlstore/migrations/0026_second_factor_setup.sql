-- An administrator may ask a member to set up a second factor at their next
-- sign-in (issue 13): the sign-in leads them to /login/setup after the
-- password, and the next complete sign-in clears the flag.
ALTER TABLE members ADD COLUMN must_set_up_second_factor INTEGER NOT NULL DEFAULT 0;
