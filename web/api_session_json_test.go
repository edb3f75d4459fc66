package web

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// FuzzSessionJSON: the hand-written answer of GET /api/v1/session is byte for
// byte what encoding/json (writeJSON) writes, whatever the fields hold: quotes,
// control characters, HTML, invalid UTF-8, line separators.
func FuzzSessionJSON(f *testing.F) {
	f.Add("jdoe", "Jane <Doe> & \"Co\"", "jane@example.com", "", "\u2028\t\x00\xff")
	f.Add("a.b-c_d", "", "", "w@work.example", "é€😀")
	f.Add("x", "\b\f\n\r\\/", "a'b@c.d", "\x7f", "\xed\xa0\x80")
	f.Fuzz(func(t *testing.T, username, name, email, work, other string) {
		info := SessionInfo{ID: other, Username: username, DisplayName: name, Email: email, WorkEmail: work,
			Role: "member", Organization: other, SessionID: name, ExpiresAt: "2026-03-02T09:00:00Z"}
		want := httptest.NewRecorder()
		writeJSON(want, 200, info)
		got := httptest.NewRecorder()
		writeSessionJSON(got, &info)
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
	b.Run("hand-written", func(b *testing.B) {
		for b.Loop() {
			writeSessionJSON(httptest.NewRecorder(), info)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			writeJSON(httptest.NewRecorder(), 200, info)
		}
	})
}
