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

func TestCounters(t *testing.T) {
	const ttl = 10 * time.Minute
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	type event struct {
		minute int
		want   gatehouse.Counter
	}
	tests := []struct {
		name    string
		sliding bool
		events  []event
	}{
		{"fixed window counts from the first event", false, []event{
			{0, gatehouse.Counter{Count: 1, First: at(0), Last: at(0)}},
			{4, gatehouse.Counter{Count: 2, First: at(0), Last: at(4)}},
			{9, gatehouse.Counter{Count: 3, First: at(0), Last: at(9)}},
			{10, gatehouse.Counter{Count: 1, First: at(10), Last: at(10)}}, // expired at first + ttl
			{19, gatehouse.Counter{Count: 2, First: at(10), Last: at(19)}},
		}},
		{"sliding window counts from the latest event", true, []event{
			{0, gatehouse.Counter{Count: 1, First: at(0), Last: at(0)}},
			{9, gatehouse.Counter{Count: 2, First: at(0), Last: at(9)}},
			{18, gatehouse.Counter{Count: 3, First: at(0), Last: at(18)}}, // fixed would have restarted
			{28, gatehouse.Counter{Count: 1, First: at(28), Last: at(28)}},
		}},
	}
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				key := "signin:" + tt.name
				for _, e := range tt.events {
					got, err := s.Incr(ctx, key, at(e.minute), ttl, tt.sliding)
					if err != nil {
						t.Fatalf("Incr at minute %d: %v", e.minute, err)
					}
					if diff := cmp.Diff(e.want, got); diff != "" {
						t.Errorf("Incr at minute %d (-want +got):\n%s", e.minute, diff)
					}
					peek, err := s.Peek(ctx, key, at(e.minute))
					if err != nil || peek != got {
						t.Errorf("Peek at minute %d = %+v, %v; want %+v", e.minute, peek, err, got)
					}
				}
			})
		}
		t.Run("peek absent, expired, reset", func(t *testing.T) {
			for _, c := range []struct {
				name string
				key  string
				now  time.Time
			}{{"absent", "nope", t0}, {"expired", "k", at(10)}} {
				if _, err := s.Incr(ctx, "k", t0, ttl, false); err != nil {
					t.Fatal(err)
				}
				if got, err := s.Peek(ctx, c.key, c.now); err != nil || got != (gatehouse.Counter{}) {
					t.Errorf("Peek(%s) = %+v, %v; want zero", c.name, got, err)
				}
			}
			if err := s.Reset(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Peek(ctx, "k", t0); got.Count != 0 {
				t.Errorf("after Reset, count %d", got.Count)
			}
			if err := s.Reset(ctx, "never-set"); err != nil {
				t.Errorf("Reset of an absent counter: %v", err)
			}
		})
	})
}

// TestIncrConcurrent adds 50 events from 50 goroutines: none may be lost.
func TestIncrConcurrent(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		for _, sliding := range []bool{false, true} {
			key := "k" + map[bool]string{false: "fixed", true: "sliding"}[sliding]
			var wg sync.WaitGroup
			var mu sync.Mutex
			counts := map[int]bool{}
			for i := range 50 {
				wg.Go(func() {
					c, err := s.Incr(ctx, key, t0.Add(time.Duration(i)*time.Millisecond), time.Hour, sliding)
					if err != nil {
						t.Errorf("Incr: %v", err)
						return
					}
					mu.Lock()
					counts[c.Count] = true
					mu.Unlock()
				})
			}
			wg.Wait()
			got, err := s.Peek(ctx, key, t0.Add(time.Second))
			if err != nil || got.Count != 50 {
				t.Errorf("sliding %v: count %d, %v; want 50", sliding, got.Count, err)
			}
			if len(counts) != 50 {
				t.Errorf("sliding %v: %d distinct counts returned, want 50 (each call sees its own)", sliding, len(counts))
			}
		}
	})
}
