// Package webtest boots a complete Gatehouse for tests, the application that
// gatehouse serve runs (package app): a real database (SQLite,
// or PostgreSQL when configured), real argon2id hashing with small parameters,
// the real router and pages, and the outbox drained by the real delivery worker
// into an in-test SMTP server. Browser drives it over HTTP with cookies, the way
// a person's browser would.
package webtest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/app"
	"github.com/gatehouse-auth/gatehouse/captcha"
	"github.com/gatehouse-auth/gatehouse/delivery"
	"github.com/gatehouse-auth/gatehouse/forwardauth"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"github.com/gatehouse-auth/gatehouse/passkey"
	"github.com/gatehouse-auth/gatehouse/recovery"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/signin"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/gatehouse-auth/gatehouse/twofactor"
	"github.com/gatehouse-auth/gatehouse/web"
	"github.com/gatehouse-auth/gatehouse/webhook"
)

// Options adjust a test server; the zero value is a fresh SQLite server.
type Options struct {
	// Localhost names the server http://localhost:PORT instead of by its IP
	// address, in its URL and its public URL: WebAuthn refuses an IP address
	// as the relying party id, and browsers treat localhost as secure.
	Localhost bool
	// DatabaseURL of an empty database; "" means a new SQLite file.
	DatabaseURL string
	// PublicURL overrides the configured public URL (default: the test server's).
	PublicURL string
	// PseudoLocale offers the pseudo-locale en-XA (web.Config.PseudoLocale).
	PseudoLocale bool
	// Settings are organization settings applied before the test starts.
	Settings map[string]string
	// SMSURL is the GATEHOUSE_SMS_URL; default a file directory in t.TempDir().
	SMSURL string
	// NoWorker leaves the outbox undrained (for tests of the queue itself).
	NoWorker bool
	// CaptchaDifficulty is the builtin CAPTCHA's difficulty in bits; default 8,
	// so that Solve takes a few hundred hashes.
	CaptchaDifficulty int
	// CaptchaVerifyURL is where Turnstile and hCaptcha answers are verified
	// (a gatehousetest.CaptchaProvider); default the real services.
	CaptchaVerifyURL string
	// Log receives the server's logs, with the request_id of the request that
	// logged them as serve gives it; default: discarded.
	Log *slog.Logger
	// TrustedProxies are the networks whose X-Forwarded-For and X-Request-Id
	// the server believes; default none.
	TrustedProxies []netip.Prefix
	// HashObserver, if set, sees every hash computation of the server's
	// hasher (secret.HasherConfig.Observe), so tests can compare the work of
	// two outcomes without a clock.
	HashObserver func(secret.Op)
	// RequestTimeout is web.Config.RequestTimeout (serve's default is 30s);
	// default none.
	RequestTimeout time.Duration
	// ForwardAuth and CookieDomain are web.Config's (forward-auth tests).
	ForwardAuth  forwardauth.Config
	CookieDomain string
	// WebhookWorker delivers webhooks (to any address, private ones
	// included) while the test runs; without it deliveries stay queued.
	WebhookWorker bool
	// RedisURL, when set, keeps the throttling counters in that Redis (under
	// a prefix of the test's own), as GATEHOUSE_REDIS_URL does.
	RedisURL string
}

// Server is a running Gatehouse and everything a test may want to look at.
type Server struct {
	URL       string // the test server's base URL, no trailing slash
	HTTP      *httptest.Server
	Store     *sqlstore.Store
	Account   *account.Service
	SignIn    *signin.Service
	TwoFactor *twofactor.Service
	Mobile    *twofactor.Mobile
	Admin     *admin.Service
	// Recovery holds the one-time links: reset, activation, setup.
	Recovery *recovery.Service
	// Passkeys is the passkey service, on the public URL's relying party.
	Passkeys *passkey.Service
	Web      *web.Server
	Clock    *gatehousetest.Clock
	SMTP     *gatehousetest.SMTPServer
	Worker   *delivery.Worker
	Hasher   *secret.Hasher
	Captcha  *captcha.Checker
	OIDC     *oidc.Provider
	// Webhooks manages webhook endpoints (private addresses allowed);
	// HookWorker delivers them when Options.WebhookWorker is set.
	Webhooks   *webhook.Service
	HookWorker *webhook.Worker
	// App is the whole application, as gatehouse serve builds it.
	App *app.App
}

