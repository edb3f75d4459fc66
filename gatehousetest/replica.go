package gatehousetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The replica harness runs the real gatehouse binary, several processes at
// once, for tests of what only separate processes can show: state shared
// through the database, a process killed in the middle of its work, replicas
// racing at start-up.

// binaryPackage is the command the harness builds.
const binaryPackage = "github.com/gatehouse-auth/gatehouse/cmd/gatehouse"

var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

// Binary returns the path of the gatehouse command built from this module. It
// is built once per test process, on first use; call RemoveBinary from TestMain
// to delete it afterwards.
func Binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "gatehouse-test-bin-")
		if binErr != nil {
			return
		}
		out, err := exec.Command(goTool(), "build", "-o", filepath.Join(binDir, "gatehouse"), binaryPackage).CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build %s: %v\n%s", binaryPackage, err, out)
		}
	})
	if binErr != nil {
		t.Fatalf("gatehousetest: %v", binErr)
	}
	return filepath.Join(binDir, "gatehouse")
}

// RemoveBinary deletes what Binary built.
func RemoveBinary() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// processEnv is the environment of a gatehouse process: only what a process
// needs from the test's own environment (never its GATEHOUSE_ variables, so a
// developer's configuration cannot leak in), a data directory of the test's,
// then env.
func processEnv(t testing.TB, env map[string]string, defaults map[string]string) []string {
	vars := map[string]string{"GATEHOUSE_DATA_DIR": t.TempDir()}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			vars[k] = v
		}
	}
	for k, v := range defaults {
		vars[k] = v
	}
	for k, v := range env {
		vars[k] = v
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}

// Gatehouse runs one command of the gatehouse binary (user add, settings set,
// migrate…) with the configuration env and stdin, and returns its standard
// output and error and how it exited.
func Gatehouse(t testing.TB, env map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin := Binary(t) // built first: on a busy machine the build alone can take the minute
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = processEnv(t, env, nil)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// Replica is a `gatehouse serve` process started by a test, as one replica of
// a deployment. It listens on a free port of 127.0.0.1 and logs JSON, which
// the test can read.
type Replica struct {
	Name string
	// URL is the replica's own address, http://127.0.0.1:PORT, known once
	// WaitReady has returned. It is not the public URL: that is configured,
	// the same for every replica, as behind a load balancer.
	URL string

	t         testing.TB
	cmd       *exec.Cmd
	done      chan struct{} // closed when the process has exited
	exitErr   error
	listening chan string

	mu    sync.Mutex
	lines []string
}

// StartReplica starts `gatehouse serve` with the configuration env and waits
// until it answers /readyz; the test fails if it does not within 30 seconds.
func StartReplica(t testing.TB, name string, env map[string]string) *Replica {
	t.Helper()
	r := LaunchReplica(t, name, env)
	if err := r.WaitReady(30 * time.Second); err != nil {
		t.Fatalf("gatehousetest: replica %s: %v", name, err)
	}
	return r
}

// LaunchReplica starts `gatehouse serve` with the configuration env and returns
// at once. The process is ended when t ends, if it still runs.
func LaunchReplica(t testing.TB, name string, env map[string]string) *Replica {
	t.Helper()
	r := &Replica{Name: name, t: t, done: make(chan struct{}), listening: make(chan string, 1)}
	cmd := exec.Command(Binary(t), "serve")
	cmd.Env = processEnv(t, env, map[string]string{
		"GATEHOUSE_LISTEN":     "127.0.0.1:0",
		"GATEHOUSE_LOG_FORMAT": "json",
		"GATEHOUSE_LOG_LEVEL":  "info",
	})
	w := &lineWriter{r: r}
	cmd.Stdout, cmd.Stderr = w, w
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("gatehousetest: starting replica %s: %v", name, err)
	}
	r.cmd = cmd
	go func() {
		r.exitErr = cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(r.cleanup)
	return r
}

// lineWriter collects a process's output line by line.
type lineWriter struct {
	r       *Replica
	mu      sync.Mutex
	partial []byte
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.r.addLine(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
}

func (r *Replica) addLine(line string) {
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
	var e struct {
		Msg     string `json:"msg"`
		Address string `json:"address"`
	}
	if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "gatehouse listening" && e.Address != "" {
		select {
		case r.listening <- e.Address:
		default:
		}
	}
}

// WaitReady waits until the replica listens and its /readyz answers 200. It
// returns an error, with the replica's output, when the process exits first or
// timeout passes.
func (r *Replica) WaitReady(timeout time.Duration) error {
	deadline := time.After(timeout)
	if r.URL == "" {
		select {
		case addr := <-r.listening:
			r.URL = "http://" + addr
		case <-r.done:
			return fmt.Errorf("exited before listening (%v):\n%s", r.exitErr, r.Output())
		case <-deadline:
			return fmt.Errorf("not listening after %v:\n%s", timeout, r.Output())
		}
	}
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(r.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-r.done:
			return fmt.Errorf("exited before it was ready (%v):\n%s", r.exitErr, r.Output())
		case <-deadline:
			return fmt.Errorf("not ready after %v:\n%s", timeout, r.Output())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Wait waits for the process to exit and returns how it did (nil: status 0).
// The test fails if it still runs after timeout.
func (r *Replica) Wait(timeout time.Duration) error {
	r.t.Helper()
	select {
	case <-r.done:
		return r.exitErr
	case <-time.After(timeout):
		r.t.Fatalf("gatehousetest: replica %s still runs after %v", r.Name, timeout)
		return nil
	}
}

// Exited reports whether the process has exited.
func (r *Replica) Exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// PID returns the process id.
func (r *Replica) PID() int { return r.cmd.Process.Pid }

// Kill ends the process with SIGKILL, as a crash or the OOM killer would: no
// cleanup of any kind, and waits until it is gone.
func (r *Replica) Kill() {
	r.t.Helper()
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

// Terminate sends SIGTERM, as an orchestrator does, and returns at once.
func (r *Replica) Terminate() { _ = r.cmd.Process.Signal(syscall.SIGTERM) }

// Stop sends SIGTERM and waits up to timeout for the process to exit; it
// returns how the process exited.
func (r *Replica) Stop(timeout time.Duration) error {
	r.t.Helper()
	r.Terminate()
	return r.Wait(timeout)
}

func (r *Replica) cleanup() {
	if !r.Exited() {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			_ = r.cmd.Process.Signal(syscall.SIGKILL)
			<-r.done
		}
	}
	if r.t.Failed() {
		lines := r.Lines()
		if len(lines) > 150 {
			lines = lines[len(lines)-150:]
		}
		r.t.Logf("replica %s (pid %d), last lines of its output:\n%s", r.Name, r.PID(), strings.Join(lines, "\n"))
	}
}

// Lines returns the replica's output so far (standard output and error).
func (r *Replica) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// Output returns the replica's output so far as one text.
func (r *Replica) Output() string { return strings.Join(r.Lines(), "\n") }

// Logs returns the replica's JSON log entries so far, parsed.
func (r *Replica) Logs() []map[string]any {
	var out []map[string]any
	for _, l := range r.Lines() {
		var e map[string]any
		if json.Unmarshal([]byte(l), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// LogCount returns how many log entries so far have the message msg.
func (r *Replica) LogCount(msg string) int {
	n := 0
	for _, e := range r.Logs() {
		if e["msg"] == msg {
			n++
		}
	}
	return n
}
