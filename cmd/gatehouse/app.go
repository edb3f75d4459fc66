package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/blocklist"
	"github.com/gatehouse-auth/gatehouse/captcha"
	"github.com/gatehouse-auth/gatehouse/delivery"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/outbox"
	"github.com/gatehouse-auth/gatehouse/redisstore"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/sms"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/gatehouse-auth/gatehouse/web"
)

// app is the wired-together server: every concrete part, built from a Config.
type app struct {
	// id names this process among the replicas sharing the database: in its
	// claims on queued messages and on periodic jobs, and in its logs.
	id       string
	cfg      *Config
	log      *slog.Logger
	store    *sqlstore.Store
	counters gatehouse.Counters
	redis    *redisstore.Counters // nil unless the counters live in Redis
	hasher   *secret.Hasher
	account  *account.Service
	worker   *delivery.Worker
	closers  []func() error
}

// newLogger builds the process logger from the configuration. Every line
// logged while a request is handled, by any part, carries its request_id.
func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(web.LogHandler(h))
}

// openStore opens (and, when migrate is set, migrates) the database, creating
// the data directory for a SQLite file. A SQLite file that cannot be written is
// refused at once with its path and the setting that chose it, rather than
// with whatever the first write says.
func openStore(ctx context.Context, cfg *Config, log *slog.Logger, migrate bool) (*sqlstore.Store, error) {
	path, isSQLite := sqliteFile(cfg.DatabaseURL)
	if isSQLite {
		if err := checkWritable(cfg, path); err != nil {
			return nil, err
		}
	}
	explain := func(err error) error {
		if !isSQLite {
			return err
		}
		return fmt.Errorf("%s: the SQLite database %s: %w", sqliteSetting(cfg, path), absPath(path), err)
	}
	st, err := sqlstore.Open(ctx, cfg.DatabaseURL, sqlstore.Options{Log: log})
	if err != nil {
		return nil, explain(err)
	}
	if migrate {
		if err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, explain(err)
		}
	}
	return st, nil
}

// sqliteFile returns the path of the file of a sqlite: database URL.
func sqliteFile(url string) (string, bool) {
	path, ok := strings.CutPrefix(url, "sqlite:")
	if !ok {
		return "", false
	}
	path = strings.TrimPrefix(path, "//")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path, true
}

// sqliteSetting names the setting that chose the SQLite file at path: the data
// directory when the file is in it (the default), else the database URL.
func sqliteSetting(cfg *Config, path string) string {
	if absPath(filepath.Dir(path)) == absPath(cfg.DataDir) {
		return "GATEHOUSE_DATA_DIR"
	}
	return "GATEHOUSE_DATABASE_URL"
}

// checkWritable makes sure that the directory of the SQLite file at path
// exists and can be written, as SQLite needs to write its journal next to the
// file, and that the file, if it exists, can be written too. Trying is the
// only test that holds for every case: a read-only mount, permissions (which
// root ignores), a full or failed disk.
func checkWritable(cfg *Config, path string) error {
	setting := sqliteSetting(cfg, path)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%s: cannot create the directory %s for the SQLite database: %w", setting, absPath(dir), err)
	}
	f, err := os.CreateTemp(dir, ".gatehouse-write-check-*")
	if err != nil {
		return fmt.Errorf("%s: the directory %s cannot be written (%w); the SQLite database %s and its journal live there: "+
			"make it writable by the user gatehouse runs as, on a read-write filesystem with free space", setting, absPath(dir), unwrapPath(err), absPath(path))
	}
	f.Close()
	os.Remove(f.Name())
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: %s is not a file: the SQLite database must be a regular file", setting, absPath(path))
		}
		db, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("%s: the SQLite database %s cannot be written (%w): make it writable by the user gatehouse runs as", setting, absPath(path), unwrapPath(err))
		}
		db.Close()
	}
	return nil
}

// unwrapPath drops the operation and path of a *fs.PathError, which the
// messages above already name, keeping the reason ("read-only file system").
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// hashObserver receives the wall and CPU time of every password hash: the
// server's metrics.
type hashObserver interface {
	ObserveHash(time.Duration)
	ObserveHashCPU(time.Duration)
}

