package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// cli runs one gatehouse command in-process against a database of its own.
type cli struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T, databaseURL string) *cli {
	dir := t.TempDir()
	return &cli{t: t, env: map[string]string{
		"GATEHOUSE_DATABASE_URL": databaseURL,
		"GATEHOUSE_DATA_DIR":     dir,
		"GATEHOUSE_MAIL_URL":     "file://" + filepath.Join(dir, "mail"),
		"GATEHOUSE_HASH_MEMORY":  "1024",
		"GATEHOUSE_HASH_TIME":    "1",
		"GATEHOUSE_PUBLIC_URL":   "https://login.example.com",
		"GATEHOUSE_LOG_LEVEL":    "error",
	}}
}

func (c *cli) run(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return c.env[k] })
	return code, out.String(), errb.String()
}

func TestCommands(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			c := newCLI(t, db.URL)
			if code, out, errs := c.run("", "migrate"); code != 0 || !strings.Contains(out, "up to date") {
				t.Fatalf("migrate: %d %s %s", code, out, errs)
			}
			code, out, errs := c.run("violet kettle orbit marsh\n", "user", "add", "--username", "ops", "--email", "ops@example.com", "--role", "owner", "--password-stdin")
			if code != 0 || !strings.Contains(out, "state active") {
				t.Fatalf("user add with password: %d %s %s", code, out, errs)
			}
			code, _, errs = c.run("short\n", "user", "add", "--username", "weak", "--email", "weak@example.com", "--password-stdin")
			if code != 1 || !strings.Contains(errs, "password") || !strings.Contains(errs, "at least 15 characters") {
				t.Errorf("weak password accepted or unclear: %d %s", code, errs)
			}
			code, out, errs = c.run("", "user", "add", "--username", "newbie", "--email", "newbie@example.com", "--mobile", "+44 7911 123456")
			if code != 0 || !strings.Contains(out, "never_activated") || !strings.Contains(out, "https://login.example.com/activate?token=") {
				t.Fatalf("user add without password: %d %s %s", code, out, errs)
			}
			st := gatehousetest.NewStore(t, db.URL)
			m, err := st.MemberByUsername(context.Background(), gatehouse.DefaultOrgID, "newbie")
			if err != nil || m.Mobile != "+447911123456" {
				t.Errorf("stored member: %+v %v", m, err)
			}
			msgs, _, _ := st.Messages(context.Background(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: m.ID})
			if len(msgs) != 1 || msgs[0].Kind != gatehouse.KindActivation {
				t.Errorf("activation email not queued: %+v", msgs)
			}
			if code, _, errs := c.run("", "user", "add", "--username", "ops", "--email", "x@example.com"); code != 1 || !strings.Contains(errs, "already taken") {
				t.Errorf("duplicate username: %d %s", code, errs)
			}
			if code, _, errs := c.run("", "user", "add", "--username", "bad name", "--email", "nope"); code != 1 || !strings.Contains(errs, "username") || !strings.Contains(errs, "email") {
				t.Errorf("invalid fields not named: %d %s", code, errs)
			}

			code, out, errs = c.run("", "settings", "set", "password_min_length=12", "reset_link_ttl=12h")
			if code != 0 || !strings.Contains(out, "password_min_length: 15 -> 12") {
				t.Fatalf("settings set: %d %s %s", code, out, errs)
			}
			if code, _, errs := c.run("", "settings", "set", "password_min_length=3"); code != 1 || !strings.Contains(errs, "from 8 to 64") {
				t.Errorf("out of range: %d %s", code, errs)
			}
			if code, _, errs := c.run("", "settings", "set", "captcha_secret=hunter2"); code != 0 {
				t.Errorf("secret: %d %s", code, errs)
			}
			code, out, _ = c.run("", "settings", "show")
			if code != 0 || !strings.Contains(out, "reset_link_ttl") || !strings.Contains(out, "12h") || strings.Contains(out, "hunter2") {
				t.Errorf("settings show: %s", out)
			}
			code, out, _ = c.run("", "settings", "show", "--json")
			if code != 0 || !strings.Contains(out, `"password_min_length": "12"`) || !strings.Contains(out, `"captcha_secret": "(set)"`) {
				t.Errorf("settings show --json: %s", out)
			}
			evs, _, _ := st.AuditEvents(context.Background(), gatehouse.DefaultOrgID, gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventSettingsChanged}})
			if len(evs) != 3 {
				t.Errorf("%d settings audit events, want 3", len(evs))
			}
			for _, e := range evs {
				if e.Details["setting"] == "captcha_secret" && (e.Details["new"] != "(set)" || strings.Contains(e.Details["new"], "hunter2")) {
					t.Errorf("secret in the audit log: %v", e.Details)
				}
			}
		})
	}
}

func TestUsageAndVersion(t *testing.T) {
	c := newCLI(t, gatehousetest.SQLiteURL(t))
	if code, out, _ := c.run("", "version"); code != 0 || !strings.HasPrefix(out, "gatehouse ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errs := c.run(""); code != 2 || !strings.Contains(errs, "Usage") {
		t.Errorf("no command: %d", code)
	}
	if code, _, errs := c.run("", "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown command: %d %s", code, errs)
	}
	if code, out, _ := c.run("", "help"); code != 0 || !strings.Contains(out, "GATEHOUSE_PUBLIC_URL") {
		t.Errorf("help lacks the configuration keys")
	}
	c.env["GATEHOUSE_LISTEN"] = "nonsense"
	if code, _, errs := c.run("", "migrate"); code != 1 || !strings.Contains(errs, "GATEHOUSE_LISTEN") {
		t.Errorf("bad config: %d %s", code, errs)
	}
}

func TestServeStartsAndStops(t *testing.T) {
	c := newCLI(t, gatehousetest.SQLiteURL(t))
	c.env["GATEHOUSE_LISTEN"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb gatehousetest.Buffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), &out, &errb, func(k string) string { return c.env[k] })
	}()
	// Wait until the setup link is printed: the server has migrated and listens.
	for i := 0; i < 200 && !strings.Contains(out.String(), "/setup?token="); i++ {
		select {
		case code := <-done:
			t.Fatalf("serve exited early: %d %s", code, errb.String())
		default:
		}
		time.Sleep(25 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "https://login.example.com/setup?token=") {
		t.Fatalf("no setup link: %q", out.String())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit code %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(c.env["GATEHOUSE_DATA_DIR"], "mail")); err != nil {
		t.Logf("mail dir: %v", err)
	}
}
