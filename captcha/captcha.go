// Package captcha implements gatehouse.Captcha: the builtin proof of work,
// self-hosted and without a third party, and server-side verification of
// Cloudflare Turnstile and hCaptcha answers (S15).
//
// The builtin check asks the browser to find a number n such that the SHA-256
// of "challenge:n" starts with a given number of zero bits. The challenge is
// signed with a key every replica shares, carries its expiry and difficulty, and
// works once: its hash is recorded in the database when it is used. The person
// has nothing to solve; the page's script (web/static/captcha.js) does the work
// in a second or two while it says so. It costs a scripted attacker CPU time for
// every request, which with the per-address and per-account limits is the point.
package captcha

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math/bits"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Defaults of a Checker.
const (
	// DefaultDifficulty is the leading zero bits a builtin solution needs: about
	// 130,000 hashes on average, one or two seconds for a browser's Web Crypto.
	DefaultDifficulty = 17
	// DefaultTTL is how long a builtin challenge can be solved and sent.
	DefaultTTL = 10 * time.Minute
	// TurnstileVerifyURL and HCaptchaVerifyURL are the providers' siteverify endpoints.
	TurnstileVerifyURL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
	HCaptchaVerifyURL  = "https://api.hcaptcha.com/siteverify"
)

// Checker issues and verifies CAPTCHAs. Key and Store are required; the other
// fields have working defaults.
type Checker struct {
	// Key signs builtin challenges; every replica must have the same (from
	// Store.ServerKey("captcha", 32)).
	Key []byte
	// Store records used builtin challenges.
	Store gatehouse.CaptchaStore
	// Difficulty is the number of leading zero bits a builtin solution needs.
	Difficulty int
	// TTL is how long a builtin challenge works.
	TTL time.Duration
	// HTTP sends the providers' verification requests; default: a client with a
	// 10-second timeout.
	HTTP *http.Client
	// TurnstileURL and HCaptchaURL are the verification endpoints; tests point
	// them at a fake that speaks the providers' protocol.
	TurnstileURL string
	HCaptchaURL  string
	Now          func() time.Time
	Rand         io.Reader
	Log          *slog.Logger
}

var _ gatehouse.Captcha = (*Checker)(nil)

var defaultHTTP = &http.Client{Timeout: 10 * time.Second}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) difficulty() int {
	if c.Difficulty > 0 {
		return c.Difficulty
	}
	return DefaultDifficulty
}

func (c *Checker) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return DefaultTTL
}

func (c *Checker) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}

// provider describes a third-party CAPTCHA service.
type provider struct {
	script  string
	class   string
	origins []string
}

var providers = map[string]provider{
	gatehouse.CaptchaTurnstile: {
		script: "https://challenges.cloudflare.com/turnstile/v0/api.js", class: "cf-turnstile",
		origins: []string{"https://challenges.cloudflare.com"},
	},
	gatehouse.CaptchaHCaptcha: {
		// hCaptcha asks not to name its asset hosts one by one: they change.
		script: "https://js.hcaptcha.com/1/api.js", class: "h-captcha",
		origins: []string{"https://hcaptcha.com", "https://*.hcaptcha.com"},
	},
}

// Widget returns what the form shows for the organization's captcha setting.
func (c *Checker) Widget(ctx context.Context, orgID string, set *gatehouse.Settings) (gatehouse.CaptchaWidget, error) {
	w := gatehouse.CaptchaWidget{Kind: set.Captcha}
	switch set.Captcha {
	case gatehouse.CaptchaBuiltin:
		ch, err := c.challenge(orgID)
		if err != nil {
			return w, gatehouse.Wrap("captcha.Widget", err)
		}
		w.Challenge, w.Difficulty = ch, c.difficulty()
	case gatehouse.CaptchaTurnstile, gatehouse.CaptchaHCaptcha:
		p := providers[set.Captcha]
		w.SiteKey, w.Script, w.Class, w.Origins = set.CaptchaSiteKey, p.script, p.class, p.origins
		w.Misconfigured = set.CaptchaSiteKey == "" || set.CaptchaSecret == ""
	default:
		w.Kind = gatehouse.CaptchaOff
	}
	return w, nil
}

// Verify checks an answer against the organization's captcha setting.
func (c *Checker) Verify(ctx context.Context, orgID string, set *gatehouse.Settings, a gatehouse.CaptchaAnswer, cl gatehouse.Client) error {
	switch set.Captcha {
	case gatehouse.CaptchaBuiltin:
		return c.verifyBuiltin(ctx, orgID, a)
	case gatehouse.CaptchaTurnstile:
		return c.verifyProvider(ctx, set, c.TurnstileURL, TurnstileVerifyURL, a.Response, cl.IP)
	case gatehouse.CaptchaHCaptcha:
		return c.verifyProvider(ctx, set, c.HCaptchaURL, HCaptchaVerifyURL, a.Response, cl.IP)
	}
	return nil
}

// refused is the error for an answer that does not pass, with a reason code
// for the audit log and a message for the person.
func refused(code, msg string) error {
	return gatehouse.InvalidFields("captcha.Verify", gatehouse.FieldError{Field: "captcha", Code: code, Message: msg})
}

