// Package web serves Gatehouse's pages and its JSON API over HTTP. Handlers are
// thin: they parse the request, call a use case of package account and render the
// answer. Errors are mapped to HTTP statuses in one place (errors.go).
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/apikey"
	"github.com/gatehouse-auth/gatehouse/brand"
	"github.com/gatehouse-auth/gatehouse/factors"
	"github.com/gatehouse-auth/gatehouse/forwardauth"
	"github.com/gatehouse-auth/gatehouse/i18n"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/org"
	"github.com/gatehouse-auth/gatehouse/passkey"
	"github.com/gatehouse-auth/gatehouse/prefs"
	"github.com/gatehouse-auth/gatehouse/profile"
	"github.com/gatehouse-auth/gatehouse/recovery"
	"github.com/gatehouse-auth/gatehouse/signin"
	"github.com/gatehouse-auth/gatehouse/twofactor"
	"github.com/gatehouse-auth/gatehouse/webhook"
)

// Config is what the web layer needs to know about its deployment.
type Config struct {
	// PublicURL is the address at which members reach Gatehouse. Every link and
	// redirect is built from it; it also decides whether cookies are Secure.
	PublicURL *url.URL
	// TrustedProxies are the networks of load balancers whose X-Forwarded-For
	// header is believed. Empty: the client address is the TCP peer.
	TrustedProxies []netip.Prefix
	// TemplateDir, when set, holds templates that replace the embedded ones.
	TemplateDir string
	// MetricsAllow are the networks that may read /metrics; empty means loopback only.
	MetricsAllow []netip.Prefix
	// Version is shown by /healthz.
	Version string
	// RequestTimeout bounds each request; a request still waiting (for the
	// database) when it passes gets 503. Zero means no bound.
	RequestTimeout time.Duration
	// DefaultOrgForUnknownHosts serves a request to a host no organization has
	// as the default organization's, instead of a 404.
	DefaultOrgForUnknownHosts bool
	// ShedDelay is how long a sign-in turned away because password hashing is
	// saturated waits before its 503 (default DefaultShedDelay; negative: none).
	ShedDelay time.Duration
	// ForwardAuth configures GET /auth/forward (docs/forward-auth.md).
	ForwardAuth forwardauth.Config
	// CookieDomain, when set, scopes the session cookie to a domain and its
	// subdomains instead of Gatehouse's host (docs/forward-auth.md).
	CookieDomain string
	// PseudoLocale offers the pseudo-locale en-XA (every catalog text
	// marked), with which tests find text that is not translated.
	PseudoLocale bool
}

// DefaultShedDelay is how long a shed sign-in waits before it is answered. A
// client that sends its next request only when it has the answer to the last,
// as browsers, scripts and most flood tools do, is held back to one request per
// this long for each connection it keeps: answering at once would let a few
// hundred connections drive thousands of refused requests a second, whose
// handling would take the CPUs from every other request. A waiting request costs
// a parked goroutine and nothing else.
const DefaultShedDelay = 500 * time.Millisecond

// Server holds the handlers' dependencies.
type Server struct {
	// Account holds the passwords and the steps features share.
	Account *account.Service
	// SignIn holds the sign-in, its second step and the sessions.
	SignIn *signin.Service
	// TwoFactor holds a member's second factors; Mobile their mobile number.
	TwoFactor *twofactor.Service
	Mobile    *twofactor.Mobile
	// Admin holds the administrators' use cases.
	Admin *admin.Service
	// Recovery holds the one-time links: reset, activation, setup.
	Recovery *recovery.Service
	// APIKeys manages the API keys and authenticates the API's requests.
	APIKeys *apikey.Service
	Log     *slog.Logger
	Config  Config
	// Ready reports whether the server can serve: the database answers and
	// takes writes, Redis answers when it holds the counters. An *Unready error
	// names the part at fault for /readyz.
	Ready func(ctx context.Context) error
	// Metrics collects Prometheus metrics; New creates it.
	Metrics *Metrics
	// Orgs finds the organization of a request's Host; nil serves every
	// request as the default organization's (org_host.go).
	Orgs OrgFinder
	// OrgAdmin and Desk serve the service desk: its console at /operator and
	// /api/v1/operator (operator_*.go); nil leaves both unavailable.
	OrgAdmin *org.Service
	Desk     *operator.Service
	// OIDC is the OpenID Connect provider; nil turns its endpoints off.
	OIDC *oidc.Provider
	// Factors summarizes the second steps of a page of members, in one
	// query (the member list).
	Factors *factors.Service
	// Profile changes a member's own name and email addresses.
	Profile *profile.Service
	// Passkeys serves the passkey pages and ceremonies; nil: no passkeys.
	Passkeys *passkey.Service
	// Webhooks manages the organization's webhook endpoints; nil: the
	// webhook pages and API answer 404.
	Webhooks *webhook.Service
	// Prefs saves a member's own language and time zone; nil: the account
	// page's form answers 404.
	Prefs *prefs.Service
	// Brand holds the organization's logo and own texts; nil: pages show
	// neither, and its pages and API answer 404.
	Brand *brand.Service

	csrfKey []byte
	pages   *pages
	cookies
	locales
	mux *http.ServeMux
	// patterns are the registered route patterns, so tests can compare the API
	// the router serves with the API the OpenAPI document describes.
	patterns []string
	// unavailableLog and unavailableRequestLog limit the lines 503 answers write.
	unavailableLog, unavailableRequestLog logLimiter
}

