-- Many organizations in one installation (issue 12). An organization has a
-- unique slug, a name, a state (active or suspended) and the host names it
-- answers on. The default organization keeps the slug "default" and no host:
-- it answers on the configured public URL.
ALTER TABLE organizations ADD COLUMN slug TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE organizations ADD COLUMN updated_at BIGINT;
UPDATE organizations SET slug = id WHERE slug = '';
CREATE UNIQUE INDEX organizations_slug ON organizations (slug);

-- A host belongs to one organization; position orders an organization's hosts
-- (0 is the host its links are built on). host is stored as
-- gatehouse.NormalizeHost makes it, and a request's Host is compared exactly.
CREATE TABLE org_hosts (
    host       TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id),
    position   INTEGER NOT NULL,
    created_at BIGINT
);
CREATE UNIQUE INDEX org_hosts_org ON org_hosts (org_id, position);
