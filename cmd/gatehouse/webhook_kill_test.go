package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// TestWebhookSurvivesSIGKILL kills a replica with SIGKILL while it is in the
// middle of delivering a webhook (the receiver holds the request), then
// starts it again on the same files: the event is delivered after the
// restart, with the same webhook-id and a signature the Standard Webhooks
// library verifies. The delivery row was written with the audit event, so
// nothing depended on the dead process's memory.
func TestWebhookSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := sqliteEnv(dir)
	env["GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE"] = "true"
	env["GATEHOUSE_DELIVERY_LEASE"] = "6s" // webhook claims last at least 15 s (longer than a send)
	mustGatehouse(t, env, testPassword+"\n", "user", "add", "--username", "kim", "--email", "kim@example.com", "--password-stdin")
	key := strings.TrimSpace(mustGatehouse(t, env, "", "apikey", "create", "--name", "crm", "--role", "administrator"))

	type hit struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	var hits []hit
	entered, release := make(chan struct{}), make(chan struct{})
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hits = append(hits, hit{r.Header.Clone(), b})
		first := len(hits) == 1
		mu.Unlock()
		if first {
			close(entered)
			<-release // the sender dies meanwhile
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rc.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	a := gatehousetest.StartReplica(t, "A", env)
	req, _ := http.NewRequest("POST", a.URL+"/api/v1/webhooks", strings.NewReader(`{"url":"`+rc.URL+`/in","events":["signin.success"]}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ Secret string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || created.Secret == "" {
		t.Fatalf("create webhook: %d", resp.StatusCode)
	}

	newVisitor(t, "192.0.2.10").mustSignIn(a, a, "kim", testPassword)
	select {
	case <-entered:
	case <-time.After(60 * time.Second):
		t.Fatal("the webhook never reached the receiver")
	}
	a.Kill()
	close(release)

	gatehousetest.StartReplica(t, "B", env)
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		mu.Lock()
		n := len(hits)
		mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the webhook was not delivered after the restart")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if hits[0].header.Get("webhook-id") != hits[1].header.Get("webhook-id") {
		t.Errorf("the retry has another webhook-id: %q, %q", hits[0].header.Get("webhook-id"), hits[1].header.Get("webhook-id"))
	}
	wh, err := standardwebhooks.NewWebhook(created.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(hits[1].body, hits[1].header); err != nil {
		t.Errorf("verify: %v", err)
	}
	var p struct{ Type string }
	json.Unmarshal(hits[1].body, &p)
	if p.Type != "signin.success" {
		t.Errorf("payload type %q", p.Type)
	}
}
