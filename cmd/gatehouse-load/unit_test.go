package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/mail"
)

func TestHistogram(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * 10 * time.Microsecond) // 10 µs .. 10 ms
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5 * time.Millisecond}, {0.95, 9500 * time.Microsecond}, {0.99, 9900 * time.Microsecond}, {1, 10 * time.Millisecond}} {
		got := h.quantile(c.q)
		if d := got - c.want; d < -c.want/100 || d > c.want/100 {
			t.Errorf("quantile(%v) = %v, want %v within 1%%", c.q, got, c.want)
		}
	}
	if h.max != 10*time.Millisecond || h.n != 1000 {
		t.Errorf("max %v, n %d", h.max, h.n)
	}
	// Buckets are in order and each value falls in a bucket whose upper edge
	// is at or above it, within 1%.
	prev := time.Duration(0)
	for i := range bucketCount - 1 {
		v := bucketValue(i)
		if v <= prev {
			t.Fatalf("bucket %d ends at %v, after %v", i, v, prev)
		}
		prev = v
	}
	for _, d := range []time.Duration{0, time.Microsecond, 999 * time.Microsecond, time.Millisecond, 1234567 * time.Nanosecond, 3 * time.Second, 99 * time.Second, time.Hour} {
		v := bucketValue(bucketOf(d))
		if d < 100*time.Second && (v < d || v > d+d/100+time.Microsecond) {
			t.Errorf("%v lands in a bucket ending at %v", d, v)
		}
	}
}

func TestRecorderReport(t *testing.T) {
	r := newRecorder()
	r.record(2*time.Millisecond, 200, nil, true)
	r.record(4*time.Millisecond, 200, nil, true)
	r.record(time.Millisecond, 503, nil, false)
	r.record(time.Second, 0, fmt.Errorf("read tcp: i/o timeout"), false)
	op := r.report("GET /x", 2*time.Second)
	if op.Requests != 4 || op.OK != 2 || op.Errors != 2 || op.PerSec != 1 {
		t.Errorf("report %+v", op)
	}
	if op.Statuses["200"] != 2 || op.Statuses["503"] != 1 || op.Statuses["error: timeout"] != 1 {
		t.Errorf("statuses %v", op.Statuses)
	}
	if !(op.P50ms <= op.P95ms && op.P95ms <= op.P99ms && op.P99ms <= op.MaxMs) || op.MaxMs != 4 {
		t.Errorf("latencies %+v", op)
	}
}

// TestRawClient: the generator's own client reads answers with a length,
// chunked answers and answers that close the connection, and keeps its
// connection between requests.
func TestRawClient(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test") != "yes" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/length":
			w.Write([]byte("hello"))
		case "/chunked":
			w.Write([]byte(strings.Repeat("x", 5000)))
			w.(http.Flusher).Flush()
			w.Write([]byte("tail"))
		case "/close":
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	for _, c := range []struct {
		path  string
		want  int
		body  string
		conns int
	}{
		{"/length", 200, "hello", 1},
		{"/chunked", 200, strings.Repeat("x", 5000) + "tail", 1},
		{"/close", 418, "", 1},
	} {
		conns.Store(0)
		rc := newRawClient(addr, c.path, []string{"X-Test: yes"}, 5*time.Second)
		rc.keepBody = true
		for range 3 {
			st, err := rc.do()
			if err != nil || st != c.want || rc.body.String() != c.body {
				t.Fatalf("GET %s: %d %v %q", c.path, st, err, rc.body.String())
			}
		}
		rc.close()
		if c.path == "/close" {
			c.conns = 3 // a new connection after each answer that closes
		}
		if n := int(conns.Load()); n != c.conns {
			t.Errorf("GET %s ×3 used %d connections, want %d", c.path, n, c.conns)
		}
	}
}

