package web_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestBrowserBulkActivation drives headless Chromium through S23: search the
// members, tick some, send activation codes, confirm, read the result. With
// GATEHOUSE_SCREENSHOTS=DIR it saves screenshots of the pages there.
func TestBrowserBulkActivation(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"organization_name": "Acme Widgets"}})
	s.AddMember(t, "adam", "adam@example.com", goodPassword, gatehouse.RoleAdministrator)
	ana := s.AddMember(t, "ana.lopez", "ana@example.com", goodPassword, gatehouse.RoleMember)
	anton := s.AddMember(t, "anton", "anton@example.com", goodPassword, gatehouse.RoleMember)
	anja := s.AddMember(t, "anja", "anja@example.com", goodPassword, gatehouse.RoleMember)
	s.AddMember(t, "zoe", "zoe@example.com", goodPassword, gatehouse.RoleMember)
	anja.State = gatehouse.StateDisabled
	s.Overwrite(t, anja)
	shots := os.Getenv("GATEHOUSE_SCREENSHOTS")
	shot := func(name string) {
		if shots != "" {
			tab.Screenshot(filepath.Join(shots, name+".png"))
		}
	}

	tab.Go(s.URL + "/admin/members")
	tab.Fill("#identifier", "adam")
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Members" {
		t.Fatalf("after sign-in: %q", h)
	}
	tab.Fill("#query", "an")
	tab.Submit("#search")
	list := tab.Text("table.members tbody")
	for _, want := range []string{"ana.lopez", "anton", "anja"} {
		if !strings.Contains(list, want) {
			t.Errorf("the search for 'an' does not find %s: %q", want, list)
		}
	}
	if strings.Contains(list, "zoe") || strings.Contains(list, "adam") {
		t.Errorf("the search for 'an' finds too much: %q", list)
	}
	for _, m := range []*gatehouse.Member{ana, anton, anja} {
		tab.Click("#sel-" + m.ID)
	}
	shot("admin-members")
	tab.Submit("#send-activation")
	if got := tab.Text("#confirm-count"); got != "2 members will receive an email with an activation code." {
		t.Errorf("confirmation: %q", got)
	}
	if skip := tab.Text("#will-skip"); !strings.Contains(skip, "anja") || !strings.Contains(skip, "disabled") {
		t.Errorf("the confirmation does not say anja is skipped: %q", skip)
	}
	shot("admin-activation-confirm")
	tab.Submit("#confirm-send")
	if got := tab.Text("#result-count"); got != "2 emails are on their way." {
		t.Errorf("result: %q", got)
	}
	sent, skipped := tab.Text("#sent"), tab.Text("#skipped")
	if !strings.Contains(sent, "ana.lopez") || !strings.Contains(sent, "anton") || strings.Contains(sent, "anja") {
		t.Errorf("sent: %q", sent)
	}
	if !strings.Contains(skipped, "anja") || !strings.Contains(skipped, "The account is disabled") {
		t.Errorf("skipped: %q", skipped)
	}
	shot("admin-activation-result")
	var to []string
	for _, m := range s.SMTP.WaitFor(t, 2, 10*time.Second) {
		to = append(to, m.To...)
	}
	sort.Strings(to)
	if strings.Join(to, ",") != "ana@example.com,anton@example.com" {
		t.Errorf("emails went to %v", to)
	}
	if shots != "" {
		tab.Go(s.URL + "/admin/members/" + ana.ID)
		shot("admin-member")
		tab.Go(s.URL + "/admin/settings")
		shot("admin-settings")
	}
}
