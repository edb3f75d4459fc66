package main

import (
	"context"
	"fmt"
	"io"
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
	"github.com/gatehouse-auth/gatehouse/redisstore"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/sms"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// app is the wired-together server: every concrete part, built from a Config.
type app struct {
	cfg      *Config
	log      *slog.Logger
	store    *sqlstore.Store
	counters gatehouse.Counters
	hasher   *secret.Hasher
	account  *account.Service
	worker   *delivery.Worker
	closers  []func() error
}

// newLogger builds the process logger from the configuration.
func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens (and, when migrate is set, migrates) the database, creating
// the data directory for a SQLite file.
func openStore(ctx context.Context, cfg *Config, log *slog.Logger, migrate bool) (*sqlstore.Store, error) {
	if path, ok := strings.CutPrefix(cfg.DatabaseURL, "sqlite:"); ok {
		path = strings.TrimPrefix(path, "//")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("creating the data directory: %w", err)
			}
		}
	}
	st, err := sqlstore.Open(ctx, cfg.DatabaseURL, sqlstore.Options{Log: log})
	if err != nil {
		return nil, err
	}
	if migrate {
		if err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, err
		}
	}
	return st, nil
}

// build wires the application. The database must already be migrated.
func build(ctx context.Context, cfg *Config, log *slog.Logger, st *sqlstore.Store, onHash func(time.Duration)) (*app, error) {
	a := &app{cfg: cfg, log: log, store: st, counters: st}
	if cfg.RedisURL != "" {
		c, closeFn, err := openRedisCounters(ctx, cfg.RedisURL)
		if err != nil {
			return nil, err
		}
		a.counters = c
		a.closers = append(a.closers, closeFn)
	}
	h, err := secret.NewHasher(secret.HasherConfig{
		Memory: cfg.HashMemoryKiB, Time: cfg.HashTime, Threads: cfg.HashThreads,
		MemoryBudget: int64(cfg.HashBudgetMiB) << 20, QueueLength: cfg.HashQueue, OnHash: onHash,
	})
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
	a.account = &account.Service{
		Store: st, Counters: a.counters, Hasher: h, Blocklist: blocklist.Default(), Composer: templates,
		Captcha:   &captcha.Checker{Key: captchaKey, Store: st, Log: log},
		PublicURL: cfg.PublicURL, Log: log,
	}
	a.worker = &delivery.Worker{
		Outbox: st, Mail: mailT, SMS: smsT, Log: log,
		From: a.account.Sender, OnFailed: a.account.DeliveryFailed,
	}
	a.account.Kick = a.worker.Kick
	return a, nil
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.store.Close()
}

// cleanupLoop deletes expired rows every interval until ctx ends.
func (a *app) cleanupLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := a.store.DeleteExpired(ctx, time.Now(), a.cfg.MailRetention)
			if err != nil {
				a.log.Warn("deleting expired rows", "err", err)
			} else if n > 0 {
				a.log.Debug("deleted expired rows", "count", n)
			}
		}
	}
}

// openRedisCounters keeps throttling counters in Redis.
func openRedisCounters(ctx context.Context, url string) (gatehouse.Counters, func() error, error) {
	c, err := redisstore.Open(ctx, url)
	if err != nil {
		return nil, nil, fmt.Errorf("GATEHOUSE_REDIS_URL: %w", err)
	}
	return c, c.Close, nil
}
