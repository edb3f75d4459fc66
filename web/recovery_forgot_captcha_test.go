package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/captcha"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestBuiltinCaptchaRefusals sends answers that must not pass. Each gets 422
// with the reason next to the CAPTCHA, a fresh challenge, no email and an
// audit event.
func TestBuiltinCaptchaRefusals(t *testing.T) {
	s := webtest.New(t, webtest.Options{NoWorker: true})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	page := b.Get("/forgot-password")
	if !strings.Contains(page.Body, `data-pow-challenge=`) || !strings.Contains(page.Body, `src="/static/captcha.js"`) ||
		!strings.Contains(page.Body, "nothing for you to solve") || !strings.Contains(page.Body, "<noscript>") {
		t.Fatalf("the builtin widget is missing:\n%s", page.Body)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "https:") {
		t.Errorf("CSP of the builtin page: %q", csp)
	}
	ch := webtest.Challenge(page)
	sol, _ := captcha.Solve(ch)
	wrong := "0"
	for captcha.Solves(ch, wrong, 8) {
		wrong += "0"
	}
	parts := strings.Split(ch, ".")
	easier := strings.Join([]string{parts[0], parts[1], "1", parts[3], parts[4]}, ".")
	used := b.RequestReset("jdoe", nil) // a good answer, now spent
	if used.Status != http.StatusSeeOther {
		t.Fatalf("a good answer: %d", used.Status)
	}
	spent := func() url.Values {
		// The challenge and solution of a request that already went through.
		p := b.Get("/forgot-password")
		c := webtest.Challenge(p)
		s, _ := captcha.Solve(c)
		if r := b.Post("/forgot-password", url.Values{"identifier": {"nobody"}, "captcha_challenge": {c}, "captcha_solution": {s}}); r.Status != http.StatusSeeOther {
			t.Fatalf("spending a challenge: %d", r.Status)
		}
		return url.Values{"captcha_challenge": {c}, "captcha_solution": {s}}
	}()
	cases := []struct {
		name   string
		form   url.Values
		reason string
	}{
		{"missing", url.Values{"captcha_challenge": {""}, "captcha_solution": {""}}, captcha.ReasonMissing},
		{"no solution (no JavaScript)", url.Values{"captcha_challenge": {ch}, "captcha_solution": {""}}, captcha.ReasonMissing},
		{"wrong", url.Values{"captcha_challenge": {ch}, "captcha_solution": {wrong}}, captcha.ReasonWrong},
		{"forged signature", url.Values{"captcha_challenge": {easier}, "captcha_solution": {"0"}}, captcha.ReasonForged},
		{"replayed", spent, captcha.ReasonReplayed},
		{"expired", url.Values{"captcha_challenge": {ch}, "captcha_solution": {sol}}, captcha.ReasonExpired},
	}
	before := len(queued(t, s, gatehouse.KindReset))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.Clock.Advance(time.Second) // so that this case's audit event is the newest
			if c.reason == captcha.ReasonExpired {
				s.Clock.Advance(captcha.DefaultTTL)
			}
			r := b.RequestReset("jdoe", c.form)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="captcha-error"`) {
				t.Fatalf("status %d\n%s", r.Status, r.Body)
			}
			if webtest.Challenge(r) == "" || webtest.Challenge(r) == c.form.Get("captcha_challenge") {
				t.Error("the page does not offer a fresh challenge")
			}
			if !strings.Contains(r.Body, `value="jdoe"`) {
				t.Error("the identifier was not kept")
			}
			evs := s.Audit(t, gatehouse.EventCaptchaFailed)
			if len(evs) == 0 || evs[0].Details["reason"] != c.reason {
				t.Errorf("audited reason %v, want %q", evs[0].Details, c.reason)
			}
		})
	}
	if n := len(queued(t, s, gatehouse.KindReset)); n != before {
		t.Errorf("a refused CAPTCHA queued %d emails", n-before)
	}
	if r := b.RequestReset("", nil); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter your username or email address") {
		t.Errorf("empty identifier: %d", r.Status)
	}
}

// TestProviderCaptcha selects Turnstile and hCaptcha in turn: the page shows
// the provider's widget and allows its origins in the CSP (and only then), and
// the server verifies the widget's token with the provider, which a fake
// speaking the providers' protocol checks.
func TestProviderCaptcha(t *testing.T) {
	for _, kind := range []string{gatehouse.CaptchaTurnstile, gatehouse.CaptchaHCaptcha} {
		t.Run(kind, func(t *testing.T) {
			p := gatehousetest.NewCaptchaProvider(t, "sekret-value", "site-key-123", kind == gatehouse.CaptchaHCaptcha)
			s := webtest.New(t, webtest.Options{NoWorker: true, CaptchaVerifyURL: p.URL, Settings: map[string]string{
				"captcha": kind, "captcha_site_key": "site-key-123", "captcha_secret": "sekret-value",
			}})
			s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
			b := s.Browser(t)
			page := b.Get("/forgot-password")
			origin := map[string]string{gatehouse.CaptchaTurnstile: "https://challenges.cloudflare.com", gatehouse.CaptchaHCaptcha: "https://*.hcaptcha.com"}[kind]
			csp := page.Header.Get("Content-Security-Policy")
			for _, dir := range strings.Split(csp, ";") {
				name, _, _ := strings.Cut(strings.TrimSpace(dir), " ")
				switch name {
				case "script-src", "frame-src", "style-src", "connect-src":
					if !strings.Contains(dir, " "+origin) {
						t.Errorf("CSP directive %q lacks %s", dir, origin)
					}
				case "default-src", "img-src", "form-action", "frame-ancestors", "base-uri":
					if strings.Contains(dir, "https:") {
						t.Errorf("CSP directive %q widened", dir)
					}
				}
			}
			if !strings.Contains(csp, "frame-src") {
				t.Errorf("CSP %q has no frame-src for the widget", csp)
			}
			if !strings.Contains(page.Body, `data-sitekey="site-key-123"`) || strings.Contains(page.Body, "captcha.js") || strings.Contains(page.Body, "sekret-value") {
				t.Errorf("widget:\n%s", page.Body)
			}
			if login := b.Get("/login"); strings.Contains(login.Header.Get("Content-Security-Policy"), origin) {
				t.Error("the provider's origin is allowed on the sign-in page too")
			}
			field := gatehouse.CaptchaResponseField(kind)
			post := func(tok string) *webtest.Response {
				b.Get("/forgot-password")
				return b.Post("/forgot-password", url.Values{"identifier": {"jdoe"}, field: {tok}})
			}
			if r := post(p.Token()); r.Status != http.StatusSeeOther {
				t.Fatalf("a passed check: %d\n%s", r.Status, r.Body)
			}
			req := p.Requests()[0]
			if req.Secret != "sekret-value" || req.RemoteIP != "127.0.0.1" {
				t.Errorf("verification request: %+v", req)
			}
			tok := p.Token()
			post(tok)
			for name, tk := range map[string]string{"replayed": tok, "made up": "P1_forged", "missing": ""} {
				if r := post(tk); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="captcha-error"`) {
					t.Errorf("%s token: %d", name, r.Status)
				}
			}
			p.Down()
			if r := post(p.Token()); r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
				t.Errorf("provider down: %d, want 503 with Retry-After", r.Status)
			}
			if n := len(queued(t, s, gatehouse.KindReset)); n != 2 {
				t.Errorf("%d emails, want the 2 that passed", n)
			}
		})
	}
}

