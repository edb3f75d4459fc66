package mail_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/mail"
)

func sampleData() gatehouse.MessageData {
	return gatehouse.MessageData{
		OrgName:    "Example Org",
		MemberName: "Ada Lovelace",
		Username:   "ada",
		Link:       "https://gh.example.org/reset-password?token=T0k3n",
		ValidFor:   30 * time.Minute,
		Code:       "493817",
		At:         time.Date(2026, 3, 2, 9, 5, 0, 0, time.FixedZone("CET", 3600)),
		IP:         "203.0.113.7",
		UserAgent:  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0",
		SupportURL: "https://gh.example.org/forgot-password",
	}
}

func TestEmailTemplates(t *testing.T) {
	tests := []struct {
		kind     string
		validFor time.Duration
		want     []string // in the subject, the text or the HTML as noted
	}{
		{gatehouse.KindReset, 30 * time.Minute, []string{"T0k3n", "30 minutes", "did not ask", "password has not changed"}},
		{gatehouse.KindActivation, 7 * 24 * time.Hour, []string{"T0k3n", "7 days", "choose", "ada"}},
		{gatehouse.KindPasswordChanged, 0, []string{"Monday 2 March 2026 at 08:05 UTC", "203.0.113.7", "Firefox on Windows", "forgot-password", "administrator"}},
		{gatehouse.KindCode, time.Hour, []string{"493817", "1 hour", "Never share"}},
	}
	var tp mail.Templates
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			d := sampleData()
			d.ValidFor = tt.validFor
			subject, text, html, err := tp.Email(tt.kind, d)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(subject, "Example Org") || strings.ContainsAny(subject, "\r\n") {
				t.Errorf("subject %q: want the organization's name on one line", subject)
			}
			for _, body := range []string{text, html} {
				for _, w := range append(tt.want, "Example Org", "Ada Lovelace") {
					if !strings.Contains(body, w) {
						t.Errorf("body lacks %q:\n%s", w, body)
					}
				}
			}
			// Only the kind's own secret: a reset email carries no code, a code
			// email no link.
			if tt.kind != gatehouse.KindCode && strings.Contains(text, d.Code) {
				t.Errorf("%s carries the code", tt.kind)
			}
			if tt.kind != gatehouse.KindReset && tt.kind != gatehouse.KindActivation && strings.Contains(text, "T0k3n") {
				t.Errorf("%s carries the link", tt.kind)
			}
			for _, forbidden := range []string{"<img", "<script", "src=", "<link", "@import", "url("} {
				if strings.Contains(html, forbidden) {
					t.Errorf("HTML holds %q: emails load no external resources", forbidden)
				}
			}
			if !strings.Contains(html, `<html lang="en">`) || !strings.Contains(html, "<title>"+subject+"</title>") {
				t.Errorf("HTML lacks its language or title")
			}
		})
	}
}

func TestEmailTemplatesEscapeHTML(t *testing.T) {
	var tp mail.Templates
	d := sampleData()
	d.OrgName = `Evil <script>alert(1)</script> & Co`
	d.MemberName = `<img src=x onerror=alert(2)>`
	d.Link = `javascript:alert(3)`
	d.Changes = []gatehouse.Change{{What: gatehouse.ChangeWorkEmail, Old: "<b>old</b>", New: `"><script>x</script>`}}
	for _, kind := range []string{gatehouse.KindReset, gatehouse.KindActivation, gatehouse.KindPasswordChanged, gatehouse.KindCode, gatehouse.KindSecurityNotice} {
		_, text, html, err := tp.Email(kind, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"<script>", "<img", `href="javascript:`} {
			if strings.Contains(html, bad) {
				t.Errorf("%s: HTML holds %q unescaped", kind, bad)
			}
		}
		if !strings.Contains(html, "Evil &lt;script&gt;") {
			t.Errorf("%s: escaped organization name missing", kind)
		}
		if !strings.Contains(text, "Evil <script>") {
			t.Errorf("%s: the plain text must show names as they are", kind)
		}
	}
}

