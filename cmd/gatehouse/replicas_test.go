package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// Passwords that satisfy the default policy (15 characters, not common).
const (
	testPassword  = "purple walrus kettle 7315"
	testPassword2 = "quiet meadow bicycle 8142"
)

// TestReplicas runs two replicas on one database and checks that a visitor
// cannot tell them apart: sessions, password changes, throttles and the mail
// queue are shared.
func TestReplicas(t *testing.T) {
	t.Parallel()
	c := newCluster(t, nil)
	a, b := c.start(t, "A"), c.start(t, "B")

	t.Run("a session begun on A is valid on B", func(t *testing.T) {
		c.addMember(t, "alice", testPassword)
		v := newVisitor(t, "192.0.2.10")
		// The form comes from A and is posted to B: the anti-forgery key is shared too.
		v.mustSignIn(a, b, "alice", testPassword)
		for _, r := range []*gatehousetest.Replica{a, b} {
			if who, st := v.whoami(r); who != "alice" {
				t.Errorf("session API on %s: %d %q, want alice", r.Name, st, who)
			}
		}
		if got := v.get(b, "/account"); got.status != http.StatusOK || !strings.Contains(got.body, "alice") {
			t.Errorf("GET /account on B: %d", got.status)
		}
		// Signing out on B ends the session on A.
		if got := v.post(b, "/logout", url.Values{}); got.status != http.StatusSeeOther {
			t.Fatalf("sign-out on B: %d\n%s", got.status, got.body)
		}
		// A caches session checks and hears of the sign-out within a second
		// (replicas_session_test.go).
		refusedWithin(t, v, a, time.Now(), "session API on A after sign-out on B", unauthorized(v, a))
	})

	t.Run("a password changed on B ends the sessions A began", func(t *testing.T) {
		c.addMember(t, "bob", testPassword)
		changer, other := newVisitor(t, "192.0.2.20"), newVisitor(t, "192.0.2.21")
		changer.mustSignIn(a, a, "bob", testPassword)
		other.mustSignIn(a, a, "bob", testPassword)
		if got := changer.get(b, "/account/password"); got.status != http.StatusOK {
			t.Fatalf("GET /account/password on B: %d", got.status)
		}
		got := changer.post(b, "/account/password", url.Values{
			"current_password": {testPassword}, "new_password": {testPassword2}, "confirm_password": {testPassword2},
		})
		if got.status != http.StatusSeeOther {
			t.Fatalf("password change on B: %d\n%s", got.status, got.body)
		}
		changed := time.Now()
		for _, r := range []*gatehousetest.Replica{a, b} {
			refusedWithin(t, other, r, changed, "the other session (begun on A) on "+r.Name+" after the change", unauthorized(other, r))
			if who, _ := changer.whoami(r); who != "bob" {
				t.Errorf("the changer's own session on %s: %q, want it kept", r.Name, who)
			}
		}
		if got := newVisitor(t, "192.0.2.22").signIn(a, a, "bob", testPassword); got.status != http.StatusUnauthorized {
			t.Errorf("the old password on A: %d, want 401", got.status)
		}
		newVisitor(t, "192.0.2.23").mustSignIn(a, a, "bob", testPassword2)
	})

	t.Run("a reset requested on A completes on B", func(t *testing.T) {
		resetAcross(t, c, a, b)
	})

	t.Run("a code sent by A is accepted by B, and a browser trusted by B by A", func(t *testing.T) {
		twoFactorAcross(t, c, a, b)
	})

	t.Run("failed sign-ins on A and B add up for the account", func(t *testing.T) {
		accountThrottle(t, c, a, b, "carol", c.dbCounter)
	})

	t.Run("failed sign-ins on A and B add up for the address", func(t *testing.T) {
		addressThrottle(t, c, a, b, "10.2.0.1", c.dbCounter)
	})

	t.Run("200 messages, both replicas sending, each delivered once", func(t *testing.T) {
		// Sending takes a while, so that both replicas' workers find work.
		c.smtp.Delay(20 * time.Millisecond)
		defer c.smtp.Delay(0)
		const n = 200
		c.enqueue(t, "bulk", n)
		got := c.waitSent(t, "bulk", n)
		for to, k := range got {
			if k != 1 {
				t.Errorf("%s received %d times", to, k)
			}
		}
		sentA, sentB := sentBy(a, "bulk"), sentBy(b, "bulk")
		if sentA+sentB != n || sentA == 0 || sentB == 0 {
			t.Errorf("A sent %d and B sent %d messages; want %d in all, from both", sentA, sentB, n)
		}
	})
}