// Reasons an answer is refused, the codes of the field error.
const (
	ReasonMissing  = "missing"
	ReasonWrong    = "wrong"
	ReasonExpired  = "expired"
	ReasonForged   = "forged"
	ReasonReplayed = "replayed"
)

var (
	errMissing = refused(ReasonMissing, "The automatic check did not finish. It needs JavaScript: wait until the page says the check is complete, then send the form.")
	errWrong   = refused(ReasonWrong, "The automatic check did not pass. Send the form again.")
	errExpired = refused(ReasonExpired, "The automatic check has expired. Send the form again.")
	errForged  = refused(ReasonForged, "The automatic check is not valid. Reload the page and send the form again.")
	errReplay  = refused(ReasonReplayed, "This check was already used. Send the form again.")
)

// Builtin challenges read "v1.EXPIRES.DIFFICULTY.NONCE.MAC": EXPIRES in Unix
// seconds, DIFFICULTY in bits, NONCE 128 random bits and MAC the HMAC-SHA256 of
// the organization and the rest, both base64url.

const challengeVersion = "v1"

func (c *Checker) mac(orgID, body string) []byte {
	m := hmac.New(sha256.New, c.Key)
	m.Write([]byte("gatehouse captcha\x00" + orgID + "\x00" + body))
	return m.Sum(nil)
}

func (c *Checker) challenge(orgID string) (string, error) {
	if len(c.Key) < 16 {
		return "", errors.New("captcha: the signing key is missing or too short")
	}
	r := c.Rand
	if r == nil {
		r = rand.Reader
	}
	var nonce [16]byte
	if _, err := io.ReadFull(r, nonce[:]); err != nil {
		return "", err
	}
	exp := c.now().Add(c.ttl()).Unix()
	body := challengeVersion + "." + strconv.FormatInt(exp, 10) + "." + strconv.Itoa(c.difficulty()) + "." +
		base64.RawURLEncoding.EncodeToString(nonce[:])
	return body + "." + base64.RawURLEncoding.EncodeToString(c.mac(orgID, body)), nil
}

// parsed is a challenge whose signature checked out.
type parsed struct {
	expires    time.Time
	difficulty int
}

// parse checks the shape and signature of a challenge.
func (c *Checker) parse(orgID, ch string) (parsed, bool) {
	if len(ch) > 200 || len(c.Key) < 16 {
		return parsed{}, false
	}
	parts := strings.Split(ch, ".")
	if len(parts) != 5 || parts[0] != challengeVersion {
		return parsed{}, false
	}
	// Strict: base64 lets the last character of a 43-character encoding vary
	// in bits it does not use, and a variant must not pass for the original.
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[4])
	if err != nil || !hmac.Equal(sig, c.mac(orgID, strings.Join(parts[:4], "."))) {
		return parsed{}, false
	}
	exp, err1 := strconv.ParseInt(parts[1], 10, 64)
	diff, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || diff < 1 || diff > 32 {
		return parsed{}, false
	}
	return parsed{expires: time.Unix(exp, 0), difficulty: diff}, true
}

func (c *Checker) verifyBuiltin(ctx context.Context, orgID string, a gatehouse.CaptchaAnswer) error {
	if a.Challenge == "" || a.Solution == "" {
		return errMissing
	}
	p, ok := c.parse(orgID, a.Challenge)
	if !ok {
		return errForged
	}
	if !c.now().Before(p.expires) {
		return errExpired
	}
	if !validSolution(a.Solution) || !Solves(a.Challenge, a.Solution, p.difficulty) {
		return errWrong
	}
	id := sha256.Sum256([]byte(a.Challenge))
	err := c.Store.UseCaptcha(ctx, hex.EncodeToString(id[:]), p.expires)
	if gatehouse.IsCode(err, gatehouse.Conflict) {
		return errReplay
	}
	return gatehouse.Wrap("captcha.Verify", err)
}

// validSolution accepts 1 to 20 decimal digits: what the script sends.
func validSolution(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Solves reports whether the SHA-256 of "challenge:solution" starts with at
// least difficulty zero bits.
func Solves(challenge, solution string, difficulty int) bool {
	sum := sha256.Sum256([]byte(challenge + ":" + solution))
	return zeroBits(sum[:]) >= difficulty
}

func zeroBits(b []byte) int {
	n := 0
	for _, x := range b {
		if x != 0 {
			return n + bits.LeadingZeros8(x)
		}
		n += 8
	}
	return n
}

// Solve does what the page's script does: it finds the smallest counter that
// solves the challenge. It is for tests and for clients other than browsers.
func Solve(challenge string) (string, error) {
	parts := strings.Split(challenge, ".")
	if len(parts) != 5 {
		return "", errors.New("captcha: not a challenge")
	}
	diff, err := strconv.Atoi(parts[2])
	if err != nil || diff < 1 || diff > 32 {
		return "", errors.New("captcha: bad difficulty")
	}
	for n := uint64(0); ; n++ {
		s := strconv.FormatUint(n, 10)
		if Solves(challenge, s, diff) {
			return s, nil
		}
	}
}
