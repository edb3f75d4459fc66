package gatehousetest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy is a TCP proxy on 127.0.0.1 between a program under test and a server
// it needs, such as PostgreSQL. The test can cut it, to play a database that
// has become unreachable, and restore it, without touching the server itself,
// which other tests share.
type Proxy struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// NewProxy starts a proxy to target (host:port) on a free port of 127.0.0.1
// and closes it when t ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p := &Proxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	if err := p.listen(); err != nil {
		t.Fatalf("gatehousetest: starting the proxy: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// NewPostgresProxy starts a proxy to the server of the postgres:// URL dbURL
// and returns the proxy and the same URL with the proxy in place of the server.
func NewPostgresProxy(t testing.TB, dbURL string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("gatehousetest: %v", err)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "5432")
	}
	p := NewProxy(t, host)
	u.Host = p.Addr()
	return p, u.String()
}

// Addr returns the proxy's host:port.
func (p *Proxy) Addr() string { return p.addr }

func (p *Proxy) listen() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.addr, p.ln = ln.Addr().String(), ln
	p.wg.Go(func() { p.accept(ln) })
	return nil
}

func (p *Proxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.ln != ln { // cut meanwhile
			p.mu.Unlock()
			c.Close()
			up.Close()
			continue
		}
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			_, _ = io.Copy(dst, src)
			p.drop(dst)
			p.drop(src)
		}
		p.wg.Go(func() { pipe(up, c) })
		p.wg.Go(func() { pipe(c, up) })
	}
}

// drop closes c with a reset, as a failing network or a crashed server would,
// rather than with an orderly goodbye.
func (p *Proxy) drop(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// Cut resets every connection through the proxy and refuses new ones until
// Restore: to the program under test the server is gone.
func (p *Proxy) Cut() {
	p.mu.Lock()
	ln := p.ln
	p.ln = nil
	conns := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for _, c := range conns {
		p.drop(c)
	}
}

// Restore accepts connections again, on the same port. It panics if another
// program took the port meanwhile, which on 127.0.0.1 is rare enough to ignore.
func (p *Proxy) Restore() {
	if err := p.listen(); err != nil {
		panic("gatehousetest: restoring the proxy: " + err.Error())
	}
}

// Close cuts the proxy for good and waits for its goroutines.
func (p *Proxy) Close() {
	p.Cut()
	p.wg.Wait()
}
