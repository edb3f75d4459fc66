package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofMux serves the Go runtime's profiles. It is its own mux, never the
// default one, so that nothing else can end up on the profiling listener and
// the profiles can never appear on the public one.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// servePprof serves the profiles on addr until ctx ends. It is opt-in
// (GATEHOUSE_PPROF_LISTEN) because profiles reveal the program's internals and
// a CPU profile costs CPU while it runs.
func servePprof(ctx context.Context, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: pprofMux(), ReadHeaderTimeout: 10 * time.Second}
	log.Warn("serving Go profiles; do not expose this address", "address", ln.Addr().String())
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	go func() { _ = hs.Serve(ln) }()
	return nil
}
