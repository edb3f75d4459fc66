package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

var ctx = context.Background()

var admin = gatehouse.Actor{Kind: gatehouse.ActorMember, ID: "admin1", Name: "admin", Role: gatehouse.RoleAdministrator}

// receiver is a real HTTP endpoint that answers from a script and records
// what it got.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	answers []func(w http.ResponseWriter) // one per request; the last repeats
	got     []received
}

type received struct {
	Header http.Header
	Body   []byte
}

func newReceiver(t *testing.T, answers ...func(w http.ResponseWriter)) *receiver {
	rc := &receiver{answers: answers}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Clone(), b})
		i := min(len(rc.got)-1, len(rc.answers)-1)
		a := rc.answers[i]
		rc.mu.Unlock()
		a(w)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func status(code int, header ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
	}
}

type fixture struct {
	store  *sqlstore.Store
	svc    *webhook.Service
	worker *webhook.Worker
	clock  *gatehousetest.Clock
}

func newFixture(t *testing.T, s *sqlstore.Store) *fixture {
	clock := gatehousetest.NewClock()
	clock.Set(time.Now().UTC().Truncate(time.Second)) // signatures are checked against the real time
	return &fixture{store: s, clock: clock,
		svc: &webhook.Service{Store: s, AllowPrivate: true, Now: clock.Now},
		worker: &webhook.Worker{Store: s, Now: clock.Now, ID: "w1",
			Client: safehttp.NewClient(safehttp.Options{AllowPrivate: true, Timeout: 5 * time.Second})},
	}
}

func (f *fixture) event(t *testing.T, typ gatehouse.EventType) *gatehouse.AuditEvent {
	t.Helper()
	e := &gatehouse.AuditEvent{ID: gatehouse.NewID(nil), OrgID: gatehouse.DefaultOrgID, At: f.clock.Now(), Type: typ,
		ActorKind: gatehouse.ActorMember, ActorID: "actor1", ActorName: "Alice", MemberID: "target1", IP: "203.0.113.9", RequestID: "req1"}
	if err := f.store.AddAudit(ctx, e); err != nil {
		t.Fatal(err)
	}
	return e
}

func (f *fixture) runOnce(t *testing.T) int {
	t.Helper()
	n, err := f.worker.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) deliveries(t *testing.T) []*webhook.Delivery {
	t.Helper()
	ds, _, err := f.svc.Deliveries(ctx, admin, gatehouse.DefaultOrgID, webhook.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestDeliverySignedAndVerified: the Standard Webhooks library verifies what
// the worker sends, and the payload is the thin event.
func TestDeliverySignedAndVerified(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		rc := newReceiver(t, status(204))
		ep, secret, err := f.svc.Create(ctx, admin, gatehouse.Client{IP: "198.51.100.7"}, gatehouse.DefaultOrgID,
			webhook.NewEndpoint{URL: rc.URL + "/hook", Events: []string{"password.changed"}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "whsec_") || strings.Contains(ep.Secret, secret[6:]) {
			t.Fatalf("secret %q, stored %q", secret, ep.Secret)
		}
		ev := f.event(t, gatehouse.EventPasswordChanged)
		f.event(t, gatehouse.EventSignIn) // not subscribed
		if n := f.runOnce(t); n != 1 {
			t.Fatalf("claimed %d, want 1", n)
		}
		got := rc.requests()
		if len(got) != 1 {
			t.Fatalf("receiver got %d requests", len(got))
		}
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(got[0].Body, got[0].Header); err != nil {
			t.Errorf("standard webhooks verification: %v", err)
		}
		if id := got[0].Header.Get("webhook-id"); id != ev.ID {
			t.Errorf("webhook-id %q, want the event id %q", id, ev.ID)
		}
		var p map[string]any
		if err := json.Unmarshal(got[0].Body, &p); err != nil {
			t.Fatal(err)
		}
		data, _ := p["data"].(map[string]any)
		if p["type"] != "password.changed" || data["event_id"] != ev.ID || data["client_address"] != "203.0.113.9" ||
			data["actor"].(map[string]any)["id"] != "actor1" || data["target"].(map[string]any)["id"] != "target1" {
			t.Errorf("payload %s", got[0].Body)
		}
		if strings.Contains(string(got[0].Body), "Alice") {
			t.Errorf("the thin payload carries the actor's name: %s", got[0].Body)
		}
		// A wrong secret does not verify.
		other, _ := standardwebhooks.NewWebhook("whsec_" + strings.Repeat("A", 43) + "=")
		if err := other.Verify(got[0].Body, got[0].Header); err == nil {
			t.Errorf("another secret verified the signature")
		}
		ds := f.deliveries(t)
		if len(ds) != 1 || ds[0].Status != webhook.Delivered || ds[0].LastStatus != 204 {
			t.Errorf("deliveries %+v", ds)
		}
		if evs, _, _ := s.AuditEvents(ctx, gatehouse.DefaultOrgID, gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventWebhookCreated}}); len(evs) != 1 || evs[0].IP != "198.51.100.7" {
			t.Errorf("creation audited as %+v", evs)
		}
	})
}

