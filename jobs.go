package gatehouse

import (
	"context"
	"time"
)

// Jobs lets replicas take turns at periodic work, such as deleting expired
// rows, so that the work runs in one replica at a time however many share the
// database. A claim is a lease: it ends at a time the claimer chose, and a
// replica that dies while holding one blocks the job only until then.
type Jobs interface {
	// ClaimJob gives the named job to holder until until, if nobody holds it at
	// now, and reports whether it did. Of several concurrent claims at one
	// instant, in this or another process, exactly one succeeds.
	ClaimJob(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
}
