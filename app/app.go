// Package app wires Gatehouse together: from a Config and a migrated store it
// builds every part (the hasher, the counters, in Redis when configured, the
// transports, the outbox, the use cases, the CAPTCHA, the delivery worker and
// the web server) and runs the background work (the worker and the cleanup
// loop). `gatehouse serve`, the test helpers (gatehousetest/webtest) and the
// load tool all build the application here, so that the server under test is
// the server people run.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/apikey"
	"github.com/gatehouse-auth/gatehouse/blocklist"
	"github.com/gatehouse-auth/gatehouse/brand"
	"github.com/gatehouse-auth/gatehouse/captcha"
	"github.com/gatehouse-auth/gatehouse/delivery"
	"github.com/gatehouse-auth/gatehouse/factors"
	"github.com/gatehouse-auth/gatehouse/internal/safehttp"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/org"
	"github.com/gatehouse-auth/gatehouse/outbox"
	"github.com/gatehouse-auth/gatehouse/passkey"
	"github.com/gatehouse-auth/gatehouse/prefs"
	"github.com/gatehouse-auth/gatehouse/profile"
	"github.com/gatehouse-auth/gatehouse/recovery"
	"github.com/gatehouse-auth/gatehouse/redisstore"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/signin"
	"github.com/gatehouse-auth/gatehouse/sms"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/gatehouse-auth/gatehouse/twofactor"
	"github.com/gatehouse-auth/gatehouse/web"
	"github.com/gatehouse-auth/gatehouse/webhook"
)

// Config is what the application is built from: plain values, validated by
// the caller (cmd/gatehouse reads them from the environment, flags and the
// configuration file). The zero value of every field but Web.PublicURL works.
type Config struct {
	// Web configures the web server; its PublicURL is also the base of every
	// link the use cases build.
	Web web.Config
	// MailURL and SMSURL choose the transports (mail.Open, sms.Open); ""
	// means none, and messages of that channel wait in the outbox.
	MailURL          string
	SMSURL           string
	SMSWebhookSecret string
	// RedisURL, when set, keeps the throttling counters in Redis under
	// RedisPrefix instead of in the database.
	RedisURL    string
	RedisPrefix string
	// Hash sets the password hasher (argon2id); the server's metrics also
	// observe its wall and CPU time.
	Hash secret.HasherConfig
	// MailRetention is how long sent and failed messages are kept; the
	// cleanup deletes them after.
	MailRetention time.Duration
	// DeliveryLease and DeliveryPoll tune the delivery worker (zero: its
	// defaults).
	DeliveryLease time.Duration
	DeliveryPoll  time.Duration
	// WebhookPoll is how often the webhook worker looks for due deliveries
	// (zero: its default).
	WebhookPoll time.Duration
	// CleanupEvery is how often the expired rows are deleted; default 10 minutes.
	CleanupEvery time.Duration
	// ID names this process among the replicas sharing the database, in its
	// claims on messages and jobs; default: host name, process id and random
	// digits.
	ID string
	// Now is the clock of every part; default time.Now. Tests set it.
	Now func() time.Time
	// CaptchaDifficulty is the builtin CAPTCHA's difficulty in bits; zero:
	// the default. CaptchaVerifyURL, when set, is where Turnstile and hCaptcha
	// answers are verified instead of the providers' services (tests).
	CaptchaDifficulty int
	CaptchaVerifyURL  string
	// WebhooksAllowPrivate lets webhooks and back-channel logouts go to
	// private and loopback addresses (tests, closed networks).
	WebhooksAllowPrivate bool
	// OIDCAccessTTL and OIDCKeyRotation tune the OpenID Connect provider
	// (zero: its defaults).
	OIDCAccessTTL   time.Duration
	OIDCKeyRotation time.Duration
	// Operators configures the service desk.
	Operators OperatorConfig
}

// App is the application: every part, for its commands and its tests.
type App struct {
	ID        string
	Log       *slog.Logger
	Store     *sqlstore.Store
	Counters  gatehouse.Counters
	Redis     *redisstore.Counters // nil unless the counters live in Redis
	Hasher    *secret.Hasher
	Outbox    *outbox.Outbox
	Account   *account.Service
	SignIn    *signin.Service
	TwoFactor *twofactor.Service
	Admin     *admin.Service
	Recovery  *recovery.Service
	APIKeys   *apikey.Service
	Factors   *factors.Service
	Passkeys  *passkey.Service
	Profile   *profile.Service
	Webhooks  *webhook.Service
	Hooks     *webhook.Worker // delivers webhooks
	OIDC      *oidc.Provider
	Captcha   *captcha.Checker
	Worker    *delivery.Worker
	Web       *web.Server
	Metrics   *web.Metrics
	// Orgs manages the organizations; Desk is the service desk (operators).
	Orgs *org.Service
	Desk *operator.Service

	cfg     Config
	closers []func() error
}

