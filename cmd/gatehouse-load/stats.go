package main

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// histogram counts latencies in log-linear buckets: exact to the microsecond
// below 1 ms, then 100 buckets per decade (1% resolution) up to 100 s. It costs
// the same memory whatever the run's length, so a soak of an hour is as cheap
// to record as a run of ten seconds.
type histogram struct {
	counts [bucketCount]uint64
	n      uint64
	sum    time.Duration
	max    time.Duration
}

const (
	exactBuckets  = 1000 // 0..999 µs, one per µs
	decadeBuckets = 900  // 1.00..9.99 × 10^k ms
	decades       = 5    // 1 ms .. 100 s
	bucketCount   = exactBuckets + decades*decadeBuckets + 1
)

func bucketOf(d time.Duration) int {
	us := d.Microseconds()
	if us < exactBuckets {
		if us < 0 {
			return 0
		}
		return int(us)
	}
	base := int64(exactBuckets) // 1 ms in µs
	for k := 0; k < decades; k++ {
		if us < base*10 {
			// 900 buckets between base and 10·base, each base/100 wide.
			return exactBuckets + k*decadeBuckets + int((us-base)/(base/100))
		}
		base *= 10
	}
	return bucketCount - 1
}

// bucketValue is the upper edge of bucket i, the value a percentile reports.
func bucketValue(i int) time.Duration {
	if i < exactBuckets {
		return time.Duration(i+1) * time.Microsecond
	}
	if i >= bucketCount-1 {
		return 100 * time.Second
	}
	i -= exactBuckets
	k, j := i/decadeBuckets, i%decadeBuckets
	base := int64(exactBuckets)
	for range k {
		base *= 10
	}
	return time.Duration(base+int64(j+1)*(base/100)) * time.Microsecond
}

func (h *histogram) add(d time.Duration) {
	h.counts[bucketOf(d)]++
	h.n++
	h.sum += d
	if d > h.max {
		h.max = d
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns the latency below which a fraction q of the samples lie.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(bucketValue(i), h.max)
		}
	}
	return h.max
}

// recorder collects the outcomes of one kind of request in one worker: no
// locks, merged when the run ends.
type recorder struct {
	ok       histogram      // latencies of the expected answers
	statuses map[string]int // every answer by status ("200", "503", "error: EOF")
	bad      int            // answers other than the expected ones
}

func newRecorder() *recorder { return &recorder{statuses: map[string]int{}} }

// record notes one request that took d and got status (0: no answer, err says
// why); good says whether that is the answer the scenario expects.
func (r *recorder) record(d time.Duration, status int, err error, good bool) {
	key := strconv.Itoa(status)
	if err != nil {
		key = "error: " + shortError(err)
	}
	r.statuses[key]++
	if good && err == nil {
		r.ok.add(d)
	} else {
		r.bad++
	}
}

func (r *recorder) merge(o *recorder) {
	r.ok.merge(&o.ok)
	for k, v := range o.statuses {
		r.statuses[k] += v
	}
	r.bad += o.bad
}

// OpReport is what a run says about one kind of request.
type OpReport struct {
	Name     string         `json:"name"`
	Requests int            `json:"requests"`
	OK       int            `json:"ok"`
	Errors   int            `json:"errors"`
	PerSec   float64        `json:"per_second"` // expected answers per second
	P50ms    float64        `json:"p50_ms"`
	P95ms    float64        `json:"p95_ms"`
	P99ms    float64        `json:"p99_ms"`
	MaxMs    float64        `json:"max_ms"`
	MeanMs   float64        `json:"mean_ms"`
	Statuses map[string]int `json:"statuses"` // every answer by status, expected ones included
}

func (r *recorder) report(name string, elapsed time.Duration) OpReport {
	total := 0
	for _, v := range r.statuses {
		total += v
	}
	op := OpReport{Name: name, Requests: total, OK: int(r.ok.n), Errors: r.bad, Statuses: r.statuses}
	if elapsed > 0 {
		op.PerSec = round(float64(r.ok.n)/elapsed.Seconds(), 1)
	}
	op.P50ms = ms(r.ok.quantile(0.50))
	op.P95ms = ms(r.ok.quantile(0.95))
	op.P99ms = ms(r.ok.quantile(0.99))
	op.MaxMs = ms(r.ok.max)
	if r.ok.n > 0 {
		op.MeanMs = ms(r.ok.sum / time.Duration(r.ok.n))
	}
	return op
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 3) }

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// shortError names a transport error in a few words, so that errors group:
// "timeout", "connection refused", "EOF".
func shortError(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "Client.Timeout") || strings.Contains(s, "i/o timeout") || strings.Contains(s, "deadline exceeded"):
		return "timeout"
	case strings.Contains(s, "connection refused"):
		return "connection refused"
	case strings.Contains(s, "connection reset"):
		return "connection reset"
	case strings.Contains(s, "EOF"):
		return "EOF"
	}
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s)-i < 60 {
		return s[i+2:]
	}
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}