// New builds a Server. csrfKey signs the anti-forgery tokens; replicas share it.
func New(acc *account.Service, log *slog.Logger, cfg Config, csrfKey []byte) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = slog.New(LogHandler(log.Handler()))
	cat := i18n.Default()
	if cfg.PseudoLocale {
		cat = i18n.WithPseudo()
	}
	p, err := loadPages(cfg.TemplateDir, cat.Lang(i18n.English))
	if err != nil {
		return nil, err
	}
	s := &Server{
		Account: acc, Log: log, Config: cfg, csrfKey: csrfKey, pages: p,
		cookies: cookies{secure: cfg.PublicURL != nil && cfg.PublicURL.Scheme == "https", domain: cfg.CookieDomain},
		locales: locales{cat: cat},
		Metrics: NewMetrics(),
	}
	s.routes()
	return s, nil
}

// Handler returns the HTTP handler with every middleware applied.
func (s *Server) Handler() http.Handler {
	return s.begin(s.recoverPanics(s.observe(s.securityHeaders(s.organization(s.requestLanguage(s.cookies, s.crossOrigin(http.HandlerFunc(s.routed))))))))
}

// route registers a page or API handler under an http.ServeMux pattern.
func (s *Server) route(pattern string, h http.HandlerFunc) {
	if auditsNotInOrg(pattern) {
		h = s.auditNotInOrg(pattern, h)
	}
	s.mux.HandleFunc(pattern, h)
	s.patterns = append(s.patterns, pattern)
}

// routes registers every route. Each feature registers its own, in its
// <feature>_routes.go file, on its own handler type (docs/architecture.md).
func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.route("GET /static/", s.static)
	signinPages{s}.routes()
	languagePages{s}.routes()
	prefsPages{s}.routes()
	recoveryPages{s}.routes()
	twofactorPages{s}.routes()
	accountPages{s}.routes()
	profilePages{s}.routes()
	adminPages{s}.routes()
	adminMemberPages{adminPages{s}}.routes()
	operatorAPI{s}.routes()
	operatorPages{s}.routes()
	apiEndpoints{s}.routes()
	healthPages{s}.routes()
	oidcPages{s}.routes()
	passkeyPages{s}.routes()
	forwardPages{s}.routes()
	webhookPages{s}.routes()
	uiPages{s}.routes()
	brandPages{s}.routes()
}

// client returns the request's client address, user agent and correlation
// id. X-Forwarded-For is believed only from a trusted proxy, and then its
// rightmost untrusted entry wins.
func (s *Server) client(r *http.Request) gatehouse.Client {
	ua := r.UserAgent()
	if len(ua) > 256 {
		ua = ua[:256]
	}
	return gatehouse.Client{IP: s.clientIP(r), UserAgent: ua, RequestID: RequestID(r.Context())}
}

func (s *Server) clientIP(r *http.Request) string {
	addr, ok := peerAddr(r)
	if !ok {
		return "unknown"
	}
	if !inAny(s.Config.TrustedProxies, addr) {
		return addr.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := splitComma(hops[i])
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(parts[j])
			if err != nil {
				return addr.String()
			}
			a = a.Unmap()
			if !inAny(s.Config.TrustedProxies, a) {
				return a.String()
			}
			addr = a
		}
	}
	return addr.String()
}

// inAny reports whether a is in one of the networks ps.
func inAny(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func splitComma(v string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(v); i++ {
		if i == len(v) || v[i] == ',' {
			part := v[start:i]
			for len(part) > 0 && (part[0] == ' ' || part[0] == '\t') {
				part = part[1:]
			}
			for len(part) > 0 && (part[len(part)-1] == ' ' || part[len(part)-1] == '\t') {
				part = part[:len(part)-1]
			}
			if part != "" {
				out = append(out, part)
			}
			start = i + 1
		}
	}
	return out
}

// link returns an absolute link to path built from the public URL.
func (s *Server) link(path string, q url.Values) string {
	return s.Account.Link(path, q)
}

// redirect sends the browser to a path of this server (303 See Other, so that a
// POST is followed by a GET). Locations are built from the public URL only.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, path string, q url.Values) {
	http.Redirect(w, r, s.orgLink(r, path, q), http.StatusSeeOther)
}

// now is the time as the use cases see it.
func (s *Server) now() time.Time {
	if s.Account.Now != nil {
		return s.Account.Now()
	}
	return time.Now()
}
