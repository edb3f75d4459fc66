package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

func TestTx(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		exists := func(username string) bool {
			_, err := s.MemberByUsername(ctx, gatehouse.DefaultOrgID, username)
			return err == nil
		}
		boom := errors.New("boom")
		t.Run("commit", func(t *testing.T) {
			err := s.Tx(ctx, func(tx *sqlstore.Store) error {
				if err := tx.CreateMember(ctx, newMember("committed")); err != nil {
					return err
				}
				// Reads inside see the transaction's own writes.
				_, err := tx.MemberByUsername(ctx, gatehouse.DefaultOrgID, "committed")
				return err
			})
			if err != nil || !exists("committed") {
				t.Errorf("Tx = %v, member exists %v; want nil and true", err, exists("committed"))
			}
		})
		t.Run("rollback on error", func(t *testing.T) {
			err := s.Tx(ctx, func(tx *sqlstore.Store) error {
				if err := tx.CreateMember(ctx, newMember("rolledback")); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) || exists("rolledback") {
				t.Errorf("Tx = %v, member exists %v; want boom and false", err, exists("rolledback"))
			}
		})
		t.Run("rollback on panic", func(t *testing.T) {
			func() {
				defer func() {
					if p := recover(); p != "panic in tx" {
						t.Errorf("recovered %v, want the panic", p)
					}
				}()
				_ = s.Tx(ctx, func(tx *sqlstore.Store) error {
					if err := tx.CreateMember(ctx, newMember("panicked")); err != nil {
						return err
					}
					panic("panic in tx")
				})
			}()
			if exists("panicked") {
				t.Error("the member of a panicking transaction exists")
			}
			// The writer must be free again.
			if err := s.CreateMember(ctx, newMember("after-panic")); err != nil {
				t.Errorf("write after the panic: %v", err)
			}
		})
		t.Run("nested runs in the outer transaction", func(t *testing.T) {
			err := s.Tx(ctx, func(tx *sqlstore.Store) error {
				if err := tx.Tx(ctx, func(inner *sqlstore.Store) error {
					return inner.CreateMember(ctx, newMember("nested"))
				}); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) || exists("nested") {
				t.Errorf("Tx = %v, nested member exists %v; want boom and false", err, exists("nested"))
			}
		})
		t.Run("conflict inside keeps its code", func(t *testing.T) {
			err := s.Tx(ctx, func(tx *sqlstore.Store) error {
				return tx.CreateMember(ctx, newMember("committed"))
			})
			wantCode(t, "Tx", err, gatehouse.Conflict)
		})
	})
}

func TestServerKey(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		var wg sync.WaitGroup
		keys := make([][]byte, 20)
		for i := range keys {
			wg.Go(func() {
				k, err := s.ServerKey(ctx, "cookie", 32)
				if err != nil {
					t.Errorf("ServerKey: %v", err)
				}
				keys[i] = k
			})
		}
		wg.Wait()
		for i, k := range keys {
			if len(k) != 32 || !bytes.Equal(k, keys[0]) {
				t.Fatalf("key %d = %x, want 32 bytes equal to key 0 %x", i, k, keys[0])
			}
		}
		other, err := s.ServerKey(ctx, "captcha", 16)
		if err != nil || len(other) != 16 || bytes.Equal(other[:16], keys[0][:16]) {
			t.Errorf("another name = %x, %v; want a different 16-byte key", other, err)
		}
		again, err := s.ServerKey(ctx, "cookie", 64)
		if err != nil || !bytes.Equal(again, keys[0]) {
			t.Errorf("existing key asked with another size = %x, %v; want it as stored", again, err)
		}
	})
}

// TestServerKeyReplicas starts two Stores on one database, as two replicas
// starting together, and checks they agree on the key.
func TestServerKeyReplicas(t *testing.T) {
	for _, u := range gatehousetest.DatabaseURLs(t) {
		t.Run(u.Name, func(t *testing.T) {
			stores := []*sqlstore.Store{gatehousetest.NewStore(t, u.URL), gatehousetest.NewStore(t, u.URL)}
			keys := make([][]byte, 10)
			var wg sync.WaitGroup
			for i := range keys {
				wg.Go(func() {
					k, err := stores[i%2].ServerKey(ctx, "cookie", 32)
					if err != nil {
						t.Errorf("ServerKey: %v", err)
					}
					keys[i] = k
				})
			}
			wg.Wait()
			for i, k := range keys {
				if !bytes.Equal(k, keys[0]) {
					t.Errorf("replica key %d differs", i)
				}
			}
		})
	}
}

