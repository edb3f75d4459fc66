package gatehousetest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// The account of a TwilioServer: what sms.Open must be given to reach it.
const (
	TwilioAccountSID = "AC0123456789abcdef0123456789abcdef"
	TwilioAuthToken  = "twilio-test-auth-token"
	TwilioFrom       = "+15005550006"
)

// TwilioServer is an HTTP server that answers like Twilio's Programmable
// Messaging API (POST /2010-04-01/Accounts/{AccountSid}/Messages.json) and checks
// each request the way the real API does: the path, the method, HTTP basic auth
// with the account SID and auth token, a form-encoded body, the required fields,
// the sender and a To number in E.164. It records the messages it accepts.
type TwilioServer struct {
	srv *httptest.Server

	mu       sync.Mutex
	messages []SMS
	attempts int
	rejected map[string]bool
	status   int
	notify   chan struct{}
}

// SMS is one message a TwilioServer accepted.
type SMS struct {
	SID                 string
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
}

// NewTwilioServer starts a Twilio look-alike for the duration of the test.
func NewTwilioServer(t testing.TB) *TwilioServer {
	s := &TwilioServer{rejected: map[string]bool{}, notify: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the GATEHOUSE_SMS_URL that reaches this server with the right
// credentials and sender.
func (s *TwilioServer) URL() string {
	q := url.Values{"from": {TwilioFrom}, "base_url": {s.srv.URL}}
	u := url.URL{Scheme: "twilio", User: url.UserPassword(TwilioAccountSID, TwilioAuthToken), Host: "api.twilio.com", RawQuery: q.Encode()}
	return u.String()
}

// Close stops the server early, to play a provider that cannot be reached.
func (s *TwilioServer) Close() { s.srv.Close() }

// RejectNumber makes the server refuse messages to the E.164 number n as Twilio
// refuses an invalid number: 400 with error 21211.
func (s *TwilioServer) RejectNumber(n string) {
	s.mu.Lock()
	s.rejected[n] = true
	s.mu.Unlock()
}

// FailWith makes the server answer every request with the HTTP status (429, 500,
// 503...) until Accept, as an overloaded or broken provider would.
func (s *TwilioServer) FailWith(status int) {
	s.mu.Lock()
	s.status = status
	s.mu.Unlock()
}

// Accept undoes FailWith and RejectNumber.
func (s *TwilioServer) Accept() {
	s.mu.Lock()
	s.status = 0
	s.rejected = map[string]bool{}
	s.mu.Unlock()
}

// Messages returns the accepted messages, oldest first.
func (s *TwilioServer) Messages() []SMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMS(nil), s.messages...)
}

// Attempts returns how many requests reached the server, refused ones included.
func (s *TwilioServer) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// WaitFor waits until at least n messages have been accepted and returns them;
// the test fails when that takes longer than timeout.
func (s *TwilioServer) WaitFor(t testing.TB, n int, timeout time.Duration) []SMS {
	t.Helper()
	waitFor(t, n, timeout, "text messages, the Twilio server has", func() (int, chan struct{}) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.messages), s.notify
	})
	return s.Messages()
}

var codePattern = regexp.MustCompile(`\b[0-9]{4,10}\b`)

// CodeIn returns the first run of 4 to 10 digits in a message body: the code.
func CodeIn(body string) string { return codePattern.FindString(body) }

var twilioE164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// twilioError writes an error the way Twilio does.
func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"code": code, "message": msg, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
	})
}

func (s *TwilioServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.attempts++
	status := s.status
	s.mu.Unlock()
	switch {
	case status == http.StatusTooManyRequests:
		twilioError(w, status, 20429, "Too Many Requests")
		return
	case status != 0:
		twilioError(w, status, 20500, "Internal Server Error")
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != TwilioAccountSID || pass != TwilioAuthToken {
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/2010-04-01/Accounts/")
	sid, tail, _ := strings.Cut(rest, "/")
	if !ok || tail != "Messages.json" {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	if sid != user {
		twilioError(w, http.StatusForbidden, 20003, "Authenticate")
		return
	}
	if r.Method != http.MethodPost {
		twilioError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	// Twilio reads parameters from a form body only; a JSON body leaves them all
	// missing.
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		twilioError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		twilioError(w, http.StatusBadRequest, 20001, "Invalid form body")
		return
	}
	m := SMS{To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), MessagingServiceSID: r.PostForm.Get("MessagingServiceSid"), Body: r.PostForm.Get("Body")}
	s.mu.Lock()
	rejected := s.rejected[m.To]
	s.mu.Unlock()
	switch {
	case m.To == "":
		twilioError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
	case m.From == "" && m.MessagingServiceSID == "":
		twilioError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
	case m.Body == "":
		twilioError(w, http.StatusBadRequest, 21602, "Message body is required.")
	case m.From != "" && m.From != TwilioFrom:
		twilioError(w, http.StatusBadRequest, 21606, "The From phone number "+m.From+" is not a valid, SMS-capable inbound phone number or short code for your account.")
	case m.From == "" && !strings.HasPrefix(m.MessagingServiceSID, "MG"):
		twilioError(w, http.StatusBadRequest, 21701, "The Messaging Service Sid "+m.MessagingServiceSID+" is invalid.")
	case !twilioE164.MatchString(m.To) || rejected:
		twilioError(w, http.StatusBadRequest, 21211, "The 'To' number "+m.To+" is not a valid phone number.")
	case utf8.RuneCountInString(m.Body) > 1600:
		twilioError(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
	default:
		s.accept(w, m)
	}
}

func (s *TwilioServer) accept(w http.ResponseWriter, m SMS) {
	var b [16]byte
	rand.Read(b[:])
	m.SID = "SM" + hex.EncodeToString(b[:])
	s.mu.Lock()
	s.messages = append(s.messages, m)
	close(s.notify)
	s.notify = make(chan struct{})
	s.mu.Unlock()
	now := time.Now().UTC().Format(time.RFC1123Z)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{
		"sid": m.SID, "account_sid": TwilioAccountSID, "to": m.To, "from": m.From,
		"messaging_service_sid": nilIfEmpty(m.MessagingServiceSID), "body": m.Body,
		"status": "queued", "num_segments": "1", "direction": "outbound-api",
		"date_created": now, "date_updated": now, "date_sent": nil,
		"error_code": nil, "error_message": nil, "api_version": "2010-04-01",
		"uri": "/2010-04-01/Accounts/" + TwilioAccountSID + "/Messages/" + m.SID + ".json",
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
