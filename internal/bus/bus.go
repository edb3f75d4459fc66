// Package bus carries invalidation notices between the replicas of one
// deployment, so that what a replica keeps in memory (sessions, settings,
// organizations) is dropped when another replica, or a command run beside
// them, changes it in the shared database.
//
// A notice names a topic ("member") and a key (a member's id). A Bus fans the
// notices out to the caches of its process that subscribed to the topic. The
// notices come from a transport, which package sqlstore runs: PostgreSQL's
// LISTEN/NOTIFY (ListenPostgres) or a change table polled by every process
// (Poll), filled in both cases by triggers in the database so that no write
// path can forget to send them.
//
// Notices can be lost: a connection drops, a process stalls. A transport that
// knows it may have missed some calls Gap, and every subscriber forgets
// everything. Against the losses nobody notices, every cache bounds the age
// of what it keeps (a second or less): the bus makes a change seen sooner,
// never is it the only bound.
package bus

import (
	"sync"
	"sync/atomic"
)

// All is the key of a notice that concerns every key of its topic: what a
// subscriber receives when the transport may have lost notices.
const All = ""

// Bus fans notices out to subscribers. The zero value is not ready; use New.
// A Bus is safe for concurrent use.
type Bus struct {
	mu   sync.RWMutex
	subs map[string][]func(key string)
	// connected is whether a transport delivers notices now.
	connected atomic.Bool
	delivered atomic.Uint64
	gaps      atomic.Uint64
}

// New returns a Bus without subscribers and without a transport.
func New() *Bus {
	return &Bus{subs: map[string][]func(string){}}
}

// Subscribe calls fn with the key of every notice on topic from now on, and
// with All after a gap. fn runs on the transport's goroutine: it must be quick
// and must not block (drop what the key names, nothing more).
func (b *Bus) Subscribe(topic string, fn func(key string)) {
	b.mu.Lock()
	b.subs[topic] = append(b.subs[topic], fn)
	b.mu.Unlock()
}

// Deliver hands the notice to the subscribers of topic.
func (b *Bus) Deliver(topic, key string) {
	b.mu.RLock()
	fns := b.subs[topic]
	b.mu.RUnlock()
	for _, fn := range fns {
		fn(key)
	}
	b.delivered.Add(1)
}

// Gap tells every subscriber of every topic to forget everything: notices may
// have been lost (a connection dropped, the change table was pruned past what
// this process had read).
func (b *Bus) Gap() {
	b.mu.RLock()
	var fns []func(string)
	for _, l := range b.subs {
		fns = append(fns, l...)
	}
	b.mu.RUnlock()
	for _, fn := range fns {
		fn(All)
	}
	b.gaps.Add(1)
}

// SetConnected records whether a transport delivers notices now; a
// transport calls it as it connects and disconnects.
func (b *Bus) SetConnected(ok bool) { b.connected.Store(ok) }

// Stats says what the bus has done, for metrics and tests.
type Stats struct {
	Connected bool   // a transport delivers notices now
	Delivered uint64 // notices delivered since New
	Gaps      uint64 // times subscribers were told to forget everything
}

// Stats returns the bus's counters.
func (b *Bus) Stats() Stats {
	return Stats{Connected: b.connected.Load(), Delivered: b.delivered.Load(), Gaps: b.gaps.Load()}
}
