package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestClientCommand registers, lists, rotates and deletes an OpenID Connect
// client from the command line, in-process, on a fresh SQLite data directory.
func TestClientCommand(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		switch k {
		case "GATEHOUSE_DATA_DIR":
			return dir
		case "GATEHOUSE_LOG_LEVEL":
			return "error"
		case "GATEHOUSE_PUBLIC_URL":
			return "https://id.example.com"
		}
		return ""
	}
	cmd := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &out, &errOut, getenv)
		return out.String(), errOut.String(), code
	}
	out, msg, code := cmd("client", "create", "--name", "CRM", "--redirect-uri", "https://crm.example.com/cb",
		"--redirect-uri", "https://crm.example.com/cb2", "--post-logout-uri", "https://crm.example.com/", "--first-party")
	m := regexp.MustCompile(`^client_id: ([a-z2-7]{26})\nclient_secret: ([A-Za-z0-9_-]{43})\n$`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("create: %d %q %q", code, out, msg)
	}
	id := m[1]
	if !strings.Contains(msg, "Issuer: https://id.example.com") {
		t.Errorf("no issuer in %q", msg)
	}
	out, _, code = cmd("client", "create", "--name", "SPA", "--redirect-uri", "http://localhost:5173/cb", "--public")
	if code != 0 || !regexp.MustCompile(`^client_id: [a-z2-7]{26}\n$`).MatchString(out) {
		t.Errorf("public create: %d %q", code, out)
	}
	if _, msg, code := cmd("client", "create", "--name", "Bad", "--redirect-uri", "http://crm.example.com/cb"); code != 1 || !strings.Contains(msg, "localhost") {
		t.Errorf("http redirect: %d %q", code, msg)
	}
	if _, _, code := cmd("client", "frobnicate"); code != 2 {
		t.Errorf("unknown subcommand: %d", code)
	}
	out, _, _ = cmd("client", "list")
	if !strings.Contains(out, id) || !strings.Contains(out, "CRM") || !strings.Contains(out, "SPA") || !strings.Contains(out, "public") {
		t.Errorf("list:\n%s", out)
	}
	out, _, code = cmd("client", "rotate-secret", "--id", id)
	if code != 0 || !regexp.MustCompile(`client_secret: [A-Za-z0-9_-]{43}\n$`).MatchString(out) || strings.Contains(out, m[2]) {
		t.Errorf("rotate: %d %q", code, out)
	}
	if _, _, code := cmd("client", "delete", "--id", id); code != 0 {
		t.Errorf("delete: %d", code)
	}
	if _, msg, code := cmd("client", "delete", "--id", id); code != 1 {
		t.Errorf("delete again: %d %q", code, msg)
	}

	// --org registers in another organization, whose issuer is its own URL;
	// its clients are listed there only.
	if code, out, msg := cmdCode(cmd("org", "create", "--slug", "acme", "--name", "Acme", "--host", "id.acme.test")); code != 0 {
		t.Fatalf("org create: %d %q %q", code, out, msg)
	}
	out, msg, code = cmd("client", "create", "--org", "acme", "--name", "Acme CRM", "--redirect-uri", "https://crm.acme.test/cb")
	if code != 0 || !strings.Contains(msg, "Issuer: https://id.acme.test") {
		t.Errorf("create in acme: %d %q %q", code, out, msg)
	}
	if out, _, _ := cmd("client", "list", "--org", "acme"); !strings.Contains(out, "Acme CRM") || strings.Contains(out, "SPA") {
		t.Errorf("acme's list:\n%s", out)
	}
	if out, _, _ := cmd("client", "list"); strings.Contains(out, "Acme CRM") {
		t.Errorf("the default organization lists acme's client:\n%s", out)
	}
	if _, msg, code := cmd("client", "list", "--org", "nobody"); code == 0 || !strings.Contains(msg, "--org") {
		t.Errorf("unknown --org: %d %q", code, msg)
	}
}

func cmdCode(out, msg string, code int) (int, string, string) { return code, out, msg }
