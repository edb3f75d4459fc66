package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// The session and forward-auth scenarios are judged against a floor: a bare
// net/http server that reads the session cookie and writes the same answer
// (the same body and the headers a client of it reads), which the tool
// starts as a process of its own in the same run (this binary again, in the
// mode below) and loads with the same client, requests and concurrency once
// the real server's time is up. No check can be cheaper than that on this
// machine, so the ratio says how much of the machine's HTTP floor the check
// reaches.

// baselineEnv, when present in this command's environment, makes it the
// baseline server: the value is the answer's body, baselineCookieEnv the
// cookie's name and baselineHeadersEnv the answer's header lines, one a line.
const (
	baselineEnv        = "GATEHOUSE_LOAD_BASELINE_BODY"
	baselineCookieEnv  = "GATEHOUSE_LOAD_BASELINE_COOKIE"
	baselineHeadersEnv = "GATEHOUSE_LOAD_BASELINE_HEADERS"
	baselineOp         = "baseline: bare net/http, same answer"
)

// A check is a request that an integrated application, or the reverse proxy
// in front of one, makes before each of its own pages. Each is loaded with
// the session cookies the tool opened, then the baseline with the same
// requests.
type check struct {
	name    string   // the request, as reported
	path    string   // what it asks for
	what    string   // what the targets call it
	headers []string // its header lines beyond the cookie and the client's address
	answer  []string // the headers of the real answer the baseline writes too
	needs   string   // what a running server must be configured with, when not just served
}

// forwardHost is the host the forward-auth scenario asks about; a server
// the tool starts protects it (GATEHOUSE_FORWARD_AUTH_HOSTS).
const forwardHost = "app.load.test"

var checks = map[string]check{
	"session": {
		name: "GET /api/v1/session", path: "/api/v1/session", what: "session checks",
		answer: []string{"Content-Type"},
	},
	// As Traefik and Caddy ask: the original request in X-Forwarded-*. The
	// answer a proxy reads is the status and the identity headers.
	"forwardauth": {
		name: "GET /auth/forward", path: "/auth/forward", what: "forward-auth checks",
		headers: []string{"X-Forwarded-Method: GET", "X-Forwarded-Proto: https", "X-Forwarded-Host: " + forwardHost,
			"X-Forwarded-Uri: /reports/2026?page=2"},
		answer: []string{"Cache-Control", "Remote-User", "Remote-Email", "Remote-Name", "Remote-Groups",
			"X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups"},
		needs: "GATEHOUSE_FORWARD_AUTH_HOSTS=" + forwardHost + ", and the tool's address among GATEHOUSE_FORWARD_AUTH_PROXIES",
	},
}

// requestHeaders are the header lines of a check sent with session.
func (c check) requestHeaders(session string) []string {
	return append([]string{"Cookie: " + session, "X-Forwarded-For: " + newIP()}, c.headers...)
}

// checkWorker asks c again and again with one of the sessions, through the
// generator's cheap client that dial makes, and records it as name.
func checkWorker(c check, sessions []string, name string, dial func(path string, headers []string) *rawClient) func(ctx context.Context, id int, r *recs) {
	return func(ctx context.Context, id int, r *recs) {
		cl := dial(c.path, c.requestHeaders(sessions[id%len(sessions)]))
		defer cl.close()
		for !done(ctx) {
			start := time.Now()
			st, err := cl.do()
			if done(ctx) {
				return
			}
			r.get(name).record(time.Since(start), st, err, st == http.StatusOK)
		}
	}
}

// floorAnswer is what the baseline answers: the real answer's body and the
// header lines of it that c names.
type floorAnswer struct {
	body    string
	headers []string
}

// probe asks the server c once with the first session and returns the
// answer the baseline is to give.
func (e *env) probe(c check) (*floorAnswer, error) {
	cl := newRawClient(e.t.addr, c.path, c.requestHeaders(e.sessions[0]), e.o.timeout)
	cl.keepBody, cl.keepHeaders = true, true
	defer cl.close()
	st, err := cl.do()
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w", c.name, err)
	case st != http.StatusOK && c.needs != "":
		return nil, fmt.Errorf("%s answered %d to a signed-in member: the scenario needs %s", c.name, st, c.needs)
	case st != http.StatusOK:
		return nil, fmt.Errorf("%s answered %d to a signed-in member", c.name, st)
	}
	a := &floorAnswer{body: cl.body.String()}
	for _, h := range cl.headers {
		name, _, _ := strings.Cut(h, ":")
		if e.o.baselineAll && !strings.EqualFold(name, "Date") && !strings.EqualFold(name, "Content-Length") {
			a.headers = append(a.headers, h) // net/http writes those two itself
			continue
		}
		for _, want := range c.answer {
			if strings.EqualFold(name, want) {
				a.headers = append(a.headers, h)
			}
		}
	}
	return a, nil
}

