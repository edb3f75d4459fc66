package redisstore

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse"
)

// testCounters connects to the Redis of GATEHOUSE_TEST_REDIS_URL, with keys under
// a prefix unique to the test.
func testCounters(t *testing.T) *Counters {
	url := os.Getenv("GATEHOUSE_TEST_REDIS_URL")
	if url == "" {
		t.Skip("GATEHOUSE_TEST_REDIS_URL is not set")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis: %v", err)
	}
	return New(client, "gatehouse-test:"+gatehouse.NewID(nil)+":")
}

func TestCounters(t *testing.T) {
	c := testCounters(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	t.Run("fixed window", func(t *testing.T) {
		for i := 1; i <= 3; i++ {
			got, err := c.Incr(ctx, "fixed", now.Add(time.Duration(i)*time.Minute), time.Hour, false)
			if err != nil || got.Count != i {
				t.Fatalf("Incr %d = %+v, %v", i, got, err)
			}
		}
		got, _ := c.Incr(ctx, "fixed", now.Add(61*time.Minute+time.Second), time.Hour, false)
		if got.Count != 1 {
			t.Errorf("after the window: count %d, want 1", got.Count)
		}
	})
	t.Run("sliding window", func(t *testing.T) {
		at := now
		for i := 1; i <= 3; i++ {
			at = at.Add(50 * time.Minute)
			got, _ := c.Incr(ctx, "sliding", at, time.Hour, true)
			if got.Count != i {
				t.Fatalf("Incr %d = %d", i, got.Count)
			}
		}
		p, _ := c.Peek(ctx, "sliding", at.Add(59*time.Minute))
		if p.Count != 3 {
			t.Errorf("Peek within window = %d, want 3", p.Count)
		}
		p, _ = c.Peek(ctx, "sliding", at.Add(61*time.Minute))
		if p.Count != 0 {
			t.Errorf("Peek after window = %d, want 0", p.Count)
		}
	})
	t.Run("reset", func(t *testing.T) {
		c.Incr(ctx, "reset", now, time.Hour, true)
		if err := c.Reset(ctx, "reset"); err != nil {
			t.Fatal(err)
		}
		if p, _ := c.Peek(ctx, "reset", now); p.Count != 0 {
			t.Errorf("after Reset: %d", p.Count)
		}
	})
	t.Run("concurrent increments are not lost", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Incr(ctx, "race", now, time.Hour, true); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if p, _ := c.Peek(ctx, "race", now); p.Count != 50 {
			t.Errorf("count = %d, want 50", p.Count)
		}
	})
}

func TestUnreachableRedisIsUnavailable(t *testing.T) {
	c := New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond}), "x:")
	_, err := c.Incr(context.Background(), "k", time.Now(), time.Hour, true)
	if !gatehouse.IsCode(err, gatehouse.Unavailable) {
		t.Errorf("err = %v, want Unavailable", err)
	}
}
