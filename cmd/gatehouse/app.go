package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse-auth/gatehouse/app"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/gatehouse-auth/gatehouse/web"
)

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

// build wires the application (package app) on st, a migrated store that
// the application then owns.
func build(ctx context.Context, cfg *Config, log *slog.Logger, st *sqlstore.Store) (*app.App, error) {
	return app.New(ctx, appConfig(cfg), st, log)
}

// appConfig is the application's part of the process configuration.
func appConfig(cfg *Config) app.Config {
	return app.Config{
		Web: web.Config{
			PublicURL: cfg.PublicURL, TrustedProxies: cfg.TrustedProxies, MetricsAllow: cfg.MetricsAllow,
			TemplateDir: cfg.TemplateDir, Version: version, RequestTimeout: cfg.RequestTimeout,
			ForwardAuth: cfg.ForwardAuth, CookieDomain: cfg.SessionCookieDomain,
			DefaultOrgForUnknownHosts: cfg.DefaultOrgForUnknownHosts,
		},
		MailURL: cfg.MailURL, SMSURL: cfg.SMSURL, SMSWebhookSecret: cfg.SMSWebhookSecret,
		RedisURL: cfg.RedisURL, RedisPrefix: cfg.RedisPrefix,
		Hash: secret.HasherConfig{
			Memory: cfg.HashMemoryKiB, Time: cfg.HashTime, Threads: cfg.HashThreads,
			MemoryBudget: int64(cfg.HashBudgetMiB) << 20, QueueLength: cfg.HashQueue,
		},
		MailRetention: cfg.MailRetention, DeliveryLease: cfg.DeliveryLease,
		WebhooksAllowPrivate: cfg.WebhooksAllowPrivate,
		OIDCAccessTTL:        cfg.OIDCAccessTTL, OIDCKeyRotation: cfg.OIDCKeyRotation,
		Operators: app.OperatorConfig{IdleTimeout: cfg.OperatorIdleTimeout, SessionLifetime: cfg.OperatorSessionLifetime,
			MailFrom: cfg.OperatorMailFrom, MailFromName: cfg.OperatorMailFromName},
	}
}
