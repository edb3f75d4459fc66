package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// ClaimJob gives the named job to holder until until, unless another claim on
// it lasts beyond now. It is one upsert whose update applies only when the
// current claim has run out, so the database decides between concurrent
// claimers: on PostgreSQL the second waits for the first's row lock and then
// finds the claim taken; on SQLite writes are serialized anyway.
func (s guardRows) ClaimJob(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	const op = "sqlstore.ClaimJob"
	if name == "" || holder == "" {
		return false, gatehouse.Errorf(gatehouse.Invalid, op, "a job claim needs the job's and the holder's names")
	}
	rows, err := s.writeQuery(ctx, `INSERT INTO jobs (name, holder, claimed_at, locked_until) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET holder = $2, claimed_at = $3, locked_until = $4
		WHERE jobs.locked_until <= $3
		RETURNING holder`, name, holder, now.UnixMicro(), until.UnixMicro())
	if err != nil {
		return false, dbErr(op, err)
	}
	defer rows.Close()
	claimed := rows.Next()
	if err := rows.Err(); err != nil {
		return false, dbErr(op, err)
	}
	return claimed, nil
}
