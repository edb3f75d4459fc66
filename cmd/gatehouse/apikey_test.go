package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// TestAPIKeyCommand creates, lists and revokes a key from the command line,
// in-process, on a fresh SQLite data directory.
func TestAPIKeyCommand(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		switch k {
		case "GATEHOUSE_DATA_DIR":
			return dir
		case "GATEHOUSE_LOG_LEVEL":
			return "error"
		}
		return ""
	}
	cmd := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &out, &errOut, getenv)
		return out.String(), errOut.String(), code
	}
	out, msg, code := cmd("apikey", "create", "--name", "crm", "--role", "owner")
	if code != 0 {
		t.Fatalf("create: %d %s", code, msg)
	}
	key := strings.TrimSpace(out)
	if !strings.HasPrefix(key, gatehouse.APIKeyPrefix) || len(key) != 46 || !strings.Contains(msg, "shown this once") {
		t.Fatalf("create printed %q (stderr %q)", out, msg)
	}
	if _, msg, code := cmd("apikey", "create", "--name", "crm"); code != 1 || !strings.Contains(msg, "exists already") {
		t.Errorf("a second key named crm: %d %s", code, msg)
	}
	if _, msg, code := cmd("apikey", "create", "--name", "x", "--role", "member"); code != 1 || !strings.Contains(msg, "administrator or owner") {
		t.Errorf("a member key: %d %s", code, msg)
	}
	if _, _, code := cmd("apikey", "frobnicate"); code != 2 {
		t.Errorf("unknown subcommand: %d", code)
	}

	st, err := sqlstore.Open(context.Background(), "sqlite:"+dir+"/gatehouse.db", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k, err := st.APIKeyByHash(context.Background(), secret.HashToken(key))
	st.Close()
	if err != nil || k.Name != "crm" || k.Role != gatehouse.RoleOwner || k.CreatedBy != "system" {
		t.Fatalf("stored key %+v, %v", k, err)
	}

	out, _, code = cmd("apikey", "list")
	if code != 0 || !strings.Contains(out, k.ID) || !strings.Contains(out, "crm") || strings.Contains(out, key) {
		t.Errorf("list: %d\n%s", code, out)
	}
	if _, msg, code := cmd("apikey", "revoke", "--id", k.ID); code != 0 {
		t.Errorf("revoke: %d %s", code, msg)
	}
	if _, msg, code := cmd("apikey", "revoke", "--id", k.ID); code != 1 || !strings.Contains(msg, "revoked already") {
		t.Errorf("revoke again: %d %s", code, msg)
	}
}
