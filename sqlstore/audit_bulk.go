package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// AuditSeed is what CreateAuditEvents writes: Count events of OrgID, numbered
// First to First+Count-1, event i at From + i×Step plus a jitter under Step,
// so that calls with consecutive ranges make one log spread evenly over time.
type AuditSeed struct {
	OrgID string
	// Members are whom the events are about and who acted: the first twenty
	// act as administrators on the others. At least one.
	Members []*gatehouse.Member
	// Prefix starts every event's id (followed by its number, zero-padded),
	// so that seeds of one database do not collide.
	Prefix       string
	From         time.Time
	Step         time.Duration
	First, Count int
}

// auditSeedKinds are the seeded events' kinds, each drawn for one number in
// twenty (event i is of kind i mod 20): mostly sign-ins and API calls, as in
// a real log, and the rarer changes an administrator filters for. actor is
// "self" (the member the event is about), "admin" (another member), "apikey"
// or "system"; about says whether the event is about a member.
var auditSeedKinds = []struct {
	typ     gatehouse.EventType
	actor   string
	about   bool
	details string
}{
	{gatehouse.EventSignIn, "self", true, `{"stage":"active"}`},
	{gatehouse.EventSignIn, "self", true, `{"stage":"active"}`},
	{gatehouse.EventSignIn, "self", true, `{"stage":"active"}`},
	{gatehouse.EventSignIn, "self", true, `{"stage":"second_factor"}`},
	{gatehouse.EventSignIn, "self", true, `{"stage":"active"}`},
	{gatehouse.EventSignIn, "self", true, `{"stage":"active"}`},
	{gatehouse.EventSignInFailed, "self", true, `{"reason":"password"}`},
	{gatehouse.EventSignInFailed, "system", false, `{"reason":"unknown"}`},
	{gatehouse.EventSignOut, "self", true, ``},
	{gatehouse.EventSessionEnded, "system", true, `{"reason":"idle"}`},
	{gatehouse.EventAPICall, "apikey", true, `{"method":"GET","path":"/api/v1/members"}`},
	{gatehouse.EventAPICall, "apikey", false, `{"method":"GET","path":"/api/v1/members"}`},
	{gatehouse.EventAPICall, "apikey", true, `{"method":"PATCH","path":"/api/v1/members"}`},
	{gatehouse.EventCodeSent, "self", true, `{"channel":"sms"}`},
	{gatehouse.EventCodeVerified, "self", true, ``},
	{gatehouse.EventPasswordChanged, "self", true, ``},
	{gatehouse.EventMemberUpdated, "admin", true, `{"fields":"display_name"}`},
	{gatehouse.EventResetRequested, "system", true, ``},
	{gatehouse.EventActivationSent, "admin", true, ``},
	{gatehouse.EventSettingsChanged, "admin", false, `{"setting":"session_idle_minutes","old":"30","new":"60"}`},
}

// CreateAuditEvents writes the events seed describes in one INSERT ... SELECT
// the database generates (generate_series on PostgreSQL, a recursive CTE on
// SQLite), far faster than AddAudit each: the load tool seeds ten million
// events with it. The events read back like any others, but no webhook
// deliveries are queued for them, and their ids are not NewID's. It cannot
// run inside Tx.
func (s auditRows) CreateAuditEvents(ctx context.Context, seed AuditSeed) error {
	const op = "sqlstore.CreateAuditEvents"
	switch {
	case s.tx != nil:
		return gatehouse.Errorf(gatehouse.Internal, op, "CreateAuditEvents cannot run inside a transaction")
	case len(seed.Members) == 0 || seed.Step <= 0 || seed.First < 0:
		return gatehouse.Errorf(gatehouse.Invalid, op, "a seed needs members, a positive step and a first number of 0 or more")
	case seed.Count <= 0:
		return nil
	}
	if err := gatehouse.RequireOrg(op, seed.OrgID); err != nil {
		return err
	}
	conn, err := s.db.w.Conn(ctx)
	if err != nil {
		return dbErr(op, err)
	}
	defer conn.Close()
	return dbErr(op, s.seedAudit(ctx, conn, seed))
}

