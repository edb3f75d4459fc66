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

func addToken(t *testing.T, s *sqlstore.Store, hash, memberID string, purpose gatehouse.TokenPurpose, expires time.Time) *gatehouse.Token {
	t.Helper()
	tok := &gatehouse.Token{Hash: hash, OrgID: gatehouse.DefaultOrgID, MemberID: memberID, Purpose: purpose, CreatedAt: t0, ExpiresAt: expires}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatalf("CreateToken(%s): %v", hash, err)
	}
	return tok
}

func TestTokens(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		reset := addToken(t, s, "reset", m.ID, gatehouse.PurposeReset, t0.Add(30*time.Minute))
		setup := addToken(t, s, "setup", "", gatehouse.PurposeSetup, t0.Add(time.Hour))
		addToken(t, s, "expired", m.ID, gatehouse.PurposeReset, t0)

		for _, want := range []*gatehouse.Token{reset, setup} {
			got, err := s.Token(ctx, want.Hash)
			if err != nil {
				t.Fatalf("Token(%s): %v", want.Hash, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Token(%s) (-want +got):\n%s", want.Hash, diff)
			}
		}

		used, err := s.UseToken(ctx, "reset", t0.Add(time.Minute))
		if err != nil {
			t.Fatalf("UseToken: %v", err)
		}
		want := *reset
		want.UsedAt = t0.Add(time.Minute)
		if diff := cmp.Diff(&want, used); diff != "" {
			t.Errorf("UseToken (-want +got):\n%s", diff)
		}

		tests := []struct {
			name string
			err  error
			want gatehouse.Code
		}{
			{"use again", err2(s.UseToken(ctx, "reset", t0.Add(2*time.Minute))), gatehouse.NotFound},
			{"use expired at its expiry", err2(s.UseToken(ctx, "expired", t0)), gatehouse.NotFound},
			{"use unknown", err2(s.UseToken(ctx, "nope", t0)), gatehouse.NotFound},
			{"get unknown", err2(s.Token(ctx, "nope")), gatehouse.NotFound},
			{"hash taken", s.CreateToken(ctx, &gatehouse.Token{Hash: "setup", OrgID: gatehouse.DefaultOrgID, Purpose: gatehouse.PurposeSetup, ExpiresAt: t0}), gatehouse.Conflict},
			{"unknown member", s.CreateToken(ctx, &gatehouse.Token{Hash: "x", OrgID: gatehouse.DefaultOrgID, MemberID: "nope", Purpose: gatehouse.PurposeReset, ExpiresAt: t0}), gatehouse.NotFound},
			{"use setup token", err2(s.UseToken(ctx, "setup", t0)), ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.name, tt.err, tt.want) })
		}
	})
}

// TestUseTokenOnce redeems one token from 20 goroutines at once: exactly one
// may win, however the database interleaves them.
func TestUseTokenOnce(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		for round := range 5 {
			hash := "tok" + string(rune('a'+round))
			addToken(t, s, hash, m.ID, gatehouse.PurposeReset, t0.Add(time.Hour))
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins, codes := 0, map[gatehouse.Code]int{}
			start := make(chan struct{})
			for range 20 {
				wg.Go(func() {
					<-start
					_, err := s.UseToken(ctx, hash, t0.Add(time.Minute))
					mu.Lock()
					defer mu.Unlock()
					if err == nil {
						wins++
					}
					codes[gatehouse.ErrorCode(err)]++
				})
			}
			close(start)
			wg.Wait()
			if wins != 1 || codes[gatehouse.NotFound] != 19 {
				t.Errorf("round %d: %d winners, codes %v; want 1 winner and 19 NotFound", round, wins, codes)
			}
		}
	})
}

func TestRevokeTokens(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		other := addMember(t, s, "bob", nil)
		later := t0.Add(time.Hour)
		addToken(t, s, "r1", m.ID, gatehouse.PurposeReset, later)
		addToken(t, s, "r2", m.ID, gatehouse.PurposeReset, later)
		addToken(t, s, "r3", m.ID, gatehouse.PurposeReset, later)
		addToken(t, s, "act", m.ID, gatehouse.PurposeActivation, later)
		addToken(t, s, "bob", other.ID, gatehouse.PurposeReset, later)
		if _, err := s.UseToken(ctx, "r3", t0); err != nil {
			t.Fatal(err)
		}
		n, err := s.RevokeTokens(ctx, m.OrgID, m.ID, gatehouse.PurposeReset, t0.Add(time.Minute))
		if err != nil || n != 2 {
			t.Errorf("RevokeTokens = %d, %v; want 2 (r3 was already used)", n, err)
		}
		for hash, usable := range map[string]bool{"r1": false, "r2": false, "r3": false, "act": true, "bob": true} {
			tok, err := s.Token(ctx, hash)
			if err != nil {
				t.Fatal(err)
			}
			if got := tok.Usable(t0.Add(2 * time.Minute)); got != usable {
				t.Errorf("%s usable = %v, want %v", hash, got, usable)
			}
		}
		if r1, _ := s.Token(ctx, "r1"); !r1.UsedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("r1 UsedAt = %v, want the revocation time", r1.UsedAt)
		}
		if n, _ := s.RevokeTokens(ctx, m.OrgID, m.ID, gatehouse.PurposeReset, t0); n != 0 {
			t.Errorf("second RevokeTokens = %d, want 0", n)
		}
	})
}

func TestRevokeTokensWithoutMember(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		later := t0.Add(time.Hour)
		addToken(t, s, "setup1", "", gatehouse.PurposeSetup, later)
		addToken(t, s, "setup2", "", gatehouse.PurposeSetup, later)
		n, err := s.RevokeTokens(ctx, gatehouse.DefaultOrgID, "", gatehouse.PurposeSetup, t0)
		if err != nil || n != 2 {
			t.Fatalf("RevokeTokens = %d, %v; want 2", n, err)
		}
		if tok, _ := s.Token(ctx, "setup1"); tok.Usable(t0) {
			t.Error("setup1 still usable")
		}
	})
}
