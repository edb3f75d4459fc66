package web_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/profile"
)

// Long values that once pushed tables and cards wider than the window.
const (
	longUser  = "maximilian.featherstonehaugh"
	longEmail = "maximilian.alexander.featherstonehaugh-worthington@accounts.example-corporation.co.uk"
)

// views are the windows every page is checked in: a desktop and a phone, each
// in the light and the dark colour scheme.
var views = []struct {
	name          string
	width, height int64
	dark          bool
}{
	{"desktop", 1280, 900, false},
	{"phone", 390, 844, false},
	{"desktop-dark", 1280, 900, true},
	{"phone-dark", 390, 844, true},
}

// walkPage is one page of the walk: the path to open, or a func that brings
// the tab there (for pages reached by a form).
type walkPage struct {
	name string
	path string
}

// TestBrowserEveryPage opens every page a member, an owner and a stranger can
// reach, with long values in them, at desktop and phone widths in light and
// dark mode, and checks that nothing scrolls sideways and that axe-core finds
// no violation of WCAG 2.2 A/AA or its best practices. With
// GATEHOUSE_SCREENSHOTS=DIR it saves a screenshot of each page and view there
// (docs/screenshots holds the ones the README and docs show).
func TestBrowserEveryPage(t *testing.T) { walkEveryPage(t, "") }

// TestBrowserEveryPageInGerman walks every page again in German, whose
// longer words are the ones to overflow a narrow screen, and checks that
// each page says it is German (<html lang="de">).
func TestBrowserEveryPageInGerman(t *testing.T) { walkEveryPage(t, "de") }

// walkEveryPage is the walk of TestBrowserEveryPage in lang ("" for the
// default, English), chosen with the sign-in page's language switch.
func walkEveryPage(t *testing.T, lang string) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"organization_name": "Acme Widgets International"}})
	owner := s.AddMember(t, longUser, longEmail, goodPassword, gatehouse.RoleOwner)
	owner.DisplayName = "Maximilian Alexander Featherstonehaugh-Worthington"
	owner.Mobile = "+447700900123"
	s.Overwrite(t, owner)
	member := s.AddMember(t, "ana.lopez", "ana.lopez.de.la.vega.y.montenegro@subsidiary.example-corporation.co.uk", goodPassword, gatehouse.RoleMember)
	s.AddMember(t, "zoe", "zoe@example.com", "", gatehouse.RoleMember)

	// A stranger asks for a reset link, which the walk opens later.
	stranger := s.Browser(t)
	stranger.RequestReset("zoe@example.com", nil)

	tab.Go(s.URL + "/login")
	if lang != "" {
		switchLanguage(t, tab, lang)
	}
	tab.Fill("#identifier", longUser)
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	tab.Go(s.URL + "/admin/api-keys")
	tab.Fill("#name", "The customer relationship management system of the northern region")
	tab.Submit("#create-key")

	// A change of address waits for its link: the profile shows it, and the
	// walk opens the link signed out.
	if err := s.App.Profile.RequestEmailChange(t.Context(), s.Member(t, owner.ID), profile.EmailRequest{
		Field: profile.FieldWorkEmail, NewEmail: "maximilian.featherstonehaugh-worthington@subsidiary.example-corporation.co.uk", Password: goodPassword,
	}); err != nil {
		t.Fatal(err)
	}

	// The brand page lists the organization's own texts: a long one, and a
	// plural form's, whose keys are the longest.
	actor := gatehouse.SystemActor(gatehouse.DefaultOrgID)
	for key, text := range map[string]string{
		"mail.reset.subject":             "Ein neues Passwort für Ihr Konto bei {{.Org}}, der Anmeldung aller Niederlassungen",
		"admin.members.count_more.other": "Mehr als {{.Count}} Mitglieder der Organisation passen zur Suche",
	} {
		if err := s.App.Web.Brand.SetText(t.Context(), actor, gatehouse.Client{}, gatehouse.DefaultOrgID, brandText("de", key, text)); err != nil {
			t.Fatal(err)
		}
	}

	pages := []walkPage{
		{"account", "/account"},
		{"profile", "/account/profile"},
		{"password", "/account/password"},
		{"devices", "/account/devices"},
		{"mobile", "/account/mobile"},
		{"two-factor", "/account/two-factor"},
		{"support-pin", "/account/pin"},
		{"admin-members", "/admin/members"},
		{"admin-member-new", "/admin/members/new"},
		{"admin-member", "/admin/members/" + owner.ID},
		{"admin-member-other", "/admin/members/" + member.ID},
		{"admin-member-delete", "/admin/members/" + member.ID + "/delete"},
		{"admin-bulk-confirm", "/admin/members/bulk?action=disable&member_id=" + member.ID},
		{"admin-settings", "/admin/settings"},
		{"admin-audit", "/admin/audit"},
		{"admin-messages", "/admin/messages"},
		{"admin-api-keys", "/admin/api-keys"},
		{"admin-webhooks", "/admin/webhooks"},
		{"admin-brand", "/admin/settings/brand"},
		{"not-found", "/no/such/page"},
	}
	check := func(p walkPage) {
		t.Helper()
		checkPage(t, tab, p.name, s.URL+p.path)
		if lang == "" {
			return
		}
		if got, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || got != lang {
			t.Errorf("%s: <html lang=%q> (%v), want %q", p.name, got, err, lang)
		}
	}
	for _, p := range pages {
		check(p)
	}

	// Signed out: the sign-in, recovery and error pages.
	tab.View(1280, 900, false)
	tab.Go(s.URL + "/account")
	tab.Submit("nav button.link")
	reset := gatehousetest.LinkIn(mailTo(t, s, "zoe@example.com", ""))
	confirm := gatehousetest.LinkIn(mailTo(t, s, "maximilian.featherstonehaugh-worthington@subsidiary.example-corporation.co.uk", "Confirm"))
	u, err := url.Parse(reset)
	if err != nil || !strings.Contains(reset, "token=") {
		t.Fatalf("reset link %q: %v", reset, err)
	}
	for _, p := range []walkPage{
		{"login", "/login"},
		{"forgot-password", "/forgot-password"},
		{"reset-password", u.RequestURI()},
		{"link-expired", "/reset-password?token=not-a-real-token"},
		{"email-confirm", strings.TrimPrefix(confirm, s.URL)},
		{"email-confirmed", "/account/email/confirmed"},
		{"not-found-signed-out", "/no/such/page"},
		{"home", "/"},
	} {
		check(p)
	}
}

