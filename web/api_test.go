package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestAPIBadInput sends broken requests and checks that each gets problem
// details with the right status, naming the field where there is one.
func TestAPIBadInput(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
	m := "/members/" + o.Member.ID
	big := `{"display_name": "` + strings.Repeat("a", 70<<10) + `"}`
	for _, c := range []struct {
		name, method, path, ctype, body string
		status                          int
		field, code                     string
	}{
		{"malformed JSON", "PATCH", m, "application/json", `{"display_name": "x",}`, 400, "", ""},
		{"truncated JSON", "PATCH", m, "application/json", `{"display_name": "x"`, 400, "", ""},
		{"empty body", "PATCH", m, "application/json", ``, 400, "", ""},
		{"two values", "PATCH", m, "application/json", `{} {}`, 400, "", ""},
		{"not an object", "PATCH", m, "application/json", `["x"]`, 400, "", ""},
		{"unknown field", "PATCH", m, "application/json", `{"displayname": "x"}`, 422, "displayname", "unknown_field"},
		{"wrong type", "PUT", m + "/password", "application/json", `{"password": "a long passphrase here", "must_change": "yes"}`, 422, "must_change", "wrong_type"},
		{"wrong type in a list", "POST", "/activation-emails", "application/json", `{"member_ids": [1, 2]}`, 422, "member_ids", "wrong_type"},
		{"a number for a string", "POST", "/members", "application/json", `{"username": 42, "email": "x@example.com"}`, 422, "username", "wrong_type"},
		{"too large", "PATCH", m, "application/json", big, 413, "", ""},
		{"not JSON", "PATCH", m, "text/plain", `{"display_name": "x"}`, 415, "", ""},
		{"no content type", "PATCH", m, "", `{"display_name": "x"}`, 415, "", ""},
		{"invalid role", "PATCH", m, "application/json", `{"role": "king"}`, 422, "role", "invalid"},
		{"invalid state", "PATCH", m, "application/json", `{"state": "sleeping"}`, 422, "state", "invalid"},
		{"invalid email", "PATCH", m, "application/json", `{"email": "not an address"}`, 422, "email", "invalid"},
		{"invalid mobile", "PATCH", m, "application/json", `{"mobile": "+44 20 7946 0000"}`, 422, "mobile", "not_mobile"},
		{"invalid date", "PATCH", m, "application/json", `{"expires_at": "next tuesday"}`, 422, "expires_at", "invalid"},
		{"taken username", "POST", "/members", "application/json", `{"username": "MIA", "email": "x@example.com"}`, 422, "username", "taken"},
		{"missing username", "POST", "/members", "application/json", `{"email": "x@example.com"}`, 422, "username", "required"},
		{"unknown parameter", "GET", "/members?rol=owner", "", ``, 422, "rol", "unknown_parameter"},
		{"repeated parameter", "GET", "/members?role=owner&role=member", "", ``, 422, "role", "repeated"},
		{"bad limit", "GET", "/members?limit=0", "", ``, 422, "limit", "out_of_range"},
		{"huge limit", "GET", "/members?limit=100000", "", ``, 422, "limit", "out_of_range"},
		{"bad cursor", "GET", "/members?cursor=!!!", "", ``, 422, "cursor", "invalid"},
		{"bad role filter", "GET", "/members?role=king", "", ``, 422, "role", "invalid"},
		{"bad time", "GET", "/audit-events?since=yesterday", "", ``, 422, "since", "invalid"},
		{"empty range", "GET", "/audit-events?since=2026-03-02&until=2026-03-01", "", ``, 422, "until", "invalid_range"},
		{"bad status", "GET", "/mail-messages?status=lost", "", ``, 422, "status", "invalid"},
		{"unknown member", "GET", "/members/nope", "", ``, 404, "", ""},
		{"unknown endpoint", "GET", "/nope", "", ``, 404, "", ""},
		{"wrong method", "PUT", "/members", "application/json", `{}`, 405, "", ""},
	} {
		r, err := http.NewRequest(c.method, s.URL+"/api/v1"+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Authorization", "Bearer "+key)
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		resp := s.Do(t, r)
		wantProblem(t, c.name, resp, c.status)
		if c.field != "" {
			var p struct {
				Errors []gatehouse.FieldError `json:"errors"`
			}
			decodeJSONBody(t, resp, &p)
			found := false
			for _, e := range p.Errors {
				found = found || (e.Field == c.field && e.Code == c.code && e.Message != "")
			}
			if !found {
				t.Errorf("%s: errors %+v, want field %s code %s", c.name, p.Errors, c.field, c.code)
			}
		}
		if c.status == 405 && resp.Header.Get("Allow") != "GET, POST" {
			t.Errorf("%s: Allow %q", c.name, resp.Header.Get("Allow"))
		}
	}
	if got := s.Member(t, o.Member.ID); got.DisplayName != o.Member.DisplayName || got.Role != gatehouse.RoleMember {
		t.Errorf("a refused request changed the member: %+v", got)
	}
}

// TestAPIKeyAuth: no key, a malformed, unknown or revoked key get 401 with
// WWW-Authenticate; a good key works and its last use is recorded, at most
// once a minute.
func TestAPIKeyAuth(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		key, k, err := s.App.APIKeys.Create(context.Background(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, "crm", gatehouse.RoleAdministrator)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(key, "gh_") || len(key) != 46 {
			t.Errorf("key %q: want gh_ and 43 characters (256 bits)", key)
		}
		if strings.Contains(k.Hash, key) || k.Hash == key {
			t.Error("the key is stored as is")
		}
		unknown := "gh_" + strings.Repeat("A", 43)
		for name, h := range map[string]string{
			"no key": "", "not bearer": "Basic " + key, "no prefix": "Bearer " + key[3:], "unknown": "Bearer " + unknown,
			"truncated": "Bearer " + key[:40], "empty bearer": "Bearer ",
		} {
			r, _ := http.NewRequest("GET", s.URL+"/api/v1/members", nil)
			if h != "" {
				r.Header.Set("Authorization", h)
			}
			resp := s.Do(t, r)
			wantProblem(t, name, resp, http.StatusUnauthorized)
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate %q", name, resp.Header.Get("WWW-Authenticate"))
			}
		}
		// A session cookie is not an API key.
		b := signedInAs(t, s, "olivia")
		if r := b.Get("/api/v1/members"); r.Status != http.StatusUnauthorized {
			t.Errorf("a signed-in owner's cookie opened the API: %d", r.Status)
		}

		t0 := s.Clock.Now()
		if r := apiRequest(t, s, key, "GET", "/members", ""); r.Status != http.StatusOK || !strings.Contains(r.Body, `"username": "olivia"`) {
			t.Fatalf("good key: %d %s", r.Status, r.Body)
		}
		used := func() time.Time {
			got, err := s.Store.APIKey(context.Background(), gatehouse.DefaultOrgID, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.LastUsedAt
		}
		if !used().Equal(t0) {
			t.Errorf("last used %v, want %v", used(), t0)
		}
		s.Clock.Advance(30 * time.Second)
		apiRequest(t, s, key, "GET", "/members", "")
		if !used().Equal(t0) {
			t.Errorf("last used written again within the minute: %v", used())
		}
		s.Clock.Advance(31 * time.Second)
		apiRequest(t, s, key, "GET", "/members", "")
		if !used().Equal(s.Clock.Now()) {
			t.Errorf("last used %v, want %v", used(), s.Clock.Now())
		}
		if page := b.Get("/admin/api-keys"); !strings.Contains(page.Body, "crm") || !strings.Contains(page.Body, k.Prefix) {
			t.Error("the keys page does not list the key")
		}

		if err := s.App.APIKeys.Revoke(context.Background(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, k.ID); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, "revoked", apiRequest(t, s, key, "GET", "/members", ""), http.StatusUnauthorized)
		wantProblem(t, "revoked, again", apiRequest(t, s, key, "PATCH", "/settings", `{"organization_name": "X"}`), http.StatusUnauthorized)
		evs := s.Audit(t, gatehouse.EventAPICall)
		if len(evs) != 1 || evs[0].Details["outcome"] != "revoked_key" || evs[0].ActorName != "crm" {
			t.Errorf("revoked use audited as %+v, want once", evs)
		}
		if set, _ := s.Account.Settings(context.Background(), gatehouse.DefaultOrgID); set.OrganizationName == "X" {
			t.Error("a revoked key changed a setting")
		}
	})
}

