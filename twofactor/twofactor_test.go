package twofactor_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/app"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/secret"
)

const password = "violet kettle orbit marsh"

// fixture is the application on one database with one member.
type fixture struct {
	a     *app.App
	m     *gatehouse.Member
	clock *gatehousetest.Clock
}

func eachFixture(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			st := gatehousetest.NewStore(t, db.URL)
			clock := gatehousetest.NewClock()
			pub, _ := url.Parse("https://login.example.com")
			a := webtest.NewApp(t, st, clock, pub)
			m, _, err := a.Admin.CreateMember(context.Background(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{},
				gatehouse.NewMember{OrgID: gatehouse.DefaultOrgID, Username: "ada", Email: "ada@example.com", Password: password, Role: gatehouse.RoleMember})
			if err != nil {
				t.Fatal(err)
			}
			fn(t, &fixture{a: a, m: m, clock: clock})
		})
	}
}

// enrol sets up an authenticator app for the member and returns its secret
// and recovery codes.
func (f *fixture) enrol(t *testing.T) (string, []string) {
	t.Helper()
	ctx := context.Background()
	tf := f.a.TwoFactor
	if err := tf.StartEnrolment(ctx, f.m, password, gatehouse.Client{}); err != nil {
		t.Fatal(err)
	}
	st, err := tf.AuthenticatorState(ctx, f.m)
	if err != nil || st.Pending == nil {
		t.Fatalf("pending enrolment: %+v, %v", st, err)
	}
	sec := strings.ReplaceAll(st.Pending.Secret, " ", "")
	codes, err := tf.ConfirmEnrolment(ctx, f.m, f.code(t, sec, 0), gatehouse.Client{})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute) // past the enrolment's step
	return sec, codes
}

func (f *fixture) code(t *testing.T, sec string, offset int64) string {
	t.Helper()
	c, err := secret.TOTPCode(sec, secret.TOTPStep(f.clock.Now())+offset)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// twice runs check twice at once and returns how many succeeded.
func twice(check func() error) (ok int, errs []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			<-start
			err := check()
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else {
				errs = append(errs, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok, errs
}

// TestAppCodeOnce: one code of the app is accepted once, even when two
// answers carry it at the same moment; the other is refused as used. A code
// of the step before or after still counts (clock drift), a code from far
// off does not.
func TestAppCodeOnce(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		sec, _ := f.enrol(t)
		tf, ctx := f.a.TwoFactor, context.Background()
		code := f.code(t, sec, 0)
		ok, errs := twice(func() error { return tf.CheckApp(ctx, f.m, code, gatehouse.Client{IP: "192.0.2.1"}) })
		if ok != 1 || len(errs) != 1 || !gatehouse.IsCode(errs[0], gatehouse.Invalid) {
			t.Fatalf("the same code twice at once: %d accepted, refusals %v; want exactly one", ok, errs)
		}
		if err := tf.CheckApp(ctx, f.m, f.code(t, sec, 1), gatehouse.Client{}); err != nil {
			t.Errorf("the next step's code (drift): %v", err)
		}
		if err := tf.CheckApp(ctx, f.m, f.code(t, sec, 5), gatehouse.Client{}); !gatehouse.IsCode(err, gatehouse.Invalid) {
			t.Errorf("a code five steps ahead: %v, want refused", err)
		}
	})
}

// TestRecoveryCodeOnce: a recovery code signs in once, even when two
// answers carry it at the same moment, and the count of codes left drops by
// one; any spelling people type (spaces, dashes, case) is the same code.
func TestRecoveryCodeOnce(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, codes := f.enrol(t)
		if len(codes) == 0 {
			t.Fatal("no recovery codes at enrolment")
		}
		tf, ctx := f.a.TwoFactor, context.Background()
		typed := " " + strings.ToUpper(codes[0]) + " "
		var left []int
		var mu sync.Mutex
		ok, errs := twice(func() error {
			n, err := tf.CheckRecovery(ctx, f.m, typed, gatehouse.Client{})
			if err == nil {
				mu.Lock()
				left = append(left, n)
				mu.Unlock()
			}
			return err
		})
		if ok != 1 || len(errs) != 1 {
			t.Fatalf("one recovery code twice at once: %d accepted, refusals %v; want exactly one", ok, errs)
		}
		if left[0] != len(codes)-1 {
			t.Errorf("codes left after one use: %d, want %d", left[0], len(codes)-1)
		}
		if _, n, err := tf.Enrolled(ctx, f.m); err != nil || n != len(codes)-1 {
			t.Errorf("Enrolled: %d codes, %v; want %d", n, err, len(codes)-1)
		}
	})
}

// TestWrongAnswersAreThrottled: after the free wrong answers, the member
// must wait before the next one counts, whatever the method.
func TestWrongAnswersAreThrottled(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		sec, _ := f.enrol(t)
		tf, ctx := f.a.TwoFactor, context.Background()
		set, err := f.a.Account.Settings(ctx, f.m.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		c := gatehouse.Client{IP: "198.51.100.9"}
		wrong := "000000"
		for _, off := range []int64{-1, 0, 1} {
			if f.code(t, sec, off) == wrong {
				wrong = "111111" // never both: they are codes of three steps
			}
		}
		for i := 0; i < gatehouse.SecondFactorFreeAttempts+1; i++ {
			if err := tf.Wait(ctx, &set, f.m, c); err != nil {
				t.Fatalf("try %d refused before the free tries ran out: %v", i+1, err)
			}
			if err := tf.CheckApp(ctx, f.m, wrong, c); !gatehouse.IsCode(err, gatehouse.Invalid) {
				t.Fatalf("wrong code %d: %v", i+1, err)
			}
		}
		if err := tf.Wait(ctx, &set, f.m, c); !gatehouse.IsCode(err, gatehouse.Throttled) {
			t.Fatalf("after %d wrong answers: %v, want Throttled", gatehouse.SecondFactorFreeAttempts+1, err)
		}
	})
}
