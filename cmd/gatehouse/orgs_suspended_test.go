package main

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// TestSuspendedOrgCommands: the commands that add or change something inside
// a suspended organization refuse, saying so and how to resume it, and add
// nothing; reading it, revoking its keys, showing and resuming it work.
func TestSuspendedOrgCommands(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			c := newCLI(t, db.URL)
			if code, out, errs := c.run("", "org", "create", "--slug", "acme", "--name", "Acme Ltd", "--host", "acme.example.com"); code != 0 {
				t.Fatalf("org create: %d %s %s", code, out, errs)
			}
			if code, _, errs := c.run("", "apikey", "create", "--org", "acme", "--name", "crm"); code != 0 {
				t.Fatalf("apikey create: %d %s", code, errs)
			}
			if code, out, errs := c.run("", "org", "suspend", "acme", "--reason", "unpaid"); code != 0 {
				t.Fatalf("org suspend: %d %s %s", code, out, errs)
			}
			for _, args := range [][]string{
				{"user", "add", "--org", "acme", "--username", "ops", "--email", "ops@example.com"},
				{"settings", "set", "--org", "acme", "password_min_length=20"},
				{"apikey", "create", "--org", "acme", "--name", "other"},
			} {
				code, out, errs := c.run("", args...)
				if code != 1 || !strings.Contains(errs, "suspended") || !strings.Contains(errs, "gatehouse org resume acme") || out != "" {
					t.Errorf("%s: %d\nout: %s\nerr: %s\nwant a refusal that says the organization is suspended", strings.Join(args, " "), code, out, errs)
				}
			}
			// Nothing was added.
			if _, out, _ := c.run("", "org", "show", "acme"); !strings.Contains(out, "Members:  0") || !strings.Contains(out, "suspended") {
				t.Errorf("org show of the suspended organization:\n%s", out)
			}
			if _, out, _ := c.run("", "settings", "show", "--org", "acme", "--json"); !strings.Contains(out, `"password_min_length": "`) || strings.Contains(out, `"password_min_length": "20"`) {
				t.Errorf("settings show of the suspended organization, or a setting changed:\n%s", out)
			}
			code, out, errs := c.run("", "apikey", "list", "--org", "acme")
			if code != 0 || !strings.Contains(out, "crm") || strings.Contains(out, "other") {
				t.Errorf("apikey list of the suspended organization: %d %s %s", code, out, errs)
			}
			// A key of a suspended organization may still be revoked.
			id := strings.Fields(strings.Split(out, "\n")[1])[0]
			if code, out, errs := c.run("", "apikey", "revoke", "--org", "acme", "--id", id); code != 0 {
				t.Errorf("apikey revoke in the suspended organization: %d %s %s", code, out, errs)
			}
			if code, out, errs := c.run("", "org", "resume", "acme"); code != 0 {
				t.Fatalf("org resume: %d %s %s", code, out, errs)
			}
			if code, out, errs := c.run("", "user", "add", "--org", "acme", "--username", "ops", "--email", "ops@example.com"); code != 0 {
				t.Errorf("user add after resuming: %d %s %s", code, out, errs)
			}
		})
	}
}

// TestOrgCreateSender: org create --mail-from is checked as the
// mail_from_address setting is, and becomes the organization's setting.
func TestOrgCreateSender(t *testing.T) {
	c := newCLI(t, gatehousetest.SQLiteURL(t))
	code, out, errs := c.run("", "org", "create", "--slug", "acme", "--name", "Acme Ltd", "--host", "acme.example.com", "--mail-from", "Acme <login@acme.example>")
	if code != 1 || !strings.Contains(errs, "mail_from_address") {
		t.Errorf("a sender with a name: %d %s %s", code, out, errs)
	}
	if code, out, errs = c.run("", "org", "create", "--slug", "acme", "--name", "Acme Ltd", "--host", "acme.example.com", "--mail-from", "login@acme.example"); code != 0 {
		t.Fatalf("org create --mail-from: %d %s %s", code, out, errs)
	}
	if _, out, _ = c.run("", "settings", "show", "--org", "acme", "--json"); !strings.Contains(out, `"mail_from_address": "login@acme.example"`) {
		t.Errorf("acme's settings:\n%s", out)
	}
}
