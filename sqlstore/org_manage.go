package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/org"
)

var _ org.Store = (*Store)(nil)

// OrganizationBySlug returns the organization with the slug, with its hosts.
func (s orgRows) OrganizationBySlug(ctx context.Context, slug string) (*gatehouse.Organization, error) {
	return s.orgWhere(ctx, "sqlstore.OrganizationBySlug", `slug = $1`, slug)
}

// OrganizationByHost returns the organization that has the host (as
// gatehouse.NormalizeHost makes it), with all its hosts.
func (s orgRows) OrganizationByHost(ctx context.Context, host string) (*gatehouse.Organization, error) {
	return s.cachedOrgByHost(ctx, host, func() (*gatehouse.Organization, error) {
		return s.orgWhere(ctx, "sqlstore.OrganizationByHost", `id = (SELECT org_id FROM org_hosts WHERE host = $1)`, host)
	})
}

// HasHosts reports whether any organization has a host.
func (s orgRows) HasHosts(ctx context.Context) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM org_hosts LIMIT 1) h`).Scan(&n)
	return n > 0, dbErr("sqlstore.HasHosts", err)
}

func (s orgRows) orgWhere(ctx context.Context, op, where string, arg any) (*gatehouse.Organization, error) {
	o, err := scanOrg(s.queryRow(ctx, `SELECT `+orgCols+` FROM organizations WHERE `+where, arg))
	if err != nil {
		return nil, dbErr(op, err)
	}
	if o.Hosts, err = s.hosts(ctx, op, o.ID); err != nil {
		return nil, err
	}
	return o, nil
}

func (s orgRows) hosts(ctx context.Context, op, orgID string) ([]string, error) {
	rows, err := s.query(ctx, `SELECT host FROM org_hosts WHERE org_id = $1 ORDER BY position`, orgID)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, h)
	}
	return out, dbErr(op, rows.Err())
}

func (s orgRows) insertHosts(ctx context.Context, op, orgID string, hosts []string, at time.Time) error {
	for i, h := range hosts {
		if _, err := s.exec(ctx, `INSERT INTO org_hosts (host, org_id, position, created_at) VALUES ($1, $2, $3, $4)`,
			h, orgID, i, micros(at)); err != nil {
			return dbErr(op, err)
		}
	}
	return nil
}

// FoundOrganization stores a new organization, its settings, its first-owner
// invitation and the audit event in one transaction.
func (s orgRows) FoundOrganization(ctx context.Context, f org.Founding) error {
	const op = "sqlstore.FoundOrganization"
	err := s.inTx(ctx, func(t *Store) error {
		if err := t.insertOrganization(ctx, f.Org); err != nil {
			return err
		}
		if len(f.Settings) > 0 {
			if err := t.SetSettings(ctx, f.Org.ID, f.Settings, f.Org.CreatedAt); err != nil {
				return err
			}
		}
		if f.Invitation != nil {
			if err := t.invite(ctx, f.Org.ID, *f.Invitation); err != nil {
				return err
			}
		}
		if err := t.addEvent(ctx, f.Event); err != nil {
			return err
		}
		return t.orgChanged(ctx, f.Org.ID)
	})
	return gatehouse.Wrap(op, err)
}

// InviteOwner supersedes the organization's unused first-owner links with inv.
func (s orgRows) InviteOwner(ctx context.Context, orgID string, inv org.Invitation) error {
	return gatehouse.Wrap("sqlstore.InviteOwner", s.inTx(ctx, func(t *Store) error { return t.invite(ctx, orgID, inv) }))
}

func (s orgRows) invite(ctx context.Context, orgID string, inv org.Invitation) error {
	if _, err := s.RevokeTokens(ctx, orgID, "", gatehouse.PurposeSetup, inv.Token.CreatedAt); err != nil {
		return err
	}
	if err := s.CreateToken(ctx, inv.Token); err != nil {
		return err
	}
	if inv.Message != nil {
		if err := s.Enqueue(ctx, inv.Message); err != nil {
			return err
		}
	}
	return s.addEvent(ctx, inv.Event)
}

func (s orgRows) addEvent(ctx context.Context, e *gatehouse.AuditEvent) error {
	if e == nil {
		return nil
	}
	return s.AddAudit(ctx, e)
}

// ChangeOrganization writes what c names in one transaction with its event.
func (s orgRows) ChangeOrganization(ctx context.Context, id string, c org.Change) error {
	const op = "sqlstore.ChangeOrganization"
	return s.inTx(ctx, func(t *Store) error {
		sets := []string{"updated_at = $2"}
		args := []any{id, micros(c.UpdatedAt)}
		if c.Name != nil {
			args = append(args, *c.Name)
			sets = append(sets, "name = $"+strconv.Itoa(len(args)))
		}
		if c.State != nil {
			args = append(args, string(*c.State))
			sets = append(sets, "state = $"+strconv.Itoa(len(args)))
		}
		res, err := t.exec(ctx, `UPDATE organizations SET `+strings.Join(sets, ", ")+` WHERE id = $1`, args...)
		if n, err := count(op, res, err); err != nil {
			return err
		} else if n == 0 {
			return gatehouse.Errorf(gatehouse.NotFound, op, "no such organization")
		}
		if c.Hosts != nil {
			if _, err := t.exec(ctx, `DELETE FROM org_hosts WHERE org_id = $1`, id); err != nil {
				return dbErr(op, err)
			}
			if err := t.insertHosts(ctx, op, id, *c.Hosts, c.UpdatedAt); err != nil {
				return err
			}
		}
		if err := t.addEvent(ctx, c.Event); err != nil {
			return err
		}
		return t.orgChanged(ctx, id)
	})
}

// Organizations returns a page of organizations in slug order.
func (s orgRows) Organizations(ctx context.Context, f org.Filter) ([]*gatehouse.Organization, string, error) {
	const op = "sqlstore.Organizations"
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	where := []string{"slug > $1"}
	args := []any{f.Cursor}
	if f.State != "" {
		args = append(args, string(f.State))
		where = append(where, "state = $"+strconv.Itoa(len(args)))
	}
	if q := strings.ToLower(f.Query); q != "" {
		args = append(args, likeContains(q))
		p := "$" + strconv.Itoa(len(args))
		where = append(where, `(lower(slug) LIKE `+p+` ESCAPE '\' OR lower(name) LIKE `+p+` ESCAPE '\'
			OR EXISTS (SELECT 1 FROM org_hosts h WHERE h.org_id = organizations.id AND h.host LIKE `+p+` ESCAPE '\'))`)
	}
	args = append(args, limit+1)
	rows, err := s.query(ctx, `SELECT `+orgCols+` FROM organizations WHERE `+strings.Join(where, " AND ")+
		` ORDER BY slug LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, "", dbErr(op, err)
	}
	var out []*gatehouse.Organization
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			rows.Close()
			return nil, "", dbErr(op, err)
		}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", dbErr(op, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].Slug
	}
	for _, o := range out {
		if o.Hosts, err = s.hosts(ctx, op, o.ID); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}