// TestReceiverFailsThenRecovers: 500, then 429 with Retry-After, then 200;
// the schedule and Retry-After decide when each retry is due.
func TestReceiverFailsThenRecovers(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		rc := newReceiver(t, status(500), status(429, "Retry-After", "120"), status(200))
		_, secret, err := f.svc.Create(ctx, admin, gatehouse.Client{}, gatehouse.DefaultOrgID, webhook.NewEndpoint{URL: rc.URL, Events: []string{"member.*"}})
		if err != nil {
			t.Fatal(err)
		}
		f.event(t, gatehouse.EventMemberUpdated)
		f.runOnce(t)
		d := f.deliveries(t)[0]
		if d.Status != webhook.Pending || d.LastStatus != 500 || !d.NextAttemptAt.Equal(f.clock.Now().Add(webhook.DefaultSchedule[0])) {
			t.Fatalf("after a 500: %+v", d)
		}
		if n := f.runOnce(t); n != 0 {
			t.Fatalf("retried before due")
		}
		f.clock.Advance(webhook.DefaultSchedule[0])
		f.runOnce(t)
		d = f.deliveries(t)[0]
		// Retry-After 120 s is longer than the schedule's next minute: it wins.
		if d.Status != webhook.Pending || d.LastStatus != 429 || !d.NextAttemptAt.Equal(f.clock.Now().Add(120*time.Second)) {
			t.Fatalf("after a 429: %+v (now %v)", d, f.clock.Now())
		}
		f.clock.Advance(60 * time.Second)
		if n := f.runOnce(t); n != 0 {
			t.Fatalf("retried before Retry-After")
		}
		f.clock.Advance(60 * time.Second)
		f.runOnce(t)
		d = f.deliveries(t)[0]
		if d.Status != webhook.Delivered || d.Attempts != 3 {
			t.Fatalf("after recovery: %+v", d)
		}
		got := rc.requests()
		wh, _ := standardwebhooks.NewWebhook(secret)
		for i, r := range got {
			if r.Header.Get("webhook-id") != got[0].Header.Get("webhook-id") {
				t.Errorf("attempt %d has another webhook-id", i)
			}
			if err := wh.Verify(r.Body, r.Header); err != nil {
				t.Errorf("attempt %d: %v", i, err)
			}
		}
	})
}

// TestGoneDisablesEndpoint: 410 fails the delivery, disables the endpoint
// and its other pending deliveries, and audits it.
func TestGoneDisablesEndpoint(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		f.worker.Batch = 1
		rc := newReceiver(t, status(410))
		ep, _, err := f.svc.Create(ctx, admin, gatehouse.Client{}, gatehouse.DefaultOrgID, webhook.NewEndpoint{URL: rc.URL, Events: []string{"signin.*"}})
		if err != nil {
			t.Fatal(err)
		}
		f.event(t, gatehouse.EventSignIn)
		f.event(t, gatehouse.EventSignInFailed)
		f.runOnce(t)
		got, _ := f.svc.Endpoint(ctx, admin, gatehouse.DefaultOrgID, ep.ID)
		if got.Active() {
			t.Fatal("the endpoint is still active after 410")
		}
		for _, d := range f.deliveries(t) {
			if d.Status != webhook.Failed {
				t.Errorf("delivery %s is %s", d.ID, d.Status)
			}
		}
		if n := f.runOnce(t); n != 0 || len(rc.requests()) != 1 {
			t.Errorf("sent %d times to a disabled endpoint", len(rc.requests()))
		}
		f.event(t, gatehouse.EventSignIn)
		if ds := f.deliveries(t); len(ds) != 2 {
			t.Errorf("a disabled endpoint got a new delivery: %d", len(ds))
		}
		if evs, _, _ := s.AuditEvents(ctx, gatehouse.DefaultOrgID, gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventWebhookDisabled}}); len(evs) != 1 {
			t.Errorf("disabling audited %d times", len(evs))
		}
	})
}

