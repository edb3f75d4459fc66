package web_test

import (
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// logLines parses the JSON lines a logger wrote.
func logLines(t *testing.T, buf *gatehousetest.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

var generatedID = regexp.MustCompile(`^[a-z2-7]{26}$`)

// TestRequestIDEverywhere: a request through the server's handler gets a
// correlation id in its X-Request-Id header; the audit event it causes and
// every line logged while it is handled, by the web layer and by the use case
// alike, carry the same id; the audit page, its CSV export and the API show it.
func TestRequestIDEverywhere(t *testing.T) {
	var buf gatehousetest.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	webtest.Each(t, webtest.Options{Log: log}, func(t *testing.T, s *webtest.Server) {
		org := newAdminOrg(t, s)
		// A stored hash the hasher cannot read: the sign-in use case logs an
		// error of its own while the request is handled.
		broken := s.AddMember(t, "broken", "broken@example.com", goodPassword, gatehouse.RoleMember)
		broken.PasswordHash = "$argon2id$v=19$m=oops"
		s.Overwrite(t, broken)
		start := len(logLines(t, &buf))

		b := s.Browser(t)
		r := b.Submit("/login", "/login", url.Values{"identifier": {"broken"}, "password": {goodPassword}})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("sign-in: %d", r.Status)
		}
		id := r.Header.Get("X-Request-Id")
		if !generatedID.MatchString(id) {
			t.Fatalf("X-Request-Id %q", id)
		}
		if other := b.Get("/login").Header.Get("X-Request-Id"); other == id || !generatedID.MatchString(other) {
			t.Errorf("the next request's id is %q (the first was %q)", other, id)
		}

		evs := s.Audit(t, gatehouse.EventSignInFailed)
		if len(evs) != 1 || evs[0].RequestID != id || evs[0].MemberID != broken.ID {
			t.Fatalf("the failed sign-in's event: %+v", evs)
		}
		msgs := map[string]bool{}
		for _, l := range logLines(t, &buf)[start:] {
			if l["request_id"] == id {
				msgs[l["msg"].(string)] = true
			} else if l["msg"] == "verifying a stored password hash" {
				t.Errorf("the use case's line lacks the request's id: %v", l)
			}
		}
		for _, want := range []string{"verifying a stored password hash", "request"} {
			if !msgs[want] {
				t.Errorf("no %q line with request_id %s; lines with it: %v", want, id, msgs)
			}
		}

		// Where administrators read the log.
		admin := signedInAs(t, s, org.Admin.Username)
		if page := admin.Get("/admin/audit?type=signin.failure"); !strings.Contains(page.Body, `<code class="request-id">`+id+`</code>`) {
			t.Errorf("the audit page does not show the request id")
		}
		rows, err := csv.NewReader(strings.NewReader(admin.Get("/admin/audit.csv?type=signin.failure").Body)).ReadAll()
		if err != nil || len(rows) != 2 || rows[0][9] != "request_id" || rows[1][9] != id {
			t.Errorf("CSV export: %v %v", rows, err)
		}
		key := newAPIKey(t, s, "siem", gatehouse.RoleAdministrator)
		var list struct {
			Events []struct {
				RequestID string `json:"request_id"`
			} `json:"events"`
		}
		decodeJSONBody(t, apiRequest(t, s, key, http.MethodGet, "/audit-events?type=signin.failure", ""), &list)
		if len(list.Events) != 1 || list.Events[0].RequestID != id {
			t.Errorf("API: %+v", list)
		}
		// An API call gets an id too, and its own audit event carries it.
		r = apiRequest(t, s, key, http.MethodDelete, "/members/"+org.Member.ID+"/sessions", "")
		if calls := s.Audit(t, gatehouse.EventAPICall); len(calls) != 1 || calls[0].RequestID == "" || calls[0].RequestID != r.Header.Get("X-Request-Id") {
			t.Errorf("API call: header %q, events %+v", r.Header.Get("X-Request-Id"), calls)
		}
	})
}

// TestRequestIDFromProxy: an X-Request-Id from a trusted proxy is kept when it
// is short printable ASCII; from anyone else, or malformed, it is replaced by
// a fresh one and never reaches the logs or the audit log.
func TestRequestIDFromProxy(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	send := func(t *testing.T, s *webtest.Server, headers ...string) string {
		t.Helper()
		r, err := http.NewRequest(http.MethodGet, s.URL+"/login", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range headers {
			r.Header.Add("X-Request-Id", h)
		}
		resp := s.Do(t, r)
		if len(resp.Header.Values("X-Request-Id")) != 1 {
			t.Fatalf("X-Request-Id: %q", resp.Header.Values("X-Request-Id"))
		}
		return resp.Header.Get("X-Request-Id")
	}
	t.Run("trusted proxy", func(t *testing.T) {
		s := webtest.New(t, webtest.Options{TrustedProxies: loopback})
		for _, id := range []string{"lb-1234", "0af7651916cd43dd8448eb211c80319c", "Root=1-67891233-abcdef012345678912345678", strings.Repeat("x", 64)} {
			if got := send(t, s, id); got != id {
				t.Errorf("the proxy's id %q became %q", id, got)
			}
		}
		for _, bad := range []string{"", "has space", "tab\there", "é-accent", "<script>", `"quoted"`, "a;b", strings.Repeat("x", 65)} {
			if got := send(t, s, bad); got == bad || !generatedID.MatchString(got) {
				t.Errorf("the malformed id %q gave %q", bad, got)
			}
		}
		if got := send(t, s, "one", "two"); !generatedID.MatchString(got) {
			t.Errorf("two ids gave %q", got)
		}
		// The kept id is what the audit log records.
		b := s.Browser(t)
		r, _ := http.NewRequest(http.MethodPost, s.URL+"/login", strings.NewReader(url.Values{
			"identifier": {"nobody"}, "password": {"x"}, "csrf_token": {csrfOf(t, b)}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Request-Id", "lb-5678")
		if resp, err := b.Client.Do(r); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("sign-in through the proxy: %v %v", resp, err)
		}
		if evs := s.Audit(t, gatehouse.EventSignInFailed); len(evs) != 1 || evs[0].RequestID != "lb-5678" {
			t.Errorf("the event of the proxied request: %+v", evs)
		}
	})
	t.Run("not a proxy", func(t *testing.T) {
		s := webtest.New(t, webtest.Options{})
		if got := send(t, s, "lb-1234"); got == "lb-1234" || !generatedID.MatchString(got) {
			t.Errorf("a client chose its own id: %q", got)
		}
	})
}

// csrfOf returns the anti-forgery token the browser's last page carried.
func csrfOf(t *testing.T, b *webtest.Browser) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(b.Get("/login").Body)
	if m == nil {
		t.Fatal("no anti-forgery token on the sign-in page")
	}
	return m[1]
}