func TestDeleteExpired(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		now := t0.Add(48 * time.Hour)
		m := addMember(t, s, "alice", nil)
		addSession(t, s, m, "absolute-expired", now.Add(-13*time.Hour))
		addSession(t, s, m, "idle-expired", now.Add(-2*time.Hour))
		live := addSession(t, s, m, "live", now.Add(-time.Minute))
		addToken(t, s, "expired", m.ID, gatehouse.PurposeReset, now)
		addToken(t, s, "used-long-ago", m.ID, gatehouse.PurposeReset, now.Add(time.Hour))
		addToken(t, s, "used-recently", m.ID, gatehouse.PurposeReset, now.Add(time.Hour))
		addToken(t, s, "unused", m.ID, gatehouse.PurposeReset, now.Add(time.Hour))
		if _, err := s.UseToken(ctx, "used-long-ago", now.Add(-25*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UseToken(ctx, "used-recently", now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		for key, at := range map[string]time.Time{"old": now.Add(-time.Hour), "fresh": now} {
			if _, err := s.Incr(ctx, key, at, time.Hour, false); err != nil {
				t.Fatal(err)
			}
		}
		retention := 7 * 24 * time.Hour
		done := map[string]time.Time{"sent-old": now.Add(-retention - time.Second), "sent-new": now.Add(-time.Hour),
			"failed-old": now.Add(-retention)}
		for _, id := range []string{"sent-old", "sent-new", "failed-old", "queued"} {
			enqueue(t, s, id, "", t0, t0)
		}
		if _, err := s.ClaimMessages(ctx, "w", t0, time.Minute, 10); err != nil {
			t.Fatal(err)
		}
		for id, at := range done {
			mark := s.MarkSent
			if id == "failed-old" {
				mark = func(ctx context.Context, id, worker string, at time.Time) error {
					return s.MarkFailed(ctx, id, worker, true, "no", at)
				}
			}
			if err := mark(ctx, id, "w", at); err != nil {
				t.Fatalf("marking %s: %v", id, err)
			}
		}

		n, err := s.DeleteExpired(ctx, now, retention)
		if err != nil || n != 2+2+1+2 {
			t.Errorf("DeleteExpired = %d, %v; want 7", n, err)
		}
		sessions, _ := s.MemberSessions(ctx, m.OrgID, m.ID, t0) // at t0 all would be valid
		if diff := cmp.Diff([]string{live.TokenHash}, sessionHashes(sessions)); diff != "" {
			t.Errorf("sessions left (-want +got):\n%s", diff)
		}
		for hash, want := range map[string]gatehouse.Code{"expired": gatehouse.NotFound, "used-long-ago": gatehouse.NotFound, "used-recently": "", "unused": ""} {
			wantCode(t, "token "+hash, err2(s.Token(ctx, hash)), want)
		}
		for id, want := range map[string]gatehouse.Code{"sent-old": gatehouse.NotFound, "failed-old": gatehouse.NotFound, "sent-new": "", "queued": ""} {
			wantCode(t, "message "+id, err2(s.Message(ctx, gatehouse.DefaultOrgID, id)), want)
		}
		if c, _ := s.Peek(ctx, "fresh", now); c.Count != 1 {
			t.Errorf("the fresh counter is gone")
		}
		if n, err := s.DeleteExpired(ctx, now, retention); err != nil || n != 0 {
			t.Errorf("second DeleteExpired = %d, %v; want 0", n, err)
		}
	})
}

func sessionHashes(ss []*gatehouse.Session) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.TokenHash)
	}
	return out
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		url  string
		want gatehouse.Code
	}{
		{"sqlite:", "sqlite:" + filepath.Join(dir, "a.db"), ""},
		{"sqlite://", "sqlite://" + filepath.Join(dir, "b.db"), ""},
		{"file:", "file:" + filepath.Join(dir, "c.db"), ""},
		{"sqlite with parameters", "sqlite:" + filepath.Join(dir, "d.db") + "?_pragma=cache_size(-4000)", ""},
		{"in-memory refused", "sqlite::memory:", gatehouse.Internal},
		{"empty path refused", "sqlite:", gatehouse.Internal},
		{"unknown scheme", "mysql://localhost/x", gatehouse.Invalid},
		{"missing directory", "sqlite:" + filepath.Join(dir, "no", "such", "dir.db"), gatehouse.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sqlstore.Open(ctx, tt.url, sqlstore.Options{})
			wantCode(t, "Open", err, tt.want)
			if err != nil {
				return
			}
			defer s.Close()
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			if s.Dialect() != sqlstore.SQLite {
				t.Errorf("Dialect = %q", s.Dialect())
			}
			if _, err := s.Organization(ctx, gatehouse.DefaultOrgID); err != nil {
				t.Errorf("after Migrate: %v", err)
			}
		})
	}
	for _, c := range []struct{ url, path, query string }{
		{"sqlite:/var/lib/gh.db", "/var/lib/gh.db", ""},
		{"sqlite:///var/lib/gh.db", "/var/lib/gh.db", ""},
		{"sqlite:gh.db?_pragma=x(1)", "gh.db", "_pragma=x(1)"},
		{"file:gh.db?mode=rwc", "file:gh.db", "mode=rwc"},
	} {
		if path, query := sqlstore.SQLitePath(c.url); path != c.path || query != c.query {
			t.Errorf("SQLitePath(%q) = %q, %q; want %q, %q", c.url, path, query, c.path, c.query)
		}
	}
}
