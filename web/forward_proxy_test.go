package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/forwardauth"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// The proxy tests run a real nginx (auth_request) and a real Caddy
// (forward_auth) in front of a small application, with Gatehouse behind the
// same proxy on its own host name. Every name resolves to the proxy: the
// test's client dials it whatever the host. The session cookie is scoped to
// the parent domain (CookieDomain), so that the application's host gets it,
// as docs/forward-auth.md describes for subdomains.
const (
	proxyDomain = "gatehouse.test"
	authHost    = "auth." + proxyDomain
	appHost     = "app." + proxyDomain
	ownersHost  = "owners." + proxyDomain
)

// echoApp is the protected application: it answers with who the proxy says
// the visitor is.
func echoApp(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "app %s user=%s email=%s groups=%s name=%s", r.Host, r.Header.Get("Remote-User"),
			r.Header.Get("Remote-Email"), r.Header.Get("Remote-Groups"), r.Header.Get("Remote-Name"))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// forwardBackends starts Gatehouse and the application for a proxy listening on port.
func forwardBackends(t *testing.T, port int) (*webtest.Server, string) {
	rules, err := forwardauth.ParseRules(appHost + ", " + ownersHost + "=owner")
	if err != nil {
		t.Fatal(err)
	}
	cfg := forwardConfig(t)
	cfg.Rules = rules
	s := webtest.New(t, webtest.Options{
		PublicURL:    fmt.Sprintf("http://%s:%d", authHost, port),
		ForwardAuth:  cfg,
		CookieDomain: proxyDomain,
	})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	s.AddMember(t, "boss", "boss@example.com", goodPassword, gatehouse.RoleOwner)
	return s, echoApp(t)
}

