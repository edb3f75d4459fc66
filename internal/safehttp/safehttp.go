// Package safehttp is an HTTP client for requests to addresses that someone
// other than the operator chose (the URLs of webhook endpoints). It refuses to
// connect to private, loopback, link-local and other non-public addresses
// unless told to allow them, follows no redirects, ignores the proxy
// environment and gives up after a timeout.
//
// The check is made on the address actually dialed, after name resolution, so
// that a name that resolves to 127.0.0.1 (or is changed to, between a check and
// the request: DNS rebinding) is refused just like the literal address.
package safehttp

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout bounds a whole request, connection and answer included.
const DefaultTimeout = 10 * time.Second

// ErrRefused is wrapped by the error of a request to an address that is not
// allowed.
var ErrRefused = errors.New("safehttp: the address is not public")

// Options tune a client. The zero value refuses non-public addresses and times
// out after DefaultTimeout.
type Options struct {
	// AllowPrivate lets the client reach private, loopback and link-local
	// addresses: for tests and for receivers on a private network.
	AllowPrivate bool
	// Timeout bounds a request (default DefaultTimeout).
	Timeout time.Duration
}

// NewClient returns a client that follows Options. Its redirects are not
// followed: the answer is the 3xx itself.
func NewClient(o Options) *http.Client {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !o.AllowPrivate {
		d.Control = control
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us and bypass the check
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// control runs just before a socket connects, with the resolved address.
func control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrRefused, address)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrRefused, ap.Addr())
	}
	return nil
}

// nonPublic are ranges that are not reachable on the public internet, beyond
// those netip.Addr classifies itself.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may embed any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("100::/64"),        // discard-only
}

// Public reports whether a is an address on the public internet: not
// loopback, private (RFC 1918, unique local), link-local, multicast,
// unspecified, or one of the reserved ranges.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// CheckURL says why raw cannot be a target, or returns nil: it must be an
// absolute http or https URL without user information, with https required
// unless allowPrivate, and a literal address in it must be public unless
// allowPrivate. A name is only judged when it is dialed.
func CheckURL(raw string, allowPrivate bool) error {
	if len(raw) > 2000 {
		return errors.New("the URL is longer than 2000 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return errors.New("the URL must be absolute, like https://example.com/hooks")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowPrivate {
			return errors.New("the URL must use https")
		}
	default:
		return errors.New("the URL must use https")
	}
	if u.User != nil {
		return errors.New("the URL must not carry a user name or password")
	}
	if u.Fragment != "" {
		return errors.New("the URL must not have a fragment")
	}
	host := u.Hostname()
	if host == "" {
		return errors.New("the URL has no host")
	}
	if allowPrivate {
		return nil
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if !Public(a) {
			return errors.New("the URL's address is not public (private, loopback and link-local addresses are refused)")
		}
		return nil
	}
	lower := strings.ToLower(strings.TrimSuffix(host, "."))
	if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
		return errors.New("the URL's address is not public (private, loopback and link-local addresses are refused)")
	}
	return nil
}

// Refused reports whether err is the refusal of a non-public address.
func Refused(err error) bool { return errors.Is(err, ErrRefused) }
