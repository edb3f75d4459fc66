package sqlstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

func newCode(m *gatehouse.Member, ss *gatehouse.Session, hash string, at time.Time) *gatehouse.SentCode {
	return &gatehouse.SentCode{
		ID: gatehouse.NewID(nil), OrgID: m.OrgID, MemberID: m.ID, SessionID: ss.ID, Purpose: gatehouse.CodeSignIn,
		Channel: gatehouse.ChannelSMS, To: m.Mobile, Hash: hash, CreatedAt: at, ExpiresAt: at.Add(10 * time.Minute),
		MessageID: "msg-" + hash,
	}
}

func TestSentCodes(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		ss := addSession(t, s, m, "hash-1", t0)
		c := newCode(m, ss, "right", t0)
		if err := s.SaveCode(ctx, c, 5); err != nil {
			t.Fatalf("SaveCode: %v", err)
		}
		got, err := s.SessionCode(ctx, m.OrgID, ss.ID, gatehouse.CodeSignIn)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		wantCode(t, "other purpose", err2(s.SessionCode(ctx, m.OrgID, ss.ID, gatehouse.CodeMobile)), gatehouse.NotFound)

		// Two wrong tries count; the resend keeps them.
		for i := 1; i <= 2; i++ {
			got, err := s.TryCode(ctx, c.ID, "wrong", t0.Add(time.Minute), 5)
			if err != nil || got.Attempts != i || !got.UsedAt.IsZero() {
				t.Fatalf("wrong try %d: %+v, %v", i, got, err)
			}
		}
		c2 := newCode(m, ss, "right2", t0.Add(2*time.Minute))
		if err := s.SaveCode(ctx, c2, 5); err != nil || c2.Attempts != 2 {
			t.Fatalf("resend: attempts %d, %v; want the 2 wrong tries kept", c2.Attempts, err)
		}
		wantCode(t, "the replaced code", err2(s.TryCode(ctx, c.ID, "right", t0.Add(3*time.Minute), 5)), gatehouse.NotFound)
		wantCode(t, "expired", err2(s.TryCode(ctx, c2.ID, "right2", c2.ExpiresAt, 5)), gatehouse.NotFound)
		ok, err := s.TryCode(ctx, c2.ID, "right2", t0.Add(3*time.Minute), 5)
		if err != nil || !ok.UsedAt.Equal(t0.Add(3*time.Minute)) || ok.Attempts != 2 {
			t.Fatalf("right code: %+v, %v", ok, err)
		}
		wantCode(t, "used twice", err2(s.TryCode(ctx, c2.ID, "right2", t0.Add(3*time.Minute), 5)), gatehouse.NotFound)

		// After a used code, a new one starts from zero.
		c3 := newCode(m, ss, "right3", t0.Add(4*time.Minute))
		if err := s.SaveCode(ctx, c3, 5); err != nil || c3.Attempts != 0 {
			t.Fatalf("after use: attempts %d, %v", c3.Attempts, err)
		}
		for i := 0; i < 5; i++ {
			s.TryCode(ctx, c3.ID, "wrong", t0.Add(5*time.Minute), 5)
		}
		wantCode(t, "dead code, right value", err2(s.TryCode(ctx, c3.ID, "right3", t0.Add(5*time.Minute), 5)), gatehouse.NotFound)
		// After a dead code, too.
		c4 := newCode(m, ss, "right4", t0.Add(6*time.Minute))
		if err := s.SaveCode(ctx, c4, 5); err != nil || c4.Attempts != 0 {
			t.Fatalf("after a dead code: attempts %d, %v", c4.Attempts, err)
		}

		// Concurrent right answers: exactly one wins.
		var wg sync.WaitGroup
		wins := make(chan bool, 8)
		for range 8 {
			wg.Go(func() {
				c, err := s.TryCode(ctx, c4.ID, "right4", t0.Add(7*time.Minute), 5)
				wins <- err == nil && !c.UsedAt.IsZero()
			})
		}
		wg.Wait()
		close(wins)
		n := 0
		for w := range wins {
			if w {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d concurrent uses of one code succeeded, want 1", n)
		}

		// The code dies with its session.
		if err := s.DeleteSession(ctx, m.OrgID, ss.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "after the session ended", err2(s.SessionCode(ctx, m.OrgID, ss.ID, gatehouse.CodeSignIn)), gatehouse.NotFound)
	})
}

