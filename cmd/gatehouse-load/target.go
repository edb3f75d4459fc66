package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse-auth/gatehouse/sqlstore"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for a fresh schema and the mail count
)

// target is the server under load: one this command started, or one at --url.
type target struct {
	base    string // http://host:port, no trailing slash
	addr    string // host:port
	pid     int    // 0 when unknown: no memory or CPU figures
	dbURL   string // "" when unknown: no members can be created, no database checks
	dialect string // "sqlite" or "postgres"
	mailDir string // "" when unknown: no reset scenario, no mail check
	env     map[string]string

	// Only for a server this command starts.
	owned      bool
	dir        string
	cmd        *exec.Cmd
	exited     chan struct{}
	exitErr    error
	dropSchema func()
}

// own reports whether this command started the server.
func (t *target) own() bool { return t.owned }

// prepareOwn makes the temporary directory and database of a server this
// command will start, but does not start it: the members are created first.
func prepareOwn(ctx context.Context, o *options, progress func(string, ...any)) (*target, error) {
	dir, err := os.MkdirTemp("", "gatehouse-load-")
	if err != nil {
		return nil, err
	}
	t := &target{owned: true, dir: dir, mailDir: filepath.Join(dir, "mail"), env: map[string]string{}}
	t.dbURL, t.dialect = "sqlite:"+filepath.Join(dir, "gatehouse.db"), "sqlite"
	if o.databaseURL != "" {
		if !strings.HasPrefix(o.databaseURL, "postgres://") && !strings.HasPrefix(o.databaseURL, "postgresql://") {
			return nil, errors.New("--database-url for a started server must be postgres:// (SQLite is the default)")
		}
		t.dbURL, t.dialect = o.databaseURL, "postgres"
		if !o.seeded {
			u, drop, err := freshSchema(ctx, o.databaseURL)
			if err != nil {
				return nil, err
			}
			t.dbURL, t.dropSchema = u, drop
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	t.addr = "127.0.0.1:" + strconv.Itoa(port)
	t.base = "http://" + t.addr
	t.env["GATEHOUSE_LISTEN"] = t.addr
	t.env["GATEHOUSE_PUBLIC_URL"] = t.base
	t.env["GATEHOUSE_DATA_DIR"] = dir
	t.env["GATEHOUSE_DATABASE_URL"] = t.dbURL
	t.env["GATEHOUSE_MAIL_URL"] = "file://" + t.mailDir
	t.env["GATEHOUSE_SMS_URL"] = "file://" + filepath.Join(dir, "sms")
	// The generator stands for many people behind a load balancer: it sends each
	// virtual client's address in X-Forwarded-For, which the server believes
	// from loopback only. Throttles per address then see many addresses, as in
	// production, rather than one.
	t.env["GATEHOUSE_TRUSTED_PROXIES"] = "127.0.0.1/32"
	if o.scenario == "forwardauth" {
		// The generator is the reverse proxy too: forward-auth believes the
		// trusted proxies (GATEHOUSE_FORWARD_AUTH_PROXIES defaults to them).
		t.env["GATEHOUSE_FORWARD_AUTH_HOSTS"] = forwardHost
	}
	if o.pprofListen != "" {
		t.env["GATEHOUSE_PPROF_LISTEN"] = o.pprofListen
	}
	for _, kv := range o.serverEnv {
		k, v, _ := strings.Cut(kv, "=")
		t.env[k] = v
	}
	if o.serverBin == "" {
		bin := filepath.Join(dir, "gatehouse")
		progress("building ./cmd/gatehouse")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/gatehouse-auth/gatehouse/cmd/gatehouse")
		if out, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building gatehouse (run from the repository, or give --server-bin): %v\n%s", err, out)
		}
		o.serverBin = bin
	}
	return t, nil
}

// openURL describes a server that is already running.
func openURL(o *options) (*target, error) {
	u, err := url.Parse(strings.TrimSuffix(o.url, "/"))
	if err != nil || u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, errors.New("--url must be http://host:port (the generator speaks plain HTTP/1.1)")
	}
	t := &target{base: "http://" + u.Host, addr: u.Host, pid: o.pid, dbURL: o.databaseURL, mailDir: o.mailDir, env: map[string]string{}}
	if strings.HasPrefix(o.url, "https") {
		return nil, errors.New("--url must be http://")
	}
	if _, _, err := net.SplitHostPort(t.addr); err != nil {
		t.addr += ":80"
	}
	switch {
	case t.dbURL == "":
	case strings.HasPrefix(t.dbURL, "sqlite:"):
		t.dialect = "sqlite"
	case strings.HasPrefix(t.dbURL, "postgres://"), strings.HasPrefix(t.dbURL, "postgresql://"):
		t.dialect = "postgres"
	default:
		return nil, errors.New("--database-url must be sqlite:PATH or postgres://URL")
	}
	return t, nil
}

