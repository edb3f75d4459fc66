package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"

	_ "modernc.org/sqlite" // a second connection, as an operator's sqlite3 shell
)

// TestDatabaseFull fills a SQLite database up to its page limit (PRAGMA
// max_page_count, which fails writes with SQLITE_FULL exactly as a full disk
// does): writes must fail as Unavailable, with Retry-After, never Internal;
// Ready must fail while writes fail, even though the database answers; and
// once an operator has made room the store must take writes again and turn
// ready by itself.
func TestDatabaseFull(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	gatehousetest.NewStore(t, "sqlite:"+path).Close()
	operator, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer operator.Close()
	var pages int
	if err := operator.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	clock := gatehousetest.NewClock()
	s, err := sqlstore.Open(ctx, fmt.Sprintf("sqlite:%s?_pragma=max_page_count(%d)", path, pages+16), sqlstore.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready before anything failed: %v", err)
	}

	enqueue := func(i int) error {
		return s.Enqueue(ctx, &gatehouse.Message{ID: fmt.Sprintf("m%04d", i), OrgID: gatehouse.DefaultOrgID,
			Channel: gatehouse.ChannelEmail, To: "a@example.com", Text: strings.Repeat("x", 8000), CreatedAt: t0})
	}
	var full error
	for i := 0; i < 1000 && full == nil; i++ {
		full = enqueue(i)
	}
	if full == nil {
		t.Fatal("1000 messages of 8 kB fit in 16 pages more")
	}
	var e *gatehouse.Error
	if gatehouse.ErrorCode(full) != gatehouse.Unavailable || !errors.As(full, &e) || e.RetryAfter <= 0 {
		t.Fatalf("a write to a full database: %v (code %s); want Unavailable with Retry-After", full, gatehouse.ErrorCode(full))
	}
	if !strings.Contains(full.Error(), "full") {
		t.Errorf("the error does not say the database is full: %v", full)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping on a full database: %v (reads still work: the test needs Ready to see more)", err)
	}
	notReady := func(when string) {
		t.Helper()
		err := s.Ready(ctx)
		if !errors.Is(err, sqlstore.ErrWritesFailing) || gatehouse.ErrorCode(err) != gatehouse.Unavailable {
			t.Errorf("Ready %s: %v; want Unavailable wrapping ErrWritesFailing", when, err)
		}
	}
	notReady("right after a write failed")

	// The operator makes room; readiness holds on a little longer, in case
	// the room was only enough for a small write, then probes and recovers.
	if _, err := operator.Exec(`DELETE FROM messages`); err != nil {
		t.Fatal(err)
	}
	clock.Advance(sqlstore.StorageHold / 2)
	notReady("within the hold")
	clock.Advance(sqlstore.StorageHold / 2)
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready once there is room again: %v", err)
	}
	if err := enqueue(9999); err != nil {
		t.Fatalf("a write once there is room again: %v", err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("Ready after the recovery: %v", err)
	}
}

// TestReadOnlyDatabase opens a database whose file has become read-only (as
// after a failover to a read-only volume): writes are Unavailable, not
// Internal, and Ready fails.
func TestReadOnlyDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	gatehousetest.NewStore(t, "sqlite:"+path).Close()
	// SQLite's own read-only mode is what a read-only file or mount gives,
	// and it holds for root too, whom file permissions do not stop.
	s, err := sqlstore.Open(ctx, "file:"+path+"?mode=ro", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Enqueue(ctx, &gatehouse.Message{ID: "m", OrgID: gatehouse.DefaultOrgID, Channel: gatehouse.ChannelEmail, To: "a@example.com", CreatedAt: t0})
	if gatehouse.ErrorCode(err) != gatehouse.Unavailable {
		t.Fatalf("a write to a read-only database: %v (code %s); want Unavailable", err, gatehouse.ErrorCode(err))
	}
	if err := s.Ready(ctx); !errors.Is(err, sqlstore.ErrWritesFailing) {
		t.Errorf("Ready on a read-only database: %v; want ErrWritesFailing", err)
	}
}
