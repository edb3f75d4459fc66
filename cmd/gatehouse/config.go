package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/forwardauth"
)

// Config is the process configuration, validated once here and handed down as
// plain values. Organization settings (password policy and so on) are not here:
// they live in the database, so every replica sees the same.
type Config struct {
	Listen           string
	PublicURL        *url.URL
	DatabaseURL      string
	DataDir          string
	MailURL          string
	SMSURL           string
	SMSWebhookSecret string
	RedisURL         string
	RedisPrefix      string
	LogLevel         slog.Level
	LogFormat        string
	TrustedProxies   []netip.Prefix
	MetricsAllow     []netip.Prefix
	TemplateDir      string
	HashMemoryKiB    uint32
	HashTime         uint32
	HashThreads      uint8
	HashBudgetMiB    int
	HashQueue        int
	ShutdownTimeout  time.Duration
	MailRetention    time.Duration
	DeliveryLease    time.Duration
	RequestTimeout   time.Duration
	// OIDCAccessTTL and OIDCKeyRotation: the OpenID Connect provider's
	// access-token lifetime and signing-key rotation period.
	OIDCAccessTTL   time.Duration
	OIDCKeyRotation time.Duration
	// PprofListen, when set, is the address of a separate listener serving
	// net/http/pprof; off by default.
	PprofListen string
	// ForwardAuth is the configuration of /auth/forward (docs/forward-auth.md).
	ForwardAuth forwardauth.Config
	// SessionCookieDomain scopes the session cookie to a domain and its
	// subdomains; "" keeps it to Gatehouse's host.
	SessionCookieDomain string
	// WebhooksAllowPrivate lets webhook endpoints use http and non-public addresses.
	WebhooksAllowPrivate bool
	// NotifyDatabaseURL is the PostgreSQL database on which the process
	// listens for change notices, when not DatabaseURL itself.
	NotifyDatabaseURL string
	// DefaultOrgForUnknownHosts serves unknown hosts as the default organization.
	DefaultOrgForUnknownHosts bool
	// OperatorIdleTimeout and OperatorSessionLifetime bound the service desk's sessions.
	OperatorIdleTimeout     time.Duration
	OperatorSessionLifetime time.Duration
	// OperatorMailFrom and OperatorMailFromName are the sender of the mail to
	// operators; "" uses the default organization's.
	OperatorMailFrom     string
	OperatorMailFromName string
}

// configKey describes one configuration key: its environment variable, its flag
// and config-file name, its default and what it means. docs/configuration.md
// documents the same list; a test keeps them in step.
type configKey struct {
	Env, Flag, Help, Default string
}

