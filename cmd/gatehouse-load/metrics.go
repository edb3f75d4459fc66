package main

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sampler reads the server's resident memory every 100 ms, for the largest
// value seen and, in the soak, for growth over time.
type sampler struct {
	pid  int
	quit chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	samples []rssSample
	peak    int64
}

type rssSample struct {
	at  time.Time
	rss int64
}

func startSampler(pid int) *sampler {
	s := &sampler{pid: pid, quit: make(chan struct{})}
	if pid == 0 {
		return s
	}
	s.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			rss := procStatus(pid, "VmRSS")
			if rss > 0 {
				s.mu.Lock()
				s.samples = append(s.samples, rssSample{time.Now(), rss})
				s.peak = max(s.peak, rss)
				s.mu.Unlock()
			}
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *sampler) stop() {
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	s.wg.Wait()
}

func (s *sampler) max() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// maxBetween returns the largest sample taken in [from, to), or 0.
func (s *sampler) maxBetween(from, to time.Time) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m int64
	for _, x := range s.samples {
		if !x.at.Before(from) && x.at.Before(to) {
			m = max(m, x.rss)
		}
	}
	return m
}

// readMetrics returns the named samples (without labels) of the server's
// /metrics, which it serves to loopback clients.
func readMetrics(e *env, names ...string) (map[string]float64, error) {
	req, err := http.NewRequest(http.MethodGet, e.t.base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok || !want[name] {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}

// hashMetrics are the server's hashing counters: seconds of wall time, their
// count, and seconds of CPU time.
type hashMetrics struct{ sum, count, cpu float64 }

func readHashMetrics(e *env) hashMetrics {
	m, err := readMetrics(e, "gatehouse_password_hash_seconds_sum", "gatehouse_password_hash_seconds_count",
		"gatehouse_password_hash_cpu_seconds_total")
	if err != nil {
		return hashMetrics{}
	}
	return hashMetrics{sum: m["gatehouse_password_hash_seconds_sum"], count: m["gatehouse_password_hash_seconds_count"],
		cpu: m["gatehouse_password_hash_cpu_seconds_total"]}
}
