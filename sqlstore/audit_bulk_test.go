package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// TestCreateAuditEvents seeds a log in bulk, as the load tool does, and reads
// it back through the audit queries the admin page and the API use: newest
// first, paged, filtered by type, member, actor and time.
func TestCreateAuditEvents(t *testing.T) {
	for _, u := range gatehousetest.DatabaseURLs(t) {
		t.Run(u.Name, func(t *testing.T) {
			s := gatehousetest.NewStore(t, u.URL)
			var ms []*gatehouse.Member
			for i := range 30 {
				ms = append(ms, newMember(fmt.Sprintf("seed%02d", i)))
			}
			if err := s.CreateMembers(ctx, ms); err != nil {
				t.Fatal(err)
			}
			const n = 5000
			seed := sqlstore.AuditSeed{OrgID: gatehouse.DefaultOrgID, Members: ms, Prefix: "seedaudit",
				From: t0.Add(-180 * 24 * time.Hour), Step: time.Minute, First: 0, Count: n}
			if err := s.CreateAuditEvents(ctx, seed); err != nil {
				t.Fatal(err)
			}
			// all pages through the events f selects, 500 at a time.
			all := func(f gatehouse.AuditFilter) []*gatehouse.AuditEvent {
				t.Helper()
				f.Limit = 500
				var out []*gatehouse.AuditEvent
				for {
					evs, next, err := s.AuditEvents(ctx, gatehouse.DefaultOrgID, f)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, evs...)
					if next == "" {
						return out
					}
					f.Cursor = next
				}
			}

			first, next, err := s.AuditEvents(ctx, gatehouse.DefaultOrgID, gatehouse.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(first) != 50 || next == "" {
				t.Fatalf("first page: %d events, next %q; want 50 and a next page", len(first), next)
			}
			newest := first[0]
			if newest.ID != "seedaudit000000004999" || newest.At.Before(seed.From.Add((n-1)*time.Minute)) || !newest.At.Before(seed.From.Add(n*time.Minute)) {
				t.Errorf("newest event %s at %s, want seedaudit000000004999 in the minute from %s", newest.ID, newest.At, seed.From.Add((n-1)*time.Minute))
			}
			for i := 1; i < len(first); i++ {
				if !first[i].At.Before(first[i-1].At) {
					t.Errorf("event %d at %s is not older than the one before, at %s", i, first[i].At, first[i-1].At)
				}
			}
			everything := all(gatehouse.AuditFilter{})
			if len(everything) != n {
				t.Errorf("%d events read back, want %d", len(everything), n)
			}
			types := map[gatehouse.EventType]int{}
			members := map[string]bool{}
			for _, e := range everything {
				types[e.Type]++
				members[e.MemberID] = true
				if e.OrgID != gatehouse.DefaultOrgID || e.ActorKind == "" || e.IP == "" || e.UserAgent == "" {
					t.Fatalf("event %s lacks a field: %+v", e.ID, e)
				}
			}
			// Kind i mod 20: six in twenty sign-ins, one in twenty a change by an administrator.
			if types[gatehouse.EventSignIn] != n*6/20 || types[gatehouse.EventMemberUpdated] != n/20 || len(types) != 12 {
				t.Errorf("event types %v, want %d sign-ins, %d member updates, 12 types", types, n*6/20, n/20)
			}
			if len(members) != len(ms)+1 { // every member, and "" for events about no one
				t.Errorf("events about %d members (with none), want %d", len(members), len(ms)+1)
			}

			updates := all(gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventMemberUpdated}})
			if len(updates) != n/20 {
				t.Errorf("member.updated: %d events, want %d", len(updates), n/20)
			}
			for _, e := range updates {
				if e.ActorKind != gatehouse.ActorMember || e.ActorID == "" || e.MemberID == "" || e.Details["fields"] != "display_name" {
					t.Fatalf("a member update: %+v", e)
				}
			}

			about := all(gatehouse.AuditFilter{MemberID: ms[7].ID})
			if len(about) < n/len(ms)/2 {
				t.Errorf("events about %s: %d, want about %d", ms[7].Username, len(about), n/len(ms))
			}
			for _, e := range about {
				if e.MemberID != ms[7].ID {
					t.Fatalf("the filter by member read an event about %q", e.MemberID)
				}
			}
			by := all(gatehouse.AuditFilter{ActorID: ms[3].ID})
			if len(by) == 0 {
				t.Errorf("no events by %s", ms[3].Username)
			}
			for _, e := range by {
				if e.ActorID != ms[3].ID || e.ActorName != ms[3].Username {
					t.Fatalf("the filter by actor read an event by %q (%q)", e.ActorID, e.ActorName)
				}
			}

			// Event i is in [From + i×Step, From + (i+1)×Step).
			window := all(gatehouse.AuditFilter{Since: seed.From.Add(1000 * time.Minute), Until: seed.From.Add(2000 * time.Minute)})
			if len(window) != 1000 || window[0].ID != "seedaudit000000001999" || window[999].ID != "seedaudit000000001000" {
				t.Errorf("events 1000 to 1999 by time: %d, from %s to %s", len(window), window[len(window)-1].ID, window[0].ID)
			}

			// The next range continues the log; the same range again is
			// refused whole.
			more := seed
			more.First, more.Count = n, 10
			if err := s.CreateAuditEvents(ctx, more); err != nil {
				t.Fatal(err)
			}
			again := seed
			again.First, again.Count = n-5, 10
			wantCode(t, "seeding events already seeded", s.CreateAuditEvents(ctx, again), gatehouse.Conflict)
			if got := len(all(gatehouse.AuditFilter{})); got != n+10 {
				t.Errorf("%d events after a refused seed, want %d", got, n+10)
			}
		})
	}
}