// TestHasher returns a hasher with argon2id parameters small enough for fast tests.
func TestHasher(t testing.TB) *secret.Hasher {
	return testHasher(t, nil)
}

func testHasher(t testing.TB, observe func(secret.Op)) *secret.Hasher {
	h, err := secret.NewHasher(secret.HasherConfig{Memory: 256, Time: 1, Threads: 1, Observe: observe})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Each runs fn against a fresh server on every available database.
func Each(t *testing.T, opts Options, fn func(t *testing.T, s *Server)) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			o := opts
			o.DatabaseURL = db.URL
			fn(t, New(t, o))
		})
	}
}

// New starts a server that stops when t ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	ctx := context.Background()
	if opts.Log != nil {
		opts.Log = slog.New(web.LogHandler(opts.Log.Handler()))
	}
	if opts.DatabaseURL == "" {
		opts.DatabaseURL = gatehousetest.SQLiteURL(t)
	}
	st := gatehousetest.NewStore(t, opts.DatabaseURL)
	clock := gatehousetest.NewClock()
	smtpSrv := gatehousetest.NewSMTPServer(t)
	if opts.SMSURL == "" {
		opts.SMSURL = "file://" + t.TempDir()
	}
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	if opts.Localhost {
		_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
		base = "http://localhost:" + port
	}
	pub := base
	if opts.PublicURL != "" {
		pub = opts.PublicURL
	}
	pubURL, err := url.Parse(pub)
	if err != nil {
		t.Fatal(err)
	}
	if opts.CaptchaDifficulty == 0 {
		opts.CaptchaDifficulty = 8
	}
	// The application gatehouse serve runs, with test-sized hashing, the
	// test's clock, its SMTP server and a quick look at the outbox.
	a, err := app.New(ctx, app.Config{
		Web: web.Config{PublicURL: pubURL, Version: "test", TrustedProxies: opts.TrustedProxies,
			ForwardAuth: opts.ForwardAuth, CookieDomain: opts.CookieDomain, RequestTimeout: opts.RequestTimeout,
			PseudoLocale: opts.PseudoLocale},
		MailURL: smtpSrv.URL(), SMSURL: opts.SMSURL, RedisURL: opts.RedisURL, RedisPrefix: redisPrefix(opts.RedisURL),
		Hash:         secret.HasherConfig{Memory: 256, Time: 1, Threads: 1, Observe: opts.HashObserver},
		DeliveryPoll: 50 * time.Millisecond, WebhookPoll: 50 * time.Millisecond, Now: clock.Now,
		CaptchaDifficulty: opts.CaptchaDifficulty, CaptchaVerifyURL: opts.CaptchaVerifyURL,
		WebhooksAllowPrivate: true,
	}, st, opts.Log)
	if err != nil {
		t.Fatal(err)
	}
	if a.Redis != nil {
		t.Cleanup(func() { a.Redis.Close() })
	}
	if len(opts.Settings) > 0 {
		if _, err := a.Admin.UpdateSettings(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, opts.Settings); err != nil {
			t.Fatalf("settings: %v", err)
		}
	}
	s := &Server{URL: base, HTTP: ts, Store: st, Account: a.Account, SignIn: a.SignIn, TwoFactor: a.TwoFactor, Mobile: a.Web.Mobile, Admin: a.Admin, Recovery: a.Recovery, Passkeys: a.Passkeys, Web: a.Web, Clock: clock, SMTP: smtpSrv,
		Hasher: a.Hasher, Captcha: a.Captcha, Webhooks: a.Webhooks, OIDC: a.OIDC, App: a}
	run := func(fn func(context.Context)) {
		wctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { fn(wctx) })
		t.Cleanup(func() { cancel(); wg.Wait() })
	}
	if opts.WebhookWorker {
		s.HookWorker = a.Hooks
		run(a.Hooks.Run)
	}
	if !opts.NoWorker {
		s.Worker = a.Worker
		run(func(ctx context.Context) { _ = a.Worker.Run(ctx) })
		run(a.RunCleanup)
	}
	ts.Config.Handler = a.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	return s
}

