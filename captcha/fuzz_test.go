package captcha_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/captcha"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// FuzzBuiltinAnswer sends any challenge and solution, as the forgotten-password
// form's hidden fields do: an answer passes only for a challenge this server
// issued, solved, and only once; every refusal is a field error on "captcha"
// with one of the known reasons, never a panic or an internal error.
func FuzzBuiltinAnswer(f *testing.F) {
	clock := gatehousetest.NewClock()
	st := gatehousetest.NewStore(f, gatehousetest.SQLiteURL(f))
	// The nonces come from a fixed seed, so that every fuzzing process issues
	// the same challenges and knows which ones are its own.
	c := &captcha.Checker{Key: []byte("0123456789abcdef0123456789abcdef"), Store: st, Difficulty: 8, Now: clock.Now,
		Rand: rand.NewChaCha8([32]byte{1})}
	set := gatehouse.DefaultSettings()
	set.Captcha = gatehouse.CaptchaBuiltin
	issued := map[string]bool{}
	for range 3 {
		w, err := c.Widget(ctx, gatehouse.DefaultOrgID, &set)
		if err != nil {
			f.Fatal(err)
		}
		issued[w.Challenge] = true
		sol, err := captcha.Solve(w.Challenge)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(w.Challenge, sol)
		f.Add(w.Challenge, sol+"0")
		f.Add(strings.Replace(w.Challenge, "v1.", "v2.", 1), sol)
		parts := strings.Split(w.Challenge, ".")
		parts[2] = "1" // an easier difficulty, under the same signature
		f.Add(strings.Join(parts, "."), "0")
	}
	f.Add("", "")
	f.Add("v1.9999999999.1.AAAA.AAAA", "0")
	f.Add("v1....", "00000000000000000000000")
	known := map[string]bool{captcha.ReasonMissing: true, captcha.ReasonWrong: true, captcha.ReasonExpired: true,
		captcha.ReasonForged: true, captcha.ReasonReplayed: true}
	f.Fuzz(func(t *testing.T, challenge, solution string) {
		a := gatehouse.CaptchaAnswer{Challenge: challenge, Solution: solution}
		err := c.Verify(ctx, gatehouse.DefaultOrgID, &set, a, gatehouse.Client{IP: "192.0.2.1"})
		if err == nil {
			if !issued[challenge] || !captcha.Solves(challenge, solution, 8) {
				t.Fatalf("accepted %q / %q, which this server did not issue or which does not solve it", challenge, solution)
			}
			if again := reason(c.Verify(ctx, gatehouse.DefaultOrgID, &set, a, gatehouse.Client{})); again != captcha.ReasonReplayed {
				t.Fatalf("the same answer again: %q, want replayed", again)
			}
			return
		}
		if r := reason(err); !known[r] {
			t.Fatalf("refused %q / %q with %q", challenge, solution, r)
		}
	})
}