// checkPage opens url in every view and reports horizontal overflow, axe-core
// violations, weak focus indicators and duplicate ids. GATEHOUSE_TEST_PAGES
// (comma-separated names) limits the pages checked while working on some;
// GATEHOUSE_SCREENSHOTS=DIR saves a screenshot of each page and view.
func checkPage(t *testing.T, tab *gatehousetest.Tab, name, url string) {
	t.Helper()
	if only := os.Getenv("GATEHOUSE_TEST_PAGES"); only != "" && !strings.Contains(","+only+",", ","+name+",") {
		return
	}
	shots := os.Getenv("GATEHOUSE_SCREENSHOTS")
	if shots != "" {
		shots = filepath.Join(shots, "pages")
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	defer tab.View(1280, 900, false)
	for _, v := range views {
		tab.View(v.width, v.height, v.dark)
		tab.Go(url)
		if over, worst := tab.Overflow(); over > 0 {
			t.Errorf("%s %s: the page is %d px wider than the window; sticking out: %s", name, v.name, over, worst)
		}
		// Contrast depends on the colour scheme, structure does not: run
		// axe in both schemes at one width, and at the other width once.
		if v.name != "phone-dark" {
			for _, f := range tab.Axe() {
				t.Errorf("%s %s: %s", name, v.name, f)
			}
		}
		if v.name == "desktop" || v.name == "desktop-dark" {
			for _, f := range tab.WeakFocus() {
				t.Errorf("%s %s: %s", name, v.name, f)
			}
		}
		if v.name == "desktop" {
			if d := tab.DuplicateIDs(); len(d) > 0 {
				t.Errorf("%s: ids used more than once: %v", name, d)
			}
		}
		if shots != "" {
			tab.Screenshot(filepath.Join(shots, name+"-"+v.name+".png"))
		}
	}
}