// redisPrefix gives each test its own keys in a shared Redis.
func redisPrefix(redisURL string) string {
	if redisURL == "" {
		return ""
	}
	return "webtest:" + gatehouse.NewID(nil) + ":"
}

// AddMember creates an active member with the password (or a never-activated one
// when password is "") and returns it.
func (s *Server) AddMember(t testing.TB, username, email, password string, role gatehouse.Role) *gatehouse.Member {
	t.Helper()
	m, _, err := s.Admin.CreateMember(context.Background(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.NewMember{
		OrgID: gatehouse.DefaultOrgID, Username: username, Email: email, Password: password, Role: role, DisplayName: "Test " + username,
	})
	if err != nil {
		t.Fatalf("AddMember %s: %v", username, err)
	}
	return m
}

// Member reloads a member from the store.
func (s *Server) Member(t testing.TB, id string) *gatehouse.Member {
	t.Helper()
	m, err := s.Store.Member(context.Background(), gatehouse.DefaultOrgID, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Audit returns the organization's audit events of the given types, newest first.
func (s *Server) Audit(t testing.TB, types ...gatehouse.EventType) []*gatehouse.AuditEvent {
	t.Helper()
	evs, _, err := s.Store.AuditEvents(context.Background(), gatehouse.DefaultOrgID, gatehouse.AuditFilter{Types: types, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string {
	u, _ := url.Parse(s.URL)
	return u.Host
}

// Dial opens a raw TCP connection to the server, for malformed requests.
func (s *Server) Dial(t testing.TB) net.Conn {
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Do sends a request as is, without cookies, and returns the response.
func (s *Server) Do(t testing.TB, r *http.Request) *Response {
	t.Helper()
	return roundTrip(t, &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, r)
}

// VerifyMobile marks m's mobile number verified, as a code sent to it and
// entered would, for tests of members whose number is proven theirs.
func (s *Server) VerifyMobile(t testing.TB, m *gatehouse.Member) {
	t.Helper()
	c := gatehouse.MemberChange{VerifiedMobile: &m.Mobile, UpdatedAt: time.Now()}
	if err := s.Store.ChangeMember(context.Background(), m.OrgID, m.ID, c); err != nil {
		t.Fatalf("VerifyMobile %s: %v", m.Username, err)
	}
	c.Apply(m)
}

// Overwrite writes every field of m to the store (see gatehousetest.Overwrite),
// for tests that arrange a member's record in one step.
func (s *Server) Overwrite(t testing.TB, m *gatehouse.Member) {
	t.Helper()
	if err := s.Store.ChangeMember(context.Background(), m.OrgID, m.ID, gatehousetest.Overwrite(m)); err != nil {
		t.Fatalf("Overwrite %s: %v", m.Username, err)
	}
}

// NewApp builds the application on st as gatehouse serve does (app.New),
// with test-sized hashing, clock's time and publicURL, without a web server
// running: for tests of the use cases that need the parts wired together.
// Its background work is not started, and st stays the caller's to close.
func NewApp(t testing.TB, st *sqlstore.Store, clock *gatehousetest.Clock, publicURL *url.URL) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{Web: web.Config{PublicURL: publicURL, Version: "test"},
		Hash: secret.HasherConfig{Memory: 256, Time: 1, Threads: 1}, Now: clock.Now}, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
