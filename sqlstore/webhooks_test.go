package sqlstore_test

import (
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/gatehouse-auth/gatehouse/webhook"
	"github.com/google/go-cmp/cmp"
)

func addWebhook(t *testing.T, s *sqlstore.Store, org, id string, events ...string) *webhook.Endpoint {
	t.Helper()
	e := &webhook.Endpoint{ID: id, OrgID: org, URL: "https://hooks.example.com/" + id, Events: events,
		Secret: "sealed-" + id, CreatedAt: t0, CreatedBy: "admin"}
	if err := s.CreateWebhook(ctx, e); err != nil {
		t.Fatalf("CreateWebhook(%s): %v", id, err)
	}
	return e
}

func audit(t *testing.T, s *sqlstore.Store, org, id string, typ gatehouse.EventType) {
	t.Helper()
	if err := s.AddAudit(ctx, &gatehouse.AuditEvent{ID: id, OrgID: org, At: t0, Type: typ, ActorKind: gatehouse.ActorMember,
		ActorID: "m1", MemberID: "m2", IP: "192.0.2.1"}); err != nil {
		t.Fatalf("AddAudit(%s): %v", id, err)
	}
}

func deliveryIDs(t *testing.T, s *sqlstore.Store, org string, f webhook.DeliveryFilter) []string {
	t.Helper()
	ds, _, err := s.WebhookDeliveries(ctx, org, f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	sort.Strings(out)
	return out
}

// TestWebhookFanOut: an audit event queues one delivery for each active
// endpoint of its organization whose subscription selects its type.
func TestWebhookFanOut(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		addOrg(t, s, "other")
		addWebhook(t, s, gatehouse.DefaultOrgID, "all", "*")
		addWebhook(t, s, gatehouse.DefaultOrgID, "fam", "second_factor.*", "password.changed")
		addWebhook(t, s, gatehouse.DefaultOrgID, "exact", "second_factor.enrolled")
		addWebhook(t, s, gatehouse.DefaultOrgID, "off", "*")
		if err := s.DisableWebhook(ctx, gatehouse.DefaultOrgID, "off", "gone", t0); err != nil {
			t.Fatal(err)
		}
		addWebhook(t, s, "other", "theirs", "*")

		audit(t, s, gatehouse.DefaultOrgID, "e1", gatehouse.EventMethodEnrolled)
		audit(t, s, gatehouse.DefaultOrgID, "e2", gatehouse.EventPasswordChanged)
		audit(t, s, gatehouse.DefaultOrgID, "e3", gatehouse.EventSignIn)
		got := deliveryIDs(t, s, gatehouse.DefaultOrgID, webhook.DeliveryFilter{})
		want := []string{"all.e1", "all.e2", "all.e3", "exact.e1", "fam.e1", "fam.e2"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("deliveries (-want +got):\n%s", diff)
		}
		if got := deliveryIDs(t, s, "other", webhook.DeliveryFilter{}); len(got) != 0 {
			t.Errorf("the other organization got %v", got)
		}
	})
}

// TestWebhookFanOutInTransaction: the deliveries go with the audit event
// when its transaction rolls back.
func TestWebhookFanOutInTransaction(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		addWebhook(t, s, gatehouse.DefaultOrgID, "all", "*")
		boom := errors.New("boom")
		err := s.Tx(ctx, func(st *sqlstore.Store) error {
			if err := st.AddAudit(ctx, &gatehouse.AuditEvent{ID: "e1", OrgID: gatehouse.DefaultOrgID, At: t0, Type: gatehouse.EventSignIn}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx = %v", err)
		}
		if got := deliveryIDs(t, s, gatehouse.DefaultOrgID, webhook.DeliveryFilter{}); len(got) != 0 {
			t.Errorf("a rolled back event left deliveries %v", got)
		}
		audit(t, s, gatehouse.DefaultOrgID, "e2", gatehouse.EventSignIn)
		if got := deliveryIDs(t, s, gatehouse.DefaultOrgID, webhook.DeliveryFilter{}); len(got) != 1 {
			t.Errorf("deliveries %v, want one", got)
		}
	})
}

