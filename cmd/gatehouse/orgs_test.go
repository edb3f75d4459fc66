package main

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// The organization and operator commands, and --org on the commands that act
// inside an organization; an installation that never names one keeps working
// on the default organization.
func TestOrgCommands(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			c := newCLI(t, db.URL)
			code, out, errs := c.run("", "org", "create", "--slug", "acme", "--name", "Acme Ltd", "--host", "acme.example.com", "--host", "id.acme.test", "--owner-email", "boss@acme.test")
			if code != 0 || !strings.Contains(out, "https://acme.example.com/setup?token=") || !strings.Contains(out, "boss@acme.test") {
				t.Fatalf("org create: %d %s %s", code, out, errs)
			}
			code, _, errs = c.run("", "org", "create", "--slug", "acme2", "--name", "X", "--host", "login.example.com")
			if code != 1 || !strings.Contains(errs, "hosts:") {
				t.Errorf("org create on the public URL's host: %d %s", code, errs)
			}
			code, out, errs = c.run("violet kettle orbit marsh\n", "user", "add", "--org", "acme", "--username", "ops", "--email", "ops@example.com", "--role", "owner", "--password-stdin")
			if code != 0 || !strings.Contains(out, "state active") {
				t.Fatalf("user add --org acme: %d %s %s", code, out, errs)
			}
			// The same username in the default organization is another member.
			code, out, errs = c.run("violet kettle orbit marsh\n", "user", "add", "--username", "ops", "--email", "ops@example.com", "--password-stdin")
			if code != 0 {
				t.Fatalf("user add in the default organization: %d %s %s", code, out, errs)
			}
			code, _, errs = c.run("", "user", "add", "--org", "nope", "--username", "x", "--email", "x@example.com")
			if code != 1 || !strings.Contains(errs, "--org") {
				t.Errorf("user add --org nope: %d %s", code, errs)
			}
			if code, out, errs = c.run("", "settings", "set", "--org", "acme", "password_min_length=20"); code != 0 {
				t.Fatalf("settings set --org acme: %d %s %s", code, out, errs)
			}
			_, out, _ = c.run("", "settings", "show", "--org", "acme")
			if !strings.Contains(out, "Acme Ltd") || !strings.Contains(out, "20") {
				t.Errorf("settings show --org acme:\n%s", out)
			}
			_, out, _ = c.run("", "settings", "show")
			if strings.Contains(out, "Acme Ltd") {
				t.Errorf("the default organization shows acme's name:\n%s", out)
			}
			code, out, errs = c.run("", "apikey", "create", "--org", "acme", "--name", "crm")
			if code != 0 || !strings.HasPrefix(out, gatehouse.APIKeyPrefix) {
				t.Fatalf("apikey create --org acme: %d %s %s", code, out, errs)
			}
			if _, out, _ = c.run("", "apikey", "list"); strings.Contains(out, "crm") {
				t.Errorf("the default organization lists acme's key:\n%s", out)
			}
			if _, out, _ = c.run("", "apikey", "list", "--org", "acme"); !strings.Contains(out, "crm") {
				t.Errorf("apikey list --org acme:\n%s", out)
			}
			code, out, errs = c.run("", "org", "list")
			if code != 0 || !strings.Contains(out, "acme") || !strings.Contains(out, "Acme Ltd") || !strings.Contains(out, "default") {
				t.Errorf("org list: %d %s %s", code, out, errs)
			}
			code, out, _ = c.run("", "org", "show", "acme")
			if code != 0 || !strings.Contains(out, "ops") || !strings.Contains(out, "Members:  1") || !strings.Contains(out, "https://acme.example.com") {
				t.Errorf("org show acme:\n%s", out)
			}
			if code, out, errs = c.run("", "org", "update", "acme", "--name", "Acme Group", "--host", "acme.example.com"); code != 0 || !strings.Contains(out, "Acme Group") {
				t.Errorf("org update: %d %s %s", code, out, errs)
			}
			if code, out, _ = c.run("", "org", "suspend", "acme", "--reason", "unpaid"); code != 0 || !strings.Contains(out, "suspended") {
				t.Errorf("org suspend: %d %s", code, out)
			}
			if code, out, _ = c.run("", "org", "resume", "acme"); code != 0 || !strings.Contains(out, "active") {
				t.Errorf("org resume: %d %s", code, out)
			}
			if code, _, errs = c.run("", "org", "invite", "acme"); code != 1 || !strings.Contains(errs, "owner") {
				t.Errorf("org invite with an owner: %d %s", code, errs)
			}
			code, out, errs = c.run("", "operator", "add", "--username", "dora", "--email", "dora@vendor.example")
			if code != 0 || !strings.Contains(out, "https://login.example.com/operator/activate?token=") {
				t.Errorf("operator add: %d %s %s", code, out, errs)
			}
			code, out, errs = c.run("", "operator", "apikey", "create", "--name", "provisioning")
			if code != 0 || !strings.HasPrefix(out, "gho_") {
				t.Errorf("operator apikey create: %d %s %s", code, out, errs)
			}
			if _, out, _ = c.run("", "operator", "apikey", "list"); !strings.Contains(out, "LAST USED") || !strings.Contains(out, "provisioning") {
				t.Errorf("operator apikey list:\n%s", out)
			}
			if code, out, errs = c.run("", "operator", "disable", "--username", "dora", "--reason", "on leave"); code != 0 || !strings.Contains(out, "dora is disabled") {
				t.Errorf("operator disable: %d %s %s", code, out, errs)
			}
			// Never activated: enabled, dora waits for her activation link again.
			if code, out, errs = c.run("", "operator", "enable", "--username", "dora"); code != 0 || !strings.Contains(out, "dora is pending") {
				t.Errorf("operator enable: %d %s %s", code, out, errs)
			}
			if code, _, errs = c.run("", "operator", "remove", "--username", "nobody"); code != 1 || !strings.Contains(errs, "no such operator") {
				t.Errorf("operator remove of nobody: %d %s", code, errs)
			}
			if code, out, errs = c.run("", "operator", "remove", "--username", "dora"); code != 0 || !strings.Contains(out, "Removed operator dora") {
				t.Errorf("operator remove: %d %s %s", code, out, errs)
			}
			if code, _, errs = c.run("", "org", "suspend", "default"); code != 1 || !strings.Contains(errs, "public URL") {
				t.Errorf("org suspend default: %d %s; want refused, naming the public URL", code, errs)
			}
			code, out, _ = c.run("", "operator", "log")
			if code != 0 || !strings.Contains(out, "operator.added") || !strings.Contains(out, "apikey.created") ||
				!strings.Contains(out, "operator.disabled") || !strings.Contains(out, "on leave") || !strings.Contains(out, "operator.removed") {
				t.Errorf("operator log:\n%s", out)
			}
		})
	}
}