// TestAPIThrottle: each key may make api_requests_per_minute requests a
// minute; the next gets 429 with Retry-After, other keys are not affected, and
// the next minute it works again.
func TestAPIThrottle(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"api_requests_per_minute": "10"}}, func(t *testing.T, s *webtest.Server) {
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		other := newAPIKey(t, s, "billing", gatehouse.RoleAdministrator)
		for i := range 10 {
			if r := apiRequest(t, s, key, "GET", "/members", ""); r.Status != http.StatusOK {
				t.Fatalf("request %d: %d", i+1, r.Status)
			}
		}
		s.Clock.Advance(20 * time.Second)
		r := apiRequest(t, s, key, "GET", "/members", "")
		wantProblem(t, "11th request", r, http.StatusTooManyRequests)
		if r.Header.Get("Retry-After") != "40" {
			t.Errorf("Retry-After %q, want 40", r.Header.Get("Retry-After"))
		}
		wantProblem(t, "12th request, a write", apiRequest(t, s, key, "PATCH", "/settings", `{"organization_name": "X"}`), http.StatusTooManyRequests)
		if r := apiRequest(t, s, other, "GET", "/members", ""); r.Status != http.StatusOK {
			t.Errorf("another key was throttled: %d", r.Status)
		}
		if evs := s.Audit(t, gatehouse.EventRequestThrottled); len(evs) != 1 || evs[0].ActorName != "crm" {
			t.Errorf("throttling audited %d times, want once", len(evs))
		}
		s.Clock.Advance(40 * time.Second)
		if r := apiRequest(t, s, key, "GET", "/members", ""); r.Status != http.StatusOK {
			t.Errorf("the next minute: %d", r.Status)
		}
	})
}

