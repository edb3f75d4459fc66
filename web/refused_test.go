package web_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// post sends a form from the client address ip (through the trusted proxy
// that the test server's loopback is) with the extra headers, and returns the
// answer.
func post(t *testing.T, s *webtest.Server, path, ip string, form url.Values, headers map[string]string) *webtest.Response {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Forwarded-For", ip)
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return s.Do(t, r)
}

var proxied = webtest.Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}

// TestRefusedRequestsAudited: a form sent from another site and a form
// without a valid anti-forgery token are refused with 403 and audited as
// request.refused with the reason, method, path, origin, client address and
// the request's id.
func TestRefusedRequestsAudited(t *testing.T) {
	webtest.Each(t, proxied, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		form := url.Values{"identifier": {"jdoe"}, "password": {goodPassword}}

		r := post(t, s, "/login", "198.51.100.7", form, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
		if r.Status != http.StatusForbidden {
			t.Fatalf("cross-site sign-in: %d", r.Status)
		}
		cross := r.Header.Get("X-Request-Id")
		s.Clock.Advance(time.Second) // the log lists the newest first
		r = post(t, s, "/account/password?token=secret", "203.0.113.9", url.Values{"csrf_token": {"forged"}}, nil)
		if r.Status != http.StatusForbidden {
			t.Fatalf("forged token: %d", r.Status)
		}
		forged := r.Header.Get("X-Request-Id")

		evs := s.Audit(t, gatehouse.EventRequestRefused)
		if len(evs) != 2 {
			t.Fatalf("%d request.refused events, want 2: %+v", len(evs), evs)
		}
		want := []struct {
			ip, id  string
			details map[string]string
		}{
			{"203.0.113.9", forged, map[string]string{"reason": "csrf_token", "method": "POST", "path": "/account/password"}},
			{"198.51.100.7", cross, map[string]string{"reason": "cross_origin", "method": "POST", "path": "/login",
				"origin": "https://evil.example", "sec_fetch_site": "cross-site"}},
		}
		for i, w := range want {
			e := evs[i]
			if e.IP != w.ip || e.RequestID != w.id || e.RequestID == "" || e.MemberID != "" {
				t.Errorf("event %d: ip %q request %q member %q; want %q %q", i, e.IP, e.RequestID, e.MemberID, w.ip, w.id)
			}
			if len(e.Details) != len(w.details) {
				t.Errorf("event %d details %v, want %v", i, e.Details, w.details)
			}
			for k, v := range w.details {
				if e.Details[k] != v {
					t.Errorf("event %d: %s = %q, want %q", i, k, e.Details[k], v)
				}
			}
		}
		if len(s.Audit(t, gatehouse.EventSignIn, gatehouse.EventSignInFailed)) != 0 {
			t.Error("a refused sign-in reached the use case")
		}
	})
}

// TestRefusedRequestAuditLimits: forged requests cannot flood the audit log.
// From one address, of many requests, sent one after another or all at once,
// exactly account.RefusedAuditPerAddress are recorded in an hour, the last
// saying until when the rest are not; other addresses are recorded meanwhile,
// up to account.RefusedAuditPerOrg in all; an hour later the address is
// recorded again. Every request is refused whether recorded or not.
func TestRefusedRequestAuditLimits(t *testing.T) {
	webtest.Each(t, proxied, func(t *testing.T, s *webtest.Server) {
		cross := map[string]string{"Origin": "https://evil.example"}
		refuse := func(ip string) {
			if r := post(t, s, "/login", ip, url.Values{"identifier": {"x"}}, cross); r.Status != http.StatusForbidden {
				t.Errorf("a cross-site request from %s: %d", ip, r.Status)
			}
		}
		count := func(ip string) int {
			n := 0
			for _, e := range s.Audit(t, gatehouse.EventRequestRefused) {
				if ip == "" || e.IP == ip {
					n++
				}
			}
			return n
		}

		// All at once from one address: the limit holds exactly.
		var wg sync.WaitGroup
		for range 3 * account.RefusedAuditPerAddress {
			wg.Go(func() { refuse("198.51.100.1") })
		}
		wg.Wait()
		if n := count("198.51.100.1"); n != account.RefusedAuditPerAddress {
			t.Fatalf("%d events from one address, want %d", n, account.RefusedAuditPerAddress)
		}
		last := 0
		for _, e := range s.Audit(t, gatehouse.EventRequestRefused) {
			if e.Details["not_recorded_until"] != "" {
				last++
				if want := s.Clock.Now().Add(time.Hour).UTC().Format(time.RFC3339); e.Details["not_recorded_until"] != want {
					t.Errorf("not recorded until %s, want %s", e.Details["not_recorded_until"], want)
				}
			}
		}
		if last != 1 {
			t.Errorf("%d events say that the rest are not recorded, want 1", last)
		}

		// Another address of the same IPv6 /64 counts as the same client.
		refuse("2001:db8:1:2::1")
		for range account.RefusedAuditPerAddress {
			refuse("2001:db8:1:2::ffff")
		}
		if n := count("2001:db8:1:2::1") + count("2001:db8:1:2::ffff"); n != account.RefusedAuditPerAddress {
			t.Errorf("%d events from one /64, want %d", n, account.RefusedAuditPerAddress)
		}

		// Many addresses: the organization's limit.
		for i := 0; count("") < account.RefusedAuditPerOrg; i++ {
			if i > account.RefusedAuditPerOrg {
				t.Fatalf("only %d events after %d addresses", count(""), i)
			}
			ip := netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}).String()
			for range account.RefusedAuditPerAddress {
				refuse(ip)
			}
		}
		refuse("192.0.2.200")
		if n := count(""); n != account.RefusedAuditPerOrg {
			t.Errorf("%d events in all, want %d", n, account.RefusedAuditPerOrg)
		}

		// An hour later both limits start again.
		s.Clock.Advance(time.Hour)
		refuse("198.51.100.1")
		if n := count("198.51.100.1"); n != account.RefusedAuditPerAddress+1 {
			t.Errorf("after an hour: %d events from the first address, want %d", n, account.RefusedAuditPerAddress+1)
		}
	})
}
