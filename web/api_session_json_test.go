package web

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzSessionJSON: the hand-written answer of GET /api/v1/session is byte for
// byte what encoding/json (writeJSON) writes, whatever the fields hold: quotes,
// control characters, HTML, invalid UTF-8, line separators.
func FuzzSessionJSON(f *testing.F) {
	f.Add("jdoe", "Jane <Doe> & \"Co\"", "jane@example.com", "", "\u2028\t\x00\xff", int64(1772442000))
	f.Add("a.b-c_d", "", "", "w@work.example", "é€😀", int64(0))
	f.Add("x", "\b\f\n\r\\/", "a'b@c.d", "\x7f", "\xed\xa0\x80", int64(253402300799))
	f.Fuzz(func(t *testing.T, username, name, email, work, other string, expUnix int64) {
		// Any instant of years 1970 to 9999 (local time: the answer is UTC).
		exp := time.Unix(expUnix%253402300800, 0)
		if expUnix < 0 {
			exp = time.Unix(-expUnix%253402300800, 0)
		}
		info := SessionInfo{ID: other, Username: username, DisplayName: name, Email: email, WorkEmail: work,
			Role: "member", Organization: other, SessionID: name}
		got := httptest.NewRecorder()
		writeSessionJSON(got, &info, exp)
		info.ExpiresAt = exp.UTC().Format("2006-01-02T15:04:05Z")
		want := httptest.NewRecorder()
		writeJSON(want, 200, info)
		if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
			t.Fatalf("hand-written:\n%s\nencoding/json:\n%s", got.Body, want.Body)
		}
		if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
			t.Fatalf("status %d %q, want %d %q", got.Code, got.Header().Get("Content-Type"), want.Code, want.Header().Get("Content-Type"))
		}
		var back SessionInfo
		if err := json.Unmarshal(got.Body.Bytes(), &back); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
	})
}

func BenchmarkSessionJSON(b *testing.B) {
	info := &SessionInfo{ID: "abcdefghijklmnopqrstuvwxyz", Username: "jdoe", DisplayName: "Jane Doe", Email: "jane@example.com",
		Role: "member", Organization: "default", SessionID: "abcdefghijklmnopqrstuvwxyz", ExpiresAt: "2026-03-02T09:00:00Z"}
	exp := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	b.Run("hand-written", func(b *testing.B) {
		for b.Loop() {
			writeSessionJSON(httptest.NewRecorder(), info, exp)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			writeJSON(httptest.NewRecorder(), 200, info)
		}
	})
}