// TestAPIMembers walks the member endpoints: create (with and without a
// password), read, list with filters and pages, update, end sessions, delete.
func TestAPIMembers(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		r := apiRequest(t, s, key, "POST", "/members", `{"username": "newbie", "display_name": "New Bie", "email": "newbie@example.com",
			"mobile": "+44 7911 123456", "expires_at": "2027-01-01"}`)
		if r.Status != http.StatusCreated || !strings.Contains(r.Body, `"activation_email_queued": true`) || !strings.Contains(r.Body, `"state": "never_activated"`) {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var created struct {
			ID        string `json:"id"`
			Mobile    string `json:"mobile"`
			ExpiresAt string `json:"expires_at"`
		}
		decodeJSONBody(t, r, &created)
		if r.Header.Get("Location") != "/api/v1/members/"+created.ID || created.Mobile != "+447911123456" || created.ExpiresAt != "2027-01-01T00:00:00Z" {
			t.Errorf("created: %+v, Location %q", created, r.Header.Get("Location"))
		}
		if msg := s.SMTP.WaitFor(t, 1, 10*time.Second)[0]; msg.To[0] != "newbie@example.com" {
			t.Errorf("activation email to %v", msg.To)
		}
		r = apiRequest(t, s, key, "POST", "/members", `{"username": "ready", "email": "ready@example.com", "password": "`+goodPassword+`"}`)
		if r.Status != http.StatusCreated || !strings.Contains(r.Body, `"state": "active"`) {
			t.Errorf("create with a password: %d %s", r.Status, r.Body)
		}
		wantProblem(t, "create with a weak password", apiRequest(t, s, key, "POST", "/members", `{"username": "weak", "email": "w@example.com", "password": "password"}`), http.StatusUnprocessableEntity)

		if r := apiRequest(t, s, key, "GET", "/members/"+created.ID, ""); r.Status != http.StatusOK || !strings.Contains(r.Body, `"username": "newbie"`) {
			t.Errorf("get: %d %s", r.Status, r.Body)
		}
		// Filters and pages: 5 members (olivia, adam, mia, newbie, ready), 2 a page.
		var names []string
		cursor := ""
		for page := 0; page < 5; page++ {
			p := "/members?limit=2"
			if cursor != "" {
				p += "&cursor=" + cursor
			}
			var out struct {
				Members []struct {
					Username string `json:"username"`
				} `json:"members"`
				Next *string `json:"next_cursor"`
			}
			decodeJSONBody(t, apiRequest(t, s, key, "GET", p, ""), &out)
			for _, m := range out.Members {
				names = append(names, m.Username)
			}
			if out.Next == nil {
				break
			}
			cursor = *out.Next
		}
		if strings.Join(names, ",") != "adam,mia,newbie,olivia,ready" {
			t.Errorf("paged through %v", names)
		}
		for q, want := range map[string]string{
			"query=EXAMPLE.com&role=owner": "olivia", "state=never_activated": "newbie", "query=bie": "newbie", "role=administrator": "adam",
		} {
			r := apiRequest(t, s, key, "GET", "/members?"+q, "")
			if r.Status != http.StatusOK || strings.Count(r.Body, `"username"`) != 1 || !strings.Contains(r.Body, `"username": "`+want+`"`) {
				t.Errorf("%s: %d %s", q, r.Status, r.Body)
			}
		}

		r = apiRequest(t, s, key, "PATCH", "/members/"+o.Member.ID, `{"display_name": "Mia M", "work_email": "mia@corp.example", "mobile": "", "expires_at": "", "role": "administrator"}`)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `"display_name": "Mia M"`) || !strings.Contains(r.Body, `"role": "administrator"`) {
			t.Errorf("patch: %d %s", r.Status, r.Body)
		}
		if evs := s.Audit(t, gatehouse.EventMemberUpdated); len(evs) != 1 || evs[0].ActorName != "crm" || evs[0].Details["role"] != "member → administrator" {
			t.Errorf("update audited as %+v", evs)
		}
		signedInAs(t, s, "mia")
		signedInAs(t, s, "mia")
		if r := apiRequest(t, s, key, "DELETE", "/members/"+o.Member.ID+"/sessions", ""); r.Status != http.StatusOK || !strings.Contains(r.Body, `"ended": 2`) {
			t.Errorf("end sessions: %d %s", r.Status, r.Body)
		}
		if r := apiRequest(t, s, key, "PATCH", "/members/"+o.Member.ID, `{"state": "disabled"}`); r.Status != http.StatusOK || !strings.Contains(r.Body, `"state": "disabled"`) {
			t.Errorf("disable: %d %s", r.Status, r.Body)
		}
		wantProblem(t, "activate without a password", apiRequest(t, s, key, "PATCH", "/members/"+created.ID, `{"state": "active"}`), http.StatusUnprocessableEntity)
		if r := apiRequest(t, s, key, "DELETE", "/members/"+o.Member.ID, ""); r.Status != http.StatusNoContent {
			t.Errorf("delete: %d %s", r.Status, r.Body)
		}
		wantProblem(t, "get after delete", apiRequest(t, s, key, "GET", "/members/"+o.Member.ID, ""), http.StatusNotFound)
		wantProblem(t, "delete again", apiRequest(t, s, key, "DELETE", "/members/"+o.Member.ID, ""), http.StatusNotFound)
		if n := len(s.Audit(t, gatehouse.EventAPICall)); n != 9 {
			t.Errorf("%d state-changing calls audited, want 9", n)
		}
	})
}

