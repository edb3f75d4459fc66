package captcha_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/captcha"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

var ctx = context.Background()

func newChecker(t *testing.T) (*captcha.Checker, *gatehousetest.Clock) {
	clock := gatehousetest.NewClock()
	st := gatehousetest.NewStore(t, gatehousetest.SQLiteURL(t))
	return &captcha.Checker{Key: []byte("0123456789abcdef0123456789abcdef"), Store: st, Difficulty: 8, Now: clock.Now}, clock
}

func settings(kind string) *gatehouse.Settings {
	s := gatehouse.DefaultSettings()
	s.Captcha = kind
	return &s
}

// reason returns the field code of a refused answer, "" for none.
func reason(err error) string {
	if fs := gatehouse.ErrorFields(err); len(fs) == 1 && fs[0].Field == "captcha" {
		return fs[0].Code
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return ""
}

func TestBuiltin(t *testing.T) {
	c, clock := newChecker(t)
	set := settings(gatehouse.CaptchaBuiltin)
	w, err := c.Widget(ctx, "default", set)
	if err != nil || w.Kind != gatehouse.CaptchaBuiltin || w.Difficulty != 8 || len(w.Origins) != 0 {
		t.Fatalf("Widget = %+v, %v", w, err)
	}
	sol, err := captcha.Solve(w.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := c.Widget(ctx, "default", set)
	otherSol, _ := captcha.Solve(other.Challenge)
	parts := strings.Split(w.Challenge, ".")
	tamper := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, ".")
	}
	wrong := "0"
	for captcha.Solves(w.Challenge, wrong, 8) {
		wrong += "1"
	}
	otherKey := *c
	otherKey.Key = []byte("another key, another installation")
	tests := []struct {
		name    string
		c       *captcha.Checker
		org     string
		a       gatehouse.CaptchaAnswer
		advance time.Duration
		want    string
	}{
		{"missing challenge", c, "default", gatehouse.CaptchaAnswer{Solution: sol}, 0, captcha.ReasonMissing},
		{"missing solution", c, "default", gatehouse.CaptchaAnswer{Challenge: w.Challenge}, 0, captcha.ReasonMissing},
		{"wrong solution", c, "default", gatehouse.CaptchaAnswer{Challenge: w.Challenge, Solution: wrong}, 0, captcha.ReasonWrong},
		{"solution not digits", c, "default", gatehouse.CaptchaAnswer{Challenge: w.Challenge, Solution: sol + "x"}, 0, captcha.ReasonWrong},
		{"easier difficulty forged", c, "default", gatehouse.CaptchaAnswer{Challenge: tamper(2, "1"), Solution: "0"}, 0, captcha.ReasonForged},
		{"later expiry forged", c, "default", gatehouse.CaptchaAnswer{Challenge: tamper(1, "9999999999"), Solution: sol}, 0, captcha.ReasonForged},
		{"signature forged", c, "default", gatehouse.CaptchaAnswer{Challenge: tamper(4, "AAAA"), Solution: sol}, 0, captcha.ReasonForged},
		{"other version", c, "default", gatehouse.CaptchaAnswer{Challenge: tamper(0, "v2"), Solution: sol}, 0, captcha.ReasonForged},
		{"garbage", c, "default", gatehouse.CaptchaAnswer{Challenge: "not.a.challenge", Solution: sol}, 0, captcha.ReasonForged},
		{"other organization", c, "acme", gatehouse.CaptchaAnswer{Challenge: w.Challenge, Solution: sol}, 0, captcha.ReasonForged},
		{"other key", &otherKey, "default", gatehouse.CaptchaAnswer{Challenge: w.Challenge, Solution: sol}, 0, captcha.ReasonForged},
		{"good", c, "default", gatehouse.CaptchaAnswer{Challenge: w.Challenge, Solution: sol}, 0, ""},
		{"replayed", c, "default", gatehouse.CaptchaAnswer{Challenge: w.Challenge, Solution: sol}, 0, captcha.ReasonReplayed},
		{"expired", c, "default", gatehouse.CaptchaAnswer{Challenge: other.Challenge, Solution: otherSol}, captcha.DefaultTTL, captcha.ReasonExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Advance(tt.advance)
			if got := reason(tt.c.Verify(ctx, tt.org, set, tt.a, gatehouse.Client{})); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOffAndWidgetKinds(t *testing.T) {
	c, _ := newChecker(t)
	if err := c.Verify(ctx, "default", settings(gatehouse.CaptchaOff), gatehouse.CaptchaAnswer{}, gatehouse.Client{}); err != nil {
		t.Errorf("off: %v", err)
	}
	for kind, origin := range map[string]string{gatehouse.CaptchaTurnstile: "https://challenges.cloudflare.com", gatehouse.CaptchaHCaptcha: "https://*.hcaptcha.com"} {
		set := settings(kind)
		w, _ := c.Widget(ctx, "default", set)
		if !w.Misconfigured {
			t.Errorf("%s without keys is not reported as misconfigured", kind)
		}
		set.CaptchaSiteKey, set.CaptchaSecret = "site-key", "secret"
		w, _ = c.Widget(ctx, "default", set)
		if w.Misconfigured || w.SiteKey != "site-key" || !strings.HasPrefix(w.Script, "https://") || !contains(w.Origins, origin) || w.Challenge != "" {
			t.Errorf("%s widget: %+v", kind, w)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestProviders(t *testing.T) {
	for _, kind := range []string{gatehouse.CaptchaTurnstile, gatehouse.CaptchaHCaptcha} {
		t.Run(kind, func(t *testing.T) {
			p := gatehousetest.NewCaptchaProvider(t, "the-secret", "the-site-key", kind == gatehouse.CaptchaHCaptcha)
			c, _ := newChecker(t)
			c.TurnstileURL, c.HCaptchaURL = p.URL, p.URL
			set := settings(kind)
			set.CaptchaSiteKey, set.CaptchaSecret = "the-site-key", "the-secret"
			client := gatehouse.Client{IP: "203.0.113.9"}
			verify := func(s *gatehouse.Settings, tok string) error {
				return c.Verify(ctx, "default", s, gatehouse.CaptchaAnswer{Response: tok}, client)
			}
			good := p.Token()
			if err := verify(set, good); err != nil {
				t.Fatalf("a good token: %v", err)
			}
			reqs := p.Requests()
			last := reqs[len(reqs)-1]
			if last.Method != "POST" || last.ContentType != "application/x-www-form-urlencoded" || last.Secret != "the-secret" ||
				last.Response != good || last.RemoteIP != "203.0.113.9" {
				t.Errorf("request: %+v", last)
			}
			if wantKey := kind == gatehouse.CaptchaHCaptcha; (last.SiteKey == "the-site-key") != wantKey {
				t.Errorf("sitekey sent: %q", last.SiteKey)
			}
			if got := reason(verify(set, good)); got != captcha.ReasonReplayed {
				t.Errorf("replayed token: %q", got)
			}
			if got := reason(verify(set, "")); got != captcha.ReasonMissing {
				t.Errorf("missing token: %q", got)
			}
			if got := reason(verify(set, "made-up")); got != captcha.ReasonWrong {
				t.Errorf("made-up token: %q", got)
			}
			bad := *set
			bad.CaptchaSecret = "wrong-secret"
			if err := verify(&bad, p.Token()); !gatehouse.IsCode(err, gatehouse.Unavailable) {
				t.Errorf("wrong secret: %v, want unavailable (our configuration, not the person)", err)
			}
			none := *set
			none.CaptchaSecret = ""
			if err := verify(&none, p.Token()); !gatehouse.IsCode(err, gatehouse.Unavailable) {
				t.Errorf("no secret: %v", err)
			}
			p.Down()
			if err := verify(set, p.Token()); !gatehouse.IsCode(err, gatehouse.Unavailable) {
				t.Errorf("provider down: %v, want unavailable (fail closed)", err)
			}
			p.Up()
			c.TurnstileURL, c.HCaptchaURL = "http://127.0.0.1:1/siteverify", "http://127.0.0.1:1/siteverify"
			if err := verify(set, p.Token()); !gatehouse.IsCode(err, gatehouse.Unavailable) {
				t.Errorf("provider unreachable: %v", err)
			}
		})
	}
}
