package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/secret"
)

var olderRe = regexp.MustCompile(`href="(/operator/log\?[^"]+)" id="older"`)

// operatorSignedIn adds an operator to the server's desk, activates them
// with their app and signs them in, over HTTP, and returns the browser.
func operatorSignedIn(t *testing.T, s *webtest.Server, username string) *webtest.Browser {
	t.Helper()
	added, err := s.App.Desk.Add(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, username, username+"@vendor.example")
	if err != nil {
		t.Fatal(err)
	}
	b := hostBrowser(t, s)
	u, _ := url.Parse(added.Link)
	m := secretRe.FindStringSubmatch(b.Get(s.URL + u.RequestURI()).Body)
	if m == nil {
		t.Fatal("no app key on the activation page")
	}
	key := strings.ReplaceAll(m[1], " ", "")
	code := func(offset int64) string {
		c, _ := secret.TOTPCode(key, secret.TOTPStep(s.Clock.Now())+offset)
		return c
	}
	const pw = "violet kettle orbit marsh"
	if r := b.Post(s.URL+"/operator/activate", url.Values{"token": {u.Query().Get("token")}, "password": {pw}, "confirm_password": {pw}, "code": {code(0)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("activate: %d\n%s", r.Status, r.Body)
	}
	b.Get(s.URL + "/operator")
	if r := b.Post(s.URL+"/operator/login", url.Values{"username": {username}, "password": {pw}, "code": {code(1)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", r.Status, r.Body)
	}
	return b
}

// TestOperatorConsoleOperatorsAndLog: the console lists the operators
// (nothing secret of theirs) and reads the operator log, newest first, a page
// at a time, and about one organization; only signed in, only on the public
// URL's host.
func TestOperatorConsoleOperatorsAndLog(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		ctx := t.Context()
		acme, acmeURL := browserOrg(t, s, "acme", "Acme Ltd")
		browserOrg(t, s, "beta", "Beta Co")
		b := operatorSignedIn(t, s, "dora")
		if _, err := s.App.Desk.Add(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "eve", "eve@vendor.example"); err != nil {
			t.Fatal(err)
		}

		r := b.Get(s.URL + "/operator/operators")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "dora@vendor.example") || !strings.Contains(r.Body, "eve@vendor.example") ||
			!strings.Contains(r.Body, "pending") || !strings.Contains(r.Body, "active") {
			t.Fatalf("operators: %d\n%s", r.Status, r.Body)
		}
		dora, err := s.Store.OperatorByUsername(ctx, "dora")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.Body, dora.PasswordHash) || strings.Contains(r.Body, dora.TOTPSecret) || strings.Contains(r.Body, "argon2") {
			t.Error("the operators page shows a password hash or an app secret")
		}

		// A suspension through the console, with its reason, is in the log.
		s.Clock.Advance(time.Second) // entries of one instant have no order among them
		home := b.Get(s.URL + "/operator/orgs/acme")
		if home.Status != http.StatusOK {
			t.Fatalf("acme's page: %d", home.Status)
		}
		if r := b.Post(s.URL+"/operator/orgs/acme/state", url.Values{"state": {"suspended"}, "reason": {"unpaid invoice 42"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("suspend: %d\n%s", r.Status, r.Body)
		}
		r = b.Get(s.URL + "/operator/log")
		for _, want := range []string{"organization.suspended", "unpaid invoice 42", `href="/operator/orgs/acme"`, "signin.success", "operator.added", "dora",
			">Organization suspended<", ">Signed in<", ">Operator added<", ">command line<"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the log does not show %q:\n%s", want, r.Body)
			}
		}
		if strings.Index(r.Body, "organization.suspended") > strings.Index(r.Body, "operator.activated") {
			t.Error("the log is not newest first")
		}
		r = b.Get(s.URL + "/operator/log?org=acme")
		if !strings.Contains(r.Body, "organization.suspended") || strings.Contains(r.Body, "operator.added") || strings.Contains(r.Body, "signin.success") {
			t.Errorf("the log about acme:\n%s", r.Body)
		}
		if r := b.Get(s.URL + "/operator/log?org=nope"); r.Status != http.StatusNotFound {
			t.Errorf("the log about an unknown organization: %d", r.Status)
		}

		// A page at a time: 150 entries about acme make two pages.
		for i := range 150 {
			if err := s.App.Desk.Record(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, operator.ActionOrgUpdated, acme.ID, "", "", "", "change "+strconv.Itoa(i)); err != nil {
				t.Fatal(err)
			}
			s.Clock.Advance(time.Millisecond)
		}
		first := b.Get(s.URL + "/operator/log?org=acme")
		older := olderRe.FindStringSubmatch(first.Body)
		if older == nil || !strings.Contains(first.Body, ">change 149<") || strings.Contains(first.Body, ">change 49<") {
			t.Fatalf("the first page of acme's log (no link to older entries, or the wrong entries):\n%.2000s", first.Body)
		}
		second := b.Get(s.URL + strings.ReplaceAll(older[1], "&amp;", "&"))
		if !strings.Contains(second.Body, ">change 49<") || !strings.Contains(second.Body, ">change 0<") || strings.Contains(second.Body, ">change 50<") ||
			!strings.Contains(second.Body, "organization.suspended") || olderRe.MatchString(second.Body) {
			t.Errorf("the second page of acme's log:\n%.3000s", second.Body)
		}

		// Only for a signed-in operator, only on the public URL's host.
		for _, p := range []string{"/operator/operators", "/operator/log"} {
			if r := s.Browser(t).Get(p); r.Status != http.StatusSeeOther || r.Location != "/operator" {
				t.Errorf("%s without a session: %d to %q", p, r.Status, r.Location)
			}
			if r := b.Get(acmeURL + p); r.Status != http.StatusNotFound {
				t.Errorf("%s on acme's host: %d", p, r.Status)
			}
		}
	})
}