// dbCounter reads a throttling counter from the shared database.
func (c *cluster) dbCounter(t *testing.T, key string) int {
	t.Helper()
	return c.count(t, `SELECT COALESCE(MAX(count), 0) FROM counters WHERE key = $1`, key)
}

// accountFreeAttempts is the default of the setting signin_free_attempts: the
// failures an account may have before delays begin.
const accountFreeAttempts = 5

// accountThrottle fails sign-ins for one account alternately on a and b, each
// from another address so that only the account's counter can add up, and
// checks that the failures counted by both replicas make one throttle.
func accountThrottle(t *testing.T, c *cluster, a, b *gatehousetest.Replica, username string, counter func(t *testing.T, key string) int) {
	t.Helper()
	id := c.addMember(t, username, testPassword)
	key := "signin:member:default:" + id
	replicas := []*gatehousetest.Replica{a, b}
	attempt := func(i int) *answer {
		r := replicas[i%2]
		return newVisitor(t, fmt.Sprintf("10.1.%d.%d", i/200, i%200+1)).signIn(r, r, username, fmt.Sprintf("wrong password number %d", i))
	}
	// The free attempts and the first one that imposes a delay: none is refused.
	for i := range accountFreeAttempts + 1 {
		if got := attempt(i); got.status != http.StatusUnauthorized {
			t.Fatalf("failure %d (on %s): %d, want 401\n%s", i+1, replicas[i%2].Name, got.status, got.body)
		}
	}
	if got := counter(t, key); got != accountFreeAttempts+1 {
		t.Errorf("the account's counter is %d after %d failures on two replicas, want them all counted", got, accountFreeAttempts+1)
	}
	throttledBy(t, accountFreeAttempts+1, attempt)
}

// addressThrottle fails sign-ins for ever new unknown names from one address,
// alternately on a and b, and checks that they make one throttle for the
// address, and none for another address.
func addressThrottle(t *testing.T, c *cluster, a, b *gatehousetest.Replica, ip string, counter func(t *testing.T, key string) int) {
	t.Helper()
	const free = 4
	// Settings live in the database: changed by the command line, they hold in
	// every replica within the settings cache's second.
	c.setSettings(t, fmt.Sprintf("signin_address_free_attempts=%d", free))
	replicas := []*gatehousetest.Replica{a, b}
	attempt := func(i int) *answer {
		r := replicas[i%2]
		return newVisitor(t, ip).signIn(r, r, fmt.Sprintf("nobody-%s-%d", ip, i), "some password or other")
	}
	for i := range free + 1 {
		if got := attempt(i); got.status != http.StatusUnauthorized {
			t.Fatalf("failure %d (on %s): %d, want 401\n%s", i+1, replicas[i%2].Name, got.status, got.body)
		}
	}
	if got := counter(t, "signin:addr:default:"+ip); got != free+1 {
		t.Errorf("the address's counter is %d after %d failures on two replicas, want them all counted", got, free+1)
	}
	throttledBy(t, free+1, attempt)
	if got := newVisitor(t, "10.3.0.1").signIn(a, a, "nobody-else", "some password or other"); got.status != http.StatusUnauthorized {
		t.Errorf("another address: %d, want 401 (not throttled)", got.status)
	}
}

// throttledBy checks that, after `failed` failures alternating between two
// replicas, the next attempts are soon refused with 429. The first delay is
// only a second, so a slow machine may let an attempt or two through (each
// doubles the delay); but if each replica counted only its own failures, no
// attempt would be refused before each had seen failed of them, twice as many.
func throttledBy(t *testing.T, failed int, attempt func(i int) *answer) {
	t.Helper()
	for i := failed; i < 2*failed; i++ {
		got := attempt(i)
		switch got.status {
		case http.StatusTooManyRequests:
			if got.header.Get("Retry-After") == "" {
				t.Errorf("a throttled sign-in without Retry-After")
			}
			if i >= failed+3 {
				t.Errorf("first refused at attempt %d, after %d failures; the replicas may not share the counter", i+1, i)
			}
			return
		case http.StatusUnauthorized:
		default:
			t.Fatalf("attempt %d: %d\n%s", i+1, got.status, got.body)
		}
	}
	t.Errorf("%d attempts alternating between two replicas were never throttled", 2*failed)
}
