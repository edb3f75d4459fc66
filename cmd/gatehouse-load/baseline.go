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

// The session scenario is judged against a floor: a bare net/http server that
// reads the session cookie and writes the same JSON, which the tool starts as
// a process of its own in the same run (this binary again, in the mode below)
// and loads with the same client and concurrency once the real server's time
// is up. No session check can be cheaper than that on this machine, so the
// ratio says how much of the machine's HTTP floor the session check reaches,
// whatever else the machine does.

// baselineEnv, when set in this command's environment, makes it the baseline
// server: the value is the answer's body, baselineCookieEnv the cookie's name.
const (
	baselineEnv       = "GATEHOUSE_LOAD_BASELINE_BODY"
	baselineCookieEnv = "GATEHOUSE_LOAD_BASELINE_COOKIE"
	baselineOp        = "baseline: bare net/http, same answer"
)

// serveBaseline runs the baseline server on a free port of 127.0.0.1 and
// prints its address on the first line of standard output. It answers 200
// with body to a request that carries the cookie, 401 otherwise.
func serveBaseline(body, cookie string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(ln.Addr().String())
	b := []byte(body)
	size := strconv.Itoa(len(b))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(cookie); err != nil || c.Value == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", size)
		_, _ = w.Write(b)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	_ = srv.Serve(ln)
	return 0
}

// startBaseline starts the baseline server with the session answer body and
// returns its address and a function that stops it.
func startBaseline(ctx context.Context, body, cookie string) (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), baselineEnv+"="+body, baselineCookieEnv+"="+cookie)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("the baseline server printed no address: %w", err)
	}
	return strings.TrimSpace(line), stop, nil
}

// runBaseline measures the baseline with the session scenario's clients and
// relates the session check to it.
func (e *env) runBaseline(ctx context.Context, rep *Report, op *OpReport) error {
	probe := newRawClient(e.t.addr, "/api/v1/session", []string{"Cookie: " + e.sessions[0]}, e.o.timeout)
	probe.keepBody = true
	st, err := probe.do()
	probe.close()
	if err != nil || st != http.StatusOK {
		return fmt.Errorf("reading a session answer for the baseline: %d %v", st, err)
	}
	body := probe.body.String()
	name, _, _ := strings.Cut(e.sessions[0], "=")
	addr, stop, err := startBaseline(ctx, body, name)
	if err != nil {
		return err
	}
	defer stop()
	worker := func(ctx context.Context, id int, r *recs) {
		c := newRawClient(addr, "/api/v1/session", []string{"Cookie: " + e.sessions[id%len(e.sessions)], "X-Forwarded-For: " + newIP()}, e.o.timeout)
		defer c.close()
		for !done(ctx) {
			start := time.Now()
			st, err := c.do()
			if done(ctx) {
				return
			}
			r.get(baselineOp).record(time.Since(start), st, err, st == http.StatusOK)
		}
	}
	all, elapsed := phase(ctx, e.o.warmup, e.o.duration, nil, group{e.o.concurrency, worker})
	base := opsOf(all, elapsed.Seconds(), baselineOp)
	if len(base) == 0 || base[0].OK == 0 {
		return errors.New("the baseline answered nothing")
	}
	b := base[0]
	rep.Ops = append(rep.Ops, b)
	ratio := op.PerSec / b.PerSec
	rep.target("session checks vs a bare net/http server with the same answer, same client, same concurrency", "≥ 0.80",
		fmt.Sprintf("%.2f (%.0f/s against %.0f/s; %d-byte answer)", ratio, op.PerSec, b.PerSec, len(body)), ratio >= 0.8)
	rep.target("session p99 latency", "< 2 ms", fmt.Sprintf("%.2f ms (the baseline's %.2f ms)", op.P99ms, b.P99ms), op.P99ms < 2)
	return nil
}
