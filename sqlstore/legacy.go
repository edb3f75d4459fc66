package sqlstore

import (
	"context"
	"strconv"
)

// legacyBcryptSQL lists the costs of the organization's imported bcrypt
// hashes ($2a$10$…: the cost is characters 5 and 6). Its WHERE clause is the
// one of the partial index members_bcrypt (migration 0006), so that the query
// reads only those rows, and none once every imported hash was upgraded.
const legacyBcryptSQL = `SELECT DISTINCT SUBSTR(password_hash, 5, 2) FROM members
	WHERE org_id = $1 AND SUBSTR(password_hash, 1, 2) = '$2'`

// LegacyBcryptCost returns the highest cost among the organization's imported
// bcrypt hashes, 0 when there is none. A cost that is not a number (a corrupt
// row, which never verifies) is skipped.
func (s memberRows) LegacyBcryptCost(ctx context.Context, orgID string) (int, error) {
	const op = "sqlstore.LegacyBcryptCost"
	rows, err := s.query(ctx, legacyBcryptSQL, orgID)
	if err != nil {
		return 0, dbErr(op, err)
	}
	defer rows.Close()
	highest := 0
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return 0, dbErr(op, err)
		}
		if n, err := strconv.Atoi(v); err == nil && n > highest && n <= 31 {
			highest = n
		}
	}
	return highest, dbErr(op, rows.Err())
}
