package sms_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/sms"
)

func TestFileTransport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sms")
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tr := open(t, "file://"+dir, sms.Options{Now: func() time.Time { return now }})
	for i := 0; i < 3; i++ {
		if err := send(tr, mobile, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := send(tr, "not a number", body); !sms.IsPermanent(err) {
		t.Errorf("err = %v, want permanent", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d files, want 3 and no temporary ones: %v", len(entries), entries)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "20260302T090000.000000000Z-") || !strings.HasSuffix(e.Name(), ".json") {
			t.Errorf("file name %q", e.Name())
		}
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", e.Name(), info.Mode().Perm())
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil || len(m) != 2 || m["to"] != mobile || m["body"] != body {
			t.Errorf("%s holds %s (%v)", e.Name(), raw, err)
		}
	}
}
