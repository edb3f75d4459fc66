package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/mail"
)

func TestFileTransport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail") // created by Open
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tr, err := mail.Open("file://"+dir, mail.Options{Now: func() time.Time { now = now.Add(time.Second); return now }})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := tr.Send(context.Background(), testEnvelope()); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d files, want 2 and no temporary ones: %v", len(entries), entries)
	}
	for i, want := range []string{
		"20260302T090001.000000000Z-msg123.outbox_example.org.eml",
		"20260302T090002.000000000Z-msg123.outbox_example.org.eml",
	} {
		e := entries[i]
		if e.Name() != want {
			t.Errorf("file %d is %q, want %q", i, e.Name(), want)
		}
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %v: it holds a one-time link, want 0600", e.Name(), perm)
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		h, parts := parse(t, raw)
		if h.Get("Message-Id") != "<msg123.outbox@example.org>" || !strings.Contains(parts["text/plain"], "reset-password?token=") {
			t.Errorf("%s does not hold the message", e.Name())
		}
	}

	bad := testEnvelope()
	bad.To.Address = "not an address"
	if err := tr.Send(context.Background(), bad); !mail.IsPermanent(err) {
		t.Errorf("err = %v, want permanent", err)
	}
}

func TestFileTransportUnwritable(t *testing.T) {
	dir := t.TempDir()
	tr, err := mail.Open("file://"+dir, mail.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	err = tr.Send(context.Background(), testEnvelope())
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("err = %v, want a temporary error", err)
	}
}