// TestWebhookClaimCycle: claim with endpoint and event, retry, lease
// lapse, a stale worker's report refused, delivered.
func TestWebhookClaimCycle(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		addWebhook(t, s, gatehouse.DefaultOrgID, "w1", "*")
		audit(t, s, gatehouse.DefaultOrgID, "e1", gatehouse.EventPasswordChanged)
		ds, err := s.ClaimWebhookDeliveries(ctx, "a", t0, time.Minute, 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("claim: %v, %d deliveries", err, len(ds))
		}
		d := ds[0]
		if d.Endpoint == nil || d.Endpoint.URL != "https://hooks.example.com/w1" || d.Event == nil ||
			d.Event.Type != gatehouse.EventPasswordChanged || d.Event.IP != "192.0.2.1" || d.Event.MemberID != "m2" {
			t.Fatalf("claimed %+v with endpoint %+v and event %+v", d, d.Endpoint, d.Event)
		}
		if again, _ := s.ClaimWebhookDeliveries(ctx, "b", t0.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
			t.Errorf("a held delivery was claimed again")
		}
		next := t0.Add(5 * time.Second)
		if err := s.MarkWebhookDone(ctx, d.ID, "a", webhook.Result{Status: webhook.Pending, At: t0, Next: next, HTTPStatus: 503, Error: "503"}); err != nil {
			t.Fatal(err)
		}
		if ds, _ := s.ClaimWebhookDeliveries(ctx, "a", t0.Add(time.Second), time.Minute, 10); len(ds) != 0 {
			t.Errorf("claimed before its retry is due")
		}
		ds, _ = s.ClaimWebhookDeliveries(ctx, "a", next, time.Minute, 10)
		if len(ds) != 1 || ds[0].Attempts != 1 || ds[0].LastStatus != 503 {
			t.Fatalf("retry claim: %+v", ds)
		}
		// a dies; its lease runs out and b takes over; a's late report is refused.
		ds, _ = s.ClaimWebhookDeliveries(ctx, "b", next.Add(2*time.Minute), time.Minute, 10)
		if len(ds) != 1 {
			t.Fatalf("lapsed lease: %d claimed", len(ds))
		}
		wantCode(t, "stale report", s.MarkWebhookDone(ctx, d.ID, "a", webhook.Result{Status: webhook.Delivered, At: next}), gatehouse.NotFound)
		if err := s.MarkWebhookDone(ctx, d.ID, "b", webhook.Result{Status: webhook.Delivered, At: next.Add(2 * time.Minute), HTTPStatus: 204}); err != nil {
			t.Fatal(err)
		}
		got, _, _ := s.WebhookDeliveries(ctx, gatehouse.DefaultOrgID, webhook.DeliveryFilter{Status: webhook.Delivered})
		if len(got) != 1 || got[0].Attempts != 2 || got[0].LastStatus != 204 || got[0].DoneAt.IsZero() {
			t.Errorf("delivered: %+v", got)
		}
		if n, err := s.DeleteExpired(ctx, next.Add(48*time.Hour), 24*time.Hour); err != nil || n < 1 {
			t.Errorf("DeleteExpired = %d, %v", n, err)
		}
		if got := deliveryIDs(t, s, gatehouse.DefaultOrgID, webhook.DeliveryFilter{}); len(got) != 0 {
			t.Errorf("after retention: %v", got)
		}
	})
}

// TestWebhookClaimsDisjoint: concurrent claimers never share a delivery.
func TestWebhookClaimsDisjoint(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		addWebhook(t, s, gatehouse.DefaultOrgID, "w1", "*")
		for i := range 40 {
			audit(t, s, gatehouse.DefaultOrgID, "e"+string(rune('a'+i/26))+string(rune('a'+i%26)), gatehouse.EventSignIn)
		}
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				name := string(rune('A' + w))
				for {
					ds, err := s.ClaimWebhookDeliveries(ctx, name, t0, time.Minute, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ds) == 0 {
						return
					}
					mu.Lock()
					for _, d := range ds {
						if prev, ok := seen[d.ID]; ok {
							t.Errorf("%s claimed by %s and %s", d.ID, prev, name)
						}
						seen[d.ID] = name
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != 40 {
			t.Errorf("claimed %d deliveries, want 40", len(seen))
		}
	})
}

// TestWebhookEndpoints: create, read, rotate, disable, delete (with deliveries).
func TestWebhookEndpoints(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := addWebhook(t, s, gatehouse.DefaultOrgID, "w1", "password.changed", "second_factor.*")
		got, err := s.Webhook(ctx, gatehouse.DefaultOrgID, "w1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(e, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		_, err = s.Webhook(ctx, "other", "w1")
		wantCode(t, "another organization's webhook", err, gatehouse.NotFound)
		until := t0.Add(24 * time.Hour)
		if err := s.RotateWebhookSecret(ctx, gatehouse.DefaultOrgID, "w1", "new", "sealed-w1", until); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Webhook(ctx, gatehouse.DefaultOrgID, "w1")
		if got.Secret != "new" || got.OldSecret != "sealed-w1" || !got.OldUntil.Equal(until) {
			t.Errorf("after rotation: %+v", got)
		}
		audit(t, s, gatehouse.DefaultOrgID, "e1", gatehouse.EventPasswordChanged)
		if err := s.DisableWebhook(ctx, gatehouse.DefaultOrgID, "w1", "410", t0); err != nil {
			t.Fatal(err)
		}
		ds, _, _ := s.WebhookDeliveries(ctx, gatehouse.DefaultOrgID, webhook.DeliveryFilter{EndpointID: "w1"})
		if len(ds) != 1 || ds[0].Status != webhook.Failed {
			t.Errorf("pending deliveries of a disabled endpoint: %+v", ds)
		}
		if err := s.DeleteWebhook(ctx, gatehouse.DefaultOrgID, "w1"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "delete again", s.DeleteWebhook(ctx, gatehouse.DefaultOrgID, "w1"), gatehouse.NotFound)
		if list, _ := s.Webhooks(ctx, gatehouse.DefaultOrgID); len(list) != 0 {
			t.Errorf("after delete: %v", list)
		}
		if got := deliveryIDs(t, s, gatehouse.DefaultOrgID, webhook.DeliveryFilter{}); len(got) != 0 {
			t.Errorf("deliveries after delete: %v", got)
		}
	})
}
