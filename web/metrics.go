package web

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the Prometheus metrics of one server. Each server has its own
// registry, so tests can run several in one process.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	signins  *prometheus.CounterVec
	// HashSeconds observes the duration of each password hash or verification.
	HashSeconds prometheus.Histogram
	// HashCPUSeconds counts the CPU time of password hashes and verifications.
	HashCPUSeconds prometheus.Counter

	// series keeps the counter and histogram of each route, method and status
	// seen, so that a request costs a map lookup rather than hashing its label
	// values twice. Routes are patterns and methods a fixed set, so it stays small.
	series sync.Map // seriesKey -> requestSeries
}

type seriesKey struct {
	route, method string
	status        int
}

type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// NewMetrics creates and registers the metrics, with Go runtime and process
// collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gatehouse_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		signins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_signins_total", Help: "Password sign-ins by outcome (success, failure, throttled, invalid, busy, error).",
		}, []string{"outcome"}),
		HashCPUSeconds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatehouse_password_hash_cpu_seconds_total", Help: "CPU time spent in password hashes and verifications (Linux).",
		}),
		HashSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "gatehouse_password_hash_seconds", Help: "Duration of password hashes and verifications.",
			Buckets: []float64{.005, .01, .02, .03, .05, .075, .1, .2, .5, 1},
		}),
	}
	m.Registry.MustRegister(m.requests, m.latency, m.signins, m.HashSeconds, m.HashCPUSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) request(route, method string, status int, d time.Duration) {
	switch method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		method = "other" // any string is a method: keep the label set bounded
	}
	k := seriesKey{route, method, status}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, requestSeries{
			count:   m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
			latency: m.latency.WithLabelValues(route),
		})
	}
	rs := v.(requestSeries)
	rs.count.Inc()
	rs.latency.Observe(d.Seconds())
}

func (m *Metrics) signin(outcome string) { m.signins.WithLabelValues(outcome).Inc() }

// ObserveHash records one hash duration; wire it to the hasher.
func (m *Metrics) ObserveHash(d time.Duration) { m.HashSeconds.Observe(d.Seconds()) }

// ObserveHashCPU records the CPU time of one hash; wire it to the hasher.
func (m *Metrics) ObserveHashCPU(d time.Duration) { m.HashCPUSeconds.Add(d.Seconds()) }