// seedAudit fills two temporary tables of the connection, the members and
// the kinds, each numbered from 0, and joins the generated numbers to them.
func (s auditRows) seedAudit(ctx context.Context, conn *sql.Conn, seed AuditSeed) error {
	pg := s.db.dialect == Postgres
	drop := `DROP TABLE IF EXISTS temp.seed_members; DROP TABLE IF EXISTS temp.seed_kinds`
	if pg {
		drop = `DROP TABLE IF EXISTS pg_temp.seed_members, pg_temp.seed_kinds`
	}
	if _, err := conn.ExecContext(ctx, drop); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), drop)
	if !pg {
		restore, err := bulkPragmas(ctx, conn)
		if err != nil {
			return err
		}
		defer restore()
	}
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE seed_members (k INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL)`); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE seed_kinds (k INTEGER PRIMARY KEY, event_type TEXT NOT NULL,
		actor TEXT NOT NULL, about INTEGER NOT NULL, details TEXT NOT NULL)`); err != nil {
		return err
	}
	var a args
	var rows []string
	for i, m := range seed.Members {
		rows = append(rows, "("+a.add(i)+", "+a.add(m.ID)+", "+a.add(m.Username)+")")
		if len(rows) == 500 || i == len(seed.Members)-1 {
			if _, err := conn.ExecContext(ctx, `INSERT INTO seed_members (k, id, name) VALUES `+strings.Join(rows, ", "), a...); err != nil {
				return err
			}
			a, rows = nil, nil
		}
	}
	for i, k := range auditSeedKinds {
		about := 0
		if k.about {
			about = 1
		}
		rows = append(rows, "("+a.add(i)+", "+a.add(string(k.typ))+", "+a.add(k.actor)+", "+a.add(about)+", "+a.add(k.details)+")")
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO seed_kinds (k, event_type, actor, about, details) VALUES `+strings.Join(rows, ", "), a...); err != nil {
		return err
	}

	if pg {
		// The planner's estimate of the tables, for a hash join.
		if _, err := conn.ExecContext(ctx, `ANALYZE pg_temp.seed_members, pg_temp.seed_kinds`); err != nil {
			return err
		}
	}
	// Event i is of kind i mod 20, about member (⌊i/20⌋ × 48271 + i) mod n
	// (so that each member's events are of every kind, not one), acted on by
	// administrator ⌊i/20⌋ mod min(20, n), from one of many addresses and
	// three browsers.
	series := `WITH RECURSIVE g(i) AS (SELECT CAST($6 AS BIGINT) UNION ALL SELECT i + 1 FROM g WHERE i < CAST($7 AS BIGINT))`
	from := `g`
	id := `CAST($1 AS TEXT) || substr('000000000000' || g.i, -12)`
	if pg {
		series, from = ``, `generate_series(CAST($6 AS BIGINT), CAST($7 AS BIGINT)) AS g(i)`
		id = `CAST($1 AS TEXT) || lpad(g.i::text, 12, '0')`
	}
	_, err := conn.ExecContext(ctx, series+`
		INSERT INTO audit_events (id, org_id, occurred_at, event_type, actor_kind, actor_id, actor_name,
			member_id, ip, user_agent, details, request_id)
		SELECT `+id+`, $2, CAST($3 AS BIGINT) + g.i * CAST($4 AS BIGINT) + (g.i * 7919) % CAST($4 AS BIGINT), k.event_type,
			CASE k.actor WHEN 'self' THEN 'member' WHEN 'admin' THEN 'member' ELSE k.actor END,
			CASE k.actor WHEN 'self' THEN m.id WHEN 'admin' THEN ad.id WHEN 'apikey' THEN CAST($1 AS TEXT) || 'key' ELSE '' END,
			CASE k.actor WHEN 'self' THEN m.name WHEN 'admin' THEN ad.name WHEN 'apikey' THEN 'Seeded integration' ELSE 'system' END,
			CASE WHEN k.about = 1 THEN m.id ELSE '' END,
			CASE k.actor WHEN 'apikey' THEN '192.0.2.10' ELSE '10.' || (m.k % 250) || '.' || (g.i / 7 % 250) || '.' || (g.i % 250) END,
			CASE g.i % 3 WHEN 0 THEN 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0'
				WHEN 1 THEN 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15'
				ELSE 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148' END,
			k.details,
			CASE k.actor WHEN 'system' THEN '' ELSE 'req' || g.i END
		FROM `+from+`
		JOIN seed_kinds k ON k.k = g.i % 20
		JOIN seed_members m ON m.k = ((g.i / 20) * 48271 + g.i) % CAST($5 AS BIGINT)
		JOIN seed_members ad ON ad.k = (g.i / 20) % CAST($8 AS BIGINT)`,
		seed.Prefix, seed.OrgID, seed.From.UnixMicro(), seed.Step.Microseconds(), len(seed.Members),
		seed.First, seed.First+seed.Count-1, min(20, len(seed.Members)))
	return err
}
