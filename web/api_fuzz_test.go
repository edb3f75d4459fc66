package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// FuzzAPIJSON sends any body, with any content type, to the management API's
// endpoints that read JSON, with an owner's key: never a 5xx; every refusal is
// problem details with the status it comes with (and, for 422, the fields at
// fault); a refused change changes nothing; an accepted one leaves values that
// the domain's own rules accept.
func FuzzAPIJSON(f *testing.F) {
	s := webtest.New(f, webtest.Options{Settings: map[string]string{"api_requests_per_minute": "100000"}})
	o := newAdminOrg(f, s)
	key := newAPIKey(f, s, "fuzz", gatehouse.RoleOwner)
	h := s.Web.Handler()
	endpoints := []struct{ method, path string }{
		{"PATCH", "/members/" + o.Member.ID},
		{"POST", "/members"},
		{"PUT", "/members/" + o.Member.ID + "/password"},
		{"POST", "/activation-emails"},
		{"PATCH", "/settings"},
		{"POST", "/members/" + o.Member.ID + "/activation-email"},
	}
	for i, body := range []string{
		`{"display_name": "Mia M.", "work_email": "mia@corp.example", "mobile": "+447700900123"}`,
		`{"username": "new-one", "email": "new@example.com", "role": "member"}`,
		`{"password": "granite meadow lantern fjord", "must_change": true}`,
		`{"member_ids": ["` + o.Member.ID + `", "nope"]}`,
		`{"password_min_length": 12, "two_factor": "optional", "session_idle_timeout": "2h", "captcha": "off"}`,
		`{}`,
	} {
		f.Add(uint8(i), "application/json", []byte(body))
	}
	for _, body := range []string{`{"display_name": "x",}`, `{} {}`, `["x"]`, `{"role": "king"}`, `{"state": "disabled"}`,
		`{"expires_at": "2026-13-01"}`, `{"email": "a@b"}`, `{"username": 42}`, `{"password_min_length": "12"}`,
		`{"organization_name": "Acme\u0000"}`, `{"member_ids": [1, 2]}`, `{"\u00e9": 1}`, `{"": 1, "": 2}`, `{"role": "member", "role": "owner"}`, `null`, `"str"`, "\xff"} {
		f.Add(uint8(len(body)), "application/json; charset=utf-8", []byte(body))
	}
	f.Add(uint8(0), "text/plain", []byte(`{"display_name": "x"}`))
	f.Add(uint8(4), "application/merge-patch+json", []byte(`{"captcha": "builtin"}`))

	do := func(method, path, ctype string, body []byte) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/api/v1"+path, bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+key)
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	settings := func(t *testing.T) map[string]string {
		set, err := s.Account.Settings(context.Background(), gatehouse.DefaultOrgID)
		if err != nil {
			t.Fatal(err)
		}
		return set.Map()
	}
	f.Fuzz(func(t *testing.T, which uint8, ctype string, body []byte) {
		s.Clock.Advance(time.Minute) // a new rate-limit window for every input
		ep := endpoints[int(which)%len(endpoints)]
		memberBefore := *s.Member(t, o.Member.ID)
		settingsBefore := settings(t)

		w := do(ep.method, ep.path, ctype, body)
		if w.Code >= 500 {
			t.Fatalf("%s %s (%q): %d %s", ep.method, ep.path, ctype, w.Code, w.Body)
		}
		if w.Code >= 400 {
			if w.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d with Content-Type %q", w.Code, w.Header().Get("Content-Type"))
			}
			var p webProblem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != w.Code || p.Title == "" {
				t.Fatalf("%d with problem details %s (%v)", w.Code, w.Body, err)
			}
			for _, e := range p.Errors {
				// An unknown field or setting may have the empty name: {"": 1}.
				if (e.Field == "" && !strings.HasPrefix(e.Code, "unknown_")) || e.Code == "" || e.Message == "" {
					t.Fatalf("a field error without field, code or message: %s", w.Body)
				}
			}
			// A refused request changes nothing.
			if after := *s.Member(t, o.Member.ID); after.DisplayName != memberBefore.DisplayName || after.Email != memberBefore.Email ||
				after.Role != memberBefore.Role || after.State != memberBefore.State || after.PasswordHash != memberBefore.PasswordHash {
				t.Fatalf("a refused %s %s changed the member", ep.method, ep.path)
			}
			after := settings(t)
			for k, v := range settingsBefore {
				if after[k] != v {
					t.Fatalf("a refused %s %s changed setting %s from %q to %q", ep.method, ep.path, k, v, after[k])
				}
			}
			return
		}
		if ct := w.Header().Get("Content-Type"); w.Code != http.StatusNoContent && ct != "application/json" {
			t.Fatalf("%d with Content-Type %q", w.Code, ct)
		}
		// What was accepted obeys the domain's rules.
		m := s.Member(t, o.Member.ID)
		for _, fe := range []*gatehouse.FieldError{gatehouse.ValidateUsername(m.Username), gatehouse.ValidateEmail("email", m.Email, true),
			gatehouse.ValidateEmail("work_email", m.WorkEmail, false), gatehouse.ValidateDisplayName(m.DisplayName), gatehouse.ValidateE164("mobile", m.Mobile)} {
			if fe != nil {
				t.Fatalf("%s %s left the member with %s: %s", ep.method, ep.path, fe.Field, fe.Message)
			}
		}
		if !m.Role.Valid() || !m.State.Valid() {
			t.Fatalf("%s %s left the member with role %q, state %q", ep.method, ep.path, m.Role, m.State)
		}
		for name, v := range settings(t) {
			fresh := gatehouse.DefaultSettings()
			if fe := fresh.Set(name, v); fe != nil {
				t.Fatalf("%s %s left setting %s=%q, which the rules refuse: %s", ep.method, ep.path, name, v, fe.Message)
			}
		}
	})
}

// webProblem is problem details as the API writes them.
type webProblem struct {
	Type   string                 `json:"type"`
	Title  string                 `json:"title"`
	Status int                    `json:"status"`
	Detail string                 `json:"detail"`
	Errors []gatehouse.FieldError `json:"errors"`
}
