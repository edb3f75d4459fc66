package main

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// Tests of a replica whose storage fails under it: a disk that fills up, a
// data directory that cannot be written. They run on SQLite, whose files the
// test can reach; PostgreSQL's equivalents are classified alike (sqlstore's
// TestUnavailableErrors).

// sqliteEnv is the configuration of one replica on a SQLite database in
// dataDir.
func sqliteEnv(dataDir string) map[string]string {
	return map[string]string{
		"GATEHOUSE_DATA_DIR":        dataDir,
		"GATEHOUSE_PUBLIC_URL":      publicURL,
		"GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1",
		"GATEHOUSE_HASH_MEMORY":     "1024",
		"GATEHOUSE_HASH_TIME":       "1",
	}
}

// mustGatehouse runs a command of the binary and fails the test if it fails.
func mustGatehouse(t *testing.T, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := gatehousetest.Gatehouse(t, env, stdin, args...)
	if err != nil {
		t.Fatalf("gatehouse %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// TestDiskFull fills the disk under a running replica: writes must be
// answered 503 with Retry-After (never 500), /readyz must fail while writes
// fail although the database still answers reads, and once space is freed the
// replica must serve again by itself.
//
// The disk is a small tmpfs when the test may mount one (as root); otherwise
// the database is capped with PRAGMA max_page_count, which fails writes with
// the same SQLITE_FULL, and an operator's DELETE makes room.
func TestDiskFull(t *testing.T) {
	t.Parallel()
	var env map[string]string
	var fill, free func()
	if dir, why := gatehousetest.SmallFilesystem(t, 16<<20); dir != "" {
		env = sqliteEnv(dir)
		filler := filepath.Join(dir, "filler")
		fill = func() { fillDisk(t, filler) }
		free = func() {
			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		t.Logf("%s; the database is capped with max_page_count instead", why)
		dir := t.TempDir()
		path := filepath.Join(dir, "gatehouse.db")
		env = sqliteEnv(dir)
		mustGatehouse(t, env, "", "migrate")
		db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		var pages int
		if err := db.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
			t.Fatal(err)
		}
		// Room for the replica's start and a few dozen failed sign-ins.
		env["GATEHOUSE_DATABASE_URL"] = fmt.Sprintf("sqlite:%s?_pragma=max_page_count(%d)", path, pages+24)
		fill = func() {}
		free = func() {
			if _, err := db.Exec(`DELETE FROM audit_events`); err != nil {
				t.Fatal(err)
			}
		}
	}
	mustGatehouse(t, env, testPassword+"\n", "user", "add", "--username", "ida", "--email", "ida@example.com", "--password-stdin")
	a := gatehousetest.StartReplica(t, "A", env)
	ida := newVisitor(t, "192.0.2.70")
	ida.mustSignIn(a, a, "ida", testPassword)

	fill()
	// Failed sign-ins write counters and audit events; some may still find
	// room (SQLite reuses its journal's space), but not for long.
	var refused *answer
	for i := 0; i < 2000 && refused == nil; i++ {
		v := newVisitor(t, fmt.Sprintf("10.9.%d.%d", i/200, i%200+1))
		got := v.signIn(a, a, fmt.Sprintf("nobody-%d", i), "not the password at all")
		switch got.status {
		case http.StatusUnauthorized:
		case http.StatusServiceUnavailable:
			refused = got
		default:
			t.Fatalf("sign-in %d on a full disk: %d, want 401 until the disk is full, then 503\n%s", i, got.status, got.body)
		}
	}
	if refused == nil {
		t.Fatal("2000 sign-ins were written to a full disk")
	}
	if refused.header.Get("Retry-After") == "" {
		t.Errorf("the 503 of a full disk has no Retry-After")
	}
	for _, leak := range []string{"SQLITE", "disk is full", "(13)", ".go:"} {
		if strings.Contains(refused.body, leak) {
			t.Errorf("the 503 page shows %q:\n%s", leak, refused.body)
		}
	}
	ready := ida.get(a, "/readyz")
	if ready.status != http.StatusServiceUnavailable || !strings.Contains(ready.body, "database refuses writes") {
		t.Errorf("/readyz while writes fail: %d %s, want 503 saying the database refuses writes", ready.status, ready.body)
	}
	if got := ida.get(a, "/healthz"); got.status != http.StatusOK {
		t.Errorf("/healthz on a full disk: %d, want 200 (a restart would not help)", got.status)
	}

	free()
	if !eventually(30*time.Second, func() bool { return ida.get(a, "/readyz").status == http.StatusOK }) {
		t.Fatalf("/readyz does not recover once the disk has room: %s", ida.get(a, "/readyz").body)
	}
	newVisitor(t, "192.0.2.71").mustSignIn(a, a, "ida", testPassword)
	if who, st := ida.whoami(a); who != "ida" {
		t.Errorf("the session begun before the disk filled: %d %q", st, who)
	}
	for _, e := range a.Logs() {
		if e["msg"] == "request failed" || e["msg"] == "panic serving request" {
			t.Errorf("the replica logged a server error: %v", e)
		}
	}
}

// fillDisk writes path until the filesystem has no room left.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			break
		}
	}
	// What is left is smaller than a block: a few bytes at a time.
	for {
		if _, err := f.Write(buf[:512]); err != nil {
			return
		}
	}
}