// TestSecurityNoticeTemplate: one template words every change, says who made
// it and what to do, in the plain text and the HTML alike.
func TestSecurityNoticeTemplate(t *testing.T) {
	var tp mail.Templates
	gone := "one way fewer to prove"
	tests := []struct {
		name    string
		changes []gatehouse.Change
		by      string
		subject string
		want    []string
		notWant []string
	}{
		{"email", []gatehouse.Change{{What: gatehouse.ChangeEmail, Old: "a•••@example.org", New: "b•••@example.org"}}, "",
			"Example Org account: personal email address changed",
			[]string{"personal email address was changed from a•••@example.org to b•••@example.org", "If it was not you", "forgot-password", "/account"},
			[]string{gone, "administrator of"}},
		{"work email added", []gatehouse.Change{{What: gatehouse.ChangeWorkEmail, New: "w•••@example.org"}}, gatehouse.ByAdministrator,
			"Example Org account: work email address added",
			[]string{"A work email address, w•••@example.org, was added", "by an administrator of Example Org", "tell your administrator"},
			[]string{gone, "If it was not you"}},
		{"mobile removed", []gatehouse.Change{{What: gatehouse.ChangeMobile, Old: "•••• 0123"}}, gatehouse.ByAPI,
			"Example Org account: mobile number removed",
			[]string{"The mobile number •••• 0123 was removed", "no longer sent", "by an application connected to Example Org", gone}, nil},
		{"mobile changed", []gatehouse.Change{{What: gatehouse.ChangeMobile, Old: "•••• 0123", New: "•••• 4567"}}, "",
			"Example Org account: mobile number changed",
			[]string{"changed from •••• 0123 to •••• 4567", "now go to •••• 4567"}, []string{gone}},
		{"app set up", []gatehouse.Change{{What: gatehouse.ChangeApp, New: "app"}}, "",
			"Example Org account: authenticator app set up", []string{"An authenticator app was set up"}, []string{gone}},
		{"app removed", []gatehouse.Change{{What: gatehouse.ChangeApp, Old: "app"}}, "",
			"Example Org account: authenticator app removed", []string{"authenticator app was removed", gone}, nil},
		{"recovery codes", []gatehouse.Change{{What: gatehouse.ChangeRecoveryCodes, New: "10"}}, "",
			"Example Org account: new recovery codes", []string{"the old ones no longer work"}, []string{gone}},
		{"several", []gatehouse.Change{{What: gatehouse.ChangeEmail, Old: "a•••@example.org", New: "b•••@example.org"},
			{What: gatehouse.ChangeMobile, New: "•••• 4567"}}, gatehouse.ByAdministrator,
			"Example Org account: security details changed",
			[]string{"These changes were made", "b•••@example.org", "A mobile number, •••• 4567, was added"}, []string{gone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sampleData()
			d.Changes, d.By, d.AccountURL = tt.changes, tt.by, "https://gh.example.org/account"
			subject, text, html, err := tp.Email(gatehouse.KindSecurityNotice, d)
			if err != nil {
				t.Fatal(err)
			}
			if subject != tt.subject {
				t.Errorf("subject %q, want %q", subject, tt.subject)
			}
			facts := append([]string{"Monday 2 March 2026 at 08:05 UTC", "203.0.113.7", "Firefox on Windows", "Ada Lovelace"}, tt.want...)
			for name, body := range map[string]string{"text": text, "HTML": html} {
				for _, w := range facts {
					if !strings.Contains(body, w) {
						t.Errorf("%s lacks %q:\n%s", name, w, body)
					}
				}
				for _, w := range tt.notWant {
					if strings.Contains(body, w) {
						t.Errorf("%s says %q:\n%s", name, w, body)
					}
				}
			}
			if strings.Contains(html, "{{") || strings.Contains(text, "<li>") {
				t.Errorf("a body is in the wrong format:\n%s\n%s", text, html)
			}
		})
	}
}

func TestSMSTemplates(t *testing.T) {
	var tp mail.Templates
	for _, kind := range []string{gatehouse.KindSMSCode, gatehouse.KindMobileCode} {
		for _, org := range []string{"Example Org", strings.Repeat("Very Long Organization Name ", 4)} {
			d := sampleData()
			d.OrgName = org
			d.ValidFor = 10 * time.Minute
			body, err := tp.SMS(kind, d)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(body, "493817 ") || !strings.Contains(body, "10 minutes") || !strings.Contains(body, "share") {
				t.Errorf("%s: %q lacks the code, lifetime or warning", kind, body)
			}
			if !strings.Contains(body, strings.TrimSpace(org[:min(len(org), 20)])) {
				t.Errorf("%s: %q lacks the organization", kind, body)
			}
			if n := len([]rune(body)); n > 160 || !isGSM(body) {
				t.Errorf("%s: %q is %d characters or not GSM 03.38", kind, body, n)
			}
			if strings.Contains(body, "T0k3n") || strings.Contains(body, "Ada") {
				t.Errorf("%s: %q carries more than the code", kind, body)
			}
		}
	}
	if got, err := tp.SMS(gatehouse.KindSMSCode, sampleData()); err != nil || got != "493817 is your Example Org sign-in code. It expires in 30 minutes. Don't share it." {
		t.Errorf("sms_code = %q, %v", got, err)
	}
}

// isGSM reports whether s uses only the basic GSM 03.38 alphabet, so that one
// part carries 160 characters.
func isGSM(s string) bool {
	const basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	for _, r := range s {
		if !strings.ContainsRune(basic, r) {
			return false
		}
	}
	return true
}

func TestTemplatesUnknownKind(t *testing.T) {
	var tp mail.Templates
	if _, _, _, err := tp.Email("nope", sampleData()); err == nil {
		t.Error("Email accepted an unknown kind")
	}
	if _, err := tp.SMS(gatehouse.KindReset, sampleData()); err == nil {
		t.Error("SMS rendered an email kind")
	}
}

