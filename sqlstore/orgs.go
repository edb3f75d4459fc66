package sqlstore

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// CreateOrganization adds an organization with its hosts; the default one
// exists from the first migration. An empty Slug is the ID and an empty State
// active. An id, slug or host already taken is a Conflict.
func (s orgRows) CreateOrganization(ctx context.Context, o *gatehouse.Organization) error {
	return s.inTx(ctx, func(t *Store) error {
		if err := t.insertOrganization(ctx, o); err != nil {
			return err
		}
		return t.orgChanged(ctx, o.ID)
	})
}

func (s orgRows) insertOrganization(ctx context.Context, o *gatehouse.Organization) error {
	const op = "sqlstore.CreateOrganization"
	slug, state := o.Slug, o.State
	if slug == "" {
		slug = o.ID
	}
	if state == "" {
		state = gatehouse.OrgActive
	}
	if _, err := s.exec(ctx, `INSERT INTO organizations (id, slug, name, state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		o.ID, slug, o.Name, string(state), micros(o.CreatedAt), micros(o.UpdatedAt)); err != nil {
		return dbErr(op, err)
	}
	return s.insertHosts(ctx, op, o.ID, o.Hosts, o.CreatedAt)
}

const orgCols = `id, slug, name, state, created_at, updated_at`

func scanOrg(row scanner) (*gatehouse.Organization, error) {
	var o gatehouse.Organization
	var created, updated sql.NullInt64
	if err := row.Scan(&o.ID, &o.Slug, &o.Name, &o.State, &created, &updated); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = timeOf(created), timeOf(updated)
	return &o, nil
}

// Organization returns the organization with id, with its hosts. The default
// organization was created when the database was first migrated. Outside a
// transaction the answer comes from the cache OrganizationByHost uses (every
// session and API key checks its organization's state on every request).
func (s orgRows) Organization(ctx context.Context, id string) (*gatehouse.Organization, error) {
	// "#" is in no host name, so an id cannot meet a host in the cache.
	return s.cachedOrgByHost(ctx, "#"+id, func() (*gatehouse.Organization, error) {
		return s.orgWhere(ctx, "sqlstore.Organization", `id = $1`, id)
	})
}

// Settings returns the organization's stored settings by name. An organization
// with none, or one that does not exist, has an empty map: LoadSettings fills in
// the defaults. Outside a transaction the answer may come from a cache at most
// Options.SettingsTTL old, which every change drops (see DefaultSettingsTTL).
func (s orgRows) Settings(ctx context.Context, orgID string) (map[string]string, error) {
	c := s.db.settings
	if s.tx != nil || c == nil {
		return s.readSettings(ctx, orgID)
	}
	return c.through(orgID, func() (map[string]string, error) { return s.readSettings(ctx, orgID) })
}

func (s orgRows) readSettings(ctx context.Context, orgID string) (map[string]string, error) {
	const op = "sqlstore.Settings"
	rows, err := s.query(ctx, `SELECT name, value FROM org_settings WHERE org_id = $1`, orgID)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, dbErr(op, err)
		}
		out[name] = value
	}
	return out, dbErr(op, rows.Err())
}

// SetSettings stores values, leaving other settings as they are, in one
// transaction. An unknown organization is NotFound.
func (s orgRows) SetSettings(ctx context.Context, orgID string, values map[string]string, at time.Time) error {
	const op = "sqlstore.SetSettings"
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names) // a stable order of row locks, so concurrent writers cannot deadlock
	return s.inTx(ctx, func(t *Store) error {
		// Dropped now, so that no read that began before the change fills the
		// cache later, and on every replica (this one included) when the
		// notice is delivered, at commit, when the change becomes visible.
		if c := t.db.settings; c != nil {
			c.clear()
		}
		if err := t.Publish(ctx, TopicSettings, orgID); err != nil {
			return err
		}
		for _, n := range names {
			if _, err := t.exec(ctx, `INSERT INTO org_settings (org_id, name, value, updated_at)
				VALUES ($1, $2, $3, $4)
				ON CONFLICT (org_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
				orgID, n, values[n], micros(at)); err != nil {
				return dbErr(op, err)
			}
		}
		return nil
	})
}