// start runs `gatehouse serve` and waits until /readyz answers.
func (t *target) start(ctx context.Context, bin string) error {
	logf, err := os.Create(filepath.Join(t.dir, "server.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = os.Environ()
	for k, v := range t.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	t.cmd, t.pid, t.exited = cmd, cmd.Process.Pid, make(chan struct{})
	go func() {
		t.exitErr = cmd.Wait()
		logf.Close()
		close(t.exited)
	}()
	deadline := time.Now().Add(60 * time.Second)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-t.exited:
			return fmt.Errorf("the server exited at start (%v); its log:\n%s", t.exitErr, t.logTail(20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := c.Get(t.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("the server did not get ready within a minute; its log:\n%s", t.logTail(20))
}

// stop sends SIGTERM and waits for the server to finish its requests and exit.
func (t *target) stop() error {
	if t.cmd == nil || t.exited == nil {
		return nil
	}
	select {
	case <-t.exited:
		return fmt.Errorf("the server had already exited: %v", t.exitErr)
	default:
	}
	_ = t.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-t.exited:
		return t.exitErr
	case <-time.After(45 * time.Second):
		_ = t.cmd.Process.Kill()
		<-t.exited
		return errors.New("the server did not stop within 45s of SIGTERM")
	}
}

// cleanup stops the server if it runs and removes what prepareOwn made.
func (t *target) cleanup(keep bool) {
	if t.cmd != nil {
		select {
		case <-t.exited:
		default:
			_ = t.cmd.Process.Kill()
			<-t.exited
		}
	}
	if t.dropSchema != nil && !keep {
		t.dropSchema()
	}
	if t.dir != "" && !keep {
		os.RemoveAll(t.dir)
	}
}

// logTail returns the last n lines of the server's log.
func (t *target) logTail(n int) string {
	b, err := os.ReadFile(filepath.Join(t.dir, "server.log"))
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePort asks the kernel for a port that is free now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// freshSchema creates an empty schema in the PostgreSQL database at base and
// returns a URL whose connections use it, and a function that drops it.
func freshSchema(ctx context.Context, base string) (string, func(), error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "gh_load_" + hex.EncodeToString(b[:])
	exec := func(stmt string) error {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		db, err := sql.Open("pgx", base)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, stmt)
		return err
	}
	// The schema is dropped afterwards: the extensions it needs must live
	// elsewhere (see sqlstore.SharePostgresExtensions).
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := sqlstore.SharePostgresExtensions(sctx, base); err != nil {
		return "", nil, fmt.Errorf("installing pg_trgm in %s: %w", u.Redacted(), err)
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		return "", nil, fmt.Errorf("creating a schema in %s: %w", u.Redacted(), err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() { _ = exec("DROP SCHEMA " + schema + " CASCADE") }, nil
}

// procStatus reads a field in kB (VmHWM, VmRSS) of /proc/PID/status, in bytes.
func procStatus(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// procCPU returns the user and system CPU time the process has used, from
// /proc/PID/stat (clock ticks of 10 ms; every thread, living or gone).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name is in parentheses and may hold spaces: fields count
	// from the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	// Fields 14 and 15 of the stat line (utime, stime) are 11 and 12 here.
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / clockTicks)
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// selfCPU returns the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg returns the 1-minute load average of this machine, or -1.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}
