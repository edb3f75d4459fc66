package forwardauth

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
)

func TestParseRules(t *testing.T) {
	rs, err := ParseRules(" app.example.com, admin.example.com=administrator|owner ,*.tools.example.com=member,app2.example.com:8443")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 4 || rs[1].Host != "admin.example.com" || len(rs[1].Roles) != 2 || rs[2].Host != "*.tools.example.com" {
		t.Fatalf("rules %+v", rs)
	}
	for _, bad := range []string{"app.example.com=root", "http://app.example.com", "*", "a b", "app.example.com/x", "user@host"} {
		if _, err := ParseRules(bad); err == nil {
			t.Errorf("ParseRules(%q) accepted", bad)
		}
	}
}

func TestRuleMatching(t *testing.T) {
	rs, _ := ParseRules("app.example.com,admin.example.com=owner,*.tools.example.com,only.example.com:8443")
	c := &Config{Rules: rs}
	for _, tc := range []struct {
		host, want string
	}{
		{"app.example.com", "app.example.com"},
		{"APP.example.com:443", "app.example.com"},
		{"app.example.com.", "app.example.com"},
		{"x.tools.example.com", "*.tools.example.com"},
		{"a.b.tools.example.com:8080", "*.tools.example.com"},
		{"tools.example.com", ""},
		{"evil-app.example.com", ""},
		{"app.example.com.evil.com", ""},
		{"only.example.com:8443", "only.example.com:8443"},
		{"only.example.com", ""},
		{"only.example.com:80", ""},
	} {
		got := ""
		if r := c.Rule(tc.host); r != nil {
			got = r.Host
		}
		if got != tc.want {
			t.Errorf("Rule(%q) = %q, want %q", tc.host, got, tc.want)
		}
	}
	admin := c.Rule("admin.example.com")
	if admin.Allows(gatehouse.RoleAdministrator) || !admin.Allows(gatehouse.RoleOwner) {
		t.Errorf("admin rule allows wrongly")
	}
	if !c.Rule("app.example.com").Allows(gatehouse.RoleMember) {
		t.Errorf("an open rule refuses a member")
	}
}

func TestTargetOf(t *testing.T) {
	h := http.Header{}
	h.Set("X-Original-URL", "https://app.example.com/a/b?c=1&d=2")
	h.Set("X-Original-Method", "post")
	tg, err := TargetOf(h)
	if err != nil || !tg.Nginx || tg.Method != "POST" || tg.URL.String() != "https://app.example.com/a/b?c=1&d=2" {
		t.Errorf("nginx target %+v, %v", tg, err)
	}
	h = http.Header{}
	h.Set("X-Forwarded-Proto", "https")
	h.Set("X-Forwarded-Host", "app.example.com")
	h.Set("X-Forwarded-Uri", "/x?y=1")
	h.Set("X-Forwarded-Method", "GET")
	tg, err = TargetOf(h)
	if err != nil || tg.Nginx || tg.URL.String() != "https://app.example.com/x?y=1" {
		t.Errorf("traefik target %+v, %v", tg, err)
	}
	for _, bad := range []map[string]string{
		{},
		{"X-Original-URL": "/relative"},
		{"X-Original-URL": "javascript:alert(1)"},
		{"X-Forwarded-Proto": "ftp", "X-Forwarded-Host": "a.example.com"},
		{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "a.example.com@evil.com"},
		{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "a.example.com", "X-Forwarded-Uri": "x"},
	} {
		h := http.Header{}
		for k, v := range bad {
			h.Set(k, v)
		}
		if tg, err := TargetOf(h); err == nil {
			t.Errorf("TargetOf(%v) = %v", bad, tg.URL)
		}
	}
}

func TestReturnURL(t *testing.T) {
	rs, _ := ParseRules("app.example.com,*.tools.example.com")
	c := &Config{Rules: rs}
	for raw, want := range map[string]bool{
		"https://app.example.com/x?y=1":      true,
		"http://a.tools.example.com/":        true,
		"https://evil.example.com/":          false,
		"https://app.example.com.evil.com/":  false,
		"https://user@app.example.com/":      false,
		"javascript://app.example.com/%0a1":  false,
		"//app.example.com/":                 false,
		"https://app.example.com\\@evil.com": false,
	} {
		if got := c.ReturnURL(raw) != ""; got != want {
			t.Errorf("ReturnURL(%q) = %v, want %v", raw, got, want)
		}
	}
	if (&Config{}).ReturnURL("https://app.example.com/") != "" {
		t.Errorf("a config without hosts returns somewhere")
	}
}