func TestFindForm(t *testing.T) {
	page := `<form method="get" action="/search"><input name="q" type="text"></form>
	<form method="post" action="/reset-password?x=1&amp;y=2" novalidate>
	  <input type="hidden" name="csrf_token" value="tok&amp;en">
	  <input type="hidden" name="token" value="abc">
	  <input type="text" name="username" value="jdoe" autocomplete="username" hidden>
	  <input type="password" name="password" autocomplete="new-password">
	  <input name="password2" type="password">
	  <button type="submit">Go</button>
	</form>`
	f, ok := findForm(page, "password")
	if !ok || f.action != "/reset-password?x=1&y=2" {
		t.Fatalf("findForm = %+v, %v", f, ok)
	}
	v := f.values(func(fd formField) (string, bool) {
		if fd.typ == "password" {
			return "new one", true
		}
		return "", false
	})
	want := "csrf_token=tok%26en&password=new+one&password2=new+one&token=abc&username=jdoe"
	if v.Encode() != want {
		t.Errorf("values = %s, want %s", v.Encode(), want)
	}
	if _, ok := findForm(page, "email"); ok {
		t.Error("found a form with an email field")
	}
}

// TestReadResetLink reads a link back from a message as the mail package
// writes it: quoted-printable, in a multipart/alternative.
func TestReadResetLink(t *testing.T) {
	link := "http://127.0.0.1:8080/reset-password?token=" + strings.Repeat("Ab_-", 11)
	msg, err := mail.Compose(&mail.Envelope{
		From: mail.Address{Address: "gatehouse@example.com"}, To: mail.Address{Name: "Jane", Address: "Jane@Example.com"},
		Subject: "Reset", Date: time.Now(), MessageID: "x@example.com",
		Text: "Open this link within 30 minutes to choose a new password, which is a long line so that it folds:\n\n" + link + "\n",
		HTML: `<p><a href="` + link + `">Choose a new password</a></p>`,
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.eml")
	if err := os.WriteFile(path, msg, 0o600); err != nil {
		t.Fatal(err)
	}
	to, got := readResetLink(path)
	if to != "jane@example.com" || got != link {
		t.Errorf("readResetLink = %q, %q; want jane@example.com, %q", to, got, link)
	}
	if n, err := countMail(dir); n != 1 || err != nil {
		t.Errorf("countMail = %d, %v", n, err)
	}
}

func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		ok   bool
	}{
		{nil, true},
		{[]string{"--scenario", "soak", "--duration", "30s"}, true},
		{[]string{"--scenario", "nope"}, false},
		{[]string{"--duration", "0s"}, false},
		{[]string{"--pid", "1"}, false},
		{[]string{"--mail-dir", "/tmp"}, false},
		{[]string{"--server-env", "NOEQUALS"}, false},
		{[]string{"extra"}, false},
		{[]string{"--scenario", "search", "--seeded", "--database-url", "postgres://h/db?search_path=gh_load_x"}, true},
		{[]string{"--scenario", "search", "--seeded", "--database-url", "postgres://h/db"}, false}, // which schema?
		{[]string{"--scenario", "signin", "--seeded", "--database-url", "postgres://h/db?search_path=gh_load_x"}, false},
		{[]string{"--scenario", "session", "--baseline-all-headers"}, true},
		{[]string{"--scenario", "signin", "--baseline-all-headers"}, false}, // no baseline there
		{[]string{"--scenario", "growth", "--audit-events", "10000000"}, true},
		{[]string{"--scenario", "search", "--audit-events", "1000"}, false}, // the growth scenario's
		{[]string{"--scenario", "growth", "--audit-events", "-1"}, false},
	} {
		o, err := parseFlags(c.args, &strings.Builder{})
		if (err == nil) != c.ok {
			t.Errorf("parseFlags(%q) = %v", c.args, err)
		}
		if err == nil && (o.concurrency < 1 || o.warmup <= 0) {
			t.Errorf("parseFlags(%q): concurrency %d, warm-up %v", c.args, o.concurrency, o.warmup)
		}
	}
}
