package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// TestUserAddThenServeDeliversActivation creates an account without a password
// on the command line, which queues the activation email, and checks that the
// next `gatehouse serve` delivers it (here as a file in the mail directory)
// with the same link the command printed.
func TestUserAddThenServeDeliversActivation(t *testing.T) {
	c := newCLI(t, gatehousetest.SQLiteURL(t))
	code, out, errs := c.run("", "user", "add", "--username", "newbie", "--email", "newbie@example.com")
	if code != 0 || !strings.Contains(out, "queued for newbie@example.com") {
		t.Fatalf("user add: %d %s %s", code, out, errs)
	}
	i := strings.Index(out, "https://login.example.com/activate?token=")
	if i < 0 {
		t.Fatalf("no link printed: %s", out)
	}
	link := strings.Fields(out[i:])[0]
	mailDir := filepath.Join(c.env["GATEHOUSE_DATA_DIR"], "mail")
	if files, _ := filepath.Glob(filepath.Join(mailDir, "*.eml")); len(files) != 0 {
		t.Fatalf("user add sent the email itself: %v", files)
	}

	c.env["GATEHOUSE_LISTEN"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sout, serr gatehousetest.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), &sout, &serr, func(k string) string { return c.env[k] })
	}()
	var eml string
	for deadline := time.Now().Add(30 * time.Second); eml == "" && time.Now().Before(deadline); {
		if files, _ := filepath.Glob(filepath.Join(mailDir, "*.eml")); len(files) > 0 {
			b, _ := os.ReadFile(files[0])
			eml = string(b)
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited: %d %s", code, serr.String())
		case <-time.After(25 * time.Millisecond):
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit code %d: %s", code, serr.String())
	}
	// Undo quoted-printable: soft line breaks, and "=" written as =3D.
	flat := strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(eml)
	if !strings.Contains(flat, link) || !strings.Contains(flat, "To: <newbie@example.com>") {
		t.Errorf("the delivered email lacks the printed link %s:\n%s", link, eml)
	}
	st := gatehousetest.NewStore(t, c.env["GATEHOUSE_DATABASE_URL"])
	msgs, _, _ := st.Messages(context.Background(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{})
	if len(msgs) != 1 || msgs[0].Status != gatehouse.MessageSent || msgs[0].Kind != gatehouse.KindActivation {
		t.Errorf("outbox: %+v", msgs)
	}
}
