package sms_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/sms"
)

func newHTTPServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

const secret = "webhook-secret-0123456789"

// receiver is a webhook endpoint written the way VerifyWebhook's documentation
// asks: it checks the signature and the age before reading the JSON.
type receiver struct {
	mu       sync.Mutex
	got      []sms.WebhookMessage
	status   int
	now      time.Time
	verified int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if err := sms.VerifyWebhook(secret, r.Header, raw, rc.now, 5*time.Minute); err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
		return
	}
	rc.verified++
	if rc.status != 0 {
		w.WriteHeader(rc.status)
		json.NewEncoder(w).Encode(map[string]string{"message": "refused\nby receiver"})
		return
	}
	var m sms.WebhookMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	rc.got = append(rc.got, m)
	w.WriteHeader(http.StatusAccepted)
}

func TestWebhook(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	rc := &receiver{now: now}
	url := "webhook+" + newHTTPServer(t, rc) + "/send"
	tr := open(t, url, sms.Options{WebhookSecret: secret, Now: func() time.Time { return now }})
	if err := send(tr, mobile, body); err != nil {
		t.Fatal(err)
	}
	if len(rc.got) != 1 || rc.got[0] != (sms.WebhookMessage{To: mobile, Body: body}) {
		t.Fatalf("received %+v", rc.got)
	}

	tests := []struct {
		name      string
		status    int
		permanent bool
	}{
		{"400 refused", 400, true},
		{"404 gone", 404, true},
		{"408 timeout", 408, false},
		{"429 slow down", 429, false},
		{"500 broken", 500, false},
		{"503 down", 503, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc.status = tt.status
			err := send(tr, mobile, body)
			var se *sms.Error
			if !errors.As(err, &se) || se.Status != tt.status || se.Permanent != tt.permanent {
				t.Fatalf("err = %v, want status %d permanent %v", err, tt.status, tt.permanent)
			}
			if se.Message != "refused by receiver" {
				t.Errorf("message = %q: want the receiver's JSON message on one line", se.Message)
			}
		})
	}
}

func TestWebhookSignatureRefused(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	rc := &receiver{now: now}
	url := "webhook+" + newHTTPServer(t, rc)

	wrong := open(t, url, sms.Options{WebhookSecret: "another-secret-0123456789", Now: func() time.Time { return now }})
	if err := send(wrong, mobile, body); !sms.IsPermanent(err) {
		t.Errorf("wrong secret: err = %v, want a permanent 401", err)
	}
	old := open(t, url, sms.Options{WebhookSecret: secret, Now: func() time.Time { return now.Add(-6 * time.Minute) }})
	if err := send(old, mobile, body); !sms.IsPermanent(err) {
		t.Errorf("old timestamp: err = %v, want a permanent 401", err)
	}
	if rc.verified != 0 || len(rc.got) != 0 {
		t.Errorf("the receiver accepted %d requests", rc.verified)
	}
}

func TestVerifyWebhook(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	payload := []byte(`{"to":"+447911123456","body":"x"}`)
	sign := func(ts int64, sig string) http.Header {
		h := http.Header{}
		h.Set(sms.TimestampHeader, strconv.FormatInt(ts, 10))
		h.Set(sms.SignatureHeader, sig)
		return h
	}
	good := sms.Sign(secret, now.Unix(), payload)
	if len(good) != len("sha256=")+64 || good[:7] != "sha256=" {
		t.Fatalf("Sign = %q", good)
	}
	tests := []struct {
		name string
		h    http.Header
		body []byte
		ok   bool
	}{
		{"good", sign(now.Unix(), good), payload, true},
		{"slightly in the future", sign(now.Unix()+30, sms.Sign(secret, now.Unix()+30, payload)), payload, true},
		{"changed body", sign(now.Unix(), good), []byte(`{"to":"+447911123457","body":"x"}`), false},
		{"changed timestamp", sign(now.Unix()-1, good), payload, false},
		{"too old", sign(now.Unix()-301, sms.Sign(secret, now.Unix()-301, payload)), payload, false},
		{"too new", sign(now.Unix()+301, sms.Sign(secret, now.Unix()+301, payload)), payload, false},
		{"other secret", sign(now.Unix(), sms.Sign("other-secret-000000", now.Unix(), payload)), payload, false},
		{"no signature", sign(now.Unix(), ""), payload, false},
		{"no timestamp", http.Header{sms.SignatureHeader: {good}}, payload, false},
	}
	for _, tt := range tests {
		err := sms.VerifyWebhook(secret, tt.h, tt.body, now, 5*time.Minute)
		if (err == nil) != tt.ok {
			t.Errorf("%s: VerifyWebhook = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
