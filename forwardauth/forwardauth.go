// Package forwardauth decides the questions of reverse proxies that ask
// Gatehouse before every request to an application (nginx auth_request,
// Traefik ForwardAuth, Caddy forward_auth): which request the proxy is
// asking about, whether its host is one Gatehouse protects, and whether a
// member's role may reach it. The HTTP answer is built in package web.
package forwardauth

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// Rule protects a host. Host is a name ("app.example.com", with or without
// a port) or a wildcard for its subdomains ("*.example.com"). Roles are the
// roles that may reach it; empty means every active member.
type Rule struct {
	Host  string
	Roles []gatehouse.Role
}

// Config is the forward-auth configuration: the protected hosts and the
// proxies whose headers are believed. The zero value protects nothing, and
// then /auth/forward refuses every request.
type Config struct {
	Rules []Rule
	// Proxies are the networks whose X-Forwarded-* and X-Original-* headers
	// are believed.
	Proxies []netip.Prefix
}

// Enabled reports whether any host is protected.
func (c *Config) Enabled() bool { return c != nil && len(c.Rules) > 0 }

// ParseRules reads GATEHOUSE_FORWARD_AUTH_HOSTS: comma-separated hosts, each
// optionally followed by "=" and the roles allowed, separated by "|":
//
//	app.example.com, admin.example.com=administrator|owner, *.tools.example.com
func ParseRules(s string) ([]Rule, error) {
	var out []Rule
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		host, roles, _ := strings.Cut(part, "=")
		host = strings.ToLower(strings.TrimSpace(host))
		if !validHost(host) {
			return nil, fmt.Errorf("%q is not a host name (or *.domain)", host)
		}
		r := Rule{Host: host}
		if roles != "" {
			for _, name := range strings.Split(roles, "|") {
				role := gatehouse.Role(strings.TrimSpace(name))
				if !role.Valid() {
					return nil, fmt.Errorf("%q: %q is not a role (member, administrator or owner)", host, name)
				}
				r.Roles = append(r.Roles, role)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func validHost(h string) bool {
	name, port, _ := splitPort(strings.TrimPrefix(h, "*."))
	if port != "" {
		for _, c := range port {
			if c < '0' || c > '9' {
				return false
			}
		}
		if len(port) > 5 {
			return false
		}
	}
	if name == "" || len(name) > 253 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func splitPort(h string) (string, string, error) {
	i := strings.LastIndexByte(h, ':')
	if i < 0 || strings.Contains(h[i:], "]") {
		return h, "", nil
	}
	return h[:i], h[i+1:], nil
}

// Rule returns the rule that protects host (a request's host, with or
// without port), or nil when the host is not protected. A rule naming a port
// matches only that port; one without matches every port. An exact name wins
// over a wildcard.
func (c *Config) Rule(host string) *Rule {
	if c == nil {
		return nil
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	name, _, _ := splitPort(host)
	for i := range c.Rules {
		r := &c.Rules[i]
		if !strings.HasPrefix(r.Host, "*.") && (r.Host == host || r.Host == name) {
			return r
		}
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if suffix, ok := strings.CutPrefix(r.Host, "*"); ok {
			if strings.HasSuffix(host, suffix) && len(host) > len(suffix) ||
				strings.HasSuffix(name, suffix) && len(name) > len(suffix) {
				return r
			}
		}
	}
	return nil
}

// Allows reports whether a member with role may reach the rule's host.
func (r *Rule) Allows(role gatehouse.Role) bool {
	return len(r.Roles) == 0 || slices.Contains(r.Roles, role)
}

// Trusted reports whether addr is one of the proxies.
func (c *Config) Trusted(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range c.Proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Target is the request a proxy asks about.
type Target struct {
	Method string
	URL    *url.URL // absolute: scheme, host, path and query
	// Nginx is set when the question came in nginx's form (X-Original-URL),
	// which cannot pass a redirect on: the answer is 401 with a Location.
	Nginx bool
}

// ErrNoTarget is the error of a question that names no request.
var ErrNoTarget = errors.New("the proxy did not say which request it asks about (X-Original-URL, or X-Forwarded-Proto, -Host and -Uri)")

// TargetOf reads the request a proxy asks about from its headers: nginx's
// X-Original-URL and X-Original-Method, or the X-Forwarded-Method, -Proto,
// -Host and -Uri of Traefik and Caddy. The caller believes them only from
// a trusted proxy.
func TargetOf(h http.Header) (*Target, error) {
	// Names in their canonical spelling: Get then need not make one for
	// each question (a reverse proxy asks before every request).
	if raw := h.Get("X-Original-Url"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("X-Original-URL %q is not an absolute http(s) URL", trim(raw))
		}
		return &Target{Method: method(h.Get("X-Original-Method")), URL: u, Nginx: true}, nil
	}
	proto, host, uri := h.Get("X-Forwarded-Proto"), h.Get("X-Forwarded-Host"), h.Get("X-Forwarded-Uri")
	if proto == "" && host == "" {
		return nil, ErrNoTarget
	}
	proto, _, _ = strings.Cut(proto, ",")
	proto = strings.ToLower(strings.TrimSpace(proto))
	host, _, _ = strings.Cut(host, ",")
	host = strings.TrimSpace(host)
	if proto != "http" && proto != "https" {
		return nil, fmt.Errorf("X-Forwarded-Proto %q is not http or https", trim(proto))
	}
	if host == "" || strings.ContainsAny(host, "/?#@\\ ") {
		return nil, fmt.Errorf("X-Forwarded-Host %q is not a host", trim(host))
	}
	if uri == "" {
		uri = "/"
	}
	if uri[0] != '/' {
		return nil, fmt.Errorf("X-Forwarded-Uri %q is not a path", trim(uri))
	}
	u, err := url.Parse(proto + "://" + host + uri)
	if err != nil || u.Host != host {
		return nil, fmt.Errorf("X-Forwarded-Host %q and -Uri %q do not make a URL", trim(host), trim(uri))
	}
	return &Target{Method: method(h.Get("X-Forwarded-Method")), URL: u}, nil
}

func method(m string) string {
	m = strings.ToUpper(strings.TrimSpace(m))
	if m == "" {
		return http.MethodGet
	}
	return m
}

func trim(s string) string {
	if len(s) > 100 {
		return s[:100]
	}
	return s
}

// ReturnURL returns raw when it is an absolute http(s) URL whose host is
// protected, so that the sign-in page may send the browser back there; ""
// otherwise. Only protected hosts are ever redirected to: no open redirect.
func (c *Config) ReturnURL(raw string) string {
	if !c.Enabled() || len(raw) > 2000 {
		return ""
	}
	for _, ch := range raw {
		if ch < 0x20 || ch == 0x7f || ch == '\\' {
			return ""
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	if c.Rule(u.Host) == nil {
		return ""
	}
	return u.String()
}
