package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// TestRequestsNamedByRoute runs `gatehouse serve` with the default
// configuration, whose request timeout copies every request on its way to the
// router, and checks that the request log and the metrics name the route
// pattern that served each request, and "unmatched" only for a path that no
// route serves.
func TestRequestsNamedByRoute(t *testing.T) {
	t.Parallel()
	a := gatehousetest.StartReplica(t, "A", map[string]string{
		// Only what keeps the process fast; the timeouts are the defaults.
		"GATEHOUSE_HASH_MEMORY": "1024",
		"GATEHOUSE_HASH_TIME":   "1",
	})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) int {
		t.Helper()
		resp, err := client.Get(a.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	// 401 and 404 are logged at the info level the harness runs with; the
	// redirect only at debug level, but it is metered.
	if got := get("/api/v1/session"); got != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/session without a session: %d, want 401", got)
	}
	if got := get("/admin/members/nobody-at-all"); got != http.StatusSeeOther { // to the sign-in page
		t.Fatalf("GET /admin/members/nobody-at-all without a session: %d, want 303", got)
	}
	if got := get("/no/such/page"); got != http.StatusNotFound {
		t.Fatalf("GET /no/such/page: %d, want 404", got)
	}

	resp, err := http.Get(a.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metrics := string(body)
	for _, want := range []string{
		`gatehouse_http_requests_total{method="GET",route="GET /api/v1/session",status="401"} 1`,
		`gatehouse_http_request_duration_seconds_count{route="GET /api/v1/session"} 1`,
		`gatehouse_http_requests_total{method="GET",route="GET /admin/members/{id}",`,
		`gatehouse_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s; it has:%s", want, requestLines(metrics))
		}
	}
	if strings.Contains(metrics, "/no/such/page") {
		t.Errorf("/metrics labels a request by its path, which lets clients make up series:%s", requestLines(metrics))
	}

	routes := map[string]string{}
	for _, e := range a.Logs() {
		if e["msg"] == "request" {
			path, _ := e["path"].(string)
			routes[path], _ = e["route"].(string)
		}
	}
	for path, want := range map[string]string{
		"/api/v1/session": "GET /api/v1/session",
		"/no/such/page":   "unmatched",
	} {
		if got, ok := routes[path]; !ok || got != want {
			t.Errorf("the request log names the route of %s %q (logged: %v), want %q", path, got, ok, want)
		}
	}
}

// requestLines returns the request counters of a /metrics answer, for messages.
func requestLines(metrics string) string {
	var out []string
	for _, l := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(l, "gatehouse_http_requests_total") {
			out = append(out, l)
		}
	}
	return "\n" + strings.Join(out, "\n")
}