// New builds the application on st, a migrated store that the App then owns
// (Close closes it). log may be nil (discard).
func New(ctx context.Context, cfg Config, st *sqlstore.Store, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Web.PublicURL == nil {
		return nil, errors.New("app: Config.Web.PublicURL is required")
	}
	if cfg.ID == "" {
		cfg.ID = replicaID()
	}
	a := &App{ID: cfg.ID, Log: log, Store: st, Counters: st, cfg: cfg}
	if err := a.build(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context) error {
	cfg, st := a.cfg, a.Store
	if cfg.RedisURL != "" {
		c, err := redisstore.Open(ctx, cfg.RedisURL, cfg.RedisPrefix)
		if err != nil {
			return fmt.Errorf("GATEHOUSE_REDIS_URL: %w", err)
		}
		a.Counters, a.Redis = c, c
		a.closers = append(a.closers, c.Close)
	}
	hc := cfg.Hash
	a.Metrics = web.NewMetrics()
	hc.OnHash, hc.OnHashCPU = a.Metrics.ObserveHash, a.Metrics.ObserveHashCPU
	h, err := secret.NewHasher(hc)
	if err != nil {
		return err
	}
	a.Hasher = h
	var mailT mail.Transport
	if cfg.MailURL != "" {
		if mailT, err = mail.Open(cfg.MailURL, mail.Options{}); err != nil {
			return err
		}
	}
	var smsT sms.Transport
	if cfg.SMSURL != "" {
		if smsT, err = sms.Open(cfg.SMSURL, sms.Options{WebhookSecret: cfg.SMSWebhookSecret}); err != nil {
			return err
		}
	}
	captchaKey, err := st.ServerKey(ctx, "captcha", 32)
	if err != nil {
		return err
	}
	a.Captcha = &captcha.Checker{Key: captchaKey, Store: st, Log: a.Log, Now: cfg.Now, Difficulty: cfg.CaptchaDifficulty,
		TurnstileURL: cfg.CaptchaVerifyURL, HCaptchaURL: cfg.CaptchaVerifyURL}
	a.Worker = &delivery.Worker{Outbox: st, Mail: mailT, SMS: smsT, Log: a.Log, ID: a.ID, Now: cfg.Now,
		Lease: cfg.DeliveryLease, Poll: cfg.DeliveryPoll}
	a.Outbox = &outbox.Outbox{Composer: &mail.Templates{}, Waker: a.Worker, Recipients: st, Brands: st,
		PublicURL: cfg.Web.PublicURL, Now: cfg.Now}
	a.Account = &account.Service{
		Store: st, Tx: sqlstore.Transactor[account.Tx](st), Counters: a.Counters, Hasher: h, Blocklist: blocklist.Default(),
		Outbox: a.Outbox, Captcha: a.Captcha, PublicURL: cfg.Web.PublicURL, Now: cfg.Now,
	}
	a.TwoFactor = &twofactor.Service{Store: st, Tx: sqlstore.Transactor[twofactor.Tx](st), Steps: a.Account,
		Counters: a.Counters, Outbox: a.Outbox, Now: cfg.Now}
	a.Passkeys = &passkey.Service{Store: st, Outbox: a.Outbox, PublicURL: cfg.Web.PublicURL, Passwords: a.Account, Now: cfg.Now}
	a.SignIn = &signin.Service{Store: st, Tx: sqlstore.Transactor[signin.Tx](st), Steps: a.Account, Factors: a.TwoFactor,
		Counters: a.Counters, Hasher: h, Passkeys: a.Passkeys, Now: cfg.Now, Log: a.Log}
	a.Admin = AdminOf(a.Account, st)
	a.Recovery = RecoveryOf(a.Account, a.SignIn, st)
	a.Webhooks = &webhook.Service{Store: st, AllowPrivate: cfg.WebhooksAllowPrivate, Now: cfg.Now}
	// A webhook claim outlasts the longest send (safehttp's timeout), so that
	// a slow receiver is not sent the same event twice while it answers.
	a.Hooks = &webhook.Worker{Store: st, ID: a.ID, Log: a.Log, Now: cfg.Now, Poll: cfg.WebhookPoll, Lease: max(cfg.DeliveryLease, safehttp.DefaultTimeout+5*time.Second),
		Client: safehttp.NewClient(safehttp.Options{AllowPrivate: cfg.WebhooksAllowPrivate})}
	a.OIDC = a.oidcProvider()
	a.APIKeys = &apikey.Service{Store: st, Tx: sqlstore.Transactor[apikey.Store](st), Counters: a.Counters, Now: cfg.Now, Log: a.Log}
	csrfKey, err := st.ServerKey(ctx, "csrf", 32)
	if err != nil {
		return err
	}
	if a.Web, err = web.New(a.Account, a.Log, cfg.Web, csrfKey); err != nil {
		return err
	}
	a.Web.SignIn, a.Web.TwoFactor, a.Web.Mobile = a.SignIn, a.TwoFactor, a.TwoFactor.Mobile()
	a.Web.Admin = a.Admin
	a.Web.Recovery = a.Recovery
	a.Web.APIKeys = a.APIKeys
	a.Factors = &factors.Service{Store: st}
	a.Profile = &profile.Service{Store: st, Tx: sqlstore.Transactor[profile.Store](st), Counters: a.Counters, Outbox: a.Outbox,
		Passwords: a.Account, Links: a.Account, Now: cfg.Now}
	a.Web.Profile = a.Profile
	a.Web.Factors = a.Factors
	a.Web.Passkeys = a.Passkeys
	a.Web.Webhooks = a.Webhooks
	a.Web.Prefs = &prefs.Service{Tx: sqlstore.Transactor[prefs.Store](st), Now: cfg.Now}
	a.Web.Brand = &brand.Service{Store: st, Tx: sqlstore.Transactor[brand.Store](st), Now: cfg.Now}
	a.Web.OIDC = a.OIDC
	a.Web.Ready = a.Ready
	a.Web.Metrics = a.Metrics
	a.buildDesk()
	return nil
}

// AdminOf builds the administrators' use cases on acc's dependencies and st.
func AdminOf(acc *account.Service, st *sqlstore.Store) *admin.Service {
	return &admin.Service{Store: st, Tx: sqlstore.Transactor[admin.Tx](st), Steps: acc, Counters: acc.Counters,
		Hasher: acc.Hasher, Blocklist: acc.Blocklist, Resends: sqlstore.Transactor[admin.ResendTx](st),
		Factors: sqlstore.Transactor[admin.FactorTx](st), Now: acc.Now, Rand: acc.Rand}
}

// RecoveryOf builds the use cases of one-time links on acc's dependencies,
// the sign-in a reset starts (si) and st.
func RecoveryOf(acc *account.Service, si recovery.SignIns, st *sqlstore.Store) *recovery.Service {
	return &recovery.Service{Store: st, Tx: sqlstore.Transactor[recovery.Tx](st), Steps: acc, SignIns: si, Counters: acc.Counters,
		Captcha: acc.Captcha, Hasher: acc.Hasher, Blocklist: acc.Blocklist, Now: acc.Now, Rand: acc.Rand}
}

// Handler returns the web server's handler.
func (a *App) Handler() http.Handler { return a.Web.Handler() }

// Run runs the background work until ctx ends: the delivery worker, the
// webhook worker, the cleanup loop and the OpenID Connect loop. It returns
// when all have stopped.
func (a *App) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { _ = a.Worker.Run(ctx) })
	wg.Go(func() { a.Hooks.Run(ctx) })
	wg.Go(func() { a.RunCleanup(ctx) })
	wg.Go(func() { a.RunOIDC(ctx) })
	wg.Wait()
}

// Close releases what the App holds: the Redis client and the store.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.Store.Close()
}

// Ready reports whether this replica can serve, for /readyz: the database
// answers and takes writes (sqlstore.Store.Ready), and Redis answers when the
// counters live there, since no sign-in can be counted, nor so served, without it.
func (a *App) Ready(ctx context.Context) error {
	if err := a.Store.Ready(ctx); err != nil {
		reason := "database unreachable"
		if errors.Is(err, sqlstore.ErrWritesFailing) {
			reason = "database refuses writes"
		}
		return &web.Unready{Reason: reason, Err: err}
	}
	if a.Redis != nil {
		if err := a.Redis.Ping(ctx); err != nil {
			return &web.Unready{Reason: "redis unreachable", Err: err}
		}
	}
	return nil
}

// replicaID returns a name for this process that no other replica shares: the
// host name, the process id and random digits (a restarted container may get
// the same host name and process id).
func replicaID() string {
	host, _ := os.Hostname()
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
}
