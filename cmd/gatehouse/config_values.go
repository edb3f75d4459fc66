package main

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
)

// Checking and parsing single configuration values (config.go reads them).

// validHostPort reports whether addr is host:port with a numeric port, what
// net.Listen needs (a service name would depend on /etc/services).
// It must also be written the usual way ("[]:0" splits, but as a URL's host
// it would be no host at all).
func validHostPort(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || net.JoinHostPort(host, port) != addr {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535 && port == strconv.Itoa(n) && validHost(host)
}

// validHost accepts an empty host (every interface), an IP address or a DNS name:
// anything else (spaces, control characters) would only fail later, when the
// server listens or builds its default public URL, and be blamed elsewhere.
func validHost(host string) bool {
	if host == "" {
		return true
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	if len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	return true
}

func intIn(v string, min, max int, name string, bad func(string, string)) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < min || n > max {
		bad(name, fmt.Sprintf("must be a whole number from %d to %d", min, max))
		return min
	}
	return n
}

func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or network", part)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not a network like 10.0.0.0/8", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