// TestAPILogs reads the audit log and the mail status through the API.
func TestAPILogs(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
	s.SMTP.RejectAddress("mia@example.com", 550, "5.1.1 mailbox unavailable")
	if r := apiRequest(t, s, key, "POST", "/members/"+o.Member.ID+"/activation-email", ""); r.Status != http.StatusAccepted {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var out struct {
		Messages []struct {
			Status    string `json:"status"`
			LastError string `json:"last_error"`
			To        string `json:"to"`
		} `json:"messages"`
	}
	for range 200 { // the worker gives up on a permanent refusal at once
		decodeJSONBody(t, apiRequest(t, s, key, "GET", "/mail-messages?status=failed", ""), &out)
		if len(out.Messages) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(out.Messages) != 1 || out.Messages[0].To != "mia@example.com" || !strings.Contains(out.Messages[0].LastError, "mailbox unavailable") {
		t.Errorf("failed messages: %+v", out.Messages)
	}
	r := apiRequest(t, s, key, "GET", "/audit-events?type=activation.sent,api.call&member_id="+o.Member.ID+"&since=2026-03-02", "")
	if r.Status != http.StatusOK || strings.Count(r.Body, `"type": "activation.sent"`) != 1 || strings.Count(r.Body, `"type": "api.call"`) != 1 ||
		!strings.Contains(r.Body, `"name": "crm"`) {
		t.Errorf("audit: %d %s", r.Status, r.Body)
	}
	if r := apiRequest(t, s, key, "GET", "/audit-events?until=2026-03-01", ""); !strings.Contains(r.Body, `"events": []`) {
		t.Errorf("until before everything: %s", r.Body)
	}
}

// TestMemberSearchNUL: a NUL in a search is refused with the field named, on
// the admin page and in the API, on every database (PostgreSQL cannot take
// one in a query, and no name or address holds one).
func TestMemberSearchNUL(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		r := apiRequest(t, s, key, "GET", "/members?query=mi%00a", "")
		wantProblem(t, "API search with a NUL", r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.Body, `"field":"query"`) || !strings.Contains(r.Body, `"code":"invalid_character"`) {
			t.Errorf("API search with a NUL: %s", r.Body)
		}
		b := signedInAs(t, s, "adam")
		page := b.Get("/admin/members?query=mi%00a")
		wantStatus(t, "admin search with a NUL", page, http.StatusUnprocessableEntity, "")
		wantBody(t, "admin search with a NUL", page, "A search may not contain a NUL character.")
		if r := apiRequest(t, s, key, "GET", "/members?query=mia", ""); r.Status != http.StatusOK || !strings.Contains(r.Body, `"username": "mia"`) {
			t.Errorf("search: %d %s", r.Status, r.Body)
		}
	})
}

