package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrWritesFailing is wrapped by Ready's error while the database refuses
// writes for want of storage: a full disk, an I/O error, a read-only file or
// server. Pinging such a database succeeds, so readiness must know.
var ErrWritesFailing = errors.New("the database refuses writes (disk full, I/O error or read-only)")

// StorageHold is how long readiness fails after a statement failed for want of
// storage, whatever a probe says (measured by Options.Now): on a full disk a small write may still find
// room (SQLite reuses its write-ahead log) while the next insert does not, so
// one successful probe right after a failure proves little.
const StorageHold = 10 * time.Second

// storageFailure is a statement that failed for want of storage, and when.
type storageFailure struct {
	at  time.Time
	err error
}

// note remembers err when it says the database cannot store. It is called with
// the error of every statement, nil included, so it must stay cheap.
func (d *database) note(err error) {
	if err == nil || !isStorage(err) {
		return
	}
	d.failed.Store(&storageFailure{at: d.now(), err: err})
}

// Ready reports whether the store can serve: both pools answer (see Ping),
// and writes go through. After a statement failed for want of storage, Ready
// fails for StorageHold, then writes a heartbeat row until one goes through,
// so a replica whose disk is full stops getting traffic and comes back by
// itself once there is room again. While no write has failed, Ready writes
// nothing: a probe queued behind a busy writer would make a loaded server look
// dead.
func (s *Store) Ready(ctx context.Context) error {
	const op = "sqlstore.Ready"
	if err := s.Ping(ctx); err != nil {
		return err
	}
	f := s.db.failed.Load()
	if f == nil {
		return nil
	}
	if d := s.db.now().Sub(f.at); d >= 0 && d < StorageHold {
		return unavailable(op, fmt.Errorf("%w: %w", ErrWritesFailing, f.err))
	}
	_, err := s.exec(ctx, `INSERT INTO heartbeats (name, at) VALUES ('ready', $1)
		ON CONFLICT (name) DO UPDATE SET at = excluded.at`, s.db.now().UnixMicro())
	if err != nil {
		if isStorage(err) {
			return unavailable(op, fmt.Errorf("%w: %w", ErrWritesFailing, err))
		}
		return dbErr(op, err)
	}
	s.db.failed.CompareAndSwap(f, nil) // unless another failed meanwhile
	return nil
}
