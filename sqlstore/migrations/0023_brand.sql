-- An organization's logo and its own wording of catalog messages (issue 18,
-- package brand). The logo's bytes are kept in the database, base64, so that
-- every replica serves it (a logo is at most 256 KiB); etag is its version.
CREATE TABLE org_logos (
    org_id TEXT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    data TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    etag TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE org_texts (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    message_key TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, lang, message_key)
);