func TestTrustedDevices(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		other := addMember(t, s, "bob", nil)
		add := func(m *gatehouse.Member, hash string, created time.Time, days int) *gatehouse.TrustedDevice {
			d := &gatehouse.TrustedDevice{ID: gatehouse.NewID(nil), OrgID: m.OrgID, MemberID: m.ID, TokenHash: hash,
				CreatedAt: created, ExpiresAt: created.AddDate(0, 0, days), IP: "192.0.2.1", UserAgent: "Firefox"}
			if err := s.CreateTrustedDevice(ctx, d); err != nil {
				t.Fatalf("CreateTrustedDevice: %v", err)
			}
			return d
		}
		d1 := add(m, "d1", t0, 30)
		d2 := add(m, "d2", t0.Add(time.Hour), 30)
		add(m, "old", t0.AddDate(0, 0, -40), 30)
		add(other, "b1", t0, 30)
		wantCode(t, "same token twice", s.CreateTrustedDevice(ctx, &gatehouse.TrustedDevice{ID: "x", OrgID: m.OrgID, MemberID: m.ID,
			TokenHash: "d1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}), gatehouse.Conflict)

		got, err := s.TrustedDeviceByToken(ctx, "d1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(d1, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if err := s.TouchTrustedDevice(ctx, d1.ID, t0.Add(2*time.Hour), "198.51.100.7", "Chrome"); err != nil {
			t.Fatal(err)
		}
		got, _ = s.TrustedDeviceByToken(ctx, "d1")
		if !got.LastUsedAt.Equal(t0.Add(2*time.Hour)) || got.IP != "198.51.100.7" || got.UserAgent != "Chrome" {
			t.Errorf("after touch: %+v", got)
		}
		list, err := s.TrustedDevices(ctx, m.OrgID, m.ID, t0.Add(3*time.Hour))
		if err != nil || len(list) != 2 || list[0].ID != d2.ID || list[1].ID != d1.ID {
			t.Fatalf("TrustedDevices = %v, %v; want d2, d1 (the expired one left out)", list, err)
		}
		wantCode(t, "another member's device", s.DeleteTrustedDevice(ctx, other.OrgID, other.ID, d1.ID), gatehouse.NotFound)
		if err := s.DeleteTrustedDevice(ctx, m.OrgID, m.ID, d1.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "deleted", err2(s.TrustedDeviceByToken(ctx, "d1")), gatehouse.NotFound)
		if n, err := s.DeleteTrustedDevices(ctx, m.OrgID, m.ID); err != nil || n != 2 {
			t.Errorf("DeleteTrustedDevices = %d, %v; want 2", n, err)
		}
		if _, err := s.TrustedDeviceByToken(ctx, "b1"); err != nil {
			t.Errorf("another member's device went too: %v", err)
		}
		// Expired devices are cleaned up.
		add(m, "exp", t0.AddDate(0, 0, -40), 30)
		if _, err := s.DeleteExpired(ctx, t0, 0); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "expired device after cleanup", err2(s.TrustedDeviceByToken(ctx, "exp")), gatehouse.NotFound)
	})
}

func TestAuthenticators(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		wantCode(t, "none yet", err2(s.Authenticator(ctx, m.OrgID, m.ID)), gatehouse.NotFound)
		wantCode(t, "step without one", s.UseAuthenticatorStep(ctx, m.OrgID, m.ID, 10, t0), gatehouse.Conflict)
		a := &gatehouse.Authenticator{OrgID: m.OrgID, MemberID: m.ID, Secret: "v1:sealed", CreatedAt: t0}
		if err := s.SaveAuthenticator(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := s.Authenticator(ctx, m.OrgID, m.ID)
		if err != nil || got.Confirmed() {
			t.Fatalf("pending: %+v, %v", got, err)
		}
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if err := s.UseAuthenticatorStep(ctx, m.OrgID, m.ID, 100, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Authenticator(ctx, m.OrgID, m.ID)
		if !got.ConfirmedAt.Equal(t0.Add(time.Minute)) || got.LastStep != 100 {
			t.Errorf("after the first step: %+v", got)
		}
		wantCode(t, "same step", s.UseAuthenticatorStep(ctx, m.OrgID, m.ID, 100, t0), gatehouse.Conflict)
		wantCode(t, "earlier step", s.UseAuthenticatorStep(ctx, m.OrgID, m.ID, 99, t0), gatehouse.Conflict)
		if err := s.UseAuthenticatorStep(ctx, m.OrgID, m.ID, 101, t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Authenticator(ctx, m.OrgID, m.ID)
		if !got.ConfirmedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("a later step moved the confirmation time: %v", got.ConfirmedAt)
		}
		// Concurrent uses of one step: exactly one wins.
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() { errs <- s.UseAuthenticatorStep(ctx, m.OrgID, m.ID, 200, t0) })
		}
		wg.Wait()
		close(errs)
		n := 0
		for err := range errs {
			if err == nil {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d concurrent uses of one step succeeded, want 1", n)
		}
		if err := s.DeleteAuthenticator(ctx, m.OrgID, m.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "deleted", err2(s.Authenticator(ctx, m.OrgID, m.ID)), gatehouse.NotFound)
		wantCode(t, "deleted twice", s.DeleteAuthenticator(ctx, m.OrgID, m.ID), gatehouse.NotFound)
	})
}

func TestRecoveryCodes(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		other := addMember(t, s, "bob", nil)
		if err := s.ReplaceRecoveryCodes(ctx, m.OrgID, m.ID, []string{"a", "b", "c"}, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.ReplaceRecoveryCodes(ctx, other.OrgID, other.ID, []string{"z"}, t0); err != nil {
			t.Fatal(err)
		}
		if n, err := s.RecoveryCodesLeft(ctx, m.OrgID, m.ID); err != nil || n != 3 {
			t.Fatalf("left = %d, %v", n, err)
		}
		if err := s.UseRecoveryCode(ctx, m.OrgID, m.ID, "b", t0); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "used twice", s.UseRecoveryCode(ctx, m.OrgID, m.ID, "b", t0), gatehouse.NotFound)
		wantCode(t, "another member's code", s.UseRecoveryCode(ctx, m.OrgID, m.ID, "z", t0), gatehouse.NotFound)
		if n, _ := s.RecoveryCodesLeft(ctx, m.OrgID, m.ID); n != 2 {
			t.Errorf("left after one use = %d", n)
		}
		if err := s.Tx(ctx, func(tx *sqlstore.Store) error {
			return tx.ReplaceRecoveryCodes(ctx, m.OrgID, m.ID, []string{"d", "e"}, t0)
		}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "an old code after replacement", s.UseRecoveryCode(ctx, m.OrgID, m.ID, "a", t0), gatehouse.NotFound)
		if n, _ := s.RecoveryCodesLeft(ctx, m.OrgID, m.ID); n != 2 {
			t.Errorf("left after replacement = %d", n)
		}
		if n, _ := s.RecoveryCodesLeft(ctx, other.OrgID, other.ID); n != 1 {
			t.Errorf("another member's codes changed: %d", n)
		}
	})
}
