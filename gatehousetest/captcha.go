package gatehousetest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
)

// CaptchaProvider is a fake Turnstile or hCaptcha siteverify endpoint that
// checks requests the way the real services do: a form POST with the secret,
// the widget's token and, optionally, the client address (and, for hCaptcha,
// the site key). Tokens are issued by Token and work once.
type CaptchaProvider struct {
	URL     string // the siteverify endpoint
	Secret  string
	SiteKey string
	// HCaptcha makes the fake speak hCaptcha's dialect (its error codes and the
	// sitekey parameter); otherwise it speaks Turnstile's.
	HCaptcha bool

	mu       sync.Mutex
	tokens   map[string]bool // token -> already verified
	requests []CaptchaRequest
	down     bool
}

// CaptchaRequest is one verification request as the fake received it.
type CaptchaRequest struct {
	Method, ContentType                 string
	Secret, Response, RemoteIP, SiteKey string
}

// NewCaptchaProvider starts a fake siteverify endpoint that accepts secret.
func NewCaptchaProvider(t testing.TB, secret, siteKey string, hcaptcha bool) *CaptchaProvider {
	p := &CaptchaProvider{Secret: secret, SiteKey: siteKey, HCaptcha: hcaptcha, tokens: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	p.URL = srv.URL + "/siteverify"
	return p
}

// Token returns a fresh token, as the widget gives one to a person who passed.
func (p *CaptchaProvider) Token() string {
	var b [24]byte
	rand.Read(b[:])
	tok := "P1_" + hex.EncodeToString(b[:])
	p.mu.Lock()
	p.tokens[tok] = false
	p.mu.Unlock()
	return tok
}

// Down makes the endpoint answer 503 until Up.
func (p *CaptchaProvider) Down() { p.mu.Lock(); p.down = true; p.mu.Unlock() }

// Up undoes Down.
func (p *CaptchaProvider) Up() { p.mu.Lock(); p.down = false; p.mu.Unlock() }

// Requests returns the verification requests received so far.
func (p *CaptchaProvider) Requests() []CaptchaRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]CaptchaRequest(nil), p.requests...)
}

func (p *CaptchaProvider) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if r.URL.Path != "/siteverify" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	req := CaptchaRequest{Method: r.Method, ContentType: ct}
	var codes []string
	if ct != "application/x-www-form-urlencoded" {
		codes = append(codes, "bad-request")
	} else if err := r.ParseForm(); err != nil {
		codes = append(codes, "bad-request")
	} else {
		req.Secret, req.Response = r.PostForm.Get("secret"), r.PostForm.Get("response")
		req.RemoteIP, req.SiteKey = r.PostForm.Get("remoteip"), r.PostForm.Get("sitekey")
	}
	p.mu.Lock()
	p.requests = append(p.requests, req)
	p.mu.Unlock()
	if len(codes) == 0 {
		codes = p.check(req)
	}
	w.Header().Set("Content-Type", "application/json")
	ans := map[string]any{"success": len(codes) == 0, "error-codes": codes}
	if len(codes) == 0 {
		ans["hostname"] = "localhost"
		ans["challenge_ts"] = "2026-03-02T09:00:00Z"
	}
	json.NewEncoder(w).Encode(ans)
}

// check returns the error codes the real service would give.
func (p *CaptchaProvider) check(req CaptchaRequest) []string {
	switch {
	case req.Secret == "":
		return []string{"missing-input-secret"}
	case req.Secret != p.Secret:
		return []string{"invalid-input-secret"}
	case req.Response == "":
		return []string{"missing-input-response"}
	case req.RemoteIP != "" && !validIP(req.RemoteIP):
		return []string{"invalid-remoteip"}
	case p.HCaptcha && req.SiteKey != "" && req.SiteKey != p.SiteKey:
		return []string{"sitekey-secret-mismatch"}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	used, known := p.tokens[req.Response]
	switch {
	case !known:
		return []string{"invalid-input-response"}
	case used && p.HCaptcha:
		return []string{"invalid-or-already-seen-response"}
	case used:
		return []string{"timeout-or-duplicate"}
	}
	p.tokens[req.Response] = true
	return nil
}

func validIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}
