package passkey_test

import (
	"errors"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/passkey"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// A passkey is registered after the password, proves the second factor and
// signs in alone; each use moves the counter and "last used".
func TestRegisterAndUse(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ada := e.member(t, "ada")
		d := newDevice(ada)
		sess := passkey.SessionBinding("session-1")

		if _, err := e.pk.BeginRegistration(ctx, ada, "wrong password", sess, client()); !isCode(err, gatehouse.Invalid) {
			t.Fatalf("registration with a wrong password: %v, want Invalid", err)
		}
		p := e.register(t, ada, d, sess, "")
		if p.Name != "Firefox on Linux" {
			t.Errorf("default name = %q, want the browser and platform", p.Name)
		}
		if got := e.events(t, ada, passkey.EventAdded); len(got) != 1 || got[0].Details["passkey"] != p.ID {
			t.Errorf("passkey.added events = %v", got)
		}
		msgs, _, err := st.Messages(ctx, gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: ada.ID})
		if err != nil || len(msgs) != 1 || msgs[0].Kind != gatehouse.KindSecurityNotice {
			t.Fatalf("messages = %v, %v; want one security notice", msgs, err)
		}

		// Second factor.
		d.cred.Counter = 1
		opts, err := e.pk.BeginSecondFactor(ctx, ada, sess)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		used, err := e.pk.VerifySecondFactor(ctx, ada, sess, assert(t, opts, d, rp), client())
		if err != nil {
			t.Fatalf("second factor: %v", err)
		}
		if used.ID != p.ID || used.SignCount != 1 || !used.LastUsedAt.Equal(e.clock.Now()) {
			t.Errorf("used %s with counter %d at %v, want counter 1 and last used now", used.ID, used.SignCount, used.LastUsedAt)
		}

		// Alone, from a browser before any session.
		d.cred.Counter = 2
		browser := passkey.BrowserBinding("cookie-value")
		opts, err = e.pk.BeginSignIn(ctx, gatehouse.DefaultOrgID, browser)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := virtualwebauthn.ParseAssertionOptions(string(opts))
		if err != nil || len(parsed.AllowCredentials) != 0 {
			t.Fatalf("sign-in options name credentials (%v, %v): the browser must discover them", parsed, err)
		}
		m, used, err := e.pk.VerifySignIn(ctx, gatehouse.DefaultOrgID, browser, assert(t, opts, d, rp), client())
		if err != nil {
			t.Fatalf("sign-in: %v", err)
		}
		if m.ID != ada.ID || used.SignCount != 2 {
			t.Errorf("signed in %s with counter %d, want ada with 2", m.Username, used.SignCount)
		}
		list, err := e.pk.List(ctx, ada)
		if err != nil || len(list) != 1 || list[0].SignCount != 2 || list[0].LastUsedAt.IsZero() {
			t.Errorf("stored = %v, %v", list, err)
		}
	})
}

// An assertion sent again is refused: its challenge was taken by the first.
func TestReplayedAssertionRefused(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ada := e.member(t, "ada")
		d := newDevice(ada)
		b := passkey.SessionBinding("s")
		e.register(t, ada, d, b, "key")
		for _, purpose := range []string{"second factor", "sign-in"} {
			var opts []byte
			var err error
			if purpose == "second factor" {
				opts, err = e.pk.BeginSecondFactor(ctx, ada, b)
			} else {
				opts, err = e.pk.BeginSignIn(ctx, gatehouse.DefaultOrgID, b)
			}
			if err != nil {
				t.Fatal(err)
			}
			resp := assert(t, opts, d, rp)
			verify := func() error {
				if purpose == "second factor" {
					_, err := e.pk.VerifySecondFactor(ctx, ada, b, resp, client())
					return err
				}
				_, _, err := e.pk.VerifySignIn(ctx, gatehouse.DefaultOrgID, b, resp, client())
				return err
			}
			if err := verify(); err != nil {
				t.Fatalf("%s: %v", purpose, err)
			}
			if err := verify(); !errors.Is(err, passkey.ErrExpired) {
				t.Errorf("%s replayed: %v, want ErrExpired", purpose, err)
			}
		}
	})
}

