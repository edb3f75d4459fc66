package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/app"
	"github.com/gatehouse-auth/gatehouse/blocklist"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// configFlags parses the configuration flags of a command (and its own flags,
// registered by extra) and loads the configuration.
func configFlags(e env, name string, args []string, extra func(fs *flag.FlagSet)) (*Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("gatehouse "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	vals := addConfigFlags(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, errUsage
	}
	cfg, err := loadConfig(fs, vals, e.getenv)
	if err != nil {
		return nil, nil, fmt.Errorf("configuration:\n%w", err)
	}
	return cfg, fs, nil
}

var errUsage = errors.New("usage")

// openApp parses a command's flags and wires the application on a migrated
// database, for the commands that act on the database and exit.
func openApp(ctx context.Context, e env, name string, args []string, extra func(fs *flag.FlagSet)) (*app.App, *flag.FlagSet, error) {
	cfg, fs, err := configFlags(e, name, args, extra)
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(cfg, e.stderr)
	st, err := openStore(ctx, cfg, log, true)
	if err != nil {
		return nil, nil, err
	}
	a, err := build(ctx, cfg, log, st)
	if err != nil {
		return nil, nil, err
	}
	return a, fs, nil
}

func cmdServe(ctx context.Context, e env, args []string) error {
	cfg, _, err := configFlags(e, "serve", args, nil)
	if err != nil {
		return err
	}
	log := newLogger(cfg, e.stderr)
	st, err := openStore(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	a, err := build(ctx, cfg, log, st)
	if err != nil {
		return err
	}
	defer a.Close()
	blocklist.Load()

	// Requests are served as their host's organization's.
	a.Web.Orgs = a.Orgs

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Past the request timeout a handler answers 503; the connection's own
		// limit leaves it time to write that answer.
		WriteTimeout:   cfg.RequestTimeout + 30*time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       nil,
	}

	if link, err := a.Recovery.SetupLink(ctx, gatehouse.DefaultOrgID); err != nil {
		return err
	} else if link != "" {
		fmt.Fprintf(e.stdout, "\nNo owner account exists yet. Open this link within 1 hour to create it:\n\n  %s\n\n", link)
	}
	log.Info("gatehouse listening", "address", ln.Addr().String(), "public_url", cfg.PublicURL.String(), "version", version)

	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	if cfg.PprofListen != "" {
		if err := servePprof(bg, cfg.PprofListen, log); err != nil {
			return fmt.Errorf("GATEHOUSE_PPROF_LISTEN: %w", err)
		}
	}
	// Change notices keep this replica's session cache in step with the others.
	if err := st.Listen(bg, sqlstore.ListenOptions{URL: cfg.NotifyDatabaseURL}); err != nil {
		return fmt.Errorf("listening for change notices: %w", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { a.Run(bg) })

	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	select {
	case err := <-serveErr:
		stopBG()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	err = hs.Shutdown(sctx)
	stopBG()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func cmdMigrate(ctx context.Context, e env, args []string) error {
	a, _, err := openApp(ctx, e, "migrate", args, nil)
	if err != nil {
		return err
	}
	a.Close()
	fmt.Fprintln(e.stdout, "The database is up to date.")
	return nil
}