// serveBaseline runs the baseline server on a free port of 127.0.0.1 and
// prints its address on the first line of standard output. It answers 200
// with body and the header lines to a request that carries the cookie, 401
// otherwise.
func serveBaseline(body, cookie, headers string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(ln.Addr().String())
	b := []byte(body)
	size := strconv.Itoa(len(b))
	var names, values []string
	for _, line := range strings.Split(headers, "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok {
			names, values = append(names, http.CanonicalHeaderKey(strings.TrimSpace(name))), append(values, strings.TrimSpace(value))
		}
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(cookie); err != nil || c.Value == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		hd := w.Header()
		for i, name := range names {
			hd.Set(name, values[i])
		}
		hd.Set("Content-Length", size)
		_, _ = w.Write(b)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	_ = srv.Serve(ln)
	return 0
}

// startBaseline starts the baseline server with answer a and returns its
// address, its process id and a function that stops it.
func startBaseline(ctx context.Context, a *floorAnswer, cookie string) (string, int, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", 0, nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), baselineEnv+"="+a.body, baselineCookieEnv+"="+cookie,
		baselineHeadersEnv+"="+strings.Join(a.headers, "\n"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", 0, nil, fmt.Errorf("the baseline server printed no address: %w", err)
	}
	return strings.TrimSpace(line), cmd.Process.Pid, stop, nil
}

// runBaseline measures the baseline with the scenario's clients and requests
// and relates check c, whose figures are op, to it.
func (e *env) runBaseline(ctx context.Context, rep *Report, op *OpReport, c check) error {
	if e.answer == nil {
		return errors.New("no answer of the server to copy")
	}
	name, _, _ := strings.Cut(e.sessions[0], "=")
	addr, pid, stop, err := startBaseline(ctx, e.answer, name)
	if err != nil {
		return err
	}
	defer stop()
	worker := checkWorker(c, e.sessions, baselineOp, func(path string, headers []string) *rawClient {
		return newRawClient(addr, path, headers, e.o.timeout)
	})
	var cpu0, cpu1 time.Duration
	all, elapsed := phase(ctx, e.o.warmup, e.o.duration, func(started bool) {
		if started {
			cpu0 = procCPU(pid)
		} else {
			cpu1 = procCPU(pid)
		}
	}, group{e.o.concurrency, worker})
	base := opsOf(all, elapsed.Seconds(), baselineOp)
	if len(base) == 0 || base[0].OK == 0 {
		return errors.New("the baseline answered nothing")
	}
	b := base[0]
	rep.Ops = append(rep.Ops, b)
	if rep.Server != nil && op.OK > 0 {
		rep.CPUPerRequest = &CPUPerRequest{
			ServerUs:   round(rep.Server.CPUSeconds*1e6/float64(op.Requests), 1),
			BaselineUs: round((cpu1-cpu0).Seconds()*1e6/float64(b.Requests), 1),
		}
	}
	ratio := op.PerSec / b.PerSec
	size := len(e.answer.body)
	for _, h := range e.answer.headers {
		size += len(h) + 2
	}
	// The ratio can move either way on a loaded machine (the other work
	// takes the CPUs from one side in one half of the run and from the
	// other in the other); a latency only grows.
	rep.quietTarget(c.what+" vs a bare net/http server with the same answer, same client, same concurrency", "≥ 0.80",
		fmt.Sprintf("%.2f (%.0f/s against %.0f/s; %d bytes of body and copied headers)", ratio, op.PerSec, b.PerSec, size), ratio >= 0.8, true)
	rep.quietTarget(c.what+" p99 latency", "< 2 ms", fmt.Sprintf("%.2f ms (the baseline's %.2f ms)", op.P99ms, b.P99ms), op.P99ms < 2, false)
	return nil
}
