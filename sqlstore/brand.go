package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"maps"
	"time"

	"github.com/gatehouse-auth/gatehouse/brand"
)

var _ brand.Store = (*Store)(nil)

// TopicBrand is the topic of the notices about an organization's logo or
// text overrides; the key is its id.
const TopicBrand = "brand"

// DefaultBrandTTL is the longest Look answers from memory. Every page reads
// the brand; a change made through any Store of the deployment drops every
// replica's cache when its notice arrives (Publish), and whatever the
// notices do, no entry is used once older than this.
const DefaultBrandTTL = time.Second

func copyLook(l brand.Look) brand.Look {
	texts := make(map[string]map[string]string, len(l.Texts))
	for lang, m := range l.Texts {
		texts[lang] = maps.Clone(m)
	}
	l.Texts = texts
	return l
}

// Look returns the organization's logo description and text overrides;
// outside a transaction through the cache.
func (s brandRows) Look(ctx context.Context, orgID string) (brand.Look, error) {
	c := s.db.brand
	if s.tx != nil || c == nil {
		return s.readLook(ctx, orgID)
	}
	return c.through(orgID, func() (brand.Look, error) { return s.readLook(ctx, orgID) })
}

func (s brandRows) readLook(ctx context.Context, orgID string) (brand.Look, error) {
	const op = "sqlstore.Look"
	l := brand.Look{Texts: map[string]map[string]string{}}
	err := s.queryRow(ctx, `SELECT content_type, etag FROM org_logos WHERE org_id = $1`, orgID).Scan(&l.LogoType, &l.LogoETag)
	if err != nil && err != sql.ErrNoRows {
		return l, dbErr(op, err)
	}
	rows, err := s.query(ctx, `SELECT lang, message_key, body FROM org_texts WHERE org_id = $1`, orgID)
	if err != nil {
		return l, dbErr(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var lang, key, text string
		if err := rows.Scan(&lang, &key, &text); err != nil {
			return l, dbErr(op, err)
		}
		if l.Texts[lang] == nil {
			l.Texts[lang] = map[string]string{}
		}
		l.Texts[lang][key] = text
	}
	return l, dbErr(op, rows.Err())
}

// Logo returns the organization's logo; NotFound when it has none.
func (s brandRows) Logo(ctx context.Context, orgID string) (*brand.Logo, error) {
	const op = "sqlstore.Logo"
	var l brand.Logo
	var data string
	var at sql.NullInt64
	if err := s.queryRow(ctx, `SELECT content_type, data, width, height, etag, updated_at FROM org_logos WHERE org_id = $1`, orgID).
		Scan(&l.Type, &data, &l.Width, &l.Height, &l.ETag, &at); err != nil {
		return nil, dbErr(op, err)
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, dbErr(op, err)
	}
	l.Data, l.UpdatedAt = b, timeOf(at)
	return &l, nil
}

// SetLogo stores the organization's logo, replacing any.
func (s brandRows) SetLogo(ctx context.Context, orgID string, l *brand.Logo) error {
	const op = "sqlstore.SetLogo"
	if _, err := s.exec(ctx, `INSERT INTO org_logos (org_id, content_type, data, width, height, etag, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (org_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data,
			width = excluded.width, height = excluded.height, etag = excluded.etag, updated_at = excluded.updated_at`,
		orgID, l.Type, base64.StdEncoding.EncodeToString(l.Data), l.Width, l.Height, l.ETag, micros(l.UpdatedAt)); err != nil {
		return dbErr(op, err)
	}
	return s.brandChanged(ctx, orgID)
}

// DeleteLogo removes the organization's logo.
func (s brandRows) DeleteLogo(ctx context.Context, orgID string) (bool, error) {
	const op = "sqlstore.DeleteLogo"
	res, err := s.exec(ctx, `DELETE FROM org_logos WHERE org_id = $1`, orgID)
	if err != nil {
		return false, dbErr(op, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, s.brandChanged(ctx, orgID)
}

// SetText stores a text override, replacing the one of the same language
// and key.
func (s brandRows) SetText(ctx context.Context, orgID string, t brand.Text, at time.Time) error {
	const op = "sqlstore.SetText"
	if _, err := s.exec(ctx, `INSERT INTO org_texts (org_id, lang, message_key, body, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (org_id, lang, message_key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
		orgID, t.Lang, t.Key, t.Text, micros(at)); err != nil {
		return dbErr(op, err)
	}
	return s.brandChanged(ctx, orgID)
}

// DeleteText removes a text override.
func (s brandRows) DeleteText(ctx context.Context, orgID, lang, key string) (bool, error) {
	const op = "sqlstore.DeleteText"
	res, err := s.exec(ctx, `DELETE FROM org_texts WHERE org_id = $1 AND lang = $2 AND message_key = $3`, orgID, lang, key)
	if err != nil {
		return false, dbErr(op, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, s.brandChanged(ctx, orgID)
}

// brandChanged tells every replica's brand cache that the organization's
// brand changed, once the transaction commits.
func (s brandRows) brandChanged(ctx context.Context, id string) error {
	if s.db.brand != nil {
		s.db.brand.clear() // now, so that no read begun before the change fills the cache
	}
	return s.Publish(ctx, TopicBrand, id)
}