// An assertion made for another origin (a phishing site relaying the
// challenge) is refused and audited; so is a registration there.
func TestWrongOriginRefused(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ada := e.member(t, "ada")
		d := newDevice(ada)
		b := passkey.SessionBinding("s")
		phish := virtualwebauthn.RelyingParty{ID: rp.ID, Name: rp.Name, Origin: "https://id.example.org.evil.example"}
		if _, err := e.tryRegister(ada, d, b, phish, ""); !isCode(err, gatehouse.Invalid) {
			t.Errorf("registration from another origin: %v, want Invalid", err)
		}
		e.register(t, ada, d, b, "key")
		opts, err := e.pk.BeginSecondFactor(ctx, ada, b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.pk.VerifySecondFactor(ctx, ada, b, assert(t, opts, d, phish), client()); !errors.Is(err, passkey.ErrRefused) {
			t.Errorf("assertion from another origin: %v, want ErrRefused", err)
		}
		otherRP := virtualwebauthn.RelyingParty{ID: "evil.example", Name: rp.Name, Origin: publicURL}
		opts, err = e.pk.BeginSignIn(ctx, gatehouse.DefaultOrgID, b)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.pk.VerifySignIn(ctx, gatehouse.DefaultOrgID, b, assert(t, opts, d, otherRP), client()); !errors.Is(err, passkey.ErrRefused) {
			t.Errorf("assertion for another relying party id: %v, want ErrRefused", err)
		}
		if got := e.events(t, ada, passkey.EventRefused); len(got) != 3 {
			t.Errorf("passkey.refused events = %d, want 3", len(got))
		}
	})
}

// Bob's passkey does not prove Ada's second factor, and does not sign in as
// Ada by claiming her user handle.
func TestAnotherMembersPasskeyRefused(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ada, bob := e.member(t, "ada"), e.member(t, "bob")
		da, db := newDevice(ada), newDevice(bob)
		b := passkey.SessionBinding("s")
		e.register(t, ada, da, b, "ada's")
		e.register(t, bob, db, b, "bob's")

		opts, err := e.pk.BeginSecondFactor(ctx, ada, b)
		if err != nil {
			t.Fatal(err)
		}
		// The browser is told Ada's credential only; Bob's device answers anyway.
		parsed, err := virtualwebauthn.ParseAssertionOptions(string(opts))
		if err != nil {
			t.Fatal(err)
		}
		resp := virtualwebauthn.CreateAssertionResponse(rp, db.auth, db.cred, *parsed)
		if _, err := e.pk.VerifySecondFactor(ctx, ada, b, []byte(resp), client()); !errors.Is(err, passkey.ErrRefused) {
			t.Errorf("bob's passkey for ada's second factor: %v, want ErrRefused", err)
		}
		if got := e.events(t, ada, passkey.EventRefused); len(got) != 1 || got[0].Details["reason"] != "not_this_members_passkey" {
			t.Errorf("refusal = %v", got)
		}

		// Bob's credential with Ada's user handle, for a sign-in alone.
		opts, err = e.pk.BeginSignIn(ctx, gatehouse.DefaultOrgID, b)
		if err != nil {
			t.Fatal(err)
		}
		db.auth.Options.UserHandle = []byte(ada.ID)
		if _, _, err := e.pk.VerifySignIn(ctx, gatehouse.DefaultOrgID, b, assert(t, opts, db, rp), client()); !errors.Is(err, passkey.ErrRefused) {
			t.Errorf("bob's passkey claiming ada's handle: %v, want ErrRefused", err)
		}
	})
}

