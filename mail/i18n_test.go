package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
	"github.com/gatehouse-auth/gatehouse/mail"
)

var allEmailKinds = []string{gatehouse.KindReset, gatehouse.KindActivation, gatehouse.KindPasswordChanged, gatehouse.KindCode,
	gatehouse.KindSecurityNotice, gatehouse.KindOwnerInvitation, gatehouse.KindOwnerRecovery,
	gatehouse.KindOwnerRecoveryNotice, gatehouse.KindOperatorActivation, gatehouse.KindEmailChange, gatehouse.KindEmailChangeInUse}

func noticeData() gatehouse.MessageData {
	d := sampleData()
	d.AccountURL = "https://gh.example.org/account"
	d.Changes = []gatehouse.Change{
		{What: gatehouse.ChangeEmail, Old: "a•••@example.org", New: "b•••@example.org"},
		{What: gatehouse.ChangeWorkEmail, New: "c•••@example.org"},
		{What: gatehouse.ChangeMobile, Old: "•••• 0123"},
		{What: gatehouse.ChangeApp, New: "app"},
		{What: gatehouse.ChangeApp, Old: "app"},
		{What: gatehouse.ChangeRecoveryCodes, New: "10"},
		{What: gatehouse.ChangePasskey, New: "YubiKey"},
		{What: gatehouse.ChangePasskey, Old: "YubiKey", New: "Work key"},
		{What: gatehouse.ChangePasskey, Old: "Work key"},
	}
	return d
}

// TestEmailsInThePseudoLocale renders every email and text message, in every
// variant of who made a change, in the pseudo-locale and fails on any text
// that does not come from the catalog: the emails have no hard-coded English.
func TestEmailsInThePseudoLocale(t *testing.T) {
	tp := &mail.Templates{Catalog: i18n.WithPseudo()}
	d := noticeData()
	d.Language = i18n.Pseudo
	known := []string{d.OrgName, d.MemberName, d.Username, d.Link, d.Code, d.IP, d.SupportURL, d.AccountURL,
		"Firefox", "Windows", "YubiKey", "Work key", "example.org", "gh.example.org",
		"Gatehouse", // the product's own name in the operator's email
	}
	check := func(name, text string) {
		t.Helper()
		if bad := i18n.Untranslated(text, known...); len(bad) > 0 {
			t.Errorf("%s has text outside the catalog: %q", name, bad)
		}
	}
	for _, by := range []string{"", gatehouse.ByAdministrator, gatehouse.ByAPI} {
		for _, user := range []string{"ada", ""} {
			d.By, d.Username = by, user
			for _, kind := range allEmailKinds {
				subject, text, html, err := tp.Email(kind, d)
				if err != nil {
					t.Fatal(err)
				}
				check(kind+" subject", subject)
				check(kind+" text", text)
				check(kind+" html", htmlText(html))
			}
		}
	}
	for _, kind := range []string{gatehouse.KindSMSCode, gatehouse.KindMobileCode} {
		body, err := tp.SMS(kind, d)
		if err != nil {
			t.Fatal(err)
		}
		check(kind, body)
	}
	// One change: the subject names it.
	d.Changes = d.Changes[:1]
	subject, _, _, err := tp.Email(gatehouse.KindSecurityNotice, d)
	if err != nil {
		t.Fatal(err)
	}
	check("one-change subject", subject)
}

// htmlText drops the tags (and the style attributes in them) of an HTML
// body, keeping its text.
func htmlText(html string) string {
	var b strings.Builder
	in := false
	for _, r := range html {
		switch {
		case r == '<':
			in = true
			b.WriteRune('\n')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.NewReplacer("&#39;", "'", "&amp;", "&", "&quot;", `"`).Replace(b.String())
}

// TestEmailsInTheRecipientsLanguage: an email in German reads in German, with
// its times in the recipient's zone and <html lang="de">.
func TestEmailsInTheRecipientsLanguage(t *testing.T) {
	var tp mail.Templates
	d := sampleData()
	d.Language, d.TimeZone = "de", "Europe/Berlin"
	d.ValidFor = 90 * time.Minute
	subject, text, html, err := tp.Email(gatehouse.KindPasswordChanged, d)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Ihr Passwort für Example Org wurde geändert" {
		t.Errorf("subject %q", subject)
	}
	// 09:05 CET is 08:05 UTC, and 09:05 in Berlin in March.
	for _, want := range []string{"Hallo Ada Lovelace,", "am Montag, 2. März 2026 um 09:05 CET geändert", "Browser: Firefox on Windows"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(html, `<html lang="de">`) {
		t.Error("the HTML body does not say it is German")
	}
	d.Language = "id"
	body, err := tp.SMS(gatehouse.KindSMSCode, d)
	if err != nil || body != "493817 adalah kode masuk Example Org Anda. Kedaluwarsa dalam 1 jam dan 30 menit. Jangan bagikan kode ini." {
		t.Errorf("Indonesian SMS %q, %v", body, err)
	}
	d.Language = "xx" // not offered: English
	if subject, _, _, _ := tp.Email(gatehouse.KindCode, d); subject != "Your Example Org sign-in code" {
		t.Errorf("unknown language: %q", subject)
	}
}
