package web_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// hashWork sums the hashing a server does, by algorithm.
type hashWork struct {
	mu  sync.Mutex
	sum map[string]int64
}

func (w *hashWork) observe(o secret.Op) {
	w.mu.Lock()
	w.sum[o.Algorithm] += o.Work
	w.mu.Unlock()
}

// take returns the sums since the last call, as text.
func (w *hashWork) take() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := fmt.Sprintf("argon2id %d, bcrypt %d", w.sum[secret.AlgArgon2id], w.sum[secret.AlgBcrypt])
	w.sum = map[string]int64{}
	return s
}

// rawArgon2id returns a hash of pw exactly as typed with the test hasher's
// parameters, as Gatehouse made them before it normalized passwords.
func rawArgon2id(pw string) string {
	salt := bytes.Repeat([]byte{5}, 16)
	key := argon2.IDKey([]byte(pw), salt, 1, 256, 1, 32)
	enc := base64.RawStdEncoding
	return "$argon2id$v=19$m=256,t=1,p=1$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(key)
}

// TestSignInHashesAlike: a failed sign-in does the same hashing, counted by
// the hasher's observer, whichever account the identifier names: none, one
// with a current hash, one with an imported bcrypt hash (of the highest cost
// in the organization or a lower one), one with a hash from before passwords
// were normalized, a never-activated one, a disabled one; for a password in
// NFKC and for one that is not.
func TestSignInHashesAlike(t *testing.T) {
	w := &hashWork{sum: map[string]int64{}}
	webtest.Each(t, webtest.Options{HashObserver: w.observe}, func(t *testing.T, s *webtest.Server) {
		imported := func(username string, cost int) {
			hash, err := bcrypt.GenerateFromPassword([]byte(goodPassword), cost)
			if err != nil {
				t.Fatal(err)
			}
			setHash(t, s, s.AddMember(t, username, username+"@example.com", "", gatehouse.RoleMember), string(hash))
		}
		s.AddMember(t, "current", "current@example.com", goodPassword, gatehouse.RoleMember)
		imported("bcrypt6", 6)
		imported("bcrypt4", bcrypt.MinCost)
		setHash(t, s, s.AddMember(t, "unmarked", "unmarked@example.com", "", gatehouse.RoleMember), rawArgon2id(goodPassword))
		s.AddMember(t, "never", "never@example.com", "", gatehouse.RoleMember)
		dis := s.AddMember(t, "disabled", "disabled@example.com", goodPassword, gatehouse.RoleMember)
		dis.State = gatehouse.StateDisabled
		s.Overwrite(t, dis)
		for _, pw := range []string{"wrong password entirely", "wrong pa\u0301ssword, decomposed"} {
			w.take()
			want := ""
			for _, id := range []string{"nobody", "current", "bcrypt6", "bcrypt4", "unmarked", "never", "disabled"} {
				r := s.Browser(t).Submit("/login", "/login", url.Values{"identifier": {id}, "password": {pw}})
				if r.Status != http.StatusUnauthorized {
					t.Fatalf("%s: %d", id, r.Status)
				}
				got := w.take()
				if want == "" {
					want = got
					t.Logf("password %+q: %s", pw, got)
				} else if got != want {
					t.Errorf("password %+q, %s: hashing %s, want %s as for an unknown name", pw, id, got, want)
				}
			}
			// bcrypt at the highest imported cost, 2^6, once per form of the password.
			if want != "argon2id 256, bcrypt 64" && want != "argon2id 512, bcrypt 128" {
				t.Errorf("password %+q: the work of every sign-in is %s", pw, want)
			}
		}
		// Once no imported hash is left, sign-ins stop paying for bcrypt.
		s.Browser(t).SignIn("bcrypt6", goodPassword, "/account")
		s.Browser(t).SignIn("bcrypt4", goodPassword, "/account")
		w.take()
		s.Browser(t).Submit("/login", "/login", url.Values{"identifier": {"nobody"}, "password": {"wrong password entirely"}})
		if got := w.take(); got != "argon2id 256, bcrypt 0" {
			t.Errorf("after the upgrades an unknown name costs %s", got)
		}
	})
}

// setHash stores hash as the member's password hash and makes the account active.
func setHash(t *testing.T, s *webtest.Server, m *gatehouse.Member, hash string) {
	t.Helper()
	m.PasswordHash, m.State = hash, gatehouse.StateActive
	s.Overwrite(t, m)
}
