package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/recovery"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// randomToken returns a well-formed link secret that no link has.
func randomToken(t *testing.T) string {
	t.Helper()
	raw, _, err := secret.NewToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestLinkGuessingThrottled: an address that presents too many reset,
// activation and setup links that do not work gets 429 with Retry-After for
// every link, valid ones too and with the same answer, until the hour is over;
// the moment is audited once; other addresses are not affected.
func TestLinkGuessingThrottled(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"reset_link_ttl": "2h"}}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		link := resetLink(t, s, s.Browser(t), "jdoe", "jane@example.com", 1)
		guesser := s.Browser(t)
		paths := []string{"/reset-password?token=", "/activate?token=", "/setup?token="}
		for i := range recovery.LinkFailuresPerAddress {
			if r := guesser.Get(paths[i%3] + randomToken(t)); r.Status != http.StatusGone {
				t.Fatalf("guess %d: %d, want 410", i+1, r.Status)
			}
		}
		if n := len(s.Audit(t, gatehouse.EventLinkThrottled)); n != 1 {
			t.Errorf("%d link.throttled events when the limit was reached, want 1", n)
		}
		invalid := guesser.Get(paths[0] + randomToken(t))
		valid := guesser.Get(link)
		for name, r := range map[string]*webtest.Response{"a guess": invalid, "a valid link": valid} {
			retry, _ := strconv.Atoi(r.Header.Get("Retry-After"))
			if r.Status != http.StatusTooManyRequests || retry < 1 || retry > 3600 {
				t.Errorf("%s past the limit: %d, Retry-After %q; want 429 within the hour", name, r.Status, r.Header.Get("Retry-After"))
			}
		}
		if a, b := signInAnswer(invalid, ""), signInAnswer(valid, ""); a != b {
			t.Errorf("a valid link answers otherwise than a guess while throttled:\n%s\n--- guess:\n%s", b, a)
		}
		guesser.Get("/login") // for the anti-forgery token
		posted := guesser.Post("/reset-password", url.Values{"token": {tokenOf(t, link)}, "new_password": {newPassword}, "confirm_password": {newPassword}})
		if posted.Status != http.StatusTooManyRequests {
			t.Errorf("posting the valid link while throttled: %d, want 429", posted.Status)
		}
		for _, p := range paths[1:] {
			if r := guesser.Get(p + randomToken(t)); r.Status != http.StatusTooManyRequests {
				t.Errorf("GET %s while throttled: %d, want 429", p, r.Status)
			}
		}
		evs := s.Audit(t, gatehouse.EventLinkThrottled)
		if len(evs) != 1 {
			t.Fatalf("%d link.throttled events after more refusals, want still 1", len(evs))
		}
		if ev := evs[0]; ev.IP != "127.0.0.1" || ev.Details["failures"] != strconv.Itoa(recovery.LinkFailuresPerAddress) {
			t.Errorf("link.throttled event: %+v", ev)
		}
		// Another address is not throttled; the valid link still works there.
		if r := s.Browser(t).From("127.0.0.2").Get(link); r.Status != http.StatusOK {
			t.Errorf("the valid link from another address: %d, want 200", r.Status)
		}
		// The password was not changed by the refused post; after the hour the
		// throttled address may use its link.
		s.Clock.Advance(time.Hour)
		if r := guesser.Get(link); r.Status != http.StatusOK {
			t.Errorf("the valid link an hour later: %d, want 200", r.Status)
		}
		s.Browser(t).SignIn("jdoe", goodPassword, "/account")
	})
}
