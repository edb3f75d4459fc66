package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/internal/bus"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// recorder collects what a Bus delivers on a topic.
type recorder struct {
	mu   sync.Mutex
	keys []string
}

func record(b *bus.Bus, topic string) *recorder {
	r := &recorder{}
	b.Subscribe(topic, func(k string) {
		r.mu.Lock()
		r.keys = append(r.keys, k)
		r.mu.Unlock()
	})
	return r
}

func (r *recorder) has(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.keys {
		if k == key {
			return true
		}
	}
	return false
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.keys = nil
	r.mu.Unlock()
}

// waitFor waits up to two seconds for key to arrive.
func (r *recorder) waitFor(t *testing.T, what, key string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !r.has(key) {
		if time.Now().After(deadline) {
			r.mu.Lock()
			t.Fatalf("%s: no notice for %q within 2s; got %q", what, key, r.keys)
			r.mu.Unlock()
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// listen starts Listen on s for the test's duration and waits until its
// transport is connected.
func listen(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	lctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	if err := s.Listen(lctx, sqlstore.ListenOptions{PollInterval: 10 * time.Millisecond}); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !s.Bus().Stats().Connected {
		if time.Now().After(deadline) {
			t.Fatal("the bus did not connect within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// liveSession stores a session of m that runs now, by the real clock, as the
// database's triggers judge.
func liveSession(t *testing.T, s *sqlstore.Store, m *gatehouse.Member, tokenHash string) *gatehouse.Session {
	t.Helper()
	return addSession(t, s, m, tokenHash, time.Now().Truncate(time.Microsecond))
}

// TestBusNotices: every change of a member or of a running session, made by
// another Store (another replica) or by hand in SQL, reaches a listening
// Store's bus; a rolled-back change sends nothing; Publish reaches it too.
func TestBusNotices(t *testing.T) {
	for _, u := range gatehousetest.DatabaseURLs(t) {
		t.Run(u.Name, func(t *testing.T) {
			writer := gatehousetest.NewStore(t, u.URL)
			reader := openStore(t, u.URL, sqlstore.Options{})
			got := record(reader.Bus(), sqlstore.TopicMember)
			orgs := record(reader.Bus(), "organization")
			listen(t, reader)

			alice := addMember(t, writer, "alice", nil)
			bob := addMember(t, writer, "bob", nil)
			ss := liveSession(t, writer, alice, "hash-a")

			role := gatehouse.RoleAdministrator
			if err := writer.ChangeMember(ctx, alice.OrgID, alice.ID, gatehouse.MemberChange{Role: &role, UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			got.waitFor(t, "ChangeMember", alice.ID)

			got.reset()
			if err := writer.DeleteSession(ctx, alice.OrgID, ss.ID); err != nil {
				t.Fatal(err)
			}
			got.waitFor(t, "DeleteSession", alice.ID)

			// A transaction rolled back sends nothing; the next change does.
			got.reset()
			err := writer.Tx(ctx, func(tx *sqlstore.Store) error {
				if _, err := tx.DeleteMemberSessions(ctx, bob.OrgID, bob.ID, ""); err != nil {
					return err
				}
				return tx.ChangeMember(ctx, bob.OrgID, bob.ID, gatehouse.MemberChange{Role: &role, UpdatedAt: t0})
			})
			if err != nil {
				t.Fatal(err)
			}
			got.waitFor(t, "ChangeMember in a transaction", bob.ID)
			got.reset()
			carol := addMember(t, writer, "carol", nil)
			_ = writer.Tx(ctx, func(tx *sqlstore.Store) error {
				_ = tx.ChangeMember(ctx, carol.OrgID, carol.ID, gatehouse.MemberChange{Role: &role, UpdatedAt: t0})
				return gatehouse.Errorf(gatehouse.Invalid, "test", "roll back")
			})
			if err := writer.DeleteMember(ctx, alice.OrgID, alice.ID); err != nil {
				t.Fatal(err)
			}
			got.waitFor(t, "DeleteMember", alice.ID)
			if got.has(carol.ID) {
				t.Error("a rolled-back change sent a notice")
			}

			// A change written by hand (psql, the sqlite3 shell) is announced too.
			got.reset()
			if err := writer.Exec(ctx, `UPDATE members SET state = 'disabled' WHERE id = $1`, bob.ID); err != nil {
				t.Fatal(err)
			}
			got.waitFor(t, "an UPDATE by hand", bob.ID)

			// Other caches publish their own topics.
			if err := writer.Publish(ctx, "organization", "acme"); err != nil {
				t.Fatal(err)
			}
			orgs.waitFor(t, "Publish", "acme")
			if !orgs.has("acme") || got.has("acme") {
				t.Errorf("topics mixed: member %q, organization %q", got.keys, orgs.keys)
			}
		})
	}
}

// TestBusGap: a SQLite reader that misses notices because they were pruned
// tells every subscriber to forget everything.
func TestBusGap(t *testing.T) {
	url := gatehousetest.SQLiteURL(t)
	writer := gatehousetest.NewStore(t, url)
	reader := openStore(t, url, sqlstore.Options{})
	got := record(reader.Bus(), sqlstore.TopicMember)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A slow reader: the writer prunes before it reads.
	if err := reader.Listen(lctx, sqlstore.ListenOptions{PollInterval: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	gaps := reader.Bus().Stats().Gaps
	m := addMember(t, writer, "alice", nil)
	// Should the reader poll in the middle of a round, the next round makes
	// the gap.
	for round := 0; round < 10 && reader.Bus().Stats().Gaps == gaps; round++ {
		for i := range 5 {
			if err := writer.Exec(ctx, `UPDATE members SET display_name = $1 WHERE id = $2`, "n"+string(rune('a'+i)), m.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := writer.PruneNotices(ctx, 1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(400 * time.Millisecond)
	}
	got.waitFor(t, "after pruning", bus.All)
	if reader.Bus().Stats().Gaps <= gaps {
		t.Error("the gap was not counted")
	}
}
