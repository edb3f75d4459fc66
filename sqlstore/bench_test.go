package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// BenchmarkSessionByToken measures the lookup behind every authenticated
// request, from parallel goroutines as the web server makes it, over 10,000
// sessions of 1,000 members.
func BenchmarkSessionByToken(b *testing.B) {
	const members, sessions = 1000, 10000
	for _, u := range gatehousetest.DatabaseURLs(b) {
		s := gatehousetest.NewStore(b, u.URL)
		err := s.Tx(ctx, func(tx *sqlstore.Store) error {
			for i := range members {
				m := newMember(fmt.Sprintf("member%04d", i))
				if err := tx.CreateMember(ctx, m); err != nil {
					return err
				}
				for j := range sessions / members {
					ss := &gatehouse.Session{ID: gatehouse.NewID(nil), TokenHash: fmt.Sprintf("hash-%d-%d", i, j),
						OrgID: m.OrgID, MemberID: m.ID, Stage: gatehouse.StageActive, CreatedAt: t0,
						IdleExpiresAt: t0, ExpiresAt: t0}
					if err := tx.CreateSession(ctx, ss); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(u.Name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					hash := fmt.Sprintf("hash-%d-%d", rand.IntN(members), rand.IntN(sessions/members))
					if _, _, err := s.SessionByToken(ctx, hash); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkUseToken measures redeeming a one-time token (a reset or
// activation link): the conditional UPDATE ... RETURNING that lets exactly one
// of several concurrent redemptions win, on the writer.
func BenchmarkUseToken(b *testing.B) {
	for _, u := range gatehousetest.DatabaseURLs(b) {
		b.Run(u.Name, func(b *testing.B) {
			s := gatehousetest.NewStore(b, u.URL)
			// The function runs again for each b.N, on the same database.
			run := gatehouse.NewID(nil)
			m := newMember("redeemer-" + run)
			if err := s.CreateMember(ctx, m); err != nil {
				b.Fatal(err)
			}
			hashes := make([]string, b.N)
			err := s.Tx(ctx, func(tx *sqlstore.Store) error {
				for i := range hashes {
					hashes[i] = fmt.Sprintf("token-%s-%d", run, i)
					if err := tx.CreateToken(ctx, &gatehouse.Token{Hash: hashes[i], OrgID: m.OrgID, MemberID: m.ID,
						Purpose: gatehouse.PurposeReset, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.UseToken(ctx, hashes[i], t0); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if _, err := s.UseToken(ctx, hashes[0], t0); !gatehouse.IsCode(err, gatehouse.NotFound) {
				b.Fatalf("a used token redeemed again: %v", err)
			}
		})
	}
}

// BenchmarkMembersByIdentifier measures the lookup of every sign-in and every
// forgotten-password request, by username or either email, among 10,000
// members: it must use the three indexes, not walk the organization.
func BenchmarkMembersByIdentifier(b *testing.B) {
	const members = 10000
	for _, u := range gatehousetest.DatabaseURLs(b) {
		s := gatehousetest.NewStore(b, u.URL)
		err := s.Tx(ctx, func(tx *sqlstore.Store) error {
			for i := range members {
				if err := tx.CreateMember(ctx, newMember(fmt.Sprintf("member%05d", i))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(u.Name, func(b *testing.B) {
			for b.Loop() {
				i := rand.IntN(members)
				id := fmt.Sprintf("member%05d@work.example", i)
				if i%2 == 0 {
					id = fmt.Sprintf("Member%05d", i)
				}
				ms, err := s.MembersByIdentifier(ctx, gatehouse.DefaultOrgID, id, 3)
				if err != nil || len(ms) != 1 {
					b.Fatalf("MembersByIdentifier(%s) = %d, %v", id, len(ms), err)
				}
			}
		})
	}
}
