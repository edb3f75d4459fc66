package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated documentation")

// TestConfigDoc keeps docs/configuration.md in step with configKeys.
func TestConfigDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "configuration.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- BEGIN GENERATED CONFIG: go test ./cmd/gatehouse -run TestConfigDoc -update -->", "<!-- END GENERATED CONFIG -->"
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatal("markers missing")
	}
	var tb strings.Builder
	tb.WriteString("\n| variable | flag | default | meaning |\n|---|---|---|---|\n")
	for _, k := range configKeys {
		def := k.Default
		if def == "" {
			def = "(none)"
		}
		fmt.Fprintf(&tb, "| `%s` | `--%s` | `%s` | %s |\n", k.Env, k.Flag, def, strings.ReplaceAll(k.Help, "|", "\\|"))
	}
	want := doc[:i+len(begin)] + "\n" + tb.String() + "\n" + doc[j:]
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date: run go test ./cmd/gatehouse -run TestConfigDoc -update", path)
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		raw     map[string]string
		wantErr string
		check   func(t *testing.T, c *Config)
	}{
		{name: "defaults", raw: map[string]string{}, check: func(t *testing.T, c *Config) {
			if c.Listen != "127.0.0.1:8080" || c.PublicURL.String() != "http://127.0.0.1:8080" {
				t.Errorf("listen %s public %s", c.Listen, c.PublicURL)
			}
			if !strings.HasPrefix(c.DatabaseURL, "sqlite:") || !strings.HasSuffix(c.DatabaseURL, "gatehouse.db") {
				t.Errorf("database %s", c.DatabaseURL)
			}
			if !strings.HasPrefix(c.MailURL, "file:///") || !strings.HasPrefix(c.SMSURL, "file:///") {
				t.Errorf("mail %s sms %s", c.MailURL, c.SMSURL)
			}
			if c.HashMemoryKiB != 19456 || c.HashTime != 2 || c.HashThreads != 1 || c.HashBudgetMiB != 256 {
				t.Errorf("hash params %+v", c)
			}
		}},
		{name: "bad listen", raw: map[string]string{"listen": "8080"}, wantErr: "GATEHOUSE_LISTEN"},
		{name: "listen host with a space", raw: map[string]string{"listen": " :0"}, wantErr: "GATEHOUSE_LISTEN"},
		{name: "listen on a name", raw: map[string]string{"listen": "localhost:9000"}, check: func(t *testing.T, c *Config) {
			if c.PublicURL.String() != "http://localhost:9000" {
				t.Errorf("public URL %s", c.PublicURL)
			}
		}},
		{name: "public url with query", raw: map[string]string{"public-url": "https://x.example?a=b"}, wantErr: "GATEHOUSE_PUBLIC_URL"},
		{name: "public url relative", raw: map[string]string{"public-url": "/login"}, wantErr: "GATEHOUSE_PUBLIC_URL"},
		{name: "database scheme", raw: map[string]string{"database-url": "mysql://x"}, wantErr: "GATEHOUSE_DATABASE_URL"},
		{name: "log level", raw: map[string]string{"log-level": "loud"}, wantErr: "GATEHOUSE_LOG_LEVEL"},
		{name: "proxies", raw: map[string]string{"trusted-proxies": "10.0.0.0/8, 192.168.1.1"}, check: func(t *testing.T, c *Config) {
			if len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "192.168.1.1/32" {
				t.Errorf("proxies %v", c.TrustedProxies)
			}
		}},
		{name: "bad proxies", raw: map[string]string{"trusted-proxies": "ten"}, wantErr: "GATEHOUSE_TRUSTED_PROXIES"},
		{name: "hash memory too small", raw: map[string]string{"hash-memory": "8"}, wantErr: "GATEHOUSE_HASH_MEMORY"},
		{name: "operator sender with a name", raw: map[string]string{"operator-mail-from": "Desk <desk@vendor.example>"}, wantErr: "GATEHOUSE_OPERATOR_MAIL_FROM"},
		{name: "operator sender not an address", raw: map[string]string{"operator-mail-from": "desk@"}, wantErr: "GATEHOUSE_OPERATOR_MAIL_FROM"},
		{name: "operator sender", raw: map[string]string{"operator-mail-from": " desk@vendor.example ", "operator-mail-from-name": "Service desk"}, check: func(t *testing.T, c *Config) {
			if c.OperatorMailFrom != "desk@vendor.example" || c.OperatorMailFromName != "Service desk" {
				t.Errorf("operator sender %q %q", c.OperatorMailFrom, c.OperatorMailFromName)
			}
		}},
		{name: "two errors at once", raw: map[string]string{"hash-time": "0", "log-format": "xml"}, wantErr: "GATEHOUSE_LOG_FORMAT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want mention of %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gatehouse.yaml")
	os.WriteFile(file, []byte("listen: 127.0.0.1:7000\nlog-level: debug\nhash-queue: 7\n"), 0o600)
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	vals := addConfigFlags(fs)
	if err := fs.Parse([]string{"--listen", "127.0.0.1:9000"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GATEHOUSE_CONFIG": file, "GATEHOUSE_LISTEN": "127.0.0.1:8000", "GATEHOUSE_LOG_LEVEL": "warn"}
	c, err := loadConfig(fs, vals, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" {
		t.Errorf("flag should win: %s", c.Listen)
	}
	if c.LogLevel.String() != "WARN" {
		t.Errorf("env should beat file: %s", c.LogLevel)
	}
	if c.HashQueue != 7 {
		t.Errorf("file should beat default: %d", c.HashQueue)
	}
	os.WriteFile(file, []byte("no-such-key: 1\n"), 0o600)
	if _, err := loadConfig(fs, vals, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "unknown key") {
		t.Errorf("unknown key: %v", err)
	}
}
