package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/i18n"
)

// notYetTranslated are the pages whose templates still hold English of their
// own; TestPagesInThePseudoLocale skips them. The list only shrinks.
var notYetTranslated = map[string]bool{}

// TestPagesInThePseudoLocale renders every page a member, an owner and a
// stranger can reach in the pseudo-locale, in which every text of the
// catalog is marked, and fails on any visible text (attributes people read
// included) that is neither marked nor a value the test put in: text that
// would stay English in every other language. It runs in-process, without a
// browser.
func TestPagesInThePseudoLocale(t *testing.T) {
	s := webtest.New(t, webtest.Options{PseudoLocale: true, Settings: map[string]string{"organization_name": "Acme Widgets"}})
	owner := s.AddMember(t, "olga", "olga@example.com", goodPassword, gatehouse.RoleOwner)
	owner.DisplayName, owner.Mobile = "Olga Owner", "+447700900123"
	s.Overwrite(t, owner)
	member := s.AddMember(t, "ana", "ana@example.com", goodPassword, gatehouse.RoleMember)
	s.AddMember(t, "zoe", "zoe@example.com", "", gatehouse.RoleMember)
	known := []string{"Acme Widgets", "olga", "olga@example.com", "Olga Owner", "+447700900123", "+44 7700 900123", "ana",
		"ana@example.com", "zoe", "zoe@example.com", "127.0.0.1", "Gatehouse",
		// The language switch names each language in itself.
		"English", "Deutsch", "Español", "Bahasa Indonesia",
		// Names of browsers and systems, and the time zones offered.
		"Firefox", "Linux", "UTC",
		// The display names webtest gives members ("Test ana"), and an example URL.
		"Test", "https://crm.example.com/hooks/gatehouse",
	}

	stranger := s.Browser(t)
	stranger.AcceptLanguage = i18n.Pseudo
	stranger.RequestReset("zoe@example.com", nil)
	mails := s.SMTP.WaitFor(t, 1, 10*time.Second)
	reset, err := url.Parse(gatehousetest.LinkIn(mails[0]))
	if err != nil {
		t.Fatal(err)
	}

	b := s.Browser(t)
	b.AcceptLanguage = i18n.Pseudo
	b.SignIn("olga", goodPassword, "/account")
	signedIn := []struct{ name, path string }{
		{"account", "/account"},
		{"password", "/account/password"},
		{"devices", "/account/devices"},
		{"mobile", "/account/mobile"},
		{"two-factor", "/account/two-factor"},
		{"support-pin", "/account/pin"},
		{"passkeys", "/account/passkeys"},
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
		{"admin-webhook-deliveries", "/admin/webhooks/deliveries"},
		{"admin-applications", "/admin/applications"},
		{"admin-brand", "/admin/settings/brand"},
		{"not-found", "/no/such/page"},
	}
	check := func(name, path string, br *webtest.Browser) {
		t.Helper()
		r := br.Get(path)
		if r.Status != http.StatusOK && r.Status != http.StatusNotFound && r.Status != http.StatusGone {
			t.Errorf("%s (%s): %d", name, path, r.Status)
			return
		}
		if !strings.Contains(r.Body, `<html lang="en-XA">`) {
			t.Errorf("%s (%s) is not in the pseudo-locale", name, path)
		}
		if notYetTranslated[name] {
			return
		}
		if bad := i18n.Untranslated(visibleText(r.Body), known...); len(bad) > 0 {
			t.Errorf("%s (%s) has text outside the catalog:\n  %s", name, path, strings.Join(bad, "\n  "))
		}
	}
	for _, p := range signedIn {
		check(p.name, p.path, b)
	}
	// The bulk activation: its confirmation, then the same page as the result,
	// with a member skipped for each of two reasons (yourself, no such member).
	prepared := b.Post("/admin/members/activation", url.Values{"member_id": {member.ID, owner.ID, "nosuchmember"}})
	if prepared.Status != http.StatusSeeOther {
		t.Fatalf("bulk activation: %d\n%s", prepared.Status, prepared.Body)
	}
	known = append(known, "nosuchmember")
	check("admin-activation-confirm", prepared.Location, b)
	confirm := b.Get(prepared.Location)
	b.Post("/admin/members/activation/send", formOf(t, confirm.Body, "/admin/members/activation/send"))
	check("admin-activation-result", prepared.Location, b)

	// The profile, with a change of address waiting for its link, which the
	// stranger opens and confirms: the confirmation and its result.
	if r := b.Follow(askEmailChange(b, "work_email", "olga.works@example.org", goodPassword)); r.Status != http.StatusOK {
		t.Fatalf("asking for a change of address: %d", r.Status)
	}
	known = append(known, "olga.works@example.org")
	check("profile", "/account/profile", b)
	confirmURL := strings.TrimPrefix(gatehousetest.LinkIn(mailTo(t, s, "olga.works@example.org", "")), s.URL)
	check("email-confirm", confirmURL, stranger)
	confirmForm := formOf(t, stranger.Get(confirmURL).Body, "/account/email/confirm")
	if r := stranger.Post("/account/email/confirm", confirmForm); r.Status != http.StatusSeeOther {
		t.Fatalf("confirming the address: %d\n%s", r.Status, r.Body)
	}
	check("email-confirmed", "/account/email/confirmed", stranger)
	check("email-not-changed", confirmURL, stranger)
	for _, p := range []struct{ name, path string }{
		{"login", "/login"},
		{"forgot-password", "/forgot-password"},
		{"reset-password", reset.RequestURI()},
		{"link-expired", "/reset-password?token=not-a-real-token"},
		{"not-found-signed-out", "/no/such/page"},
	} {
		check(p.name, p.path, stranger)
	}
	// Pages after a form: a failed sign-in, the reset request's answer.
	other := s.Browser(t)
	other.AcceptLanguage = i18n.Pseudo
	r := other.Submit("/login", "/login", url.Values{"identifier": {"olga"}, "password": {"wrong password entirely"}})
	if bad := i18n.Untranslated(visibleText(r.Body), known...); len(bad) > 0 {
		t.Errorf("failed sign-in has text outside the catalog:\n  %s", strings.Join(bad, "\n  "))
	}
	if r := other.Follow(other.RequestReset("nobody@example.com", nil)); len(i18n.Untranslated(visibleText(r.Body), known...)) > 0 {
		t.Errorf("reset requested has text outside the catalog:\n  %s", strings.Join(i18n.Untranslated(visibleText(r.Body), known...), "\n  "))
	}

	// The settings refused, a value of every kind of refusal: the use case's
	// (settings_kinds.go) and the page's own for a duration.
	form := formOf(t, b.Get("/admin/settings").Body, "/admin/settings")
	form.Set("password_min_length", "3")
	form.Set("password_max_length", "many")
	form.Set("session_idle_timeout", "soon")
	form.Set("session_absolute_timeout", "")
	form.Set("reset_link_ttl_unit", "weeks")
	form.Set("organization_name", "Acme\u0001Widgets")
	form.Set("two_factor", "always")
	form.Set("accent_color", "#ffff00")
	form.Set("default_time_zone", "Mars/Olympus")
	form.Set("two_factor_admin_methods", "app, carrier-pigeon")
	if r := b.Post("/admin/settings", form); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("refused settings: %d, want 422", r.Status)
	} else if bad := i18n.Untranslated(visibleText(r.Body), append(known, `"off"`, `"optional"`, `"required"`, `"carrier-pigeon"`, "Mars/Olympus", "Acme\u0001Widgets", "many", "soon", "#ffff00")...); len(bad) > 0 {
		t.Errorf("refused settings have text outside the catalog:\n  %s", strings.Join(bad, "\n  "))
	}

	// The service desk's console, on the public URL's host: its sign-in and
	// activation pages, and what a signed-in operator sees.
	acme, acmeURL := browserOrg(t, s, "acme", "Acme Ltd")
	def, err := s.Store.Organization(t.Context(), gatehouse.DefaultOrgID)
	if err != nil {
		t.Fatal(err)
	}
	desk := operatorSignedIn(t, s, "dora")
	desk.AcceptLanguage = i18n.Pseudo
	added, err := s.App.Desk.Add(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "eve", "eve@vendor.example")
	if err != nil {
		t.Fatal(err)
	}
	activation, err := url.Parse(added.Link)
	if err != nil {
		t.Fatal(err)
	}
	dora, err := s.Store.OperatorByUsername(t.Context(), "dora")
	if err != nil {
		t.Fatal(err)
	}
	eve, err := s.Store.OperatorByUsername(t.Context(), "eve")
	if err != nil {
		t.Fatal(err)
	}
	if r := desk.Post(s.URL+"/operator/orgs/"+def.Slug+"/owners/"+owner.ID+"/pin", url.Values{"pin": {"111222"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("a PIN check: %d\n%s", r.Status, r.Body)
	}
	known = append(known, "Acme Ltd", "acme", acmeURL, acme.ID, def.Slug, def.Name, def.ID, owner.ID, "dora", "dora@vendor.example", dora.ID,
		"eve", "eve@vendor.example", eve.ID, s.Addr(), strings.TrimPrefix(s.URL, "http://"), s.URL)
	known = append(known, append(acme.Hosts, def.Hosts...)...)
	deskPages := []struct {
		name, path string
		br         *webtest.Browser
	}{
		{"operator-login", "/operator", stranger},
		{"operator-activate", activation.RequestURI(), stranger},
		{"operator-home", "/operator", desk},
		{"operator-org", "/operator/orgs/" + def.Slug, desk},
		{"operator-org-no-owner", "/operator/orgs/acme", desk},
		{"operator-operators", "/operator/operators", desk},
		{"operator-confirm", "/operator/operators/" + eve.ID + "/disable", desk},
		{"operator-log", "/operator/log", desk},
	}
	for _, p := range deskPages {
		r := p.br.Get(s.URL + p.path)
		if !strings.Contains(r.Body, i18n.PseudoOpen+"Service desk"+i18n.PseudoClose) {
			t.Errorf("%s (%s) does not name the service desk from the catalog", p.name, p.path)
		}
		check(p.name, s.URL+p.path, p.br)
	}
	if r := desk.Get(s.URL + "/operator/log"); !strings.Contains(r.Body, i18n.PseudoOpen+"Operator added"+i18n.PseudoClose) ||
		!strings.Contains(r.Body, i18n.PseudoOpen+"Signed in"+i18n.PseudoClose) {
		t.Errorf("the operator log does not name its actions in words:\n%s", r.Body)
	}

	if len(notYetTranslated) > 0 {
		t.Logf("%d pages are not translated yet", len(notYetTranslated))
	}
}

var (
	dropBlocks = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<!--.*?-->|<datalist.*?</datalist>|<code[^>]*>.*?</code>`)
	tagRe      = regexp.MustCompile(`(?s)<[^>]*>`)
	readAttr   = regexp.MustCompile(`\s(?:title|aria-label|placeholder|alt|data-label)="([^"]*)"`)
)

// visibleText is what people read of a page: its text, and the attributes
// that are read out or shown (titles, labels, placeholders), one per line.
func visibleText(page string) string {
	page = dropBlocks.ReplaceAllString(strings.ReplaceAll(page, "<wbr>", ""), "\n")
	var b strings.Builder
	for _, tag := range tagRe.FindAllString(page, -1) {
		for _, m := range readAttr.FindAllStringSubmatch(tag, -1) {
			b.WriteString(html.UnescapeString(m[1]) + "\n")
		}
	}
	b.WriteString(tagRe.ReplaceAllString(page, "\n"))
	return html.UnescapeString(b.String())
}
