package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// New recovery codes are shown after a redirect (post/redirect/get), so that
// refreshing the page shows them again instead of posting the code or the
// password once more. Between the POST and the GET the codes travel in a
// cookie sealed with a key derived from the server's, bound to the member,
// limited to the codes page and to codesShownFor; nothing is stored.

const (
	codesCookie   = "gatehouse_codes"
	codesPath     = "/account/two-factor/recovery-codes"
	codesShownFor = 10 * time.Minute
)

type shownCodes struct {
	Codes    []string  `json:"codes"`
	Enrolled bool      `json:"enrolled"`
	Until    time.Time `json:"until"`
}

// codesKey derives the sealing key from the anti-forgery key, so that the
// one key replicas share is never used directly for two purposes.
func (s twofactorPages) codesKey() []byte {
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte("gatehouse recovery codes cookie"))
	return mac.Sum(nil)
}

// showCodes seals the codes into the cookie and redirects to the page that shows them.
func (s twofactorPages) showCodes(w http.ResponseWriter, r *http.Request, sess *gatehouse.Session, m *gatehouse.Member, codes []string, enrolled bool) {
	b, err := json.Marshal(shownCodes{Codes: codes, Enrolled: enrolled, Until: s.now().Add(codesShownFor)})
	if err == nil {
		var sealed string
		if sealed, err = secret.Seal(s.codesKey(), b, []byte(m.ID), nil); err == nil {
			http.SetCookie(w, &http.Cookie{Name: codesCookie, Value: sealed, Path: codesPath, MaxAge: int(codesShownFor.Seconds()),
				HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
			s.redirect(w, r, codesPath, nil)
			return
		}
	}
	// Sealing cannot fail with a good key; if it did, show the codes at once
	// rather than lose them.
	s.renderRecoveryCodes(w, r, sess, m, codes, enrolled)
}

// recoveryCodesPage shows the codes the cookie holds; once it has lapsed, it
// says they are no longer shown and how to get new ones.
func (s twofactorPages) recoveryCodesPage(w http.ResponseWriter, r *http.Request) {
	sess, m, ok := s.enrolling(w, r)
	if !ok {
		return
	}
	var sc shownCodes
	if c, err := r.Cookie(codesCookie); err == nil {
		if b, err := secret.Open(s.codesKey(), c.Value, []byte(m.ID)); err == nil && json.Unmarshal(b, &sc) == nil && s.now().Before(sc.Until) {
			s.renderRecoveryCodes(w, r, sess, m, sc.Codes, sc.Enrolled)
			return
		}
	}
	s.render(w, r, http.StatusOK, "recovery_codes", &view{
		Title: "Your recovery codes", Member: m, CSRF: s.csrfToken(w, r), Data: recoveryCodesData{Next: afterEnrolment(sess, "/account/two-factor")},
	})
}
