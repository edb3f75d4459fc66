package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// The mail scenario measures the outbox worker against a local SMTP sink that
// accepts everything at once: first a bulk activation of --members members
// through the API (the answer's time, and the time until the sink has every
// email), then a queue of --mail-messages messages written straight into the
// outbox, sent at the workers' pace. With --replicas 2 a second server shares
// the database and its queue.

// sink is an SMTP server that accepts every message and counts them by
// recipient, with the time each arrived.
type sink struct {
	srv  *smtp.Server
	addr string

	mu    sync.Mutex
	byTo  map[string]int
	at    map[string]time.Time // when each recipient got its last
	conns int
}

func startSink() (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{addr: ln.Addr().String(), byTo: map[string]int{}, at: map[string]time.Time{}}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		return &sinkSession{s: s}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go s.srv.Serve(ln)
	return s, nil
}

func (s *sink) close() { s.srv.Close() }

// count returns how many recipients starting with prefix got mail, how many
// of those got more than one, and when the first and the last of them got it.
func (s *sink) count(prefix string) (n, dup int, first, last time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for to, k := range s.byTo {
		if !strings.HasPrefix(to, prefix) {
			continue
		}
		n++
		if k > 1 {
			dup++
		}
		at := s.at[to]
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
	}
	return n, dup, first, last
}

type sinkSession struct {
	s  *sink
	to []string
}

func (x *sinkSession) AuthPlain(string, string) error            { return nil }
func (x *sinkSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = append(x.to, to); return nil }
func (x *sinkSession) Reset()                                    { x.to = nil }
func (x *sinkSession) Logout() error                             { return nil }
func (x *sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	now := time.Now()
	x.s.mu.Lock()
	for _, to := range x.to {
		x.s.byTo[to]++
		x.s.at[to] = now
	}
	x.s.mu.Unlock()
	return nil
}