// TestReadOnlyDataDir starts on a data directory that cannot be written, empty
// or holding a database: the command must stop with a message that names the
// directory and GATEHOUSE_DATA_DIR, not with SQLite's "attempt to write a
// readonly database". The directory is made read-only by a read-only mount,
// which holds for root too (permissions would not).
func TestReadOnlyDataDir(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing bool
	}{{"empty", false}, {"with a database", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			c := &cli{t: t, env: map[string]string{"GATEHOUSE_DATA_DIR": dir, "GATEHOUSE_LOG_LEVEL": "error"}}
			if tc.existing {
				if code, _, errs := c.run("", "migrate"); code != 0 {
					t.Fatalf("migrate on a writable directory: %d %s", code, errs)
				}
			}
			if why := gatehousetest.ReadOnlyDir(t, dir); why != "" {
				t.Skip(why)
			}
			if err := os.WriteFile(filepath.Join(dir, "probe"), nil, 0o600); err == nil {
				t.Fatal("the read-only directory can be written: the test would prove nothing")
			}
			for _, cmd := range []string{"migrate", "serve"} {
				code, out, errs := c.run("", cmd)
				if code != 1 {
					t.Fatalf("%s on a read-only data directory: exit %d, want 1\n%s%s", cmd, code, out, errs)
				}
				for _, want := range []string{"GATEHOUSE_DATA_DIR", dir, "read-only file system"} {
					if !strings.Contains(errs, want) {
						t.Errorf("%s: the message does not say %q:\n%s", cmd, want, errs)
					}
				}
				if strings.Contains(errs, "readonly database") || strings.Contains(errs, "internal") {
					t.Errorf("%s: SQLite's message instead of ours:\n%s", cmd, errs)
				}
			}
		})
	}
}

// TestDatabaseURLNotAFile points GATEHOUSE_DATABASE_URL at a directory: the
// message names that setting and the path.
func TestDatabaseURLNotAFile(t *testing.T) {
	dir := t.TempDir()
	c := &cli{t: t, env: map[string]string{"GATEHOUSE_DATA_DIR": t.TempDir(), "GATEHOUSE_DATABASE_URL": "sqlite:" + dir, "GATEHOUSE_LOG_LEVEL": "error"}}
	code, _, errs := c.run("", "migrate")
	if code != 1 || !strings.Contains(errs, "GATEHOUSE_DATABASE_URL") || !strings.Contains(errs, dir) || !strings.Contains(errs, "not a file") {
		t.Errorf("migrate on a directory: exit %d\n%s", code, errs)
	}
}

// TestReadyzReportsRedis keeps the counters in a real Redis reached through a
// proxy, and cuts the proxy: sign-ins cannot be counted and get 503, so
// /readyz must fail too, naming Redis, and recover when Redis is back.
func TestReadyzReportsRedis(t *testing.T) {
	t.Parallel()
	redisURL := os.Getenv("GATEHOUSE_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("GATEHOUSE_TEST_REDIS_URL is not set")
	}
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := gatehousetest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	env := sqliteEnv(t.TempDir())
	env["GATEHOUSE_REDIS_URL"] = u.String()
	env["GATEHOUSE_REDIS_PREFIX"] = "gatehouse-test:" + t.Name() + ":" + fmt.Sprint(time.Now().UnixNano()) + ":"
	mustGatehouse(t, env, testPassword+"\n", "user", "add", "--username", "jo", "--email", "jo@example.com", "--password-stdin")
	a := gatehousetest.StartReplica(t, "A", env)
	v := newVisitor(t, "192.0.2.80")
	v.mustSignIn(a, a, "jo", testPassword)
	if got := v.get(a, "/readyz"); got.status != http.StatusOK {
		t.Fatalf("/readyz with Redis up: %d %s", got.status, got.body)
	}

	proxy.Cut()
	if got := newVisitor(t, "192.0.2.81").signIn(a, a, "jo", testPassword); got.status != http.StatusServiceUnavailable {
		t.Errorf("sign-in with Redis down: %d, want 503", got.status)
	}
	got := v.get(a, "/readyz")
	if got.status != http.StatusServiceUnavailable || !strings.Contains(got.body, "redis unreachable") {
		t.Errorf("/readyz with Redis down: %d %s, want 503 naming Redis", got.status, got.body)
	}

	proxy.Restore()
	if !eventually(15*time.Second, func() bool { return v.get(a, "/readyz").status == http.StatusOK }) {
		t.Fatalf("/readyz does not recover when Redis is back: %s", v.get(a, "/readyz").body)
	}
	newVisitor(t, "192.0.2.82").mustSignIn(a, a, "jo", testPassword)
}
