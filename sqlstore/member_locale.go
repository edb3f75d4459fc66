package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// MemberLocale returns a member's own language and time zone ("" for none,
// and for a member that does not exist): the outbox writes their messages in
// them.
func (s memberRows) MemberLocale(ctx context.Context, orgID, memberID string) (string, string, error) {
	var lang, zone string
	err := s.queryRow(ctx, `SELECT language, time_zone FROM members WHERE org_id = $1 AND id = $2`, orgID, memberID).Scan(&lang, &zone)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return lang, zone, dbErr("sqlstore.MemberLocale", err)
}