var configKeys = []configKey{
	{"GATEHOUSE_LISTEN", "listen", "Address and port to listen on.", "127.0.0.1:8080"},
	{"GATEHOUSE_PUBLIC_URL", "public-url", "The URL at which people reach Gatehouse; the only base of every link it builds. https makes cookies Secure and __Host- prefixed and turns on HSTS.", "http://LISTEN"},
	{"GATEHOUSE_DATABASE_URL", "database-url", "sqlite:PATH or postgres://user:pass@host:port/db?sslmode=...", "sqlite:DATA_DIR/gatehouse.db"},
	{"GATEHOUSE_DATA_DIR", "data-dir", "Directory for the SQLite database and the development mail and SMS folders.", "./data"},
	{"GATEHOUSE_MAIL_URL", "mail-url", "smtp://user:pass@host:587 (STARTTLS), smtps://user:pass@host:465 (implicit TLS) or file:///DIR (one .eml file per message).", "file://DATA_DIR/mail"},
	{"GATEHOUSE_SMS_URL", "sms-url", "twilio://SID:TOKEN@api.twilio.com?from=+E164, webhook+https://host/path, or file:///DIR (one JSON file per text).", "file://DATA_DIR/sms"},
	{"GATEHOUSE_SMS_WEBHOOK_SECRET", "sms-webhook-secret", "Secret with which texts sent to the webhook SMS transport are signed (HMAC-SHA256).", ""},
	{"GATEHOUSE_REDIS_URL", "redis-url", "redis://host:6379/0 to keep throttling counters in Redis instead of the database (optional).", ""},
	{"GATEHOUSE_REDIS_PREFIX", "redis-prefix", "Prefix of the counter keys in Redis, so that several installations can share one Redis; every replica of one installation must use the same.", "gatehouse:counter:"},
	{"GATEHOUSE_LOG_LEVEL", "log-level", "debug, info, warn or error.", "info"},
	{"GATEHOUSE_LOG_FORMAT", "log-format", "text or json.", "text"},
	{"GATEHOUSE_TRUSTED_PROXIES", "trusted-proxies", "Comma-separated networks (CIDR) of load balancers whose X-Forwarded-For header is believed.", ""},
	{"GATEHOUSE_METRICS_ALLOW", "metrics-allow", "Comma-separated networks (CIDR) allowed to read /metrics; empty means loopback only.", ""},
	{"GATEHOUSE_TEMPLATE_DIR", "template-dir", "Directory of page templates that replace the embedded ones (branding).", ""},
	{"GATEHOUSE_HASH_MEMORY", "hash-memory", "argon2id memory per hash, in KiB.", "19456"},
	{"GATEHOUSE_HASH_TIME", "hash-time", "argon2id passes.", "2"},
	{"GATEHOUSE_HASH_THREADS", "hash-threads", "argon2id parallelism.", "1"},
	{"GATEHOUSE_HASH_MEMORY_BUDGET", "hash-memory-budget", "MiB that password hashing may use at once; bounds concurrent hashes (also never more than the CPU count).", "256"},
	{"GATEHOUSE_HASH_QUEUE", "hash-queue", "Password hashes that may wait for a slot; beyond that requests get 503 with Retry-After.", "128"},
	{"GATEHOUSE_SHUTDOWN_TIMEOUT", "shutdown-timeout", "How long SIGTERM waits for requests in flight.", "30s"},
	{"GATEHOUSE_REQUEST_TIMEOUT", "request-timeout", "How long a request may wait (for the database, for a hashing slot) before it is answered 503 with Retry-After.", "30s"},
	{"GATEHOUSE_MAIL_RETENTION", "mail-retention", "How long delivered and failed messages stay listed for administrators.", "30d"},
	{"GATEHOUSE_DELIVERY_LEASE", "delivery-lease", "How long a replica's claim on a queued message lasts. A message claimed by a replica that died is sent by another once the claim runs out; one send may take up to a quarter of it.", "2m"},
	{"GATEHOUSE_OIDC_ACCESS_TOKEN_TTL", "oidc-access-token-ttl", "How long an access token of the OpenID Connect provider is valid, for the organizations whose setting oidc_access_token_ttl is 0s (docs/oidc.md).", "10m"},
	{"GATEHOUSE_OIDC_KEY_ROTATION", "oidc-key-rotation", "How often the OpenID Connect provider's signing key is replaced; the previous key stays published until its tokens expire.", "30d"},
	{"GATEHOUSE_NOTIFY_DATABASE_URL", "notify-database-url", "Where a replica listens (PostgreSQL LISTEN) for the change notices that keep its session cache in step with the other replicas; set it to the database itself when GATEHOUSE_DATABASE_URL goes through a pooler in transaction mode (PgBouncer), which cannot carry LISTEN.", "GATEHOUSE_DATABASE_URL"},
	{"GATEHOUSE_DEFAULT_ORG_FOR_UNKNOWN_HOSTS", "default-org-for-unknown-hosts", "true serves a request to a host no organization has as the default organization's; false (the default) answers it 404.", "false"},
	{"GATEHOUSE_OPERATOR_IDLE_TIMEOUT", "operator-idle-timeout", "How long a service desk operator's session lasts without activity.", "15m"},
	{"GATEHOUSE_OPERATOR_SESSION_LIFETIME", "operator-session-lifetime", "How long a service desk operator's session lasts at most, however active.", "8h"},
	{"GATEHOUSE_OPERATOR_MAIL_FROM", "operator-mail-from", "The sender address of the mail to service desk operators (their activation links), a bare address like desk@vendor.example. Empty: the default organization's mail_from_address. Mail about an organization always goes with that organization's sender.", ""},
	{"GATEHOUSE_OPERATOR_MAIL_FROM_NAME", "operator-mail-from-name", "The name shown with GATEHOUSE_OPERATOR_MAIL_FROM.", ""},
	{"GATEHOUSE_PPROF_LISTEN", "pprof-listen", "Address (host:port) of a separate listener serving Go profiles at /debug/pprof/, for performance work; off when empty. It exposes internals: bind it to loopback only.", ""},
	{"GATEHOUSE_FORWARD_AUTH_HOSTS", "forward-auth-hosts", "Hosts whose reverse proxy asks GET /auth/forward, comma-separated, each optionally with the roles that may pass: `app.example.com, admin.example.com=administrator|owner, *.tools.example.com`. A sign-in returns only to these hosts. Empty: forward-auth is off (docs/forward-auth.md).", ""},
	{"GATEHOUSE_FORWARD_AUTH_PROXIES", "forward-auth-proxies", "Comma-separated networks (CIDR) of the reverse proxies whose X-Forwarded-* and X-Original-* headers /auth/forward believes.", "GATEHOUSE_TRUSTED_PROXIES"},
	{"GATEHOUSE_SESSION_COOKIE_DOMAIN", "session-cookie-domain", "Domain for the session cookie, so that the applications on its subdomains (and their forward-auth proxies) receive it, e.g. example.com; every subdomain then gets the cookie: read the risks in docs/forward-auth.md. Empty: the cookie is for Gatehouse's host only.", ""},
	{"GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE", "webhooks-allow-private", "true lets webhook endpoints and back-channel logout URIs use http and private, loopback and link-local addresses (tests, private networks); refused by default.", "false"},
	{"GATEHOUSE_CONFIG", "config", "Path of an optional YAML file with any of these keys (by flag name, e.g. `listen: 0.0.0.0:8080`).", ""},
}