// A counter that goes back (a cloned authenticator) is refused and audited;
// the stored counter stays where it was.
func TestCounterGoingBackRefused(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ada := e.member(t, "ada")
		d := newDevice(ada)
		b := passkey.SessionBinding("s")
		e.register(t, ada, d, b, "key")
		for i, counter := range []uint32{5, 3, 5} {
			e.clock.Advance(time.Second)
			d.cred.Counter = counter
			opts, err := e.pk.BeginSecondFactor(ctx, ada, b)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.pk.VerifySecondFactor(ctx, ada, b, assert(t, opts, d, rp), client())
			if i == 0 && err != nil {
				t.Fatalf("counter 5: %v", err)
			}
			if i > 0 && !errors.Is(err, passkey.ErrRefused) {
				t.Errorf("counter %d after 5: %v, want ErrRefused", counter, err)
			}
		}
		got := e.events(t, ada, passkey.EventCloneSuspected)
		if len(got) != 2 || got[0].Details["stored_counter"] != "5" || got[0].Details["presented_counter"] != "3" {
			for _, ev := range got {
				t.Errorf("clone event %v", ev.Details)
			}
		}
		list, _ := e.pk.List(ctx, ada)
		if list[0].SignCount != 5 {
			t.Errorf("stored counter = %d, want 5", list[0].SignCount)
		}
	})
}

// A challenge works once, only for the session that asked, for five minutes,
// and on every replica.
func TestChallenge(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ada := e.member(t, "ada")
		d := newDevice(ada)
		mine, other := passkey.SessionBinding("mine"), passkey.SessionBinding("other")
		e.register(t, ada, d, mine, "key")

		opts, err := e.pk.BeginSecondFactor(ctx, ada, mine)
		if err != nil {
			t.Fatal(err)
		}
		resp := assert(t, opts, d, rp)
		if _, err := e.pk.VerifySecondFactor(ctx, ada, other, resp, client()); !errors.Is(err, passkey.ErrExpired) {
			t.Errorf("answered from another session: %v, want ErrExpired", err)
		}
		if _, _, err := e.pk.VerifySignIn(ctx, gatehouse.DefaultOrgID, mine, resp, client()); !errors.Is(err, passkey.ErrExpired) {
			t.Errorf("a second-factor challenge used to sign in: %v, want ErrExpired", err)
		}
		// Neither took it: the session that asked still can.
		if _, err := e.pk.VerifySecondFactor(ctx, ada, mine, resp, client()); err != nil {
			t.Errorf("the session that asked: %v", err)
		}

		opts, err = e.pk.BeginSecondFactor(ctx, ada, mine)
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(passkey.ChallengeTTL + time.Second)
		if _, err := e.pk.VerifySecondFactor(ctx, ada, mine, assert(t, opts, d, rp), client()); !errors.Is(err, passkey.ErrExpired) {
			t.Errorf("after five minutes: %v, want ErrExpired", err)
		}
	})
}

// A ceremony begun on one replica finishes on another: the challenge is in the
// database, not in a process.
func TestChallengeSharedByReplicas(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			one := newEnv(t, gatehousetest.NewStore(t, db.URL))
			two := newEnv(t, gatehousetest.NewStore(t, db.URL))
			two.clock = one.clock
			two.pk.Now, two.acc.Now = one.clock.Now, one.clock.Now
			ada := one.member(t, "ada")
			d := newDevice(ada)
			b := passkey.SessionBinding("s")
			opts, err := one.pk.BeginRegistration(ctx, ada, password, b, client())
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := virtualwebauthn.ParseAttestationOptions(string(opts))
			if err != nil {
				t.Fatal(err)
			}
			resp := virtualwebauthn.CreateAttestationResponse(rp, d.auth, d.cred, *parsed)
			if _, err := two.pk.FinishRegistration(ctx, ada, b, []byte(resp), "key", client()); err != nil {
				t.Fatalf("finishing on the other replica: %v", err)
			}
			d.auth.AddCredential(d.cred)
			opts, err = two.pk.BeginSignIn(ctx, gatehouse.DefaultOrgID, b)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := one.pk.VerifySignIn(ctx, gatehouse.DefaultOrgID, b, assert(t, opts, d, rp), client()); err != nil {
				t.Fatalf("signing in on the other replica: %v", err)
			}
		})
	}
}
