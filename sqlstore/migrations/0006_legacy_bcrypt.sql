-- Imported bcrypt password hashes, by organization. Every sign-in asks for the
-- highest cost among them (Store.LegacyBcryptCost) to do as much bcrypt work,
-- whichever account it names; the partial index holds only those rows, so the
-- question costs nothing once every imported hash has been upgraded.
CREATE INDEX members_bcrypt ON members (org_id, password_hash) WHERE SUBSTR(password_hash, 1, 2) = '$2';
