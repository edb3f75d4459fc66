package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// TestSignInFlood sends 200 sign-ins at once to a server whose hasher has room
// for its slots and two waiting: the sign-ins that do not fit are turned away
// with 503, Retry-After and the busy message (after the shed delay), the others
// get in, nothing else happens, and once the flood is over a sign-in gets in at
// once. cmd/gatehouse-load's flood scenario does the same at full scale.
func TestSignInFlood(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	h, err := secret.NewHasher(secret.HasherConfig{Memory: 8192, Time: 2, QueueLength: 2})
	if err != nil {
		t.Fatal(err)
	}
	s.Account.Hasher, s.SignIn.Hasher = h, h
	s.Web.Config.ShedDelay = 20 * time.Millisecond
	var logged bytes.Buffer
	s.Web.Log = slog.New(slog.NewTextHandler(&logged, nil))
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)

	b := s.Browser(t)
	b.Get("/login")
	cookie := "gatehouse_csrf=" + b.Cookie("gatehouse_csrf")
	token := strings.TrimSuffix(strings.TrimPrefix(csrfValue.FindString(b.Get("/login").Body), `value="`), `"`)
	form := url.Values{"identifier": {"jdoe"}, "password": {goodPassword}, "csrf_token": {token}}.Encode()

	const n = 200
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var mu sync.Mutex
	statuses := map[int]int{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			r, _ := http.NewRequest(http.MethodPost, s.URL+"/login", strings.NewReader(form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Cookie", cookie)
			resp, err := client.Do(r)
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable &&
				(resp.Header.Get("Retry-After") != "1" || !strings.Contains(string(body), "The server is busy")) {
				t.Errorf("503 with Retry-After %q and body %.200s", resp.Header.Get("Retry-After"), body)
			}
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("answers: %v", statuses)
	// The shed requests are logged a line a second, not a line each.
	lines := 0 // lines, not mentions: a request line may say 503 twice (more_503_not_logged)
	for _, l := range strings.Split(logged.String(), "\n") {
		if strings.Contains(l, "503") {
			lines++
		}
	}
	if limit := 2 * (int(time.Since(began)/time.Second) + 1); lines > limit {
		t.Errorf("%d log lines about 503s for %d shed requests, want at most %d:\n%s", lines, statuses[http.StatusServiceUnavailable], limit, logged.String())
	}
	if statuses[http.StatusSeeOther] == 0 || statuses[http.StatusServiceUnavailable] == 0 ||
		statuses[http.StatusSeeOther]+statuses[http.StatusServiceUnavailable] != n {
		t.Errorf("answers %v; want sign-ins (303) and shed requests (503), nothing else", statuses)
	}
	if st := h.Stats(); st.Admitted != 0 || st.InUse != 0 || st.Waiting != 0 {
		t.Errorf("after the flood the hasher holds %+v", st)
	}
	b.SignIn("jdoe", goodPassword, "/account")

	metrics := s.Browser(t).Get("/metrics")
	want := `gatehouse_signins_total{outcome="busy"} ` + itoa(statuses[http.StatusServiceUnavailable])
	if !strings.Contains(metrics.Body, want) {
		t.Errorf("metrics lack %q", want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
