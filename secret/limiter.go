package secret

import (
	"context"
	"sync"
)

// limiter admits at most size units of work at once, lets up to maxQueue callers
// wait for their turn in arrival order, and turns the others away at once. It
// also keeps the argon2 states of the slots, so that the memory of a finished
// hash goes to the next one instead of to the garbage collector.
//
// A caller asks for n units: 1 for an ordinary hash, all of them for a hash that
// needs more memory than one slot holds (an old hash with heavier parameters),
// which must then run alone to stay within the memory budget. Waiters are served
// strictly in order, so such a heavy caller is not starved by a stream of light
// ones.
type limiter struct {
	mu       sync.Mutex
	size     int // units, one per slot
	free     int
	maxQueue int
	queue    []*waiter
	idle     []*argonState // states of free slots, allocated on first use
	rejected uint64
}

type waiter struct {
	n     int
	ready chan struct{} // closed when the units are granted
}

func newLimiter(size, maxQueue int) *limiter {
	return &limiter{size: size, free: size, maxQueue: maxQueue}
}

// errBusy and errCanceled tell acquire's callers why no slot was granted.
type acquireError int

const (
	errBusy acquireError = iota + 1
	errCanceled
)

func (e acquireError) Error() string {
	if e == errBusy {
		return "queue full"
	}
	return "canceled while waiting"
}

// acquire takes n units, waiting in line if need be. It fails with errBusy when
// the line is full and with errCanceled when ctx ends first; ctx.Err() says why.
func (l *limiter) acquire(ctx context.Context, n int) error {
	if ctx.Err() != nil {
		return errCanceled
	}
	l.mu.Lock()
	if len(l.queue) == 0 && l.free >= n {
		l.free -= n
		l.mu.Unlock()
		return nil
	}
	if len(l.queue) >= l.maxQueue {
		l.rejected++
		l.mu.Unlock()
		return errBusy
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	l.queue = append(l.queue, w)
	l.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-w.ready:
		// Granted just as ctx ended: give the units back rather than run a hash
		// nobody waits for.
		l.free += w.n
	default:
		for i, q := range l.queue {
			if q == w {
				l.queue = append(l.queue[:i], l.queue[i+1:]...)
				break
			}
		}
	}
	l.grant() // a heavy waiter leaving the head may let lighter ones through
	return errCanceled
}

// release returns n units and hands them to the waiters at the head of the line.
func (l *limiter) release(n int) {
	l.mu.Lock()
	l.free += n
	l.grant()
	l.mu.Unlock()
}

// grant serves waiters in order while units suffice. l.mu is held.
func (l *limiter) grant() {
	for len(l.queue) > 0 && l.free >= l.queue[0].n {
		w := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		l.free -= w.n
		close(w.ready)
	}
	if len(l.queue) == 0 {
		l.queue = nil // let the backing array of a past flood go
	}
}

// state returns the argon2 state for a slot just acquired, creating one with
// blocks memory blocks if no idle one is left.
func (l *limiter) state(blocks uint32) *argonState {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k := len(l.idle); k > 0 {
		s := l.idle[k-1]
		l.idle = l.idle[:k-1]
		return s
	}
	s := &argonState{mem: make([]block, blocks)}
	adviseHugePages(s.mem)
	return s
}

// putState keeps s for the next hash.
func (l *limiter) putState(s *argonState) {
	l.mu.Lock()
	l.idle = append(l.idle, s)
	l.mu.Unlock()
}

// dropStates forgets the idle states, so that their memory can be reclaimed
// while a heavy hash that holds every unit uses memory of its own.
func (l *limiter) dropStates() {
	l.mu.Lock()
	clear(l.idle)
	l.idle = l.idle[:0]
	l.mu.Unlock()
}

// stats reports units in use, waiters and rejections so far.
func (l *limiter) stats() (inUse, waiting int, rejected uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size - l.free, len(l.queue), l.rejected
}
