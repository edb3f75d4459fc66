package main

import (
	"net"
	"strings"
	"testing"
)

// FuzzParseConfig sets any two configuration keys to any text: parseConfig
// never panics, refuses with a message naming the variable at fault, and what
// it accepts is usable as it stands (an address that splits into host and
// port, an absolute http(s) public URL without query, a database URL the store
// can open, numbers within their ranges, masked networks).
func FuzzParseConfig(f *testing.F) {
	for i, k := range configKeys {
		f.Add(uint8(i), k.Default, uint8(0), "")
	}
	for _, v := range []string{"0.0.0.0:8080", "[::1]:80", ":9", "localhost", "https://login.example.com/base/", "http://x?y",
		"ftp://x", "postgres://u:p@h/db", "sqlite:/tmp/x.db", "10.0.0.0/8, 192.168.1.1", "fe80::/10", "1.2.3.4/33",
		"300ms", "-5s", "7d", "99999999999", "-1", "debug", "json", "XML", "\x00", ""} {
		f.Add(uint8(len(v)), v, uint8(len(v)*7), v)
	}
	f.Fuzz(func(t *testing.T, k1 uint8, v1 string, k2 uint8, v2 string) {
		a, b := configKeys[int(k1)%len(configKeys)], configKeys[int(k2)%len(configKeys)]
		raw := map[string]string{a.Flag: v1, b.Flag: v2}
		c, err := parseConfig(raw)
		if err != nil {
			if !strings.Contains(err.Error(), a.Env) && !strings.Contains(err.Error(), b.Env) {
				t.Fatalf("%s=%q, %s=%q: the error names neither: %v", a.Env, v1, b.Env, v2, err)
			}
			return
		}
		if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" || strings.Trim(port, "0123456789") != "" {
			t.Fatalf("accepted listen %q", c.Listen)
		}
		if u := c.PublicURL; u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("accepted public URL %v", c.PublicURL)
		}
		if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
			t.Fatalf("accepted database URL %q", c.DatabaseURL)
		}
		if c.HashMemoryKiB < 1024 || c.HashTime < 1 || c.HashThreads < 1 || c.HashBudgetMiB < 8 || c.HashQueue < 0 {
			t.Fatalf("accepted hashing parameters %d KiB, t=%d, p=%d, budget %d MiB, queue %d",
				c.HashMemoryKiB, c.HashTime, c.HashThreads, c.HashBudgetMiB, c.HashQueue)
		}
		if c.ShutdownTimeout < 0 || c.MailRetention < 3600e9 {
			t.Fatalf("accepted shutdown timeout %v, mail retention %v", c.ShutdownTimeout, c.MailRetention)
		}
		if c.LogFormat != "text" && c.LogFormat != "json" {
			t.Fatalf("accepted log format %q", c.LogFormat)
		}
		for _, p := range append(c.TrustedProxies, c.MetricsAllow...) {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("accepted network %v", p)
			}
		}
		if c.PprofListen != "" {
			if _, _, err := net.SplitHostPort(c.PprofListen); err != nil {
				t.Fatalf("accepted pprof address %q", c.PprofListen)
			}
		}
	})
}