// build wires the application. The database must already be migrated. obs may
// be nil (the commands other than serve).
func build(ctx context.Context, cfg *Config, log *slog.Logger, st *sqlstore.Store, obs hashObserver) (*app, error) {
	a := &app{id: replicaID(), cfg: cfg, log: log, store: st, counters: st}
	if cfg.RedisURL != "" {
		c, err := openRedisCounters(ctx, cfg.RedisURL, cfg.RedisPrefix)
		if err != nil {
			return nil, err
		}
		a.counters, a.redis = c, c
		a.closers = append(a.closers, c.Close)
	}
	hc := secret.HasherConfig{
		Memory: cfg.HashMemoryKiB, Time: cfg.HashTime, Threads: cfg.HashThreads,
		MemoryBudget: int64(cfg.HashBudgetMiB) << 20, QueueLength: cfg.HashQueue,
	}
	if obs != nil {
		hc.OnHash, hc.OnHashCPU = obs.ObserveHash, obs.ObserveHashCPU
	}
	h, err := secret.NewHasher(hc)
	if err != nil {
		return nil, err
	}
	a.hasher = h
	mailT, err := mail.Open(cfg.MailURL, mail.Options{})
	if err != nil {
		return nil, err
	}
	smsT, err := sms.Open(cfg.SMSURL, sms.Options{WebhookSecret: cfg.SMSWebhookSecret})
	if err != nil {
		return nil, err
	}
	templates := &mail.Templates{}
	captchaKey, err := st.ServerKey(ctx, "captcha", 32)
	if err != nil {
		return nil, err
	}
	a.worker = &delivery.Worker{Outbox: st, Mail: mailT, SMS: smsT, Log: log, ID: a.id, Lease: cfg.DeliveryLease}
	a.account = &account.Service{
		Store: st, Counters: a.counters, Hasher: h, Blocklist: blocklist.Default(),
		Outbox:    &outbox.Outbox{Composer: templates, Waker: a.worker},
		Captcha:   &captcha.Checker{Key: captchaKey, Store: st, Log: log},
		PublicURL: cfg.PublicURL, Log: log,
	}
	return a, nil
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.store.Close()
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

// cleanupJob is the name under which replicas take turns at deleting expired rows.
const cleanupJob = "cleanup"

// cleanupLoop runs the cleanup every interval until ctx ends. Every replica
// runs the loop; cleanup makes sure that only one of them works at a time.
func (a *app) cleanupLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ran, n, err := a.cleanup(ctx, time.Now(), every)
			switch {
			case err != nil:
				a.log.Warn("deleting expired rows", "err", err)
			case !ran:
				a.log.Debug("cleanup skipped: another replica has this round")
			case n > 0:
				a.log.Debug("deleted expired rows", "count", n)
			}
		}
	}
}

// cleanup deletes expired rows if this replica wins the claim on the cleanup
// job at now, and reports whether it did and how many rows went. The claim
// lasts one interval: it keeps the other replicas off until the next round is
// due, so the job runs about once per interval however many replicas there
// are. The round itself is cut off a tenth of an interval before its claim
// runs out (deletes go in small batches, so a cut-off round loses nothing),
// so that two rounds never overlap even when one is slow and the replicas'
// clocks differ a little.
func (a *app) cleanup(ctx context.Context, now time.Time, every time.Duration) (ran bool, n int, err error) {
	until := now.Add(every)
	ok, err := a.store.ClaimJob(ctx, cleanupJob, a.id, now, until)
	if err != nil || !ok {
		return false, 0, err
	}
	rctx, cancel := context.WithDeadline(ctx, until.Add(-every/10))
	defer cancel()
	n, err = a.store.DeleteExpired(rctx, now, a.cfg.MailRetention)
	return true, n, err
}

// openRedisCounters keeps throttling counters in Redis, under prefix.
func openRedisCounters(ctx context.Context, url, prefix string) (*redisstore.Counters, error) {
	c, err := redisstore.Open(ctx, url, prefix)
	if err != nil {
		return nil, fmt.Errorf("GATEHOUSE_REDIS_URL: %w", err)
	}
	return c, nil
}

// ready reports whether this replica can serve, for /readyz: the database
// answers and takes writes (sqlstore.Store.Ready), and Redis answers when the
// counters live there, since no sign-in can be counted, nor so served, without it.
func (a *app) ready(ctx context.Context) error {
	if err := a.store.Ready(ctx); err != nil {
		reason := "database unreachable"
		if errors.Is(err, sqlstore.ErrWritesFailing) {
			reason = "database refuses writes"
		}
		return &web.Unready{Reason: reason, Err: err}
	}
	if a.redis != nil {
		if err := a.redis.Ping(ctx); err != nil {
			return &web.Unready{Reason: "redis unreachable", Err: err}
		}
	}
	return nil
}
