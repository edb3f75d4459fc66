package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

func TestAuditRoundTrip(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		want := []*gatehouse.AuditEvent{
			{ID: "e2", OrgID: gatehouse.DefaultOrgID, At: t0.Add(time.Second), Type: gatehouse.EventSettingsChanged,
				ActorKind: gatehouse.ActorMember, ActorID: "m1", ActorName: "alice", IP: "192.0.2.7", UserAgent: "Firefox", RequestID: "lb-0af76519",
				Details: map[string]string{"setting": "password_min_length", "old": "15", "new": "16 \"quoted\" ü"}},
			{ID: "e1", OrgID: gatehouse.DefaultOrgID, At: t0, Type: gatehouse.EventSignIn, ActorKind: gatehouse.ActorSystem,
				MemberID: "m1"},
		}
		for _, e := range []*gatehouse.AuditEvent{want[1], want[0]} {
			if err := s.AddAudit(ctx, e); err != nil {
				t.Fatalf("AddAudit(%s): %v", e.ID, err)
			}
		}
		got, next, err := s.AuditEvents(ctx, gatehouse.DefaultOrgID, gatehouse.AuditFilter{})
		if err != nil || next != "" {
			t.Fatalf("AuditEvents = next %q, %v", next, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		wantCode(t, "id taken", s.AddAudit(ctx, want[0]), gatehouse.Conflict)
		wantCode(t, "unknown organization", s.AddAudit(ctx, &gatehouse.AuditEvent{ID: "x", OrgID: "nope", At: t0, Type: "t"}), gatehouse.NotFound)
	})
}

func TestAuditFilters(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		addOrg(t, s, "other")
		add := func(id, org string, minute int, typ gatehouse.EventType, member string) {
			e := &gatehouse.AuditEvent{ID: id, OrgID: org, At: t0.Add(time.Duration(minute) * time.Minute), Type: typ, MemberID: member}
			if err := s.AddAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		add("a", gatehouse.DefaultOrgID, 0, gatehouse.EventSignIn, "m1")
		add("b", gatehouse.DefaultOrgID, 1, gatehouse.EventSignInFailed, "m1")
		add("c", gatehouse.DefaultOrgID, 2, gatehouse.EventSignIn, "m2")
		add("d", gatehouse.DefaultOrgID, 3, gatehouse.EventPasswordChanged, "m1")
		add("e", gatehouse.DefaultOrgID, 4, gatehouse.EventSignOut, "")
		add("x", "other", 2, gatehouse.EventSignIn, "m1")
		tests := []struct {
			name string
			f    gatehouse.AuditFilter
			want []string
		}{
			{"all newest first", gatehouse.AuditFilter{}, []string{"e", "d", "c", "b", "a"}},
			{"member", gatehouse.AuditFilter{MemberID: "m1"}, []string{"d", "b", "a"}},
			{"one type", gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventSignIn}}, []string{"c", "a"}},
			{"two types", gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventSignIn, gatehouse.EventSignOut}}, []string{"e", "c", "a"}},
			{"since inclusive", gatehouse.AuditFilter{Since: t0.Add(3 * time.Minute)}, []string{"e", "d"}},
			{"until exclusive", gatehouse.AuditFilter{Until: t0.Add(2 * time.Minute)}, []string{"b", "a"}},
			{"everything at once", gatehouse.AuditFilter{MemberID: "m1", Types: []gatehouse.EventType{gatehouse.EventSignIn, gatehouse.EventPasswordChanged},
				Since: t0, Until: t0.Add(3 * time.Minute)}, []string{"a"}},
			{"nothing", gatehouse.AuditFilter{MemberID: "nobody"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				es, _, err := s.AuditEvents(ctx, gatehouse.DefaultOrgID, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, eventIDs(es)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
		_, _, err := s.AuditEvents(ctx, gatehouse.DefaultOrgID, gatehouse.AuditFilter{Cursor: "bm90IGEgY3Vyc29y"})
		wantCode(t, "bad cursor", err, gatehouse.Invalid)
	})
}

func eventIDs(es []*gatehouse.AuditEvent) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// TestAuditPages pages through events that share timestamps, with a filter, and
// checks that every event comes exactly once, in order.
func TestAuditPages(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		var want []string
		for i := 24; i >= 0; i-- { // newest first: minute i/3, id descending within a minute
			id := fmt.Sprintf("ev%02d", i)
			typ := gatehouse.EventSignIn
			if i%5 == 0 {
				typ = gatehouse.EventSignOut
			} else {
				want = append(want, id)
			}
			e := &gatehouse.AuditEvent{ID: id, OrgID: gatehouse.DefaultOrgID, At: t0.Add(time.Duration(i/3) * time.Minute), Type: typ}
			if err := s.AddAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		f := gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventSignIn}, Limit: 4}
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("too many pages")
			}
			es, next, err := s.AuditEvents(ctx, gatehouse.DefaultOrgID, f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, eventIDs(es)...)
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}
