package gatehousetest

import (
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy is a TCP proxy on 127.0.0.1 between a program under test and a server
// it needs, such as PostgreSQL. The test can cut it, to play a database that
// has become unreachable, or stall it, to play a network that drops packets,
// and restore it, without touching the server itself, which other tests share.
type Proxy struct {
	target string
	addr   string

	mu      sync.Mutex
	flowing *sync.Cond // signalled when stalled ends or connections are dropped
	stalled bool
	held    int // chunks of data waiting for the stall to end
	ln      net.Listener
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
}

// NewProxy starts a proxy to target (host:port) on a free port of 127.0.0.1
// and closes it when t ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p := &Proxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	p.flowing = sync.NewCond(&p.mu)
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
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if n > 0 {
					if !p.wait(src) {
						break
					}
					if _, err := dst.Write(buf[:n]); err != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			p.drop(dst)
			p.drop(src)
		}
		p.wg.Go(func() { pipe(up, c) })
		p.wg.Go(func() { pipe(c, up) })
	}
}

// wait holds what src sent while the proxy is stalled, and reports whether it
// may be passed on (src was not dropped meanwhile).
func (p *Proxy) wait(src net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled {
		p.held++
		defer func() { p.held-- }()
	}
	for p.stalled {
		if _, ok := p.conns[src]; !ok {
			return false
		}
		p.flowing.Wait()
	}
	_, ok := p.conns[src]
	return ok
}

// Held returns how many sends, in either direction, wait for a stall to end:
// a test can tell that the program under test is waiting for the server.
func (p *Proxy) Held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held
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
	p.flowing.Broadcast()
	p.mu.Unlock()
}

// Stall keeps every connection open but passes nothing on, in either
// direction, and accepts new connections without answering them, until
// Restore: to the program under test the server's packets are lost.
func (p *Proxy) Stall() {
	p.mu.Lock()
	p.stalled = true
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

// Restore ends Cut or Stall: connections are accepted again, on the same
// port, and data flows. It panics if another program took the port meanwhile,
// which on 127.0.0.1 is rare enough to ignore.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.stalled = false
	p.flowing.Broadcast()
	p.mu.Unlock()
	if err := p.listen(); err != nil {
		panic("gatehousetest: restoring the proxy: " + err.Error())
	}
}

// Close cuts the proxy for good and waits for its goroutines.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.stalled = false
	p.mu.Unlock()
	p.Cut()
	p.wg.Wait()
}
