package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// TestSQLiteKilledWhileWriting kills a replica on SQLite with SIGKILL while
// members change their passwords and the sender is in the middle of a send,
// then starts it again on the same files: the database must pass SQLite's
// integrity check, every password change that was acknowledged must still be
// there (or the change that was in flight, if it committed before the kill),
// and every "password changed" email of an acknowledged change must be
// delivered after the restart. TestReplicaKilledWhileSending does the like for
// replicas on PostgreSQL.
func TestSQLiteKilledWhileWriting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	smtpSrv := gatehousetest.NewSMTPServer(t)
	env := sqliteEnv(dir)
	env["GATEHOUSE_MAIL_URL"] = smtpSrv.URL()
	env["GATEHOUSE_DELIVERY_LEASE"] = "6s" // sends may take 1.5 s; the restarted sender waits this long for the dead one's claims

	const members = 6
	names := make([]string, members)
	for i := range names {
		names[i] = fmt.Sprintf("kim%d", i)
		mustGatehouse(t, env, testPassword+"\n", "user", "add", "--username", names[i], "--email", names[i]+"@example.com", "--password-stdin")
	}
	a := gatehousetest.StartReplica(t, "A", env)

	// Each member changes their password again and again, one change at a
	// time, and remembers what was acknowledged and what is in flight.
	type member struct {
		acked   []string // passwords whose change answered success, in order
		pending string   // the change in flight, if any, when the replica died
	}
	state := make([]*member, members)
	var inFlight, acks atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, name := range names {
		m := &member{acked: []string{testPassword}}
		state[i] = m
		v := newVisitor(t, fmt.Sprintf("192.0.2.%d", 100+i))
		v.mustSignIn(a, a, name, testPassword)
		wg.Go(func() {
			for n := 1; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if got, err := v.try(http.MethodGet, a, "/account/password", nil); err != nil || got.status != http.StatusOK {
					return // the replica is gone
				}
				next := fmt.Sprintf("violet kettle orbit %d marsh %d", i, n) // never the username: the policy refuses it
				m.pending = next
				inFlight.Add(1)
				got, err := v.try(http.MethodPost, a, "/account/password", url.Values{
					"current_password": {m.acked[len(m.acked)-1]}, "new_password": {next}, "confirm_password": {next},
				})
				inFlight.Add(-1)
				if err != nil {
					return // killed with the change in flight: m.pending may or may not have committed
				}
				if got.status != http.StatusSeeOther {
					t.Errorf("password change %d of %s: %d\n%s", n, name, got.status, got.body)
					return
				}
				m.acked, m.pending = append(m.acked, next), ""
				acks.Add(1)
			}
		})
	}

	// The mail server holds every recipient: the sender is in the middle of a
	// send, and the emails of the changes pile up in the queue.
	smtpSrv.Hold()
	smtpSrv.WaitHeld(t, 1, 30*time.Second)
	if !eventually(30*time.Second, func() bool { return acks.Load() >= 3*members && inFlight.Load() > 0 }) {
		t.Fatalf("only %d password changes acknowledged, %d in flight", acks.Load(), inFlight.Load())
	}
	a.Kill()
	close(stop)
	wg.Wait()
	smtpSrv.Release()
	if t.Failed() {
		return
	}

	b := gatehousetest.StartReplica(t, "B", env)
	db, err := sql.Open("sqlite", filepath.Join(dir, "gatehouse.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("PRAGMA integrity_check after the restart: %q, %v", check, err)
	}
	rows, err := db.Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Errorf("PRAGMA foreign_key_check finds rows pointing nowhere")
	}
	rows.Close()

	total := 0
	for i, name := range names {
		m := state[i]
		last := m.acked[len(m.acked)-1]
		total += len(m.acked) - 1
		v := newVisitor(t, fmt.Sprintf("198.51.100.%d", i+1))
		got := v.signIn(b, b, name, last)
		switch {
		case got.status == http.StatusSeeOther:
		case m.pending != "":
			// The change in flight may have committed before the kill.
			if got := newVisitor(t, fmt.Sprintf("198.51.100.%d", 100+i)).signIn(b, b, name, m.pending); got.status != http.StatusSeeOther {
				t.Errorf("%s signs in neither with the last acknowledged password (%d) nor with the one in flight (%d)", name, len(m.acked)-1, got.status)
			}
		default:
			t.Errorf("%s: the acknowledged password change %d is lost: sign-in %d", name, len(m.acked)-1, got.status)
		}
	}

	// Every acknowledged change queued its email with it; after the restart
	// the queue drains, nothing given up, and each member has at least one
	// email per acknowledged change (at least once: a send cut off by the
	// kill may be repeated).
	if !eventually(60*time.Second, func() bool {
		var queued int
		return db.QueryRow(`SELECT COUNT(*) FROM messages WHERE status = 'queued'`).Scan(&queued) == nil && queued == 0
	}) {
		t.Fatal("the queue does not drain after the restart")
	}
	var failed int
	if err := db.QueryRow(`SELECT COUNT(*) FROM messages WHERE status = 'failed'`).Scan(&failed); err != nil || failed != 0 {
		t.Errorf("%d messages failed (%v)", failed, err)
	}
	received := map[string]int{}
	for _, r := range smtpSrv.Messages() {
		if strings.Contains(r.Subject, "password was changed") {
			received[r.To[0]]++
		}
	}
	for i, name := range names {
		if want := len(state[i].acked) - 1; received[name+"@example.com"] < want {
			t.Errorf("%s received %d \"password changed\" emails for %d acknowledged changes", name, received[name+"@example.com"], want)
		}
	}
	t.Logf("%d acknowledged changes across %d members; %d emails delivered", total, members, len(smtpSrv.Messages()))
}