// addConfigFlags registers a flag for every key on fs and returns the values set.
func addConfigFlags(fs *flag.FlagSet) map[string]*string {
	vals := map[string]*string{}
	for _, k := range configKeys {
		vals[k.Flag] = fs.String(k.Flag, "", k.Help+" (env "+k.Env+")")
	}
	return vals
}

// loadConfig resolves every key: flag, then environment, then config file, then
// default, and validates the result.
func loadConfig(fs *flag.FlagSet, flags map[string]*string, getenv func(string) string) (*Config, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	raw := map[string]string{}
	for _, k := range configKeys {
		if set[k.Flag] {
			raw[k.Flag] = *flags[k.Flag]
		} else if v := getenv(k.Env); v != "" {
			raw[k.Flag] = v
		}
	}
	if path := raw["config"]; path != "" {
		file, err := readConfigFile(path)
		if err != nil {
			return nil, err
		}
		for name, v := range file {
			if _, ok := raw[name]; !ok {
				raw[name] = v
			}
		}
	}
	return parseConfig(raw)
}

func readConfigFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	known := map[string]bool{}
	for _, k := range configKeys {
		known[k.Flag] = true
	}
	out := map[string]string{}
	for name, v := range m {
		if !known[name] || name == "config" {
			return nil, fmt.Errorf("config file %s: unknown key %q", path, name)
		}
		out[name] = fmt.Sprint(v)
	}
	return out, nil
}