// TestCaptchaOff checks that with captcha=off the form has no widget and needs
// no answer.
func TestCaptchaOff(t *testing.T) {
	s := webtest.New(t, webtest.Options{NoWorker: true, Settings: map[string]string{"captcha": "off"}})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	page := b.Get("/forgot-password")
	// The widget, its fields and its script; the page's script texts name
	// the CAPTCHA's messages whatever the setting, and are no widget.
	for _, widget := range []string{`id="captcha"`, `name="captcha_`, `/static/captcha.js`, `data-sitekey`} {
		if strings.Contains(page.Body, widget) {
			t.Errorf("the form shows a CAPTCHA while it is off: %s", widget)
		}
	}
	if r := b.Post("/forgot-password", url.Values{"identifier": {"jdoe"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("%d", r.Status)
	}
	if n := len(queued(t, s, gatehouse.KindReset)); n != 1 {
		t.Errorf("%d emails", n)
	}
}

// TestProviderWithoutKeys tells the visitor plainly that the form cannot work.
func TestProviderWithoutKeys(t *testing.T) {
	s := webtest.New(t, webtest.Options{NoWorker: true, Settings: map[string]string{"captcha": "turnstile"}})
	b := s.Browser(t)
	if r := b.Get("/forgot-password"); !strings.Contains(r.Body, "not configured yet") {
		t.Error("no word about the missing configuration")
	}
	if r := b.Post("/forgot-password", url.Values{"identifier": {"jdoe"}, "cf-turnstile-response": {"x"}}); r.Status != http.StatusServiceUnavailable {
		t.Errorf("%d", r.Status)
	}
}
