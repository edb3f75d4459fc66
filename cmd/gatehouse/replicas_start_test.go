package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// TestReplicasStartTogether starts two replicas at the same moment on an empty
// database, as a new deployment does: both must come up, the migrations must
// be applied once, and the server keys they generate must be one set.
func TestReplicasStartTogether(t *testing.T) {
	t.Parallel()
	c := newCluster(t, nil)
	a := gatehousetest.LaunchReplica(t, "A", c.env)
	b := gatehousetest.LaunchReplica(t, "B", c.env)
	for _, r := range []*gatehousetest.Replica{a, b} {
		if err := r.WaitReady(60 * time.Second); err != nil {
			t.Fatalf("replica %s: %v", r.Name, err)
		}
	}
	applied := map[float64]string{}
	for _, r := range []*gatehousetest.Replica{a, b} {
		for _, e := range r.Logs() {
			if e["msg"] != "applied database migration" {
				continue
			}
			v, _ := e["version"].(float64)
			if other, ok := applied[v]; ok {
				t.Errorf("migration %v applied by %s and again by %s", v, other, r.Name)
			}
			applied[v] = r.Name
		}
	}
	if n := c.count(t, `SELECT COUNT(*) FROM schema_migrations`); n == 0 || len(applied) != n {
		t.Errorf("%d migrations recorded, %d applied: %v", n, len(applied), applied)
	}
	if n := c.count(t, `SELECT COUNT(*) FROM server_keys WHERE name = 'csrf'`); n != 1 {
		t.Errorf("%d anti-forgery keys, want one shared by both replicas", n)
	}
	// One key in use by both: a form from B is accepted by A.
	c.addMember(t, "erin", testPassword)
	newVisitor(t, "192.0.2.30").mustSignIn(b, a, "erin", testPassword)
}

// TestReplicaRefusesNewerSchema plays a rolling upgrade gone backwards: an old
// replica started on a database that a newer Gatehouse has migrated must
// refuse to run, and say why.
func TestReplicaRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	c := newCluster(t, nil)
	c.gatehouse(t, "", "migrate")
	if _, err := c.db.Exec(`INSERT INTO schema_migrations (version, name, applied_at)
		SELECT MAX(version) + 1, 'from_the_future', 0 FROM schema_migrations`); err != nil {
		t.Fatal(err)
	}
	const want = "newer than this gatehouse knows"
	r := gatehousetest.LaunchReplica(t, "old", c.env)
	if err := r.Wait(30 * time.Second); err == nil {
		t.Errorf("the replica exited with status 0 on a newer schema")
	}
	if out := r.Output(); !strings.Contains(out, want) {
		t.Errorf("the replica's output does not say %q:\n%s", want, out)
	}
	if _, errOut, err := gatehousetest.Gatehouse(t, c.env, "", "migrate"); err == nil || !strings.Contains(errOut, want) {
		t.Errorf("gatehouse migrate on a newer schema: %v, %q", err, errOut)
	}
}
