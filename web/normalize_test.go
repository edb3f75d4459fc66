package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	stdnorm "golang.org/x/text/unicode/norm"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// One password typed with composed characters (NFC, as most keyboards send
// it) and with decomposed ones (NFD: a letter, then its accent).
const (
	pwNFC = "Crème brûlée à la française"
	pwNFD = "Cre\u0300me bru\u0302le\u0301e a\u0300 la franc\u0327aise"
)

// TestPasswordsNormalized: a password set in NFC signs in when it arrives in
// NFD and the other way round (NFKC before hashing and verifying); nothing
// else is forgiven; the policy counts the normalized characters.
func TestPasswordsNormalized(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		b := signedInAs(t, s, "jdoe")
		if r := changePassword(b, goodPassword, pwNFC, pwNFC); r.Status != http.StatusSeeOther {
			t.Fatalf("setting the password in NFC: %d\n%s", r.Status, r.Body)
		}
		s.Browser(t).SignIn("jdoe", pwNFD, "/account")
		s.Browser(t).SignIn("jdoe", pwNFC, "/account")
		// A confirmation typed in the other form is the same password.
		const next = "Ça coûte très cher à Noël"
		if r := changePassword(b, pwNFD, norm(next, true), next); r.Status != http.StatusSeeOther {
			t.Fatalf("a new password in NFD confirmed in NFC: %d\n%s", r.Status, r.Body)
		}
		s.Browser(t).SignIn("jdoe", next, "/account")
		for _, wrong := range []string{strings.ToUpper(pwNFC), pwNFC + " ", " " + pwNFD, strings.TrimSuffix(pwNFC, "e"), "Creme brulee a la francaise"} {
			r := s.Browser(t).Submit("/login", "/login", url.Values{"identifier": {"jdoe"}, "password": {wrong}})
			if r.Status != http.StatusUnauthorized {
				t.Errorf("%+q: %d, want 401", wrong, r.Status)
			}
		}
		// Fifteen characters in NFD are twelve once normalized: too short.
		short := "Cre\u0300me bru\u0302le\u0301e"
		r := changePassword(b, next, short, short)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "(it has 12)") {
			t.Errorf("a password of 12 normalized characters: %d\n%s", r.Status, r.Body)
		}
	})
}

// norm returns s decomposed (NFD) or composed (NFC).
func norm(s string, decompose bool) string {
	if decompose {
		return stdnorm.NFD.String(s)
	}
	return stdnorm.NFC.String(s)
}

// TestHashFromBeforeNormalizationUpgraded: a hash made before passwords were
// normalized, of a password typed in NFD, still signs in as typed; that
// sign-in replaces it with a hash of the normalized form (marked norm=nfkc),
// after which either form signs in. A password with characters NFKC changes
// (ligatures) works as typed and then in its normalized form too.
func TestHashFromBeforeNormalizationUpgraded(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		const ligatures = "ﬁve ﬂying ﬁsh in the ﬁeld"
		for _, c := range []struct{ user, stored, typed, after string }{
			{"decomposed", pwNFD, pwNFD, pwNFC},
			{"ligatures", ligatures, ligatures, "five flying fish in the field"},
		} {
			m := s.AddMember(t, c.user, c.user+"@example.com", "", gatehouse.RoleMember)
			old := rawArgon2id(c.stored)
			setHash(t, s, m, old)
			s.Browser(t).SignIn(c.user, c.typed, "/account")
			got := s.Member(t, m.ID).PasswordHash
			if got == old || !strings.Contains(got, ",norm=nfkc$") {
				t.Errorf("%s: the hash was not upgraded: %s", c.user, got)
			}
			s.Browser(t).SignIn(c.user, c.typed, "/account")
			s.Browser(t).SignIn(c.user, c.after, "/account")
			if again := s.Member(t, m.ID).PasswordHash; again != got {
				t.Errorf("%s: an upgraded hash was replaced again", c.user)
			}
		}
		if n := len(s.Audit(t, gatehouse.EventPasswordRehashed)); n != 2 {
			t.Errorf("%d rehash events, want 2", n)
		}
	})
}
