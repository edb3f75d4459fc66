package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestAdminMalformedRequests sends broken forms to every admin form and broken
// bodies to every API endpoint, signed in and with a key: each gets a 4xx, never
// a 5xx, and nothing is accepted.
func TestAdminMalformedRequests(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	admin := signedInAs(t, s, "olivia")
	admin.Get("/admin/members")
	key := newAPIKey(t, s, "crm", gatehouse.RoleOwner)
	id := o.Member.ID
	forms := []string{"/admin/members/activation", "/admin/members/activation/send", "/admin/members/new", "/admin/members/" + id + "/profile",
		"/admin/members/" + id + "/activation", "/admin/members/" + id + "/password", "/admin/members/" + id + "/disable",
		"/admin/members/" + id + "/enable", "/admin/members/" + id + "/sessions/end", "/admin/members/" + id + "/delete",
		"/admin/members/" + id + "/verify-pin", "/admin/settings", "/admin/api-keys", "/admin/api-keys/x/revoke", "/account/pin"}
	bodies := []string{"", "csrf_token=forged", "%zz=%", "name=%FF%FE", strings.Repeat("a=b&", 20000), "member_id=" + strings.Repeat("x", 70000)}
	for _, f := range forms {
		for _, b := range bodies {
			req, _ := http.NewRequest("POST", s.URL+f, strings.NewReader(b))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, c := range admin.Client.Jar.Cookies(req.URL) {
				req.AddCookie(c)
			}
			resp := s.Do(t, req)
			if resp.Status >= 500 || resp.Status < 400 {
				t.Errorf("POST %s (%.30q): %d", f, b, resp.Status)
			}
		}
	}
	// With a valid token, values that make no sense are refused, never a 5xx.
	values := []url.Values{
		{"role": {"<script>"}, "state": {""}, "expires": {"99999-99-99"}, "email": {strings.Repeat("a", 300) + "@x.io"}},
		{"name": {"\x00\x01"}, "mobile": {"++++"}, "pin": {"１２３４５６"}, "password": {strings.Repeat("p", 5000)}},
		{"member_id": {"", "x", "y"}, "name": {""}, "role": {"owner", "member"}, "password_min_length": {"-1"}, "captcha": {"maybe"}},
		{"session_idle_timeout": {"9999999999999999999h"}, "reset_link_ttl": {"-5m"}, "clear_captcha_secret": {"on"}, "must_change": {"x"}},
	}
	for _, f := range forms {
		if strings.HasSuffix(f, "/delete") || strings.HasSuffix(f, "/disable") {
			continue
		}
		for _, v := range values {
			admin.Get("/admin/members")
			if r := admin.Post(f, v); r.Status >= 500 {
				t.Errorf("POST %s %v: %d", f, v, r.Status)
			}
		}
	}
	junk := []string{"", "null", "0", `"x"`, "[]", "{", `{"a":`, "\xff\xfe", `{"member_ids": null}`, `{"member_ids": [null]}`,
		`{"password": null}`, `{"role": null, "state": 7}`, `{"password_min_length": []}`, strings.Repeat("[", 10000)}
	for _, p := range []struct{ method, path string }{
		{"POST", "/members"}, {"PATCH", "/members/" + id}, {"PUT", "/members/" + id + "/password"},
		{"POST", "/members/" + id + "/activation-email"}, {"POST", "/activation-emails"}, {"PATCH", "/settings"},
	} {
		for _, b := range junk {
			r := apiRequest(t, s, key, p.method, p.path, b)
			if r.Status >= 500 || (r.Status < 400 && b != "" && b != "null" && !strings.HasPrefix(b, `{"member_ids": [null]}`)) {
				t.Errorf("%s %s (%.30q): %d %.200s", p.method, p.path, b, r.Status, r.Body)
			}
		}
	}
	if got := s.Member(t, id); got.State != gatehouse.StateActive || got.Role != gatehouse.RoleMember {
		t.Errorf("junk changed the member: %+v", got)
	}
}