// TestGivesUpAfterSchedule: the last failure ends the delivery as failed.
func TestGivesUpAfterSchedule(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		f.worker.Schedule = []time.Duration{time.Second, time.Second}
		rc := newReceiver(t, status(503))
		if _, _, err := f.svc.Create(ctx, admin, gatehouse.Client{}, gatehouse.DefaultOrgID, webhook.NewEndpoint{URL: rc.URL, Events: []string{"signout"}}); err != nil {
			t.Fatal(err)
		}
		f.event(t, gatehouse.EventSignOut)
		for range 3 {
			f.runOnce(t)
			f.clock.Advance(time.Second)
		}
		d := f.deliveries(t)[0]
		if d.Status != webhook.Failed || d.Attempts != 3 || len(rc.requests()) != 3 {
			t.Errorf("after the schedule: %+v, %d requests", d, len(rc.requests()))
		}
	})
}

// TestRotationSignsWithBoth: during the grace period the old and the new
// secret both verify; after it only the new one.
func TestRotationSignsWithBoth(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s)
		rc := newReceiver(t, status(200))
		ep, oldSecret, err := f.svc.Create(ctx, admin, gatehouse.Client{}, gatehouse.DefaultOrgID, webhook.NewEndpoint{URL: rc.URL, Events: []string{"*"}})
		if err != nil {
			t.Fatal(err)
		}
		newSecret, err := f.svc.Rotate(ctx, admin, gatehouse.Client{}, gatehouse.DefaultOrgID, ep.ID)
		if err != nil || newSecret == oldSecret {
			t.Fatalf("Rotate = %q, %v", newSecret, err)
		}
		f.event(t, gatehouse.EventSignOut)
		f.runOnce(t)
		oldWH, _ := standardwebhooks.NewWebhook(oldSecret)
		newWH, _ := standardwebhooks.NewWebhook(newSecret)
		r := rc.requests()[0]
		if err := oldWH.Verify(r.Body, r.Header); err != nil {
			t.Errorf("old secret in the grace period: %v", err)
		}
		if err := newWH.Verify(r.Body, r.Header); err != nil {
			t.Errorf("new secret: %v", err)
		}
		f.clock.Advance(webhook.DefaultGrace + time.Minute)
		f.event(t, gatehouse.EventSignOut)
		f.runOnce(t)
		r = rc.requests()[len(rc.requests())-1]
		if err := newWH.VerifyIgnoringTimestamp(r.Body, r.Header); err != nil {
			t.Errorf("new secret after the grace period: %v", err)
		}
		if err := oldWH.VerifyIgnoringTimestamp(r.Body, r.Header); err == nil {
			t.Errorf("the old secret still verifies after the grace period")
		}
	})
}

// TestCreateValidation: bad input is refused naming the field; members may
// not manage webhooks.
func TestCreateValidation(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		svc := &webhook.Service{Store: s}
		for _, tc := range []struct {
			name  string
			n     webhook.NewEndpoint
			field string
		}{
			{"no url", webhook.NewEndpoint{Events: []string{"*"}}, "url"},
			{"http", webhook.NewEndpoint{URL: "http://hooks.example.com", Events: []string{"*"}}, "url"},
			{"loopback", webhook.NewEndpoint{URL: "https://127.0.0.1/x", Events: []string{"*"}}, "url"},
			{"metadata", webhook.NewEndpoint{URL: "https://169.254.169.254/x", Events: []string{"*"}}, "url"},
			{"no events", webhook.NewEndpoint{URL: "https://hooks.example.com"}, "events"},
			{"unknown event", webhook.NewEndpoint{URL: "https://hooks.example.com", Events: []string{"nope"}}, "events"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := svc.Create(ctx, admin, gatehouse.Client{}, gatehouse.DefaultOrgID, tc.n)
				var ge *gatehouse.Error
				if !gatehouse.IsCode(err, gatehouse.Invalid) || !asError(err, &ge) || len(ge.Fields) == 0 || ge.Fields[0].Field != tc.field {
					t.Errorf("Create = %v, want invalid %s", err, tc.field)
				}
			})
		}
		member := gatehouse.Actor{Kind: gatehouse.ActorMember, ID: "m", Role: gatehouse.RoleMember}
		_, _, err := svc.Create(ctx, member, gatehouse.Client{}, gatehouse.DefaultOrgID, webhook.NewEndpoint{URL: "https://hooks.example.com", Events: []string{"*"}})
		if !gatehouse.IsCode(err, gatehouse.Forbidden) {
			t.Errorf("a member creates a webhook: %v", err)
		}
		if _, err := svc.Endpoint(ctx, admin, gatehouse.DefaultOrgID, "nope"); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Errorf("unknown id: %v", err)
		}
	})
}
