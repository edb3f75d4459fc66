package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// hostCall sends a request to replica r as the load balancer would for the
// host host, with the operator key key ("" for none), and returns the status
// and body.
func hostCall(t *testing.T, r *gatehousetest.Replica, method, host, path, key, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatalf("%s %s%s on %s: %v", method, host, path, r.Name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// within polls cond for up to d (the organization cache's bound, with room):
// a replica must see another's change at once or within the cache's maximum
// age, never later.
func within(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReplicaOrganizations: an organization created through the operator API
// on replica A serves on replica B at once: its host answers with its own
// sign-in page there (though B had just answered that host as the default
// organization's), and its
// first owner's link works there. Suspending it on A is refused on B within
// the organization cache's bound, and resuming it on A opens it on B again.
func TestReplicaOrganizations(t *testing.T) {
	t.Parallel()
	c := newCluster(t, nil)
	a := c.start(t, "A")
	b := c.start(t, "B")
	key := strings.TrimSpace(c.gatehouse(t, "", "operator", "apikey", "create", "--name", "provisioning"))
	pub, _ := url.Parse(publicURL)
	const host = "acme.test"

	// Before any organization has a host, every host is the default
	// organization's (an installation as it was before organizations): B
	// answers acme's host with the default sign-in, and may cache that.
	if st, body := hostCall(t, b, http.MethodGet, host, "/login", "", ""); st != http.StatusOK || strings.Contains(body, "Acme Ltd") {
		t.Fatalf("B on acme's host before acme exists: %d; want the default organization's sign-in", st)
	}
	st, body := hostCall(t, a, http.MethodPost, pub.Host, "/api/v1/operator/organizations", key,
		`{"slug": "acme", "name": "Acme Ltd", "hosts": ["acme.test"], "owner_email": "boss@acme.test"}`)
	if st != http.StatusCreated {
		t.Fatalf("creating acme on A: %d\n%s", st, body)
	}
	var created struct {
		InvitationURL string `json:"invitation_url"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.InvitationURL == "" {
		t.Fatalf("no invitation_url in %s: %v", body, err)
	}
	inv, err := url.Parse(created.InvitationURL)
	if err != nil || inv.Host != host {
		t.Fatalf("the invitation %q is not on acme's host", created.InvitationURL)
	}
	if !within(2*time.Second, func() bool {
		st, body := hostCall(t, b, http.MethodGet, host, "/login", "", "")
		return st == http.StatusOK && strings.Contains(body, "Acme Ltd")
	}) {
		st, body := hostCall(t, b, http.MethodGet, host, "/login", "", "")
		t.Fatalf("acme's sign-in page on B after it was created on A: %d\n%.400s", st, body)
	}
	if st, body := hostCall(t, b, http.MethodGet, host, inv.RequestURI(), "", ""); st != http.StatusOK || !strings.Contains(body, `name="password"`) {
		t.Errorf("acme's first owner's link on B: %d\n%.400s", st, body)
	}

	if st, body := hostCall(t, a, http.MethodPost, pub.Host, "/api/v1/operator/organizations/acme/suspend", key, `{"reason": "unpaid"}`); st != http.StatusOK {
		t.Fatalf("suspending acme on A: %d\n%s", st, body)
	}
	if !within(2*time.Second, func() bool {
		st, body := hostCall(t, b, http.MethodGet, host, "/login", "", "")
		return st == http.StatusForbidden && strings.Contains(body, "suspended")
	}) {
		t.Errorf("B still serves acme's sign-in two seconds after A suspended it")
	}
	if st, _ := hostCall(t, b, http.MethodGet, host, inv.RequestURI(), "", ""); st != http.StatusForbidden {
		t.Errorf("the owner's link on B while acme is suspended: %d; want 403", st)
	}
	if st, body := hostCall(t, a, http.MethodPost, pub.Host, "/api/v1/operator/organizations/acme/resume", key, `{}`); st != http.StatusOK {
		t.Fatalf("resuming acme on A: %d\n%s", st, body)
	}
	if !within(2*time.Second, func() bool {
		st, _ := hostCall(t, b, http.MethodGet, host, inv.RequestURI(), "", "")
		return st == http.StatusOK
	}) {
		t.Errorf("the owner's unexpired link on B after A resumed acme does not work again")
	}
}