// TestAPIRefusesBadTextAndDuplicateFields: text that is not UTF-8, or that
// escapes half a surrogate pair (which encoding/json would store as U+FFFD),
// and a field given twice in one object (of which encoding/json would keep the
// last, matching names without regard to case) are refused with 400 problem
// details saying so, at every endpoint that reads JSON; nothing changes.
func TestAPIRefusesBadTextAndDuplicateFields(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		key := newAPIKey(t, s, "crm", gatehouse.RoleOwner)
		m := "/members/" + o.Member.ID
		for _, c := range []struct {
			name, method, path, body string
			detail, field            string
		}{
			{"a byte that is not UTF-8", "PATCH", m, "{\"display_name\": \"caf\xe9\"}", "UTF-8", ""},
			{"a truncated UTF-8 sequence", "POST", "/members", "{\"username\": \"zoe\", \"email\": \"zoe@example.com\", \"display_name\": \"Zo\xc3\"}", "UTF-8", ""},
			{"a lone high surrogate", "PATCH", m, `{"display_name": "Mia \ud800"}`, "UTF-8", ""},
			{"a lone low surrogate", "PATCH", m, `{"display_name": "Mia \udc00 M"}`, "UTF-8", ""},
			{"a high surrogate before a letter", "PATCH", m, `{"display_name": "\ud83dx"}`, "UTF-8", ""},
			{"not UTF-8 in a name", "PATCH", "/settings", "{\"organization_name\xff\": \"Acme\"}", "UTF-8", ""},
			{"a field twice", "PATCH", m, `{"role": "member", "role": "owner"}`, "twice", "role"},
			{"a field twice in another case", "PATCH", m, `{"state": "active", "State": "disabled"}`, "twice", "State"},
			{"a list twice", "POST", "/activation-emails", `{"member_ids": [], "member_ids": ["` + o.Member.ID + `"]}`, "twice", "member_ids"},
			{"a setting twice", "PATCH", "/settings", `{"password_min_length": 12, "password_min_length": 20}`, "twice", "password_min_length"},
			{"a password twice", "PUT", m + "/password", `{"password": "granite meadow lantern fjord", "password": "quartz harbor willow"}`, "twice", "password"},
		} {
			before := *s.Member(t, o.Member.ID)
			set, _ := s.Account.Settings(t.Context(), gatehouse.DefaultOrgID)
			r := apiRequest(t, s, key, c.method, c.path, c.body)
			wantProblem(t, c.name, r, http.StatusBadRequest)
			var p struct {
				Detail string                 `json:"detail"`
				Errors []gatehouse.FieldError `json:"errors"`
			}
			decodeJSONBody(t, r, &p)
			if !strings.Contains(p.Detail, c.detail) {
				t.Errorf("%s: detail %q does not say %q", c.name, p.Detail, c.detail)
			}
			if c.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != c.field || p.Errors[0].Code != "duplicate_field") {
				t.Errorf("%s: errors %+v, want field %s", c.name, p.Errors, c.field)
			}
			if after := s.Member(t, o.Member.ID); after.DisplayName != before.DisplayName || after.Role != before.Role ||
				after.State != before.State || after.PasswordHash != before.PasswordHash {
				t.Errorf("%s: the member changed", c.name)
			}
			if now, _ := s.Account.Settings(t.Context(), gatehouse.DefaultOrgID); now.PasswordMinLength != set.PasswordMinLength {
				t.Errorf("%s: a setting changed", c.name)
			}
		}
		if n := len(s.Audit(t, gatehouse.EventActivationSent)); n != 0 {
			t.Errorf("%d activation emails sent by refused bodies", n)
		}

		// What is fine stays fine: a surrogate pair, text in other scripts,
		// the same name in two different objects of a list, escapes.
		r := apiRequest(t, s, key, "PATCH", m, `{"display_name": "Mia \ud83d\ude00 Müller \"M\" \\ Ωμέγα"}`)
		if r.Status != http.StatusOK {
			t.Fatalf("a good body: %d\n%s", r.Status, r.Body)
		}
		if got := s.Member(t, o.Member.ID).DisplayName; got != `Mia 😀 Müller "M" \ Ωμέγα` {
			t.Errorf("stored %q", got)
		}
	})
}