// waitSink waits until n recipients starting with prefix have mail, or
// timeout; it returns what count does then.
func (s *sink) waitSink(ctx context.Context, prefix string, n int, timeout time.Duration) (got, dup int, first, last time.Time) {
	deadline := time.Now().Add(timeout)
	for {
		got, dup, first, last = s.count(prefix)
		if got >= n || time.Now().After(deadline) || ctx.Err() != nil {
			return got, dup, first, last
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startReplica starts another server on t's database, for --replicas.
func (t *target) startReplica(ctx context.Context, bin string, i int) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	r := &target{owned: true, dir: filepath.Join(t.dir, "replica"+strconv.Itoa(i)), dbURL: t.dbURL, dialect: t.dialect,
		env: maps.Clone(t.env)}
	r.addr = "127.0.0.1:" + strconv.Itoa(port)
	r.base = "http://" + r.addr
	r.env["GATEHOUSE_LISTEN"] = r.addr
	r.env["GATEHOUSE_DATA_DIR"] = r.dir
	delete(r.env, "GATEHOUSE_PPROF_LISTEN")
	if err := mkdir(r.dir); err != nil {
		return nil, err
	}
	return r, r.start(ctx, bin)
}

// mailSetup prepares the mail scenario before the server starts: the sink,
// the members to activate and an API key.
func (e *env) mailSetup(ctx context.Context, su *setup, rep *Report) error {
	s, err := startSink()
	if err != nil {
		return err
	}
	e.sink = s
	e.t.env["GATEHOUSE_MAIL_URL"] = "smtp://" + s.addr
	n := e.o.members
	ms := make([]*gatehouse.Member, n)
	now := time.Now().Truncate(time.Microsecond)
	for i := range ms {
		name := fmt.Sprintf("%s-act%05d", su.prefix, i)
		ms[i] = &gatehouse.Member{ID: gatehouse.NewID(nil), OrgID: gatehouse.DefaultOrgID, Username: name,
			DisplayName: "Activation " + strconv.Itoa(i), Email: name + "@activate.example.com",
			Role: gatehouse.RoleMember, State: gatehouse.StateNeverActivated, CreatedAt: now, UpdatedAt: now}
		e.activate = append(e.activate, ms[i].ID)
	}
	if err := su.store.CreateMembers(ctx, ms); err != nil {
		return fmt.Errorf("creating the members to activate: %w", err)
	}
	if e.apiKey, _, err = su.app.APIKeys.Create(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{IP: "gatehouse-load"},
		gatehouse.DefaultOrgID, su.prefix+"-mail", gatehouse.RoleAdministrator); err != nil {
		return fmt.Errorf("creating an API key: %w", err)
	}
	e.mailStore = su
	return nil
}

// runMail runs both parts of the mail scenario and judges them.
func (e *env) runMail(ctx context.Context, rep *Report) error {
	// Part 1: a bulk activation through the API.
	body := `{"member_ids":["` + strings.Join(e.activate, `","`) + `"]}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.t.base+"/api/v1/activation-emails", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.apiKey)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := e.http.Do(req)
	if err != nil {
		return fmt.Errorf("bulk activation: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	answered := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bulk activation: %d", resp.StatusCode)
	}
	n := len(e.activate)
	got, dup, _, last := e.sink.waitSink(ctx, "", n, 60*time.Second)
	all := last.Sub(start)
	rep.target(fmt.Sprintf("bulk activation of %d members answered", n), "< 2 s",
		fmt.Sprintf("%.2f s", answered.Seconds()), answered < 2*time.Second)
	rep.target(fmt.Sprintf("all %d activation emails accepted by the SMTP sink", n), "< 10 s after the request",
		fmt.Sprintf("%d in %.2f s", got, all.Seconds()), got == n && all < 10*time.Second)
	rep.check("every activation email delivered", got == n, "%d of %d recipients got mail (%d more than once)", got, n, dup)
	rep.Ops = append(rep.Ops, OpReport{Name: "bulk activation (answer)", Requests: 1, OK: 1, P50ms: ms(answered), P99ms: ms(answered), MaxMs: ms(answered)})

	// Part 2: a queue written straight into the outbox, sent at the workers' pace.
	q := e.o.mailMessages
	su := e.mailStore
	prefix := su.prefix + "-q"
	now := time.Now()
	// One transaction, so that the whole queue is there at once.
	err = su.store.Tx(ctx, func(tx *sqlstore.Store) error {
		for i := range q {
			to := fmt.Sprintf("%s%06d@queue.example.com", prefix, i)
			m := &gatehouse.Message{ID: gatehouse.NewID(nil), OrgID: gatehouse.DefaultOrgID, Channel: gatehouse.ChannelEmail,
				Kind: "load", To: to, Subject: "Load " + strconv.Itoa(i), Text: strings.Repeat("A line of a load message.\n", 40),
				CreatedAt: now}
			if err := tx.Enqueue(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("queueing: %w", err)
	}
	queued := time.Now()
	got, dup, first, last := e.sink.waitSink(ctx, prefix, q, time.Duration(q/50+60)*time.Second)
	sending := last.Sub(first)
	rate := float64(got) / sending.Seconds()
	rep.target(fmt.Sprintf("%d queued messages sent into the SMTP sink, %d replica(s)", q, e.o.replicas), "≥ 200/s",
		fmt.Sprintf("%.0f/s (%d from the first accepted to the last in %.2f s; %.2f s after queueing, the workers' poll included)",
			rate, got, sending.Seconds(), last.Sub(queued).Seconds()), rate >= 200 && got == q)
	rep.check("every queued message delivered", got == q, "%d of %d (%d more than once)", got, q, dup)
	rep.Ops = append(rep.Ops, OpReport{Name: "queued messages sent", Requests: q, OK: got, PerSec: round(rate, 1)})
	sent, err := countSent(ctx, e.t, n+q)
	if err != nil {
		return err
	}
	e.sink.mu.Lock()
	conns := e.sink.conns
	e.sink.mu.Unlock()
	rep.Notes = append(rep.Notes, fmt.Sprintf("the sink saw %d SMTP connections for %d messages; the outbox counts %d sent", conns, n+q, sent))
	if sent != n+q {
		return errors.New("the outbox does not count every message as sent")
	}
	return nil
}

// countSent counts the emails the outbox records as sent, waiting up to ten
// seconds for the last records: a worker records a round once its sends are
// accepted.
func countSent(ctx context.Context, t *target, want int) (int, error) {
	db, err := openDB(t.dbURL)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := mailCounts(ctx, db)
		if err != nil || c["sent"] >= want || time.Now().After(deadline) {
			return c["sent"], err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mkdir(dir string) error { return os.MkdirAll(dir, 0o700) }