// startProxy runs the command until the test ends and waits for port.
func startProxy(t *testing.T, dir string, port int, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	logf, err := os.Create(filepath.Join(dir, "proxy.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		logf.Close()
	})
	for deadline := time.Now().Add(30 * time.Second); ; {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-done:
			b, _ := os.ReadFile(filepath.Join(dir, "proxy.log"))
			t.Fatalf("%s exited:\n%s", name, b)
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "proxy.log"))
			t.Fatalf("%s does not listen on %d:\n%s", name, port, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// proxyClient is a browser whose every connection goes to the proxy.
type proxyClient struct {
	t    *testing.T
	c    *http.Client
	port int
	csrf string
}

func newProxyClient(t *testing.T, port int) *proxyClient {
	jar, _ := cookiejar.New(nil) // no public suffix list: the test domain may set domain cookies
	d := &net.Dialer{}
	return &proxyClient{t: t, port: port, c: &http.Client{
		Jar: jar,
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", port))
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

func (p *proxyClient) url(host, path string) string {
	return fmt.Sprintf("http://%s:%d%s", host, p.port, path)
}

var proxyCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (p *proxyClient) do(method, rawURL string, form url.Values) (int, http.Header, string) {
	p.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		p.t.Fatal(err)
	}
	r.Header.Set("Accept", acceptHTML)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := p.c.Do(r)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := proxyCSRF.FindSubmatch(b); m != nil {
		p.csrf = string(m[1])
	}
	return resp.StatusCode, resp.Header, string(b)
}

// scenario is what both proxies must do: signed out (redirected to sign in
// and back), signed in (the application sees who), a role refused, and
// signed out again.
func proxyScenario(t *testing.T, port int) {
	p := newProxyClient(t, port)
	app := p.url(appHost, "/reports?year=2026")

	st, h, body := p.do("GET", app, nil)
	if st != http.StatusFound {
		t.Fatalf("signed out: %d %s\n%s", st, h, body)
	}
	loc, err := url.Parse(h.Get("Location"))
	if err != nil || loc.Host != fmt.Sprintf("%s:%d", authHost, port) || loc.Path != "/login" || loc.Query().Get("next") != app {
		t.Fatalf("signed out: redirected to %q, want the sign-in page with next=%s", h.Get("Location"), app)
	}
	if st, _, body := p.do("GET", loc.String(), nil); st != http.StatusOK || p.csrf == "" {
		t.Fatalf("sign-in page through the proxy: %d\n%s", st, body)
	}
	st, h, body = p.do("POST", p.url(authHost, "/login"), url.Values{"identifier": {"jdoe"}, "password": {goodPassword},
		"next": {app}, "csrf_token": {p.csrf}})
	if st != http.StatusSeeOther || h.Get("Location") != app {
		t.Fatalf("sign-in: %d to %q, want %s\n%s", st, h.Get("Location"), app, body)
	}
	st, _, body = p.do("GET", app, nil)
	if want := "user=jdoe email=jane@example.com groups=member name=Test jdoe"; st != http.StatusOK || !strings.Contains(body, want) {
		t.Fatalf("signed in: %d %q, want %q", st, body, want)
	}
	if st, _, body := p.do("GET", p.url(ownersHost, "/"), nil); st != http.StatusForbidden {
		t.Errorf("role refused: %d %s", st, body)
	}

	if st, _, _ := p.do("GET", p.url(authHost, "/account"), nil); st != http.StatusOK {
		t.Fatalf("account page: %d", st)
	}
	if st, _, body := p.do("POST", p.url(authHost, "/logout"), url.Values{"csrf_token": {p.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("sign-out: %d %s", st, body)
	}
	if st, h, _ := p.do("GET", app, nil); st != http.StatusFound || !strings.Contains(h.Get("Location"), "/login?next=") {
		t.Errorf("after sign-out: %d to %q", st, h.Get("Location"))
	}

	// An owner passes the owners' host.
	o := newProxyClient(t, port)
	o.do("GET", p.url(authHost, "/login"), nil)
	o.do("POST", p.url(authHost, "/login"), url.Values{"identifier": {"boss"}, "password": {goodPassword}, "csrf_token": {o.csrf}})
	if st, _, body := o.do("GET", p.url(ownersHost, "/"), nil); st != http.StatusOK || !strings.Contains(body, "user=boss") {
		t.Errorf("owner on the owners' host: %d %q", st, body)
	}
}

func needBinary(t *testing.T, name string) string {
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (apt-get install %s; .ci/run installs it): the %s forward-auth test needs the real proxy", name, name, name)
	}
	return path
}

// TestForwardAuthNginx runs the nginx configuration of docs/forward-auth.md
// (testdata/forward-auth/nginx.conf) in front of the application.
func TestForwardAuthNginx(t *testing.T) {
	nginx := needBinary(t, "nginx")
	port := freePort(t)
	s, app := forwardBackends(t, port)
	dir := t.TempDir()
	conf := proxyConf(t, "nginx.conf", map[string]string{
		"PORT": fmt.Sprint(port), "GATEHOUSE": s.Addr(), "APP": app, "DIR": dir,
		"AUTH_HOST": authHost, "APP_HOSTS": appHost + " " + ownersHost,
	})
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startProxy(t, dir, port, nginx, "-p", dir, "-c", path, "-e", filepath.Join(dir, "error.log"), "-g", "daemon off;")
	proxyScenario(t, port)
}

// TestForwardAuthCaddy runs the Caddyfile of docs/forward-auth.md
// (testdata/forward-auth/Caddyfile) in front of the application.
func TestForwardAuthCaddy(t *testing.T) {
	caddy := needBinary(t, "caddy")
	port := freePort(t)
	s, app := forwardBackends(t, port)
	dir := t.TempDir()
	conf := proxyConf(t, "Caddyfile", map[string]string{
		"PORT": fmt.Sprint(port), "GATEHOUSE": s.Addr(), "APP": app, "DIR": dir,
		"AUTH_HOST": authHost, "APP_HOST": appHost, "OWNERS_HOST": ownersHost,
	})
	path := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startProxy(t, dir, port, caddy, "run", "--config", path, "--adapter", "caddyfile")
	proxyScenario(t, port)
}

// proxyConf reads a configuration from testdata/forward-auth and fills in
// its {{NAME}} placeholders.
func proxyConf(t *testing.T, name string, vars map[string]string) string {
	b, err := os.ReadFile(filepath.Join("testdata", "forward-auth", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	if i := strings.Index(s, "{{"); i >= 0 {
		t.Fatalf("%s: unfilled placeholder at %q", name, s[i:min(len(s), i+30)])
	}
	return s
}
