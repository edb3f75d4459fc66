package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestTwoFactorBadInput: malformed answers get a 4xx naming the field, never a
// 500, and do not count as wrong tries.
func TestTwoFactorBadInput(t *testing.T) {
	s := newTwoFactor(t, "", required())
	s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	b := s.Browser(t)
	b.SignIn("alice", goodPassword, "/login/verify")
	_, code := s.smsCode(t, 1)
	cases := []struct {
		name, path string
		form       url.Values
		field      string
	}{
		{"no code", "/login/verify", url.Values{"method": {"code"}}, "code-error"},
		{"letters", "/login/verify", url.Values{"method": {"code"}, "code": {"12ab56"}}, "code-error"},
		{"other digits", "/login/verify", url.Values{"method": {"code"}, "code": {"١٢٣٤٥٦"}}, "code-error"},
		{"too long", "/login/verify", url.Values{"method": {"code"}, "code": {strings.Repeat("1", 5000)}}, "code-error"},
		{"app without an app", "/login/verify", url.Values{"method": {"app"}, "code": {"123456"}}, "form-error"},
		{"unknown method", "/login/verify", url.Values{"method": {"sms"}, "code": {"123456"}}, "form-error"},
		{"repeated code field", "/login/verify", url.Values{"method": {"code"}, "code": {code, code}}, "code-error"},
		{"unknown channel", "/login/verify/send", url.Values{"channel": {"fax"}}, "form-error"},
		{"recovery, not a code", "/login/verify", url.Values{"method": {"recovery"}, "code": {"<script>"}}, "code-error"},
	}
	for _, c := range cases {
		r := b.Submit("/login/verify", c.path, c.form)
		if r.Status < 400 || r.Status >= 500 {
			t.Errorf("%s: status %d", c.name, r.Status)
		}
		if !strings.Contains(r.Body, `id="`+c.field+`"`) {
			t.Errorf("%s: no message at %s", c.name, c.field)
		}
		if strings.Contains(r.Body, "Please correct the fields marked below.") && c.field == "form-error" {
			t.Errorf("%s: the page points at a field it does not mark", c.name)
		}
	}
	// None of them counted against the code.
	page := b.Get("/login/verify")
	if strings.Contains(page.Body, "tries left") {
		t.Error("malformed input counted as wrong tries")
	}
	wantStatus(t, "the code still works", verify(b, "code", " "+code[:3]+" "+code[3:]+" ", false), http.StatusSeeOther, "/account")
}
