package webhook_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/internal/safehttp"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/gatehouse-auth/gatehouse/webhook"
)

// TestRestartInTheMiddle: a worker claims a delivery and its process goes
// away while the receiver is still answering (the store is closed under
// it); a new process on the same database delivers it once the lease has
// run out. Nothing is lost, and the receiver sees the same webhook-id twice
// (at least once).
func TestRestartInTheMiddle(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			first := gatehousetest.NewStore(t, db.URL)
			f := newFixture(t, first)
			f.worker.Lease = 30 * time.Second
			entered := make(chan struct{})
			release := make(chan struct{})
			var once sync.Once
			rc := newReceiver(t, func(w http.ResponseWriter) {
				once.Do(func() { close(entered) })
				<-release
				w.WriteHeader(http.StatusServiceUnavailable)
			}, status(200))
			defer once.Do(func() {})
			_, secret, err := f.svc.Create(ctx, admin, gatehouse.Client{}, gatehouse.DefaultOrgID,
				webhook.NewEndpoint{URL: rc.URL, Events: []string{"password.changed"}})
			if err != nil {
				t.Fatal(err)
			}
			f.event(t, gatehouse.EventPasswordChanged)

			wctx, crash := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); f.worker.RunOnce(wctx) }()
			<-entered
			crash() // the process dies mid-request: no outcome is recorded
			<-done
			close(release)
			first.Close()

			second, err := sqlstore.Open(ctx, db.URL, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer second.Close()
			w2 := &webhook.Worker{Store: second, Now: f.clock.Now, ID: "w2",
				Client: safehttp.NewClient(safehttp.Options{AllowPrivate: true})}
			if n, err := w2.RunOnce(ctx); err != nil || n != 0 {
				t.Fatalf("claimed %d (%v) while the dead worker's lease holds", n, err)
			}
			f.clock.Advance(31 * time.Second)
			if n, err := w2.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("after the lease: claimed %d, %v", n, err)
			}
			ds, _, err := second.WebhookDeliveries(ctx, gatehouse.DefaultOrgID, webhook.DeliveryFilter{})
			if err != nil || len(ds) != 1 || ds[0].Status != webhook.Delivered || ds[0].Attempts != 1 {
				t.Fatalf("deliveries %+v, %v", ds, err)
			}
			got := rc.requests()
			if len(got) != 2 || got[0].Header.Get("webhook-id") != got[1].Header.Get("webhook-id") {
				t.Fatalf("receiver got %d requests", len(got))
			}
			wh, _ := standardwebhooks.NewWebhook(secret)
			if err := wh.Verify(got[1].Body, got[1].Header); err != nil {
				t.Errorf("verify: %v", err)
			}
		})
	}
}
