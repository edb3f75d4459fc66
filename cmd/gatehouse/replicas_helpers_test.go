package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to look into the shared database
)

// The replica tests run real `gatehouse serve` processes on one PostgreSQL
// schema, as a deployment behind a load balancer would, and check through
// HTTP that they behave as one server. These helpers set such a deployment up.

func TestMain(m *testing.M) {
	code := m.Run()
	gatehousetest.RemoveBinary()
	os.Exit(code)
}

// publicURL is the address of the (imaginary) load balancer: every replica is
// configured with it, as in production, and builds its links from it. Tests
// talk to each replica's own address instead.
const publicURL = "http://gatehouse.test"

// cluster is one deployment: a fresh PostgreSQL schema, an SMTP server, and
// the configuration every replica shares.
type cluster struct {
	env  map[string]string
	smtp *gatehousetest.SMTPServer
	db   *sql.DB // the shared schema, for the tests to look into
}

// newCluster makes a deployment on a fresh schema; the test is skipped
// without PostgreSQL. extra adds to or overrides the replicas' configuration.
func newCluster(t *testing.T, extra map[string]string) *cluster {
	t.Helper()
	dbURL := gatehousetest.PostgresURL(t)
	c := &cluster{smtp: gatehousetest.NewSMTPServer(t)}
	c.env = map[string]string{
		"GATEHOUSE_DATABASE_URL": dbURL,
		"GATEHOUSE_PUBLIC_URL":   publicURL,
		"GATEHOUSE_MAIL_URL":     c.smtp.URL(),
		// The load balancer is 127.0.0.1: tests say which client they play
		// with X-Forwarded-For.
		"GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1",
		// Small hashing parameters keep the processes fast; the rules are the same.
		"GATEHOUSE_HASH_MEMORY": "1024",
		"GATEHOUSE_HASH_TIME":   "1",
	}
	for k, v := range extra {
		c.env[k] = v
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c.db = db
	return c
}

// start starts a replica and waits until it is ready.
func (c *cluster) start(t *testing.T, name string) *gatehousetest.Replica {
	t.Helper()
	return gatehousetest.StartReplica(t, name, c.env)
}

// gatehouse runs a command of the binary against the shared database and
// returns its standard output; the test fails if the command does.
func (c *cluster) gatehouse(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := gatehousetest.Gatehouse(t, c.env, stdin, args...)
	if err != nil {
		t.Fatalf("gatehouse %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// setSettings changes settings with `gatehouse settings set`, as an operator
// would while the replicas run, and waits until every replica must see the
// change: a replica serves settings from memory for at most
// sqlstore.DefaultSettingsTTL (docs/deployment.md).
func (c *cluster) setSettings(t *testing.T, pairs ...string) {
	t.Helper()
	c.gatehouse(t, "", append([]string{"settings", "set"}, pairs...)...)
	time.Sleep(sqlstore.DefaultSettingsTTL + 100*time.Millisecond)
}

var createdID = regexp.MustCompile(`, id ([a-z2-7]{26}),`)

// addMember creates an active member with `gatehouse user add --password-stdin`
// and returns the member's id.
func (c *cluster) addMember(t *testing.T, username, password string) string {
	t.Helper()
	out := c.gatehouse(t, password+"\n", "user", "add", "--username", username, "--email", username+"@example.com", "--password-stdin")
	m := createdID.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("user add printed no id: %q", out)
	}
	return m[1]
}

// count runs a query that returns one number on the shared schema.
func (c *cluster) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := c.db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// visitor is one person's browser behind the load balancer. It keeps its
// cookies itself rather than per host, so that the cookies set by one replica
// go to whichever replica it talks to next, as they would through the
// balancer's single address.
type visitor struct {
	t       *testing.T
	ip      string // the client address, sent as X-Forwarded-For
	cookies map[string]string
	csrf    string // the anti-forgery token of the last form seen
	client  *http.Client
}

func newVisitor(t *testing.T, ip string) *visitor {
	return &visitor{t: t, ip: ip, cookies: map[string]string{}, client: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// answer is a response, read.
type answer struct {
	status   int
	header   http.Header
	body     string
	location string // the redirect's path
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (v *visitor) do(method string, r *gatehousetest.Replica, path string, form url.Values) *answer {
	v.t.Helper()
	a, err := v.try(method, r, path, form)
	if err != nil {
		v.t.Fatalf("%s %s on %s: %v", method, path, r.Name, err)
	}
	return a
}

// try is do for a request that may fail, as one in flight when its replica
// is killed: it returns the error instead of failing the test.
func (v *visitor) try(method string, r *gatehousetest.Replica, path string, form url.Values) (*answer, error) {
	var body io.Reader
	if form != nil {
		f := url.Values{}
		for k, vs := range form {
			f[k] = vs
		}
		if f.Get("csrf_token") == "" {
			f.Set("csrf_token", v.csrf)
		}
		body = strings.NewReader(f.Encode())
	}
	req, err := http.NewRequest(method, r.URL+path, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "replica-test")
	req.Header.Set("X-Forwarded-For", v.ip)
	for name, value := range v.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(v.cookies, c.Name)
		} else {
			v.cookies[c.Name] = c.Value
		}
	}
	a := &answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if m := csrfInput.FindStringSubmatch(a.body); m != nil {
		v.csrf = m[1]
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		a.location = strings.TrimPrefix(loc, publicURL)
	}
	return a, nil
}

func (v *visitor) get(r *gatehousetest.Replica, path string) *answer {
	v.t.Helper()
	return v.do(http.MethodGet, r, path, nil)
}

func (v *visitor) post(r *gatehousetest.Replica, path string, form url.Values) *answer {
	v.t.Helper()
	return v.do(http.MethodPost, r, path, form)
}

// signIn loads the sign-in form from one replica and posts it to another (a
// balancer sends each request where it likes) and returns the answer.
func (v *visitor) signIn(form, post *gatehousetest.Replica, identifier, password string) *answer {
	v.t.Helper()
	if a := v.get(form, "/login"); a.status != http.StatusOK {
		v.t.Fatalf("GET /login on %s: %d\n%s", form.Name, a.status, a.body)
	}
	return v.post(post, "/login", url.Values{"identifier": {identifier}, "password": {password}})
}

// mustSignIn signs in and fails the test unless the member lands on /account.
func (v *visitor) mustSignIn(form, post *gatehousetest.Replica, identifier, password string) {
	v.t.Helper()
	if a := v.signIn(form, post, identifier, password); a.status != http.StatusSeeOther || a.location != "/account" {
		v.t.Fatalf("sign-in as %s (form from %s, posted to %s): %d to %q\n%s", identifier, form.Name, post.Name, a.status, a.location, a.body)
	}
}

// whoami asks a replica's session API whose session the visitor holds: the
// username, or "" with the status when the answer is not 200.
func (v *visitor) whoami(r *gatehousetest.Replica) (string, int) {
	v.t.Helper()
	a := v.get(r, "/api/v1/session")
	if a.status != http.StatusOK {
		return "", a.status
	}
	m := regexp.MustCompile(`"username": "([^"]*)"`).FindStringSubmatch(a.body)
	if m == nil {
		v.t.Fatalf("session API on %s: no username in %s", r.Name, a.body)
	}
	return m[1], a.status
}
