package main

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// Session checks are answered from a per-replica cache (sqlstore's session
// cache). A session ended or changed on one replica must be refused by that
// replica at once and by every other within a second: the database's change
// notices carry it in milliseconds, and the cache's maximum age bounds it when
// they are cut. These tests end sessions in every way the product has and
// check both replicas.

// staleBound is the promise: a check that begins this long after a session
// ended is refused on every replica.
const staleBound = time.Second

// refusedWithin checks the visitor's session on r until it is refused (status
// 401) or changed (check returns true); a check sent staleBound after ended
// must be. It returns how long the replica took.
func refusedWithin(t *testing.T, v *visitor, r *gatehousetest.Replica, ended time.Time, what string, done func() bool) time.Duration {
	t.Helper()
	for {
		sent := time.Now()
		if done() {
			return sent.Sub(ended)
		}
		if sent.Sub(ended) >= staleBound {
			t.Errorf("%s: replica %s still answered the old session %v after it ended (a check sent at %v)",
				what, r.Name, staleBound, sent.Sub(ended).Round(time.Millisecond))
			return sent.Sub(ended)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// warm checks the visitor's session on every replica a few times, so that
// each holds it in its cache.
func warm(t *testing.T, v *visitor, want string, rs ...*gatehousetest.Replica) {
	t.Helper()
	for _, r := range rs {
		for range 3 {
			if who, st := v.whoami(r); who != want {
				t.Fatalf("session API on %s: %d %q, want %s", r.Name, st, who, want)
			}
		}
	}
}

// apiJSON calls the management API of r with key and returns the status.
func apiJSON(t *testing.T, r *gatehousetest.Replica, key, method, path, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, r.URL+"/api/v1"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, path, r.Name, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func unauthorized(v *visitor, r *gatehousetest.Replica) func() bool {
	return func() bool { _, st := v.whoami(r); return st == http.StatusUnauthorized }
}

// TestReplicasSessionCache ends sessions on A (sign-out, sign-out everywhere,
// a password change, the API's end-sessions, a member disabled, deleted or
// given another role, a change made by hand in the database) and checks that A
// refuses them at the next request and B within a second.
func TestReplicasSessionCache(t *testing.T) {
	t.Parallel()
	c := newCluster(t, nil)
	a, b := c.start(t, "A"), c.start(t, "B")
	key := strings.TrimSpace(c.gatehouse(t, "", "apikey", "create", "--name", "ops", "--role", "owner"))

	// end runs one way of ending a session of a fresh member and checks both
	// replicas. act returns when A has answered.
	end := func(t *testing.T, name string, act func(v *visitor, id string)) {
		id := c.addMember(t, name, testPassword)
		v := newVisitor(t, "192.0.2.50")
		v.mustSignIn(a, a, name, testPassword)
		other := newVisitor(t, "192.0.2.51")
		other.mustSignIn(a, b, name, testPassword)
		warm(t, other, name, a, b)
		act(v, id)
		ended := time.Now()
		if _, st := other.whoami(a); st != http.StatusUnauthorized {
			t.Errorf("A, which ended the session, answered it at the next check: %d", st)
		}
		took := refusedWithin(t, other, b, ended, name, unauthorized(other, b))
		t.Logf("%s: B refused after %v", name, took.Round(time.Millisecond))
	}

	t.Run("sign-out everywhere", func(t *testing.T) {
		end(t, "erin", func(v *visitor, _ string) {
			v.get(a, "/account")
			if got := v.post(a, "/account/sessions/end-all", url.Values{}); got.status != http.StatusSeeOther {
				t.Fatalf("sign-out everywhere: %d", got.status)
			}
		})
	})
	t.Run("password change", func(t *testing.T) {
		end(t, "frank", func(v *visitor, _ string) {
			v.get(a, "/account/password")
			got := v.post(a, "/account/password", url.Values{
				"current_password": {testPassword}, "new_password": {testPassword2}, "confirm_password": {testPassword2},
			})
			if got.status != http.StatusSeeOther {
				t.Fatalf("password change: %d", got.status)
			}
		})
	})
	t.Run("sessions ended through the API", func(t *testing.T) {
		end(t, "grace", func(_ *visitor, id string) {
			if st := apiJSON(t, a, key, "DELETE", "/members/"+id+"/sessions", ""); st != http.StatusOK && st != http.StatusNoContent {
				t.Fatalf("DELETE sessions: %d", st)
			}
		})
	})
	t.Run("member disabled", func(t *testing.T) {
		end(t, "heidi", func(_ *visitor, id string) {
			if st := apiJSON(t, a, key, "PATCH", "/members/"+id, `{"state":"disabled"}`); st != http.StatusOK {
				t.Fatalf("PATCH state: %d", st)
			}
		})
	})
	t.Run("member deleted", func(t *testing.T) {
		end(t, "ivan", func(_ *visitor, id string) {
			if st := apiJSON(t, a, key, "DELETE", "/members/"+id, ""); st != http.StatusOK && st != http.StatusNoContent {
				t.Fatalf("DELETE member: %d", st)
			}
		})
	})

	t.Run("sign-out", func(t *testing.T) {
		c.addMember(t, "judy", testPassword)
		v := newVisitor(t, "192.0.2.52")
		v.mustSignIn(a, a, "judy", testPassword)
		warm(t, v, "judy", a, b)
		cookies := maps.Clone(v.cookies)
		if got := v.post(a, "/logout", url.Values{}); got.status != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", got.status)
		}
		ended := time.Now()
		v.cookies = cookies // a copy of the cookie kept, as a thief would
		if _, st := v.whoami(a); st != http.StatusUnauthorized {
			t.Errorf("A answered the session it signed out: %d", st)
		}
		took := refusedWithin(t, v, b, ended, "sign-out", unauthorized(v, b))
		t.Logf("sign-out: B refused after %v", took.Round(time.Millisecond))
	})

	t.Run("role changed", func(t *testing.T) {
		// A change of privilege ends the member's sessions (account.UpdateMember).
		end(t, "ken", func(_ *visitor, id string) {
			if st := apiJSON(t, a, key, "PATCH", "/members/"+id, `{"role":"administrator"}`); st != http.StatusOK {
				t.Fatalf("PATCH role: %d", st)
			}
		})
	})

	t.Run("disabled by hand in the database", func(t *testing.T) {
		id := c.addMember(t, "lena", testPassword)
		v := newVisitor(t, "192.0.2.54")
		v.mustSignIn(a, a, "lena", testPassword)
		warm(t, v, "lena", a, b)
		if _, err := c.db.Exec(`UPDATE members SET state = 'disabled' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		ended := time.Now()
		for _, r := range []*gatehousetest.Replica{a, b} {
			refusedWithin(t, v, r, ended, "UPDATE by hand", unauthorized(v, r))
		}
	})
}

// TestReplicaSessionCacheNoticesCut: B's change notices go through a proxy
// that the test stalls, as a network that silently drops packets would. A
// session signed out on A is still refused by B within a second: B's cache
// keeps nothing longer than its maximum age. Once the notices flow again,
// B refuses within milliseconds as before.
func TestReplicaSessionCacheNoticesCut(t *testing.T) {
	t.Parallel()
	c := newCluster(t, nil)
	proxy, notifyURL := gatehousetest.NewPostgresProxy(t, c.env["GATEHOUSE_DATABASE_URL"])
	a := c.start(t, "A")
	envB := maps.Clone(c.env)
	envB["GATEHOUSE_NOTIFY_DATABASE_URL"] = notifyURL
	b := gatehousetest.StartReplica(t, "B", envB)

	signOut := func(name string) time.Duration {
		c.addMember(t, name, testPassword)
		v := newVisitor(t, "192.0.2.60")
		v.mustSignIn(a, a, name, testPassword)
		warm(t, v, name, b)
		cookies := maps.Clone(v.cookies)
		if got := v.post(a, "/logout", url.Values{}); got.status != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", got.status)
		}
		ended := time.Now()
		v.cookies = cookies
		return refusedWithin(t, v, b, ended, name, unauthorized(v, b))
	}

	// Notices flowing: B refuses at once, or nearly.
	t.Logf("notices flowing: B refused after %v", signOut("mia").Round(time.Millisecond))

	proxy.Stall()
	t.Logf("notices stalled: B refused after %v", signOut("nina").Round(time.Millisecond))
	proxy.Cut()
	t.Logf("notices cut: B refused after %v", signOut("olga").Round(time.Millisecond))
	proxy.Restore()
	// B reconnects (it retries within seconds) and is told to forget what it
	// cached meanwhile; then the notices carry again.
	time.Sleep(6 * time.Second)
	t.Logf("notices restored: B refused after %v", signOut("pia").Round(time.Millisecond))
	if n := b.LogCount("change notifications interrupted; caches fall back on their maximum age until they return"); n == 0 {
		t.Error("B did not log that its notices were interrupted")
	}
}
