package app_test

import (
	"context"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/app"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/web"
)

// TestCleanupTakesTurns runs the cleanup of two replicas (two apps, each with
// its own connections to one database) against each other: a round runs in
// one of them only, and the other skips it.
func TestCleanupTakesTurns(t *testing.T) {
	ctx := context.Background()
	const every = 10 * time.Minute
	for _, u := range gatehousetest.DatabaseURLs(t) {
		t.Run(u.Name, func(t *testing.T) {
			replica := func(id string) *app.App {
				pub, _ := url.Parse("https://login.example.com")
				a, err := app.New(ctx, app.Config{Web: web.Config{PublicURL: pub}, ID: id, MailRetention: 30 * 24 * time.Hour},
					gatehousetest.NewStore(t, u.URL), slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			a, b := replica("a"), replica("b")
			now := time.Now()
			// Something for the round to delete: a counter that expired a minute ago.
			if _, err := a.Store.Incr(ctx, "expired", now.Add(-2*time.Minute), time.Minute, false); err != nil {
				t.Fatal(err)
			}

			ran, n, err := a.Cleanup(ctx, now, every)
			if err != nil || !ran || n != 1 {
				t.Fatalf("a's cleanup = %v, %d, %v; want it to run and delete the expired counter", ran, n, err)
			}
			if ran, _, err := b.Cleanup(ctx, now.Add(time.Minute), every); err != nil || ran {
				t.Errorf("b's cleanup a minute later = %v, %v; want it skipped while a holds the round", ran, err)
			}
			if ran, _, err := a.Cleanup(ctx, now.Add(time.Minute), every); err != nil || ran {
				t.Errorf("a's own cleanup a minute later = %v, %v; want it skipped until the interval is over", ran, err)
			}
			if ran, _, err := b.Cleanup(ctx, now.Add(every), every); err != nil || !ran {
				t.Errorf("b's cleanup an interval later = %v, %v; want it to run (a may have died)", ran, err)
			}

			// Both replicas' tickers fire at the same instant, round after round.
			for round := 2; round < 8; round++ {
				at := now.Add(time.Duration(round) * every)
				var mu sync.Mutex
				var winners []string
				var wg sync.WaitGroup
				for _, r := range []*app.App{a, b} {
					wg.Go(func() {
						ran, _, err := r.Cleanup(ctx, at, every)
						if err != nil {
							t.Errorf("round %d, %s: %v", round, r.ID, err)
						}
						if ran {
							mu.Lock()
							winners = append(winners, r.ID)
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				if len(winners) != 1 {
					t.Errorf("round %d ran in %v, want exactly one replica", round, winners)
				}
			}
		})
	}
}
