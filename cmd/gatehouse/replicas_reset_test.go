package main

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/captcha"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

var challengeInput = regexp.MustCompile(`name="captcha_challenge" value="([^"]+)"`)

// resetAcross requests a password reset on A and completes it on B: the
// CAPTCHA's single-use record, the one-time link and the sessions it ends are
// all shared.
func resetAcross(t *testing.T, c *cluster, a, b *gatehousetest.Replica) {
	t.Helper()
	c.addMember(t, "ivan", testPassword)
	old := newVisitor(t, "192.0.2.70")
	old.mustSignIn(a, a, "ivan", testPassword)

	// The request, on A, with the builtin CAPTCHA solved as the page's script would.
	v := newVisitor(t, "192.0.2.71")
	page := v.get(a, "/forgot-password")
	if page.status != http.StatusOK {
		t.Fatalf("GET /forgot-password on A: %d\n%s", page.status, page.body)
	}
	m := challengeInput.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no builtin CAPTCHA challenge on the form:\n%s", page.body)
	}
	challenge := html.UnescapeString(m[1])
	solution, err := captcha.Solve(challenge)
	if err != nil {
		t.Fatal(err)
	}
	answer := url.Values{"captcha_challenge": {challenge}, "captcha_solution": {solution}}
	form := url.Values{"identifier": {"ivan"}}
	for k, vs := range answer {
		form[k] = vs
	}
	if got := v.post(a, "/forgot-password", form); got.status != http.StatusSeeOther {
		t.Fatalf("POST /forgot-password on A: %d\n%s", got.status, got.body)
	}
	// The solved challenge was used up on A: B refuses it too.
	replay := url.Values{"identifier": {"ivan"}}
	for k, vs := range answer {
		replay[k] = vs
	}
	if got := v.post(b, "/forgot-password", replay); got.status != http.StatusUnprocessableEntity {
		t.Errorf("the same CAPTCHA answer again, on B: %d, want 422 (single use across replicas)", got.status)
	}

	var link string
	if !eventually(30*time.Second, func() bool {
		if r, ok := c.smtp.Last("ivan@example.com"); ok && strings.Contains(gatehousetest.LinkIn(r), "/reset-password?") {
			link = gatehousetest.LinkIn(r)
			return true
		}
		return false
	}) {
		t.Fatal("no reset email for ivan")
	}
	if !strings.HasPrefix(link, publicURL+"/reset-password?") {
		t.Fatalf("the link %q is not built from the public URL", link)
	}
	path := strings.TrimPrefix(link, publicURL)

	// The completion, on B.
	if got := v.get(b, path); got.status != http.StatusOK {
		t.Fatalf("the reset link on B: %d\n%s", got.status, got.body)
	}
	u, _ := url.Parse(link)
	got := v.post(b, "/reset-password", url.Values{
		"token": {u.Query().Get("token")}, "new_password": {testPassword2}, "confirm_password": {testPassword2},
	})
	if got.status != http.StatusSeeOther || !strings.HasPrefix(got.location, "/login") {
		t.Fatalf("POST /reset-password on B: %d to %q\n%s", got.status, got.location, got.body)
	}
	for _, r := range []*gatehousetest.Replica{a, b} {
		if who, st := old.whoami(r); st != http.StatusUnauthorized {
			t.Errorf("the session begun on A before the reset, on %s: %d %q, want 401", r.Name, st, who)
		}
	}
	if got := v.get(a, path); got.status != http.StatusGone {
		t.Errorf("the used link on A: %d, want 410", got.status)
	}
	if got := newVisitor(t, "192.0.2.72").signIn(a, a, "ivan", testPassword); got.status != http.StatusUnauthorized {
		t.Errorf("the old password on A after the reset: %d, want 401", got.status)
	}
	newVisitor(t, "192.0.2.73").mustSignIn(a, a, "ivan", testPassword2)
}

var codeLine = regexp.MustCompile(`(?m)^\s*(\d{4,10})\s*$`)

// twoFactorAcross signs in on A, proves the second factor on B with the code
// that A sent, and has A recognize the browser that B trusted.
func twoFactorAcross(t *testing.T, c *cluster, a, b *gatehousetest.Replica) {
	t.Helper()
	c.setSettings(t, "two_factor=required")
	defer c.setSettings(t, "two_factor=off")
	c.addMember(t, "judy", testPassword)
	v := newVisitor(t, "192.0.2.80")
	if got := v.signIn(a, a, "judy", testPassword); got.status != http.StatusSeeOther || got.location != "/login/verify" {
		t.Fatalf("sign-in on A with two-factor required: %d to %q", got.status, got.location)
	}
	var code string
	if !eventually(30*time.Second, func() bool {
		if r, ok := c.smtp.Last("judy@example.com"); ok {
			if m := codeLine.FindStringSubmatch(r.Text); m != nil {
				code = m[1]
				return true
			}
		}
		return false
	}) {
		t.Fatal("no sign-in code for judy")
	}
	if got := v.get(b, "/login/verify"); got.status != http.StatusOK {
		t.Fatalf("GET /login/verify on B: %d\n%s", got.status, got.body)
	}
	got := v.post(b, "/login/verify", url.Values{"method": {"code"}, "code": {code}, "trust": {"on"}})
	if got.status != http.StatusSeeOther || got.location != "/account" {
		t.Fatalf("the code from A's email, on B: %d to %q\n%s", got.status, got.location, got.body)
	}
	if who, st := v.whoami(a); who != "judy" {
		t.Errorf("session API on A after the second factor on B: %d %q", st, who)
	}
	device := v.cookies["gatehouse_device"]
	if device == "" {
		t.Fatal("B set no trusted-browser cookie")
	}
	// The same browser later, signed out: A knows it is trusted.
	later := newVisitor(t, "192.0.2.80")
	later.cookies["gatehouse_device"] = device
	if got := later.signIn(a, a, "judy", testPassword); got.status != http.StatusSeeOther || got.location != "/account" {
		t.Errorf("sign-in on A from the browser B trusted: %d to %q, want no second factor", got.status, got.location)
	}
}
