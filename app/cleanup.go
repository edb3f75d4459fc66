package app

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// cleanupJob is the name under which replicas take turns at deleting expired rows.
const cleanupJob = "cleanup"

func (a *App) cleanupEvery() time.Duration {
	if a.cfg.CleanupEvery > 0 {
		return a.cfg.CleanupEvery
	}
	return 10 * time.Minute
}

// RunCleanup runs the cleanup every interval until ctx ends (Run runs it).
// Every replica runs the loop; Cleanup makes sure that only one of them works
// at a time.
func (a *App) RunCleanup(ctx context.Context) {
	every := a.cleanupEvery()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ran, n, err := a.Cleanup(ctx, gatehouse.NowOr(a.cfg.Now), every)
			switch {
			case err != nil:
				a.Log.Warn("deleting expired rows", "err", err)
			case !ran:
				a.Log.Debug("cleanup skipped: another replica has this round")
			case n > 0:
				a.Log.Debug("deleted expired rows", "count", n)
			}
		}
	}
}

// Cleanup deletes expired rows if this replica wins the claim on the cleanup
// job at now, and reports whether it did and how many rows went. The claim
// lasts one interval: it keeps the other replicas off until the next round is
// due, so the job runs about once per interval however many replicas there
// are. The round itself is cut off a tenth of an interval before its claim
// runs out (deletes go in small batches, so a cut-off round loses nothing),
// so that two rounds never overlap even when one is slow and the replicas'
// clocks differ a little.
func (a *App) Cleanup(ctx context.Context, now time.Time, every time.Duration) (ran bool, n int, err error) {
	until := now.Add(every)
	ok, err := a.Store.ClaimJob(ctx, cleanupJob, a.ID, now, until)
	if err != nil || !ok {
		return false, 0, err
	}
	// A timeout, not a deadline at now's clock: now may come from another
	// clock than the context's (a test's).
	rctx, cancel := context.WithTimeout(ctx, until.Sub(now)-every/10)
	defer cancel()
	n, err = a.Store.DeleteExpired(rctx, now, a.cfg.MailRetention)
	return true, n, err
}
