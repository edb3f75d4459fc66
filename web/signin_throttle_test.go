package web_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// signInAnswer is what a visitor can see of a sign-in answer: the status, the
// headers but their dates and request ids, the names and attributes of the
// cookies set (their values are random), and the page without its
// anti-forgery token and without the identifier it repeats in the form.
func signInAnswer(r *webtest.Response, identifier string) string {
	var h []string
	for k, vs := range r.Header {
		switch k {
		case "Date", "Content-Length", "X-Request-Id":
			// Different for every answer, whoever asks.
			continue
		case "Set-Cookie":
			for _, v := range vs {
				name, rest, _ := strings.Cut(v, "=")
				_, attrs, _ := strings.Cut(rest, ";")
				h = append(h, k+": "+name+";"+attrs)
			}
			continue
		}
		h = append(h, k+": "+strings.Join(vs, ", "))
	}
	sort.Strings(h)
	body := csrfValue.ReplaceAllString(r.Body, "")
	body = strings.Replace(body, `value="`+identifier+`"`, "", 1)
	return itoaT(r.Status) + "\n" + strings.Join(h, "\n") + "\n" + body
}

// TestThrottleHidesWhichIdentifiersShareAnAccount: once one identifier of an
// account (the username) is throttled, its other identifiers (the email
// addresses) answer exactly like identifiers of no account, while the account's
// own limit still refuses even the right password, unseen.
func TestThrottleHidesWhichIdentifiersShareAnAccount(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"signin_free_attempts": "3", "signin_max_delay": "1m"}},
		func(t *testing.T, s *webtest.Server) {
			m := s.AddMember(t, "bob", "bob@example.com", goodPassword, gatehouse.RoleMember)
			m.WorkEmail = "r.bob@corp.example"
			s.Overwrite(t, m)
			attacker := s.Browser(t)
			try := func(b *webtest.Browser, id, pw string) *webtest.Response {
				return b.Submit("/login", "/login", url.Values{"identifier": {id}, "password": {pw}})
			}
			for i := range 4 {
				if r := try(attacker, "bob", "not the password!"); r.Status != http.StatusUnauthorized {
					t.Fatalf("failure %d: %d", i+1, r.Status)
				}
			}
			// The identifier typed is throttled, visibly: 429 and Retry-After.
			if r := try(attacker, "bob", "not the password!"); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
				t.Fatalf("the throttled username: %d (Retry-After %q), want 429", r.Status, r.Header.Get("Retry-After"))
			}
			// Its other identifiers answer as identifiers of no account do, from
			// the attacker's browser and from a fresh one. (Each identifier is
			// tried within its own free attempts: its visible limit is its own.)
			for i, b := range []*webtest.Browser{attacker, s.Browser(t)} {
				want := signInAnswer(try(b, "nobody@example.com", "not the password!"), "nobody@example.com")
				ids := []string{"bob@example.com", "r.bob@corp.example"}
				if i == 1 {
					ids = []string{"BOB@Example.com", "R.Bob@corp.example"}
				}
				for _, id := range ids {
					got := signInAnswer(try(b, id, "not the password!"), id)
					if got != want {
						t.Errorf("%s answers otherwise than an unknown address:\n%s\n--- unknown:\n%s", id, got, want)
					}
					// The account is over its limit: even the right password gets
					// the answer of a wrong one.
					got = signInAnswer(try(b, id, goodPassword), id)
					if got != want {
						t.Errorf("%s with the right password answers otherwise than an unknown address:\n%s", id, got)
					}
				}
			}
			if !hasDetail(s.Audit(t, gatehouse.EventSignInFailed), "reason", "account_throttled") {
				t.Error("refusals by the account's limit are not audited as such")
			}
			// The limit lifts by itself: after the longest wait the right
			// password signs in, through any identifier.
			s.Clock.Advance(61 * time.Second)
			s.Browser(t).SignIn("bob@example.com", goodPassword, "/account")
			s.Browser(t).SignIn("bob", goodPassword, "/account")
		})
}
