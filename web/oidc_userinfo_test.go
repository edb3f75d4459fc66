package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"golang.org/x/oauth2"
)

// TestOIDCUserinfoPost: the userinfo endpoint takes the access token by POST
// as RFC 6750 allows it, in the form body or the Authorization header, but
// not both at once, and never in the query.
func TestOIDCUserinfoPost(t *testing.T) {
	s, rp, m := planServer(t)
	f := rp.start()
	tok, _ := rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)
	call := func(method, query, header string, form url.Values) (int, string, map[string]any) {
		t.Helper()
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		r, _ := http.NewRequest(method, s.URL+"/oidc/userinfo"+query, body)
		if form != nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		resp := s.Do(t, r)
		var out map[string]any
		_ = json.Unmarshal([]byte(resp.Body), &out)
		return resp.Status, resp.Header.Get("WWW-Authenticate"), out
	}
	for _, c := range []struct {
		name, method, query, header string
		form                        url.Values
		status                      int
		err                         string
	}{
		{"POST form body", http.MethodPost, "", "", url.Values{"access_token": {tok.AccessToken}}, 200, ""},
		{"POST header", http.MethodPost, "", "Bearer " + tok.AccessToken, url.Values{}, 200, ""},
		{"POST header, lower-case scheme", http.MethodPost, "", "bearer " + tok.AccessToken, nil, 200, ""},
		{"GET header", http.MethodGet, "", "Bearer " + tok.AccessToken, nil, 200, ""},
		{"POST both", http.MethodPost, "", "Bearer " + tok.AccessToken, url.Values{"access_token": {tok.AccessToken}}, 400, "invalid_request"},
		{"GET query", http.MethodGet, "?access_token=" + url.QueryEscape(tok.AccessToken), "", nil, 401, "invalid_token"},
		{"POST form, wrong token", http.MethodPost, "", "", url.Values{"access_token": {otherToken(tok.AccessToken)}}, 401, "invalid_token"},
		{"POST nothing", http.MethodPost, "", "", url.Values{}, 401, "invalid_token"},
	} {
		st, www, out := call(c.method, c.query, c.header, c.form)
		if st != c.status {
			t.Errorf("%s: %d, want %d (%v)", c.name, st, c.status, out)
			continue
		}
		if c.status == 200 && out["sub"] != m.ID {
			t.Errorf("%s: claims %v", c.name, out)
		}
		if c.err != "" && out["error"] != c.err {
			t.Errorf("%s: error %v, want %s", c.name, out["error"], c.err)
		}
		if c.status == 401 && !strings.HasPrefix(www, "Bearer") {
			t.Errorf("%s: WWW-Authenticate %q", c.name, www)
		}
	}
}

// TestOIDCEmailVerified: email_verified is true only for the address an
// emailed link was sent to and then used (here a password reset), and false
// again once the address changes. No locale is claimed until the member
// chooses a language (TestOIDCLocale).
func TestOIDCEmailVerified(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
		rp := newRP(t, s, oidc.NewClient{FirstParty: true})
		claims := func() map[string]any {
			t.Helper()
			f := rp.start()
			tok, id := rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)
			var c map[string]any
			if err := id.Claims(&c); err != nil {
				t.Fatal(err)
			}
			ui, err := rp.provider.UserInfo(rp.ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatal(err)
			}
			var u map[string]any
			if err := ui.Claims(&u); err != nil {
				t.Fatal(err)
			}
			if c["email_verified"] != u["email_verified"] {
				t.Errorf("ID token says email_verified %v, userinfo %v", c["email_verified"], u["email_verified"])
			}
			if _, ok := c["locale"]; ok {
				t.Errorf("a locale is claimed: %v", c["locale"])
			}
			return c
		}
		if c := claims(); c["email"] != "ada@example.com" || c["email_verified"] != false {
			t.Errorf("an address nobody confirmed: %v %v", c["email"], c["email_verified"])
		}

		// A reset link emailed to the address, used.
		b := s.Browser(t)
		link := resetLink(t, s, b, "ada@example.com", "ada@example.com", 1)
		if r := submitReset(b, link, newPasswordForm(pw+" again")); r.Status != http.StatusSeeOther {
			t.Fatalf("reset: %d\n%s", r.Status, r.Body)
		}
		pwAgain := pw + " again"
		f := rp.start()
		_, id := rp.exchange(rp.signIn(s.Browser(t), f, "ada", pwAgain), f)
		var c struct {
			Email    string `json:"email"`
			Verified bool   `json:"email_verified"`
		}
		if err := id.Claims(&c); err != nil || c.Email != "ada@example.com" || !c.Verified {
			t.Errorf("after a reset by email: %+v, %v", c, err)
		}

		// A new address is not verified by the old one's link.
		email := "ada.new@example.com"
		if err := s.Store.ChangeMember(t.Context(), m.OrgID, m.ID, gatehouse.MemberChange{Email: &email, UpdatedAt: s.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		f = rp.start()
		_, id = rp.exchange(rp.signIn(s.Browser(t), f, "ada", pwAgain), f)
		if err := id.Claims(&c); err != nil || c.Email != email || c.Verified {
			t.Errorf("after the address changed: %+v, %v", c, err)
		}
	})
}

// TestOIDCLocale: the profile scope claims the member's chosen language as
// locale and time zone as zoneinfo, in the ID token and at userinfo, and
// neither while the member has chosen none.
func TestOIDCLocale(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
		rp := newRP(t, s, oidc.NewClient{FirstParty: true})
		claims := func() (id, ui map[string]any) {
			t.Helper()
			f := rp.start()
			tok, idt := rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)
			if err := idt.Claims(&id); err != nil {
				t.Fatal(err)
			}
			info, err := rp.provider.UserInfo(rp.ctx, oauth2.StaticTokenSource(tok))
			if err != nil {
				t.Fatal(err)
			}
			if err := info.Claims(&ui); err != nil {
				t.Fatal(err)
			}
			return id, ui
		}
		id, ui := claims()
		for _, c := range []map[string]any{id, ui} {
			if _, ok := c["locale"]; ok {
				t.Errorf("a locale is claimed before the member chose one: %v", c["locale"])
			}
			if _, ok := c["zoneinfo"]; ok {
				t.Errorf("a zoneinfo is claimed before the member chose one: %v", c["zoneinfo"])
			}
		}
		lang, zone := "de", "Europe/Berlin"
		if err := s.Store.ChangeMember(t.Context(), m.OrgID, m.ID, gatehouse.MemberChange{Language: &lang, TimeZone: &zone, UpdatedAt: s.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		id, ui = claims()
		for name, c := range map[string]map[string]any{"ID token": id, "userinfo": ui} {
			if c["locale"] != "de" || c["zoneinfo"] != "Europe/Berlin" {
				t.Errorf("%s claims locale %v, zoneinfo %v; want de, Europe/Berlin", name, c["locale"], c["zoneinfo"])
			}
		}
	})
}

// otherToken is token with its first character changed to one it is not,
// so the wrong token is never the right one by chance (a fixed "x" was,
// once in 32 runs).
func otherToken(token string) string {
	c := byte('a')
	if token[0] == c {
		c = 'b'
	}
	return string(c) + token[1:]
}
