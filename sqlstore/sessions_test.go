package sqlstore_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

// addSession stores a session of m created at created, with a one-hour idle
// and a twelve-hour absolute timeout.
func addSession(t *testing.T, s *sqlstore.Store, m *gatehouse.Member, tokenHash string, created time.Time) *gatehouse.Session {
	t.Helper()
	ss := &gatehouse.Session{
		ID:            gatehouse.NewID(nil),
		TokenHash:     tokenHash,
		OrgID:         m.OrgID,
		MemberID:      m.ID,
		Stage:         gatehouse.StageActive,
		CreatedAt:     created,
		LastSeenAt:    created,
		IdleExpiresAt: created.Add(time.Hour),
		ExpiresAt:     created.Add(12 * time.Hour),
		IP:            "192.0.2.1",
		UserAgent:     "Firefox",
	}
	if err := s.CreateSession(ctx, ss); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return ss
}

func TestSessionByToken(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		want := addSession(t, s, m, "hash-1", t0)
		for range 2 { // the second call uses the prepared statement
			got, member, err := s.SessionByToken(ctx, "hash-1")
			if err != nil {
				t.Fatalf("SessionByToken: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("session (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(m, member); diff != "" {
				t.Errorf("member (-want +got):\n%s", diff)
			}
		}
		wantCode(t, "unknown token", err3(s.SessionByToken(ctx, "nope")), gatehouse.NotFound)
	})
}

func TestSessionWrites(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		ss := addSession(t, s, m, "hash-1", t0)

		ss.LastSeenAt, ss.IdleExpiresAt = t0.Add(10*time.Minute), t0.Add(70*time.Minute)
		if err := s.TouchSession(ctx, ss.ID, ss.LastSeenAt, ss.IdleExpiresAt); err != nil {
			t.Fatalf("TouchSession: %v", err)
		}
		ss.Stage, ss.AfterReset, ss.ExpiresAt = gatehouse.StageSecondFactor, true, t0.Add(time.Hour)
		ss.LastSeenAt = t0.Add(10 * time.Minute) // UpdateSession must leave it alone
		if err := s.UpdateSession(ctx, ss); err != nil {
			t.Fatalf("UpdateSession: %v", err)
		}
		got, _, err := s.SessionByToken(ctx, "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ss, got); diff != "" {
			t.Errorf("after touch and update (-want +got):\n%s", diff)
		}

		other := addMember(t, s, "bob", nil)
		ghost := *ss
		ghost.ID = "nope"
		foreign := *ss
		foreign.OrgID = "other"
		tests := []struct {
			name string
			err  error
			want gatehouse.Code
		}{
			{"token hash taken", s.CreateSession(ctx, &gatehouse.Session{ID: "x", TokenHash: "hash-1", OrgID: m.OrgID, MemberID: other.ID, Stage: "active", CreatedAt: t0, IdleExpiresAt: t0, ExpiresAt: t0}), gatehouse.Conflict},
			{"unknown member", s.CreateSession(ctx, &gatehouse.Session{ID: "y", TokenHash: "hash-2", OrgID: m.OrgID, MemberID: "nope", Stage: "active", CreatedAt: t0, IdleExpiresAt: t0, ExpiresAt: t0}), gatehouse.NotFound},
			{"touch unknown", s.TouchSession(ctx, "nope", t0, t0), gatehouse.NotFound},
			{"update unknown", s.UpdateSession(ctx, &ghost), gatehouse.NotFound},
			{"update in another org", s.UpdateSession(ctx, &foreign), gatehouse.NotFound},
			{"delete in another org", s.DeleteSession(ctx, "other", ss.ID), gatehouse.NotFound},
			{"delete", s.DeleteSession(ctx, m.OrgID, ss.ID), ""},
			{"delete again", s.DeleteSession(ctx, m.OrgID, ss.ID), gatehouse.NotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.name, tt.err, tt.want) })
		}
	})
}

func TestMemberSessions(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		other := addMember(t, s, "bob", nil)
		now := t0.Add(20 * time.Hour)
		old := addSession(t, s, m, "old", now.Add(-13*time.Hour))  // past its absolute expiry
		idle := addSession(t, s, m, "idle", now.Add(-2*time.Hour)) // idle for two hours
		a := addSession(t, s, m, "a", now.Add(-30*time.Minute))
		b := addSession(t, s, m, "b", now.Add(-10*time.Minute))
		addSession(t, s, m, "edge", now.Add(-time.Hour)) // idle expiry exactly now: ended
		addSession(t, s, other, "other", now.Add(-time.Minute))

		got, err := s.MemberSessions(ctx, m.OrgID, m.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*gatehouse.Session{b, a}, got); diff != "" {
			t.Errorf("MemberSessions (-want +got):\n%s", diff)
		}
		for _, ss := range got {
			if !ss.Valid(now) {
				t.Errorf("listed session %s is not valid at now", ss.TokenHash)
			}
		}

		// A touch moves idle expiry: the idle session is valid again.
		if err := s.TouchSession(ctx, idle.ID, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.MemberSessions(ctx, m.OrgID, m.ID, now); len(got) != 3 {
			t.Errorf("after touching the idle session, %d sessions, want 3", len(got))
		}
		// But never past the absolute expiry.
		if err := s.TouchSession(ctx, old.ID, now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.MemberSessions(ctx, m.OrgID, m.ID, now); len(got) != 3 {
			t.Errorf("after touching the expired session, %d sessions, want 3", len(got))
		}
	})
}

func TestDeleteMemberSessions(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		other := addMember(t, s, "bob", nil)
		keep := addSession(t, s, m, "keep", t0)
		addSession(t, s, m, "s2", t0)
		addSession(t, s, m, "s3", t0)
		addSession(t, s, other, "bob", t0)

		n, err := s.DeleteMemberSessions(ctx, m.OrgID, m.ID, keep.ID)
		if err != nil || n != 2 {
			t.Errorf("DeleteMemberSessions(except current) = %d, %v; want 2", n, err)
		}
		if _, _, err := s.SessionByToken(ctx, "keep"); err != nil {
			t.Errorf("the kept session is gone: %v", err)
		}
		n, err = s.DeleteMemberSessions(ctx, m.OrgID, m.ID, "")
		if err != nil || n != 1 {
			t.Errorf("DeleteMemberSessions(all) = %d, %v; want 1", n, err)
		}
		if _, _, err := s.SessionByToken(ctx, "bob"); err != nil {
			t.Errorf("another member's session is gone: %v", err)
		}
		n, err = s.DeleteMemberSessions(ctx, "other", other.ID, "")
		if err != nil || n != 0 {
			t.Errorf("DeleteMemberSessions(wrong org) = %d, %v; want 0", n, err)
		}
	})
}