func TestTemplatesOverride(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("reset.txt", `{{define "subject"}}{{.OrgName}}: new password{{end}}{{define "content"}}Go to {{.Link}} within {{duration .ValidFor}}.{{end}}`)
	write("sms_code.txt", `{{.OrgName}} code {{.Code}}`)
	tp := &mail.Templates{Dir: dir}
	if err := tp.Check(); err != nil {
		t.Fatal(err)
	}
	subject, text, html, err := tp.Email(gatehouse.KindReset, sampleData())
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Example Org: new password" || !strings.HasPrefix(text, "Go to https://gh.example.org/reset-password?token=T0k3n within 30 minutes.") {
		t.Errorf("override not used: %q\n%s", subject, text)
	}
	if !strings.Contains(html, "Choose a new password") {
		t.Error("the embedded HTML should remain when only the text is replaced")
	}
	if got, _ := tp.SMS(gatehouse.KindSMSCode, sampleData()); got != "Example Org code 493817" {
		t.Errorf("SMS override: %q", got)
	}

	write("code.html", `{{define "content"}}{{.Nope}}{{end}}`)
	if err := (&mail.Templates{Dir: dir}).Check(); err == nil {
		t.Error("Check accepted a template that cannot render")
	}
	write("code.html", `{{define "content"}}{{end`)
	if err := (&mail.Templates{Dir: dir}).Check(); err == nil {
		t.Error("Check accepted a template that does not parse")
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Minute:                 "30 minutes",
		time.Minute:                      "1 minute",
		time.Hour:                        "1 hour",
		12 * time.Hour:                   "12 hours",
		90 * time.Minute:                 "1 hour and 30 minutes",
		24 * time.Hour:                   "1 day",
		7 * 24 * time.Hour:               "7 days",
		30 * time.Hour:                   "1 day and 6 hours",
		45 * time.Second:                 "45 seconds",
		10*time.Minute + 29*time.Second:  "10 minutes",
		10*time.Minute + 31*time.Second:  "11 minutes",
		0:                                "0 seconds",
		24*time.Hour + 30*time.Minute:    "1 day",
		2*time.Hour + 59*time.Second + 1: "2 hours and 1 minute",
	} {
		if got := mail.HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestBrowser(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36":             "Chrome on Windows",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0": "Edge on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15":          "Safari on macOS",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/604.1":   "Safari on iOS",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36":       "Chrome on Android",
		"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0":                                                      "Firefox on Linux",
		"curl/8.4.0": "curl/8.4.0",
		"":           "",
	} {
		if got := mail.Browser(ua); got != want {
			t.Errorf("Browser(%q) = %q, want %q", ua, got, want)
		}
	}
	if got := mail.Browser(strings.Repeat("x", 500)); len(got) > 120 {
		t.Errorf("Browser did not cut a long agent: %d characters", len(got))
	}
}

// TestAccentColourInEmails: an HTML email's buttons, links and the bar above
// its content are in the organization's accent colour when it passes the
// settings' contrast check (4.5:1 with white), and in Gatehouse's own when
// it does not or is not a colour; the plain text has none.
func TestAccentColourInEmails(t *testing.T) {
	var tp mail.Templates
	for _, c := range []struct{ name, accent, want string }{
		{"the organization's", "#0B6E4F", "#0b6e4f"},
		{"none", "", mail.DefaultAccent},
		{"too light for white text", "#ffff00", mail.DefaultAccent},
		{"not a colour", "red;background:url(x)", mail.DefaultAccent},
	} {
		d := sampleData()
		d.AccentColor = c.accent
		d.SupportURL, d.AccountURL = "https://gh.example.org/forgot-password", "https://gh.example.org/account"
		for _, kind := range []string{gatehouse.KindReset, gatehouse.KindPasswordChanged} {
			_, text, html, err := tp.Email(kind, d)
			if err != nil {
				t.Fatal(err)
			}
			uses := strings.Count(html, c.want)
			if kind == gatehouse.KindReset && (!strings.Contains(html, "background-color:"+c.want+";color:#ffffff") || uses < 3) {
				t.Errorf("%s, %s: the button, the link and the bar are not in %s (%d uses):\n%s", c.name, kind, c.want, uses, html)
			}
			if kind == gatehouse.KindPasswordChanged && !strings.Contains(html, `style="color:`+c.want+`;word-break:break-all;"`) {
				t.Errorf("%s, %s: the link is not in %s:\n%s", c.name, kind, c.want, html)
			}
			if c.want != mail.DefaultAccent && strings.Contains(html, mail.DefaultAccent) {
				t.Errorf("%s, %s: Gatehouse's own colour is left in the email", c.name, kind)
			}
			if c.accent != "" && c.want == mail.DefaultAccent && strings.Contains(strings.ToLower(html), strings.ToLower(c.accent)) {
				t.Errorf("%s, %s: the refused colour %q is in the email", c.name, kind, c.accent)
			}
			if strings.Contains(text, "#") {
				t.Errorf("%s, %s: the plain text holds a colour", c.name, kind)
			}
		}
	}
}