// parseConfig validates the raw values (by flag name) and applies defaults.
func parseConfig(raw map[string]string) (*Config, error) {
	get := func(name, def string) string {
		if v, ok := raw[name]; ok && v != "" {
			return v
		}
		return def
	}
	var errs []error
	bad := func(name, msg string) { errs = append(errs, fmt.Errorf("%s: %s", envOf(name), msg)) }
	c := &Config{}
	c.Listen = get("listen", "127.0.0.1:8080")
	listenOK := validHostPort(c.Listen)
	if !listenOK {
		bad("listen", "must be host:port with a port number, like 127.0.0.1:8080")
	}
	c.DataDir = get("data-dir", "./data")
	pub := get("public-url", "http://"+c.Listen)
	if u, err := url.Parse(pub); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		// A default made from a bad listen address is that key's fault alone.
		if listenOK || raw["public-url"] != "" {
			bad("public-url", "must be an absolute http or https URL without query, like https://login.example.com")
		}
	} else {
		c.PublicURL = u
	}
	c.DatabaseURL = get("database-url", "sqlite:"+filepath.Join(c.DataDir, "gatehouse.db"))
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		bad("database-url", "must start with sqlite: or postgres://")
	}
	c.MailURL = get("mail-url", "file://"+absPath(filepath.Join(c.DataDir, "mail")))
	c.SMSURL = get("sms-url", "file://"+absPath(filepath.Join(c.DataDir, "sms")))
	c.SMSWebhookSecret = get("sms-webhook-secret", "")
	c.RedisURL = get("redis-url", "")
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		bad("redis-url", "must start with redis:// or rediss://")
	}
	c.RedisPrefix = get("redis-prefix", "gatehouse:counter:")
	if err := c.LogLevel.UnmarshalText([]byte(get("log-level", "info"))); err != nil {
		bad("log-level", "must be debug, info, warn or error")
	}
	c.LogFormat = get("log-format", "text")
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log-format", "must be text or json")
	}
	var err error
	if c.TrustedProxies, err = parsePrefixes(get("trusted-proxies", "")); err != nil {
		bad("trusted-proxies", err.Error())
	}
	if c.MetricsAllow, err = parsePrefixes(get("metrics-allow", "")); err != nil {
		bad("metrics-allow", err.Error())
	}
	c.TemplateDir = get("template-dir", "")
	c.HashMemoryKiB = uint32(intIn(get("hash-memory", "19456"), 1024, 4<<20, "hash-memory", bad))
	c.HashTime = uint32(intIn(get("hash-time", "2"), 1, 100, "hash-time", bad))
	c.HashThreads = uint8(intIn(get("hash-threads", "1"), 1, 64, "hash-threads", bad))
	c.HashBudgetMiB = intIn(get("hash-memory-budget", "256"), 8, 1<<20, "hash-memory-budget", bad)
	c.HashQueue = intIn(get("hash-queue", "128"), 0, 100000, "hash-queue", bad)
	if c.ShutdownTimeout, err = gatehouse.ParseDuration(get("shutdown-timeout", "30s")); err != nil {
		bad("shutdown-timeout", "must be a duration like 30s")
	}
	if c.MailRetention, err = gatehouse.ParseDuration(get("mail-retention", "30d")); err != nil || c.MailRetention < time.Hour {
		bad("mail-retention", "must be a duration of at least 1h, like 30d")
	}
	if c.RequestTimeout, err = gatehouse.ParseDuration(get("request-timeout", "30s")); err != nil || c.RequestTimeout < time.Second || c.RequestTimeout > 10*time.Minute {
		bad("request-timeout", "must be a duration from 1s to 10m, like 30s")
	}
	if c.DeliveryLease, err = gatehouse.ParseDuration(get("delivery-lease", "2m")); err != nil || c.DeliveryLease < time.Second || c.DeliveryLease > time.Hour {
		bad("delivery-lease", "must be a duration from 1s to 1h, like 2m")
	}
	if c.OIDCAccessTTL, err = gatehouse.ParseDuration(get("oidc-access-token-ttl", "10m")); err != nil || c.OIDCAccessTTL < time.Minute || c.OIDCAccessTTL > 24*time.Hour {
		bad("oidc-access-token-ttl", "must be a duration from 1m to 24h, like 10m")
	}
	if c.OIDCKeyRotation, err = gatehouse.ParseDuration(get("oidc-key-rotation", "30d")); err != nil || c.OIDCKeyRotation < time.Hour {
		bad("oidc-key-rotation", "must be a duration of at least 1h, like 30d")
	}
	c.NotifyDatabaseURL = get("notify-database-url", "")
	if c.NotifyDatabaseURL != "" && !strings.HasPrefix(c.NotifyDatabaseURL, "postgres://") && !strings.HasPrefix(c.NotifyDatabaseURL, "postgresql://") {
		bad("notify-database-url", "must start with postgres:// (SQLite needs none)")
	}
	switch v := get("default-org-for-unknown-hosts", "false"); v {
	case "true", "false":
		c.DefaultOrgForUnknownHosts = v == "true"
	default:
		bad("default-org-for-unknown-hosts", "must be true or false")
	}
	if c.OperatorIdleTimeout, err = gatehouse.ParseDuration(get("operator-idle-timeout", "15m")); err != nil || c.OperatorIdleTimeout < time.Minute || c.OperatorIdleTimeout > 24*time.Hour {
		bad("operator-idle-timeout", "must be a duration from 1m to 24h, like 15m")
	}
	c.OperatorSessionLifetime, err = gatehouse.ParseDuration(get("operator-session-lifetime", "8h"))
	switch {
	case err != nil || c.OperatorSessionLifetime > 7*24*time.Hour:
		bad("operator-session-lifetime", "must be a duration up to 7d, like 8h")
	case c.OperatorSessionLifetime >= c.OperatorIdleTimeout:
	case raw["operator-session-lifetime"] == "":
		// Only the idle timeout was set, and it is longer than the default
		// lifetime: that is the value to change.
		bad("operator-idle-timeout", "must not be longer than the session lifetime ("+envOf("operator-session-lifetime")+", 8h by default)")
	default:
		bad("operator-session-lifetime", "must be a duration from the idle timeout to 7d, like 8h")
	}
	// The same rule as the mail_from_address setting: a sender the mail
	// server would not take would leave every activation link in the queue.
	if c.OperatorMailFrom = strings.TrimSpace(get("operator-mail-from", "")); c.OperatorMailFrom != "" && gatehouse.CheckMailAddress(c.OperatorMailFrom) != nil {
		bad("operator-mail-from", "must be a bare email address like desk@vendor.example, without a name or angle brackets")
	}
	if c.OperatorMailFromName = strings.TrimSpace(get("operator-mail-from-name", "")); len(c.OperatorMailFromName) > 100 || strings.ContainsFunc(c.OperatorMailFromName, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		bad("operator-mail-from-name", "must be one line of at most 100 characters")
	}
	c.PprofListen = get("pprof-listen", "")
	if c.PprofListen != "" && !validHostPort(c.PprofListen) {
		bad("pprof-listen", "must be host:port with a port number, like 127.0.0.1:6060")
	}
	if c.ForwardAuth.Rules, err = forwardauth.ParseRules(get("forward-auth-hosts", "")); err != nil {
		bad("forward-auth-hosts", err.Error())
	}
	c.ForwardAuth.Proxies = c.TrustedProxies
	if raw["forward-auth-proxies"] != "" {
		if c.ForwardAuth.Proxies, err = parsePrefixes(raw["forward-auth-proxies"]); err != nil {
			bad("forward-auth-proxies", err.Error())
		}
	}
	c.SessionCookieDomain = strings.ToLower(strings.TrimPrefix(get("session-cookie-domain", ""), "."))
	if d := c.SessionCookieDomain; d != "" && c.PublicURL != nil {
		host := strings.ToLower(c.PublicURL.Hostname())
		if !validHost(d) || !strings.Contains(d, ".") || (host != d && !strings.HasSuffix(host, "."+d)) {
			bad("session-cookie-domain", "must be a domain that holds the public URL's host "+host+", like example.com for login.example.com")
		}
	}
	switch v := strings.ToLower(get("webhooks-allow-private", "false")); v {
	case "true", "1", "yes", "on":
		c.WebhooksAllowPrivate = true
	case "false", "0", "no", "off":
	default:
		bad("webhooks-allow-private", "must be true or false")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func envOf(flagName string) string {
	for _, k := range configKeys {
		if k.Flag == flagName {
			return k.Env
		}
	}
	return flagName
}

// configTable lists the keys sorted by environment name, for help output.
func configTable() string {
	keys := append([]configKey(nil), configKeys...)
	sort.Slice(keys, func(i, j int) bool { return keys[i].Env < keys[j].Env })
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-30s --%-20s %s\n", k.Env, k.Flag, k.Help)
	}
	return b.String()
}
