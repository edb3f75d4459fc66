package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// memberInsertCols are the columns CreateMembers writes: those of CreateMember
// and the time of the last sign-in, which an import may carry.
var memberInsertCols = []string{"id", "org_id", "username", "username_norm", "display_name", "display_name_norm",
	"email", "email_norm", "work_email", "work_email_norm", "mobile", "role", "state", "expires_at", "password_hash",
	"password_changed_at", "must_change_password", "support_pin_hash", "created_at", "updated_at", "last_signin_at"}

// CreateMembers adds many members at once, all or none, far faster than one
// CreateMember each: the load tool seeds a million members with it. It checks
// each username's shape (the member list's order and search rely on it) and
// otherwise nothing that the database does not (use account.CreateMember for
// members people ask for). On SQLite it inserts in one transaction through one
// prepared statement, on PostgreSQL with COPY; the search index is kept as on
// every write. It cannot run inside Tx.
func (s memberRows) CreateMembers(ctx context.Context, ms []*gatehouse.Member) error {
	const op = "sqlstore.CreateMembers"
	if s.tx != nil {
		return gatehouse.Errorf(gatehouse.Internal, op, "CreateMembers cannot run inside a transaction")
	}
	if len(ms) == 0 {
		return nil
	}
	rows := make([][]any, len(ms))
	for i, m := range ms {
		if fe := gatehouse.ValidateUsername(m.Username); fe != nil {
			return &gatehouse.Error{Code: gatehouse.Invalid, Op: op, Message: fmt.Sprintf("member %d of %d: %s", i+1, len(ms), fe.Message), Fields: []gatehouse.FieldError{*fe}}
		}
		rows[i] = append(memberValues(m), micros(m.LastSignInAt))
	}
	if s.db.dialect == Postgres {
		return dbErr(op, s.copyMembers(ctx, rows))
	}
	return dbErr(op, s.insertMembers(ctx, rows))
}

// insertMembers writes rows to members on SQLite's writer. Each insert
// updates a dozen indexes and the search index through a trigger: for the
// time of the batch the connection keeps its statement journals in memory
// (they went to a temporary file, a third of the time) and a larger page
// cache (a quarter went to reading pages back).
func (s memberRows) insertMembers(ctx context.Context, rows [][]any) error {
	conn, err := s.db.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	restore, err := bulkPragmas(ctx, conn)
	if err != nil {
		return err
	}
	defer restore()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO members (`+strings.Join(memberInsertCols, ", ")+`) VALUES (`+placeholders(len(memberInsertCols))+`)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, r := range rows {
		if _, err := st.ExecContext(ctx, r...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// copyMembers writes rows to members with PostgreSQL's COPY, in one
// transaction of its own.
func (s memberRows) copyMembers(ctx context.Context, rows [][]any) error {
	conn, err := s.db.w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the PostgreSQL connection is a %T, not pgx's", dc)
		}
		pc := c.Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"members"}, memberInsertCols, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

// placeholders returns "$1, $2, ..., $n".
func placeholders(n int) string {
	var a args
	ps := make([]string, n)
	for i := range ps {
		ps[i] = a.add(nil)
	}
	return strings.Join(ps, ", ")
}

// bulkPragmas gives a SQLite connection a bulk insert's settings: statement
// journals in memory and a 256 MiB page cache, so that the indexes' pages
// stay in memory for the time of the insert. restore puts the connection's
// own settings back.
func bulkPragmas(ctx context.Context, conn *sql.Conn) (restore func(), err error) {
	var cache int
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY`); err != nil {
		return nil, err
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d; PRAGMA temp_store = DEFAULT`, cache))
	}, nil
}
